//! The step sequence: which operator runs, on which species, in which
//! order, and when each species steps.
//!
//! The clock advances in base steps of `time.dt`. A split species (LOD,
//! explicit) takes one step per base step. A coupled `implicit` species
//! takes steps of its own `dt` (`every` base steps), cut short so that one
//! ends at every sync point: a cell update, a radiotherapy fraction, and
//! the end of every `advance` (a time-series row or output), and every
//! bolus, infusion start and infusion end of its own plasma curve. A `steady`
//! species is solved at the start, after every cell update, and every
//! `every` base steps when it has its own `dt`. So every event falls on a
//! step boundary of every species, and a caller that reads fields after
//! `advance` sees them all at the same time.

use super::coupled::SolveStats;
use super::{Backend, Method, Plan};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Solves of one coupled species so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SolveLog {
    /// Steps (implicit) or solves (steady).
    pub solves: u64,
    pub cycles: u64,
    pub iterations: u64,
    /// The latest solve.
    pub last: SolveStats,
}

/// Calls and wall time of one operator over a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperatorTime {
    pub name: String,
    pub calls: u64,
    pub seconds: f64,
}

/// Calls and wall time per operator: each species' transport (its split
/// steps, implicit steps or steady solves, advection included), the cell
/// kinetics, spread and radiotherapy. On the GPU the split operators are
/// queued, so their time shows where the device is next waited for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub operators: Vec<OperatorTime>,
}

impl Timing {
    fn add(&mut self, name: &str, start: Instant) {
        let secs = start.elapsed().as_secs_f64();
        match self.operators.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                o.calls += 1;
                o.seconds += secs;
            }
            None => self.operators.push(OperatorTime { name: name.to_string(), calls: 1, seconds: secs }),
        }
    }
}

/// The scheduler's clocks and counters, for a checkpoint: with the
/// backend's state they let a run go on as if it had never stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulerState {
    pub step: u64,
    pub reached: Vec<u64>,
    pub logs: Vec<SolveLog>,
    pub timing: Timing,
    pub owed: Vec<f64>,
    pub started: bool,
}

/// Steps a backend through the plan.
pub struct Scheduler {
    pub plan: Plan,
    pub backend: Box<dyn Backend>,
    step: u64,
    /// Per species: the base step its field has reached (a coupled species
    /// lags the clock by less than its step between sync points); for a
    /// steady species, the step of its latest solve.
    reached: Vec<u64>,
    /// Per species: its coupled solves so far.
    pub logs: Vec<SolveLog>,
    /// Calls and wall time per operator.
    pub timing: Timing,
    /// Per coupled species: time its advection lags behind, min.
    owed: Vec<f64>,
    /// Operator names per species (for `timing`).
    names: Vec<String>,
    started: bool,
}

impl Scheduler {
    pub fn new(plan: Plan, backend: Box<dyn Backend>) -> Self {
        let n = plan.species.len();
        let names = plan.species.iter().map(|s| format!("{} ({})", s.name, s.method.name())).collect();
        Scheduler {
            plan,
            backend,
            step: 0,
            reached: vec![0; n],
            logs: vec![SolveLog::default(); n],
            timing: Timing::default(),
            owed: vec![0.0; n],
            names,
            started: false,
        }
    }

    /// The clocks and counters (see [`SchedulerState`]).
    pub fn state(&self) -> SchedulerState {
        SchedulerState {
            step: self.step,
            reached: self.reached.clone(),
            logs: self.logs.clone(),
            timing: self.timing.clone(),
            owed: self.owed.clone(),
            started: self.started,
        }
    }

    /// Take up the clocks and counters of `st`, from a checkpoint of a
    /// plan with the same species, at a step this plan reaches.
    pub fn restore(&mut self, st: SchedulerState) -> Result<()> {
        let n = self.plan.species.len();
        if st.reached.len() != n || st.logs.len() != n || st.owed.len() != n {
            return Err(Error::Numerical(format!(
                "the checkpoint's scheduler has {} species where the scene has {n}",
                st.reached.len()
            )));
        }
        if st.step > self.plan.steps || st.reached.iter().any(|&r| r > st.step) {
            return Err(Error::Numerical(format!(
                "the checkpoint is at step {}, beyond this run's {} steps",
                st.step, self.plan.steps
            )));
        }
        self.step = st.step;
        self.reached = st.reached;
        self.logs = st.logs;
        self.timing = st.timing;
        self.owed = st.owed;
        self.started = st.started;
        Ok(())
    }

    /// Steps taken so far.
    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Simulated time, min.
    pub fn time(&self) -> f64 {
        self.step as f64 * self.plan.dt
    }

    /// The steady species' first solves (before the first step).
    pub fn start(&mut self) -> Result<()> {
        if self.started {
            return Ok(());
        }
        self.started = true;
        self.solve_steady(0)
    }

    /// Advance every species by one `dt`.
    pub fn step(&mut self) -> Result<()> {
        self.advance(1)
    }

    /// Advance `n` base steps; every species has reached the end of them
    /// when this returns.
    pub fn advance(&mut self, n: u64) -> Result<()> {
        self.start()?;
        for i in 0..n {
            self.base_step(i + 1 == n)?;
        }
        Ok(())
    }

    fn base_step(&mut self, sync_after: bool) -> Result<()> {
        let step = self.step;
        if let Some(c) = &self.plan.cells {
            let dose = c.dose_at(step);
            if dose > 0.0 {
                let t = Instant::now();
                self.backend.irradiate(dose);
                self.timing.add("cells: radiotherapy", t);
            }
        }
        for s in 0..self.plan.species.len() {
            if !self.plan.species[s].method.is_coupled() {
                let t = Instant::now();
                step_species(self.backend.as_mut(), &self.plan, s);
                self.timing.add(&self.names[s], t);
                self.reached[s] = step + 1;
            }
        }
        let now = step + 1;
        let cells_update = self.plan.cells.as_ref().is_some_and(|c| c.updates_after(step));
        let fraction_next = self.plan.cells.as_ref().is_some_and(|c| c.dose_at(now) > 0.0);
        let sync = sync_after || cells_update || fraction_next || now == self.plan.steps;
        for s in 0..self.plan.species.len() {
            let sp = &self.plan.species[s];
            let event = sp.events.binary_search(&now).is_ok();
            match sp.method {
                Method::Implicit if sync || event || now - self.reached[s] >= sp.every => self.implicit(s, now)?,
                Method::Steady if sp.every > 0 && now - self.reached[s] >= sp.every => {
                    self.steady(s, now)?;
                }
                _ => {}
            }
        }
        if cells_update {
            let c = self.plan.cells.as_ref().expect("cells");
            let t = Instant::now();
            self.backend.cell_kinetics(c.trigger_bits(step));
            self.timing.add("cells: kinetics", t);
            let t = Instant::now();
            for _ in 0..c.spread_substeps {
                self.backend.cell_spread();
            }
            if c.spread_substeps > 0 {
                self.timing.add("cells: spread", t);
            }
            self.solve_steady(now)?;
        }
        self.backend.end_step();
        self.step = now;
        Ok(())
    }

    /// Bring implicit species `s` from the step it has reached to `now`.
    fn implicit(&mut self, s: usize, now: u64) -> Result<()> {
        let from = self.reached[s];
        if from >= now {
            return Ok(());
        }
        let t = Instant::now();
        let sp = &self.plan.species[s];
        let steps = now - from;
        // Advection on its own clock: sub-steps of a fixed length, the
        // fastest voxel's Courant number 1 (the least numerical diffusion of
        // upwind, and the same whatever the species' step), as many as the
        // time owed allows, half before the solve and half after (Strang
        // splitting); what is owed carries over (less than one sub-step).
        let h = steps as f64 * self.plan.dt;
        let mut advect = 0;
        if sp.advected() && sp.advection_rate > 0.0 {
            let sub = 1.0 / sp.advection_rate;
            self.owed[s] += h;
            advect = (self.owed[s] / sub + 1e-9).floor() as u64;
            self.owed[s] = (self.owed[s] - advect as f64 * sub).max(0.0);
            self.backend.set_advection_scale(s, (sub / (self.plan.grid.dx * sp.retardation)) as f32);
        }
        let (before, after) = (advect / 2, advect - advect / 2);
        let hold = sp.has_hold;
        let advect_n = |b: &mut dyn Backend, n: u64| {
            for _ in 0..n {
                b.advect(s);
                if hold {
                    b.apply_hold(s);
                }
            }
        };
        advect_n(self.backend.as_mut(), before);
        let stats = self.backend.implicit_step(s, from, steps)?;
        advect_n(self.backend.as_mut(), after);
        self.timing.add(&self.names[s], t);
        self.log(s, stats);
        self.reached[s] = now;
        Ok(())
    }

    fn steady(&mut self, s: usize, now: u64) -> Result<()> {
        let t = Instant::now();
        let stats = self.backend.steady_solve(s, now)?;
        self.timing.add(&self.names[s], t);
        self.log(s, stats);
        self.reached[s] = now;
        Ok(())
    }

    /// Solve every steady species at base step `at`.
    fn solve_steady(&mut self, at: u64) -> Result<()> {
        for s in 0..self.plan.species.len() {
            if self.plan.species[s].method == Method::Steady {
                self.steady(s, at)?;
            }
        }
        Ok(())
    }

    fn log(&mut self, s: usize, stats: SolveStats) {
        let l = &mut self.logs[s];
        l.solves += 1;
        l.cycles += stats.cycles as u64;
        l.iterations += stats.iterations as u64;
        l.last = stats;
    }

    pub fn read_field(&mut self, species: usize) -> Result<Vec<f32>> {
        self.backend.read_field(species)
    }

    /// The cell state (empty without cells).
    pub fn read_cells(&mut self) -> Result<Vec<f32>> {
        self.backend.read_cells()
    }
}

/// One `dt` of one split species: sources and exchange, advection,
/// diffusion–decay with holds, consumption.
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
        // Coupled species are stepped by `Scheduler::implicit` and `steady`.
        Method::Implicit | Method::Steady => {}
    }
    if sp.has_consumption && !sp.fuses_consumption_into_z() {
        b.consume(s);
        if sp.has_hold {
            b.apply_hold(s);
        }
    }
}
