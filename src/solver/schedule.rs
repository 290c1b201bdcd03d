//! What a run will do, counted before it runs: the scheduler itself is
//! driven through the run's sequence of `advance` calls over a backend that
//! only counts the operators it is asked for, so the counts are those of a
//! run. An estimate of the CPU time goes with them, from per-voxel costs
//! measured on the 2-core CPU backend (BENCHMARKS.md, "Schedule estimate").

use super::{Backend, Method, Plan, Scheduler, SolveStats};
use crate::Result;
use std::cell::RefCell;
use std::rc::Rc;

/// Calls of every operator over a whole run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Per species: split steps (LOD or explicit), explicit sub-steps,
    /// advection sub-steps, implicit steps, steady solves.
    pub species: Vec<SpeciesCounts>,
    pub cell_kinetics: u64,
    pub cell_spread: u64,
    pub fractions: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SpeciesCounts {
    pub lod_sweeps: u64,
    pub explicit_substeps: u64,
    pub advection_substeps: u64,
    pub implicit_steps: u64,
    pub steady_solves: u64,
}

/// A backend that does nothing but count.
struct Counter {
    counts: Rc<RefCell<Counts>>,
}

impl Counter {
    fn species(&self, s: usize) -> std::cell::RefMut<'_, SpeciesCounts> {
        std::cell::RefMut::map(self.counts.borrow_mut(), |c| &mut c.species[s])
    }
}

impl Backend for Counter {
    fn kind(&self) -> &'static str {
        "count"
    }
    fn device_name(&self) -> String {
        "none".into()
    }
    fn apply_sources(&mut self, _: usize) {}
    fn vessel_exchange(&mut self, _: usize) {}
    fn advect(&mut self, s: usize) {
        self.species(s).advection_substeps += 1;
    }
    fn consume(&mut self, _: usize) {}
    fn set_advection_scale(&mut self, _: usize, _: f32) {}
    fn end_step(&mut self) {}
    fn lod_sweep(&mut self, s: usize, _: usize) {
        self.species(s).lod_sweeps += 1;
    }
    fn explicit_substep(&mut self, s: usize) {
        self.species(s).explicit_substeps += 1;
    }
    fn apply_hold(&mut self, _: usize) {}
    fn implicit_step(&mut self, s: usize, _: u64, _: u64) -> Result<SolveStats> {
        self.species(s).implicit_steps += 1;
        Ok(SolveStats::default())
    }
    fn steady_solve(&mut self, s: usize, _: u64) -> Result<SolveStats> {
        self.species(s).steady_solves += 1;
        Ok(SolveStats::default())
    }
    fn cell_kinetics(&mut self, _: u32) {
        self.counts.borrow_mut().cell_kinetics += 1;
    }
    fn cell_spread(&mut self) {
        self.counts.borrow_mut().cell_spread += 1;
    }
    fn irradiate(&mut self, _: f32) {
        self.counts.borrow_mut().fractions += 1;
    }
    fn read_cells(&mut self) -> Result<Vec<f32>> {
        Ok(Vec::new())
    }
    fn write_cells(&mut self, _: &[f32]) -> Result<()> {
        Ok(())
    }
    fn read_field(&mut self, _: usize) -> Result<Vec<f32>> {
        Ok(Vec::new())
    }
    fn write_field(&mut self, _: usize, _: &[f32]) -> Result<()> {
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
    // Counting keeps no fields: its state is the counts, which a
    // checkpoint never holds.
    fn save_state(&mut self) -> Result<crate::solver::BackendState> {
        Ok(crate::solver::BackendState::default())
    }
    fn load_state(&mut self, _: &crate::solver::BackendState) -> Result<()> {
        Ok(())
    }
    fn sweep_z_then_consume(&mut self, s: usize) {
        self.lod_sweep(s, 2);
    }
    fn sources_then_sweep_x(&mut self, s: usize, _: bool) {
        self.lod_sweep(s, 0);
    }
}

/// Base steps above which the count is not run (it would take longer than
/// a check should; `check` says so).
pub const MAX_COUNTED_STEPS: u64 = 50_000_000;

/// Every operator call of a run of `plan`, or `None` beyond
/// [`MAX_COUNTED_STEPS`].
pub fn count(plan: &Plan) -> Option<Counts> {
    if plan.steps > MAX_COUNTED_STEPS {
        return None;
    }
    let counts = Rc::new(RefCell::new(Counts {
        species: vec![SpeciesCounts::default(); plan.species.len()],
        ..Counts::default()
    }));
    let mut s = Scheduler::new(plan.clone(), Box::new(Counter { counts: counts.clone() }));
    s.start().ok()?;
    for n in plan.segments() {
        s.advance(n).ok()?;
    }
    drop(s);
    Rc::try_unwrap(counts).ok().map(RefCell::into_inner)
}

/// Per-voxel CPU costs, ns per voxel per call, on 2-core CPU backends at
/// 128³: the implicit, steady, kinetics and spread costs from the 21-day
/// course run whole on a 2-core AMD EPYC (Zen 5); a 2-core Intel Xeon ran
/// its first 6 hours 1.55 times slower (BENCHMARKS.md, "Schedule
/// estimate"). The others from bench rows.
pub mod cost {
    /// One LOD sweep.
    pub const LOD_SWEEP: f64 = 1.3;
    /// One explicit sub-step.
    pub const EXPLICIT_SUBSTEP: f64 = 1.0;
    /// One advection sub-step.
    pub const ADVECTION_SUBSTEP: f64 = 2.0;
    /// One coupled implicit step of the 21-day course (5 min) at the
    /// preset's tolerance 1e-5, each step starting from the previous
    /// solution, its advection sub-steps included: the mean of the drug's
    /// and the liposomes' steps over the whole course (64.0 and 51.1 ns at
    /// 4.2 and 3.2 V-cycles). At the default tolerance 1e-6 a step takes
    /// about one V-cycle more, so the estimate is about 20 % low there.
    pub const IMPLICIT_STEP: f64 = 57.5;
    /// One steady solve after a cell update (warm start: about 4 V-cycles).
    pub const STEADY_SOLVE: f64 = 80.0;
    /// One Runge–Kutta sub-step of the cell kinetics at the cells' count,
    /// per voxel of the grid, averaged over the course (voxels without
    /// cells take fewer sub-steps, so this is the cost of a call divided by
    /// the cells' count: 89 ns / 28).
    pub const CELL_KINETICS_SUBSTEP: f64 = 3.2;
    /// One spread sub-step, per voxel of the grid, averaged over the
    /// course (the spread computes only the rows near a voxel above its
    /// threshold; with every voxel crowded it costs about 77).
    pub const CELL_SPREAD: f64 = 6.8;
    /// Fixed cost of one base step per species, whatever the grid: the
    /// scheduler's and the thread pool's own work (77 µs measured on a
    /// 2-voxel grid on a busy 2-core machine; 20 µs taken as a floor).
    pub const STEP_FIXED_NS: f64 = 20_000.0;
}

impl Counts {
    /// Estimated CPU seconds of the run on `voxels` voxels, per operator:
    /// (name, calls, seconds).
    pub fn estimate(&self, plan: &Plan, voxels: usize) -> Vec<(String, u64, f64)> {
        let v = voxels as f64 * 1e-9;
        let mut rows = Vec::new();
        for (c, sp) in self.species.iter().zip(&plan.species) {
            let n = &sp.name;
            match sp.method {
                Method::Lod => {
                    rows.push((format!("{n}: LOD sweeps"), c.lod_sweeps, c.lod_sweeps as f64 * cost::LOD_SWEEP * v))
                }
                Method::Explicit { .. } => rows.push((
                    format!("{n}: explicit sub-steps"),
                    c.explicit_substeps,
                    c.explicit_substeps as f64 * cost::EXPLICIT_SUBSTEP * v,
                )),
                Method::Implicit => rows.push((
                    format!("{n}: implicit steps"),
                    c.implicit_steps,
                    c.implicit_steps as f64 * cost::IMPLICIT_STEP * v,
                )),
                Method::Steady => rows.push((
                    format!("{n}: steady solves"),
                    c.steady_solves,
                    c.steady_solves as f64 * cost::STEADY_SOLVE * v,
                )),
            }
            if c.advection_substeps > 0 {
                rows.push((
                    format!("{n}: advection sub-steps"),
                    c.advection_substeps,
                    c.advection_substeps as f64 * cost::ADVECTION_SUBSTEP * v,
                ));
            }
        }
        if plan.cells.is_some() {
            rows.push((
                "cells: kinetics".into(),
                self.cell_kinetics,
                self.cell_kinetics as f64
                    * plan.cells.as_ref().map_or(0.0, |c| c.substeps as f64)
                    * cost::CELL_KINETICS_SUBSTEP
                    * v,
            ));
            rows.push((
                "cells: spread sub-steps".into(),
                self.cell_spread,
                self.cell_spread as f64 * cost::CELL_SPREAD * v,
            ));
            rows.push(("cells: radiotherapy fractions".into(), self.fractions, 0.0));
        }
        rows
    }
}

/// Longest estimated run, s, that `check` and `run` accept without
/// `--force`: a day.
pub const MAX_RUN_SECONDS: f64 = 86_400.0;

/// How fast a device runs the operators, as a multiple of the 2-core CPU
/// backend whose per-voxel costs are in [`cost`].
#[derive(Debug, Clone, PartialEq)]
pub struct Speed {
    /// The device, in words.
    pub device: String,
    pub factor: f64,
}

impl Speed {
    /// The CPU backend on `threads` threads: the measured costs scaled as if
    /// every thread added as much as each of the two measured.
    pub fn cpu(threads: usize) -> Speed {
        Speed { device: format!("the CPU backend ({threads} threads)"), factor: threads.max(1) as f64 / 2.0 }
    }

    /// A hardware GPU. None has been measured (BENCHMARKS.md), so it is
    /// taken as 100 times the 2-core CPU: generous on purpose, so that a
    /// refusal means the run cannot finish in a day.
    pub fn hardware_gpu(name: &str) -> Speed {
        Speed { device: format!("the GPU {name} (taken as 100× the 2-core CPU)"), factor: 100.0 }
    }

    /// A software adapter: measured slower than the 2-core CPU backend;
    /// taken as fast as it.
    pub fn software_gpu(name: &str) -> Speed {
        Speed { device: format!("the software adapter {name}"), factor: 1.0 }
    }
}

/// A run's work before it runs: the operator calls when counted, and the
/// estimated seconds on the 2-core CPU backend.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub counts: Option<Counts>,
    /// (operator, calls, seconds) per operator when counted.
    pub rows: Vec<(String, u64, f64)>,
    /// The whole run on the 2-core CPU backend, s: the counted calls, or
    /// beyond [`MAX_COUNTED_STEPS`] the calls of one base step times the
    /// steps (a lower bound: steps cut at outputs and doses not counted).
    pub cpu_seconds: f64,
}

/// The estimate of a run of `plan` (advection sub-steps, known only once
/// the world is built, not included).
pub fn estimate(plan: &Plan) -> Estimate {
    let voxels = plan.grid.len();
    let fixed_calls = plan.steps.saturating_mul(plan.species.len() as u64);
    let fixed =
        ("fixed cost per step and species".to_string(), fixed_calls, fixed_calls as f64 * cost::STEP_FIXED_NS * 1e-9);
    match count(plan) {
        Some(c) => {
            let mut rows = c.estimate(plan, voxels);
            rows.push(fixed);
            let cpu_seconds = rows.iter().map(|r| r.2).sum();
            Estimate { counts: Some(c), rows, cpu_seconds }
        }
        None => Estimate {
            counts: None,
            rows: Vec::new(),
            cpu_seconds: per_step_ns(plan) * 1e-9 * voxels as f64 * plan.steps as f64 + fixed.2,
        },
    }
}

/// ns per voxel of one base step, at least (every split step's sweeps or
/// sub-steps, an implicit species' step every `every` base steps, the cell
/// updates; no steady solves).
fn per_step_ns(plan: &Plan) -> f64 {
    let mut ns = 0.0;
    for sp in &plan.species {
        ns += match sp.method {
            Method::Lod => 3.0 * cost::LOD_SWEEP,
            Method::Explicit { substeps } => substeps as f64 * cost::EXPLICIT_SUBSTEP,
            Method::Implicit => cost::IMPLICIT_STEP / sp.every.max(1) as f64,
            Method::Steady => 0.0,
        };
    }
    if let Some(c) = &plan.cells {
        let per_update = c.substeps as f64 * cost::CELL_KINETICS_SUBSTEP + c.spread_substeps as f64 * cost::CELL_SPREAD;
        ns += per_update / c.interval.max(1) as f64;
    }
    ns
}

impl Estimate {
    /// Estimated seconds on a device of `speed`.
    pub fn seconds_on(&self, speed: &Speed) -> f64 {
        self.cpu_seconds / speed.factor
    }

    /// Refuse (an input error) a run estimated beyond [`MAX_RUN_SECONDS`] on
    /// `speed` unless `force`.
    pub fn check(&self, plan: &Plan, speed: &Speed, force: bool) -> Result<()> {
        let secs = self.seconds_on(speed);
        if force || secs <= MAX_RUN_SECONDS {
            return Ok(());
        }
        let biggest = self
            .rows
            .iter()
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .map(|r| format!("; the largest share is {} ({} calls)", r.0, r.1))
            .unwrap_or_default();
        Err(crate::Error::scene(
            "time.duration",
            format!(
                "the run is estimated at {:.1} h on {} ({} steps of {} voxels{biggest}), more than a day",
                secs / 3600.0,
                speed.device,
                plan.steps,
                plan.grid.len()
            ),
            "give --force to go ahead anyway, or reduce time.duration, grid.shape, the number of species, or their \
             sub-steps and solves (oncovox check lists every operator's calls and time)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::scene::{Scene, Validated};
    use crate::solver::Plan;

    fn plan(plasma: &str) -> Plan {
        let text = format!(
            "[grid]\nshape = [4, 4, 4]\ndx = 10.0\n[time]\ndt = 1.0\nduration = 100.0\noutput_interval = 100.0\n\
             [vessels]\n[[species]]\nname = \"d\"\ndiffusion = 100.0\nsolver = \"implicit\"\ndt = 10.0\n\
             wall = {{ permeability = {{ normal = 10.0, tumour = 10.0 }} }}\nplasma = {plasma}\n[[species]]\nname = \"o\"\ndiffusion = 100.0\nsolver = \"steady\"\n"
        );
        Plan::new(&Validated::new(Scene::from_toml(&text).unwrap()).unwrap())
    }

    #[test]
    fn coupled_steps_end_at_rows_and_at_doses() {
        // Rows every 10 steps, the species' step 10: ten steps.
        let c = super::count(&plan("{ preset = \"free_doxorubicin\" }")).unwrap();
        assert_eq!((c.species[0].implicit_steps, c.species[1].steady_solves), (10, 1));
        // A bolus at 25 min cuts the step over 20–30 in two.
        let c = super::count(&plan("{ preset = \"free_doxorubicin\", start = 25.0 }")).unwrap();
        assert_eq!(c.species[0].implicit_steps, 11);
        // Two 5-minute infusions from 42 min: cuts at 42 and 47 and at 52 and 57.
        let c = super::count(&plan(
            "{ preset = \"free_doxorubicin\", start = 42.0, infusion = 5.0, count = 2, every = 10.0 }",
        ))
        .unwrap();
        assert_eq!(c.species[0].implicit_steps, 14);
    }
}
