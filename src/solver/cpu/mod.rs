//! The reference backend: plain Rust + rayon, f32, one array per field,
//! the same operators and arithmetic as the WGSL kernels.

mod advection;
pub mod cells;
mod cells_backend;
mod columns;
mod explicit;
pub(crate) mod lod;
mod lod_tissue;
mod pointwise;

pub use advection::advect;
pub use explicit::{explicit_substep, explicit_substep_tissue};
pub use lod::{lod_sweep_x, lod_sweep_y, lod_sweep_z};
pub use lod_tissue::lod_sweep_tissue;
pub use pointwise::{Held, apply_sources, consume, vessel_exchange};

use super::BackendState;
use super::coupled::{self, CoupledCpu, SolveLimits};
use super::{SolveStats, coeffs};

use super::{Backend, Plan};
use crate::grid::FaceFlow;
use crate::world::World;
use crate::{Error, Result};

/// Per-voxel arrays of one species, as the kernels read them.
struct SpeciesCpu {
    src_add: Option<Vec<f32>>,
    src_scale: Option<Vec<f32>>,
    hold: Option<Held>,
    /// `dt·inflow` and the per-step plasma curve.
    exchange: Option<(Vec<f32>, Vec<f32>)>,
    /// `dt·V` per voxel (split species) or `V` (coupled), and K.
    consumption: Option<(Vec<f32>, f32)>,
    /// Per-voxel `D·dt_sub/dx²` (explicit).
    rvox: Option<Vec<f32>>,
    /// Per-voxel Thomas coefficients per axis (LOD).
    lod_tissue: Option<[Vec<f32>; 3]>,
    /// The multigrid solver of a coupled species.
    coupled: Option<CoupledCpu>,
}

/// Fields and per-voxel data in host memory.
pub struct CpuBackend {
    plan: Plan,
    fields: Vec<Vec<f32>>,
    data: Vec<SpeciesCpu>,
    flow: Option<FaceFlow>,
    /// Steps taken (indexes the plasma curves).
    clock: usize,
    /// Output of explicit sub-steps, swapped with the field after each.
    scratch: Vec<f32>,
    /// A row of zeros: the outside beyond a face, for advection.
    zero_row: Vec<f32>,
    /// Cell state and its buffers, when the scene has cells.
    cells: Option<cells_backend::CellsCpu>,
    /// Per species, the Courant factor of its advection sub-steps.
    advection_scale: Vec<f32>,
}

impl CpuBackend {
    pub fn new(plan: &Plan, world: &World) -> Result<Self> {
        Self::build(plan, world, true)
    }

    /// A backend that runs every operator but the coupled solves (which a
    /// caller does with the fields of [`CpuBackend::field_mut`]): a slab's.
    pub(crate) fn without_solvers(plan: &Plan, world: &World) -> Result<Self> {
        Self::build(plan, world, false)
    }

    fn build(plan: &Plan, world: &World, solvers: bool) -> Result<Self> {
        let needs_scratch =
            plan.species.iter().any(|s| matches!(s.method, super::Method::Explicit { .. }) || s.advected());
        let dt = plan.dt as f32;
        let mut data = Vec::with_capacity(plan.species.len());
        for (si, (s, sp)) in world.species.iter().zip(&plan.species).enumerate() {
            let coupled = sp.method.is_coupled();
            let (src_add, src_scale) = match (&s.sources, coupled) {
                (Some(src), false) => {
                    let (a, sc) = coeffs::source_step(src, plan.dt);
                    (Some(a), Some(sc))
                }
                _ => (None, None),
            };
            let solver = if coupled && solvers {
                let problem = coupled::problem(&world.grid, s);
                let rates = coupled::Rates::new(s, sp.decay, world.grid.len());
                Some(CoupledCpu::new(&problem, rates, &format!("species {}", sp.name))?)
            } else {
                None
            };
            data.push(SpeciesCpu {
                src_add,
                src_scale,
                hold: s.hold.as_ref().map(|h| Held::new(h, world.grid.shape[0] * world.grid.shape[1])),
                exchange: s.exchange.as_ref().map(|e| {
                    let inflow = if coupled { Vec::new() } else { e.inflow.iter().map(|&a| a * dt).collect() };
                    (inflow, e.plasma.clone())
                }),
                consumption: coeffs::species_consumption(plan, world, si).map(|c| (c, s.half_saturation)),
                rvox: s.diffusion.as_ref().filter(|_| sp.method.is_explicit()).map(|d| coeffs::rvox(d, plan, sp)),
                lod_tissue: s
                    .diffusion
                    .as_ref()
                    .filter(|_| sp.method == super::Method::Lod)
                    .map(|d| coeffs::lod_tissue(d, plan, sp)),
                coupled: solver,
            });
        }
        Ok(CpuBackend {
            plan: plan.clone(),
            fields: world.species.iter().map(|s| s.initial.clone()).collect(),
            data,
            flow: world.vascular.as_ref().and_then(|v| v.velocity.clone()),
            clock: 0,
            scratch: if needs_scratch { vec![0.0; world.grid.len()] } else { Vec::new() },
            zero_row: vec![0.0; world.grid.shape[0]],
            cells: cells_backend::CellsCpu::new(plan, world),
            advection_scale: plan.species.iter().map(|s| s.advection_scale).collect(),
        })
    }

    /// Species `s`'s field.
    pub(crate) fn field_mut(&mut self, s: usize) -> &mut Vec<f32> {
        &mut self.fields[s]
    }

    /// Species `s`'s consumption (`V` per voxel, or `dt·V` for a split
    /// species) and its half-saturation, when something consumes it.
    pub(crate) fn consumption(&self, s: usize) -> Option<(&[f32], f32)> {
        self.data[s].consumption.as_ref().map(|(v, k)| (&v[..], *k))
    }

    /// Species `s`'s plasma curve (mean per base step; empty without one).
    pub(crate) fn plasma(&self, s: usize) -> &[f32] {
        self.data[s].exchange.as_ref().map_or(&[][..], |(_, p)| &p[..])
    }

    /// The cell state (`Layout::state` arrays), when the scene has cells.
    pub(crate) fn cell_state_mut(&mut self) -> Option<&mut [f32]> {
        self.cells.as_mut().map(|c| &mut c.state[..])
    }

    /// A coupled species' solver, field, consumption and plasma table, for one solve.
    fn coupled_parts(&mut self, s: usize) -> Result<CoupledParts<'_>> {
        let d = &mut self.data[s];
        let (vmax, half_saturation) = match &d.consumption {
            Some((v, k)) => (Some(&v[..]), *k),
            None => (None, 0.0),
        };
        let plasma = d.exchange.as_ref().map_or(&[][..], |(_, p)| &p[..]);
        let solver = d.coupled.as_mut().ok_or_else(|| {
            Error::Numerical(format!("species {} is not solved by the coupled solver", self.plan.species[s].name))
        })?;
        Ok(CoupledParts { plan: &self.plan, solver, field: &mut self.fields[s], vmax, half_saturation, plasma })
    }
}

/// Which coupled solve.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Solve {
    /// A backward-Euler step over base steps `first..first + steps`.
    Step { first: u64, steps: u64 },
    /// The steady state with the plasma level of base step `at`.
    Steady { at: u64 },
}

/// One coupled solve of species `s` of `plan` on `field` (in place), with
/// `vmax` its consumption's maximum rate per voxel and `plasma` its plasma
/// curve.
#[allow(clippy::too_many_arguments, reason = "one solve's inputs, spelled out")]
pub(crate) fn coupled_solve(
    plan: &Plan,
    s: usize,
    what: Solve,
    solver: &mut CoupledCpu,
    field: &mut [f32],
    vmax: Option<&[f32]>,
    half_saturation: f32,
    plasma: &[f32],
) -> Result<SolveStats> {
    let limits = SolveLimits::new(plan.species[s].tolerance);
    match what {
        Solve::Step { first, steps } => {
            let cp = coeffs::plasma_mean(plasma, first, steps);
            solver.step(field, vmax, half_saturation, steps as f64 * plan.dt, cp, limits)
        }
        Solve::Steady { at } => {
            let cp = coeffs::plasma_mean(plasma, at, 1);
            solver.steady(field, vmax, half_saturation, cp, limits)
        }
    }
}

/// What one coupled solve of the CPU backend works on.
struct CoupledParts<'a> {
    plan: &'a Plan,
    solver: &'a mut CoupledCpu,
    field: &'a mut Vec<f32>,
    vmax: Option<&'a [f32]>,
    half_saturation: f32,
    plasma: &'a [f32],
}

impl Backend for CpuBackend {
    fn kind(&self) -> &'static str {
        "cpu"
    }

    fn device_name(&self) -> String {
        format!("CPU, {} rayon threads", rayon::current_num_threads())
    }

    fn apply_sources(&mut self, s: usize) {
        if let (Some(a), Some(sc)) = (&self.data[s].src_add, &self.data[s].src_scale) {
            apply_sources(&mut self.fields[s], a, sc);
        }
    }

    fn lod_sweep(&mut self, s: usize, axis: usize) {
        let shape = self.plan.grid.shape;
        let f = &mut self.fields[s];
        if let Some(co) = &self.data[s].lod_tissue {
            lod_sweep_tissue(f, shape, axis, &co[axis]);
            return;
        }
        let co = &self.plan.species[s].lod[axis];
        match axis {
            0 => lod_sweep_x(f, shape, co),
            1 => lod_sweep_y(f, shape, co),
            _ => lod_sweep_z(f, shape, co),
        }
    }

    fn vessel_exchange(&mut self, s: usize) {
        let d = &self.data[s];
        if let (Some(a), Some(sc), Some((inflow, plasma))) = (&d.src_add, &d.src_scale, &d.exchange) {
            let cp = plasma[self.clock.min(plasma.len().saturating_sub(1))];
            vessel_exchange(&mut self.fields[s], a, sc, inflow, cp);
        }
    }

    fn advect(&mut self, s: usize) {
        let Some(flow) = &self.flow else { return };
        if self.scratch.len() != self.fields[s].len() {
            self.scratch = vec![0.0; self.fields[s].len()];
        }
        let scale = self.advection_scale[s];
        advect(&self.plan.grid, flow, scale, &self.fields[s], &mut self.scratch, &self.zero_row);
        std::mem::swap(&mut self.fields[s], &mut self.scratch);
    }

    fn set_advection_scale(&mut self, s: usize, scale: f32) {
        self.advection_scale[s] = scale;
    }

    fn consume(&mut self, s: usize) {
        if let Some((rate, k)) = &self.data[s].consumption {
            consume(&mut self.fields[s], rate, *k);
        }
    }

    fn end_step(&mut self) {
        self.clock += 1;
    }

    fn explicit_substep(&mut self, s: usize) {
        let sp = &self.plan.species[s];
        if self.scratch.len() != self.fields[s].len() {
            self.scratch = vec![0.0; self.fields[s].len()];
        }
        match &self.data[s].rvox {
            Some(r) => {
                explicit_substep_tissue(&self.fields[s], &mut self.scratch, r, self.plan.grid.shape, sp.explicit_decay)
            }
            None => explicit_substep(
                &self.fields[s],
                &mut self.scratch,
                self.plan.grid.shape,
                sp.explicit_r,
                sp.explicit_decay,
            ),
        }
        std::mem::swap(&mut self.fields[s], &mut self.scratch);
    }

    fn apply_hold(&mut self, s: usize) {
        if let Some(h) = &self.data[s].hold {
            h.apply(&mut self.fields[s]);
        }
    }

    fn implicit_step(&mut self, s: usize, first: u64, steps: u64) -> Result<SolveStats> {
        let c = self.coupled_parts(s)?;
        coupled_solve(c.plan, s, Solve::Step { first, steps }, c.solver, c.field, c.vmax, c.half_saturation, c.plasma)
    }

    fn steady_solve(&mut self, s: usize, at: u64) -> Result<SolveStats> {
        let c = self.coupled_parts(s)?;
        coupled_solve(c.plan, s, Solve::Steady { at }, c.solver, c.field, c.vmax, c.half_saturation, c.plasma)
    }

    fn read_field(&mut self, s: usize) -> Result<Vec<f32>> {
        Ok(self.fields[s].clone())
    }

    fn write_field(&mut self, s: usize, data: &[f32]) -> Result<()> {
        if data.len() != self.fields[s].len() {
            return Err(Error::Numerical(format!(
                "field of {} values written to a grid of {}",
                data.len(),
                self.fields[s].len()
            )));
        }
        self.fields[s].copy_from_slice(data);
        Ok(())
    }

    fn cell_kinetics(&mut self, trigger_on: u32) {
        if let Some(c) = &mut self.cells {
            let o2 = c.oxygen().and_then(|s| self.data[s].consumption.as_mut());
            if let Some((rate, _)) = o2 {
                c.kinetics(&mut self.fields, trigger_on, rate);
            }
        }
    }

    fn cell_spread(&mut self) {
        if let Some(c) = &mut self.cells {
            c.spread(self.plan.grid.shape);
        }
    }

    fn irradiate(&mut self, dose: f32) {
        if let Some(c) = &mut self.cells {
            c.irradiate(&mut self.fields, dose);
        }
    }

    fn read_cells(&mut self) -> Result<Vec<f32>> {
        Ok(self.cells.as_ref().map(|c| c.state.clone()).unwrap_or_default())
    }

    fn write_cells(&mut self, data: &[f32]) -> Result<()> {
        match &mut self.cells {
            Some(c) if c.state.len() == data.len() => {
                c.state.copy_from_slice(data);
                Ok(())
            }
            _ => Err(Error::Numerical(format!("cell state of {} values does not match the scene", data.len()))),
        }
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }

    fn save_state(&mut self) -> Result<BackendState> {
        let cells = self.cells.as_ref();
        let oxygen = cells.and_then(|c| c.oxygen()).and_then(|s| self.data[s].consumption.as_ref());
        Ok(BackendState {
            clock: self.clock as u64,
            fields: self.fields.clone(),
            cells: cells.map(|c| c.state.clone()).unwrap_or_default(),
            linked: cells.map(|c| c.linked().to_vec()).unwrap_or_default(),
            oxygen_rate: oxygen.map(|(rate, _)| rate.clone()).unwrap_or_default(),
            solutions: self.data.iter().map(|d| d.coupled.as_ref().and_then(|c| c.warm_start())).collect(),
        })
    }

    fn load_state(&mut self, st: &BackendState) -> Result<()> {
        let cells = self.cells.as_ref();
        let rate = cells.and_then(|c| c.oxygen()).and_then(|s| self.data[s].consumption.as_ref());
        let (n_cells, n_linked) = cells.map_or((0, 0), |c| (c.state.len(), c.linked().len()));
        st.check(self.plan.grid.len(), self.fields.len(), n_cells, n_linked, rate.map_or(0, |(r, _)| r.len()))?;
        self.clock = st.clock as usize;
        self.fields.clone_from(&st.fields);
        if let Some(c) = &mut self.cells {
            c.state.copy_from_slice(&st.cells);
            c.linked_mut().copy_from_slice(&st.linked);
            if let Some((rate, _)) = c.oxygen().and_then(|s| self.data[s].consumption.as_mut()) {
                rate.copy_from_slice(&st.oxygen_rate);
            }
        }
        for (d, w) in self.data.iter_mut().zip(&st.solutions) {
            if let Some(c) = &mut d.coupled {
                c.set_warm_start(w.as_deref());
            }
        }
        Ok(())
    }
}
