//! The step sequence: which operator runs, on which species, in which order.

use super::{Backend, Method, Plan};
use crate::Result;

/// Steps a backend through the plan.
pub struct Scheduler {
    pub plan: Plan,
    pub backend: Box<dyn Backend>,
    step: u64,
}

impl Scheduler {
    pub fn new(plan: Plan, backend: Box<dyn Backend>) -> Self {
        Scheduler { plan, backend, step: 0 }
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Simulated time, min.
    pub fn time(&self) -> f64 {
        self.step as f64 * self.plan.dt
    }

    /// Advance every species by one `dt`.
    pub fn step(&mut self) {
        if let Some(c) = &self.plan.cells {
            let dose = c.dose_at(self.step);
            if dose > 0.0 {
                self.backend.irradiate(dose);
            }
        }
        for s in 0..self.plan.species.len() {
            step_species(self.backend.as_mut(), &self.plan, s);
        }
        if let Some(c) = &self.plan.cells {
            if c.updates_after(self.step) {
                self.backend.cell_kinetics(c.trigger_bits(self.step));
                for _ in 0..c.spread_substeps {
                    self.backend.cell_spread();
                }
            }
        }
        self.backend.end_step();
        self.step += 1;
    }

    /// Advance `n` steps.
    pub fn advance(&mut self, n: u64) {
        for _ in 0..n {
            self.step();
        }
    }

    pub fn read_field(&mut self, species: usize) -> Result<Vec<f32>> {
        self.backend.read_field(species)
    }

    /// The cell state (empty without cells).
    pub fn read_cells(&mut self) -> Result<Vec<f32>> {
        self.backend.read_cells()
    }
}

/// One `dt` of one species: sources and exchange, advection, diffusion–decay
/// with holds, consumption.
pub fn step_species(b: &mut dyn Backend, plan: &Plan, s: usize) {
    let sp = &plan.species[s];
    let fused = sp.fuses_sources_into_x();
    if fused {
        b.sources_then_sweep_x(s, sp.has_exchange);
        if sp.has_hold {
            b.apply_hold(s);
        }
    } else if sp.has_exchange {
        b.vessel_exchange(s);
    } else if sp.has_sources {
        b.apply_sources(s);
    }
    for _ in 0..sp.advection.unwrap_or(0) {
        b.advect(s);
        if sp.has_hold {
            b.apply_hold(s);
        }
    }
    match sp.method {
        Method::Lod => {
            let consume_fused = sp.fuses_consumption_into_z();
            for axis in usize::from(fused)..3 {
                if axis == 2 && consume_fused {
                    b.sweep_z_then_consume(s);
                } else {
                    b.lod_sweep(s, axis);
                }
                if sp.has_hold {
                    b.apply_hold(s);
                }
            }
        }
        Method::Explicit { substeps } => {
            for _ in 0..substeps {
                b.explicit_substep(s);
                if sp.has_hold {
                    b.apply_hold(s);
                }
            }
        }
    }
    if sp.has_consumption && !sp.fuses_consumption_into_z() {
        b.consume(s);
        if sp.has_hold {
            b.apply_hold(s);
        }
    }
}
