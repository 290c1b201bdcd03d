//! The CPU backend on a slab: every rank runs the single-process CPU
//! backend on its held planes (a world of those planes alone), with the
//! halos refreshed before every stencil, the LOD z sweep as a pipeline
//! across ranks, and the coupled solves on rank 0 over the whole grid (the
//! field and its consumption gathered there, the solution scattered back).
//! Every owned voxel so gets, bit for bit, the value one process gives it;
//! what a run reads (fields, cell state, checkpoints) is gathered at rank
//! 0, and is empty on the other ranks.

use super::{Link, Slab, gather, halo, lod_z};
use crate::model::cells::Layout;
use crate::solver::coupled::{self, CoupledCpu};
use crate::solver::cpu::{CpuBackend, Solve, coupled_solve};
use crate::solver::{Backend, BackendState, Method, Plan, SolveStats};
use crate::world::World;
use crate::{Error, Result};
use std::rc::Rc;

/// The CPU backend of one rank of a run split into slabs.
pub struct SlabBackend {
    link: Rc<dyn Link>,
    slab: Slab,
    /// The whole grid's plan (its LOD z coefficients, steps and tolerances).
    plan: Plan,
    /// The single-process backend on the held planes.
    inner: CpuBackend,
    /// Rank 0: per species, the whole grid's coupled solver.
    solvers: Vec<Option<CoupledCpu>>,
    /// Per species, the half-saturation of its consumption.
    half_saturation: Vec<f32>,
    /// The cell state's layout, when the scene has cells.
    cells: Option<Layout>,
}

impl SlabBackend {
    /// This rank's backend for `plan` (of the whole grid) and the whole
    /// `world`.
    pub fn new(link: Rc<dyn Link>, plan: &Plan, world: &World) -> Result<SlabBackend> {
        let slab = Slab::of(plan.grid.shape, link.rank(), link.size())?;
        Self::check(plan)?;
        let part = world.planes(slab.held());
        let mut held_plan = plan.clone();
        held_plan.grid = part.grid;
        let inner = CpuBackend::without_solvers(&held_plan, &part)?;
        let mut solvers = Vec::with_capacity(plan.species.len());
        for (s, (sp, data)) in plan.species.iter().zip(&world.species).enumerate() {
            solvers.push(if sp.method.is_coupled() && link.rank() == 0 {
                let rates = coupled::Rates::new(data, sp.decay, world.grid.len());
                let problem = coupled::problem(&world.grid, data);
                Some(CoupledCpu::new(&problem, rates, &format!("species {}", plan.species[s].name))?)
            } else {
                None
            });
        }
        Ok(SlabBackend {
            link,
            slab,
            plan: plan.clone(),
            inner,
            solvers,
            half_saturation: world.species.iter().map(|d| d.half_saturation).collect(),
            cells: plan.cells.as_ref().map(|c| c.kinetics.layout),
        })
    }

    /// Refuse a plan with what slabs do not run: the LOD solver with a
    /// diffusion coefficient per tissue (its z sweep is not a pipeline).
    pub fn check(plan: &Plan) -> Result<()> {
        match plan.species.iter().find(|sp| sp.method == Method::Lod && sp.heterogeneous) {
            Some(sp) => Err(Error::scene(
                format!("species.{}.solver", sp.name),
                format!(
                    "species {}: the LOD solver with a diffusion coefficient per tissue is not split over ranks",
                    sp.name
                ),
                "give the species solver = \"implicit\" (or \"explicit\"), or run on one rank",
            )),
            None => Ok(()),
        }
    }

    /// Voxels of the held planes.
    fn held_len(&self) -> usize {
        self.slab.plane() * self.slab.held().len()
    }

    /// Arrays of held voxels one after the other, each gathered at rank 0
    /// (empty elsewhere).
    fn gather_each(&self, held: &[f32]) -> Vec<f32> {
        let n = self.held_len();
        held.chunks_exact(n).flat_map(|a| gather(&*self.link, &self.slab, a)).collect()
    }

    /// Arrays of whole-grid voxels one after the other, each cut to the
    /// held planes.
    fn cut_each(&self, whole: &[f32]) -> Vec<f32> {
        let n = self.slab.plane() * self.slab.shape[2];
        whole.chunks_exact(n).flat_map(|a| self.slab.cut(a)).collect()
    }

    /// A coupled solve of species `s` on rank 0 over the whole grid; its
    /// outcome and the solution's held planes are sent to every rank.
    fn coupled(&mut self, s: usize, what: Solve) -> Result<SolveStats> {
        let field = gather(&*self.link, &self.slab, self.inner.field_mut(s));
        let vmax = self.inner.consumption(s).map(|(v, _)| gather(&*self.link, &self.slab, v));
        if self.link.rank() == 0 {
            let mut field = field;
            let solver = self.solvers[s].as_mut().ok_or_else(|| {
                Error::Numerical(format!("species {} is not solved by the coupled solver", self.plan.species[s].name))
            });
            let plasma = self.inner.plasma(s);
            let k = self.half_saturation[s];
            let outcome =
                solver.and_then(|sv| coupled_solve(&self.plan, s, what, sv, &mut field, vmax.as_deref(), k, plasma));
            let word = encode(&outcome);
            for r in 1..self.link.size() {
                send_bytes(&*self.link, r, &word);
            }
            if outcome.is_ok() {
                let p = self.slab.plane();
                for r in (0..self.link.size()).rev() {
                    let held = Slab::of(self.slab.shape, r, self.link.size())?.held();
                    let part = &field[held.start * p..held.end * p];
                    if r == 0 {
                        self.inner.field_mut(s).copy_from_slice(part);
                    } else {
                        self.link.send(r, bytemuck::cast_slice(part));
                    }
                }
            }
            outcome
        } else {
            let outcome = decode(&recv_bytes(&*self.link, 0));
            if outcome.is_ok() {
                self.link.recv(0, bytemuck::cast_slice_mut(self.inner.field_mut(s)));
            }
            outcome
        }
    }
}

/// A solve's outcome as bytes: 0 and the stats, or 1 and the message.
fn encode(outcome: &Result<SolveStats>) -> Vec<u8> {
    match outcome {
        Ok(st) => {
            let words = [st.cycles as u64, st.iterations as u64, st.residual.to_bits()];
            std::iter::once(0u8).chain(words.iter().flat_map(|w| w.to_le_bytes())).collect()
        }
        Err(e) => std::iter::once(1u8).chain(e.to_string().into_bytes()).collect(),
    }
}

fn decode(bytes: &[u8]) -> Result<SolveStats> {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[1 + 8 * i..9 + 8 * i]);
        u64::from_le_bytes(w)
    };
    match bytes.first() {
        Some(0) if bytes.len() == 25 => {
            Ok(SolveStats { cycles: word(0) as usize, iterations: word(1) as usize, residual: f64::from_bits(word(2)) })
        }
        _ => Err(Error::Numerical(String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned())),
    }
}

/// A message of any length: its length first.
fn send_bytes(link: &dyn Link, to: usize, bytes: &[u8]) {
    link.send(to, &(bytes.len() as u64).to_le_bytes());
    link.send(to, bytes);
}

fn recv_bytes(link: &dyn Link, from: usize) -> Vec<u8> {
    let mut len = [0u8; 8];
    link.recv(from, &mut len);
    let mut bytes = vec![0u8; u64::from_le_bytes(len) as usize];
    link.recv(from, &mut bytes);
    bytes
}

impl Backend for SlabBackend {
    fn kind(&self) -> &'static str {
        "cpu"
    }

    fn device_name(&self) -> String {
        format!("{}; {} ranks, slabs of z-planes", self.inner.device_name(), self.link.size())
    }

    fn apply_sources(&mut self, s: usize) {
        self.inner.apply_sources(s);
    }

    fn vessel_exchange(&mut self, s: usize) {
        self.inner.vessel_exchange(s);
    }

    fn advect(&mut self, s: usize) {
        halo::exchange(&*self.link, &self.slab, self.inner.field_mut(s));
        self.inner.advect(s);
    }

    fn set_advection_scale(&mut self, s: usize, scale: f32) {
        self.inner.set_advection_scale(s, scale);
    }

    fn consume(&mut self, s: usize) {
        self.inner.consume(s);
    }

    fn end_step(&mut self) {
        self.inner.end_step();
    }

    fn lod_sweep(&mut self, s: usize, axis: usize) {
        if axis < 2 {
            self.inner.lod_sweep(s, axis);
        } else {
            lod_z::lod_sweep_z(&*self.link, &self.slab, self.inner.field_mut(s), &self.plan.species[s].lod[2]);
        }
    }

    fn explicit_substep(&mut self, s: usize) {
        halo::exchange(&*self.link, &self.slab, self.inner.field_mut(s));
        self.inner.explicit_substep(s);
    }

    fn apply_hold(&mut self, s: usize) {
        self.inner.apply_hold(s);
    }

    fn implicit_step(&mut self, s: usize, first: u64, steps: u64) -> Result<SolveStats> {
        self.coupled(s, Solve::Step { first, steps })
    }

    fn steady_solve(&mut self, s: usize, at: u64) -> Result<SolveStats> {
        self.coupled(s, Solve::Steady { at })
    }

    fn cell_kinetics(&mut self, trigger_on: u32) {
        self.inner.cell_kinetics(trigger_on);
    }

    fn cell_spread(&mut self) {
        if let (Some(layout), Some(state)) = (self.cells, self.inner.cell_state_mut()) {
            super::spread::exchange_moving(&*self.link, &self.slab, state, layout);
        }
        self.inner.cell_spread();
    }

    fn irradiate(&mut self, dose: f32) {
        self.inner.irradiate(dose);
    }

    fn read_cells(&mut self) -> Result<Vec<f32>> {
        let held = self.inner.read_cells()?;
        Ok(self.gather_each(&held))
    }

    fn write_cells(&mut self, data: &[f32]) -> Result<()> {
        let part = self.cut_each(data);
        self.inner.write_cells(&part)
    }

    fn read_field(&mut self, s: usize) -> Result<Vec<f32>> {
        Ok(gather(&*self.link, &self.slab, self.inner.field_mut(s)))
    }

    fn write_field(&mut self, s: usize, data: &[f32]) -> Result<()> {
        if data.len() != self.plan.grid.len() {
            return Err(Error::Numerical(format!(
                "field of {} values written to a grid of {}",
                data.len(),
                self.plan.grid.len()
            )));
        }
        self.inner.write_field(s, &self.slab.cut(data))
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }

    fn save_state(&mut self) -> Result<BackendState> {
        let held = self.inner.save_state()?;
        let fields = held.fields.iter().map(|f| gather(&*self.link, &self.slab, f)).collect();
        let oxygen_rate =
            if held.oxygen_rate.is_empty() { Vec::new() } else { gather(&*self.link, &self.slab, &held.oxygen_rate) };
        Ok(BackendState {
            clock: held.clock,
            fields,
            cells: self.gather_each(&held.cells),
            linked: self.gather_each(&held.linked),
            oxygen_rate,
            solutions: self.solvers.iter().map(|c| c.as_ref().and_then(|c| c.warm_start())).collect(),
        })
    }

    fn load_state(&mut self, st: &BackendState) -> Result<()> {
        let (n, held_n) = (self.plan.grid.len(), self.held_len());
        let mine = self.inner.save_state()?;
        let whole = |held: usize| held / held_n * n;
        let rate = if mine.oxygen_rate.is_empty() { 0 } else { n };
        st.check(n, mine.fields.len(), whole(mine.cells.len()), whole(mine.linked.len()), rate)?;
        let part = BackendState {
            clock: st.clock,
            fields: st.fields.iter().map(|f| self.slab.cut(f)).collect(),
            cells: self.cut_each(&st.cells),
            linked: self.cut_each(&st.linked),
            oxygen_rate: if st.oxygen_rate.is_empty() { Vec::new() } else { self.slab.cut(&st.oxygen_rate) },
            solutions: vec![None; st.fields.len()],
        };
        self.inner.load_state(&part)?;
        for (c, w) in self.solvers.iter_mut().zip(&st.solutions) {
            if let Some(c) = c {
                c.set_warm_start(w.as_deref());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Team;
    use super::*;
    use crate::scene::{Scene, Validated};
    use crate::solver::{Scheduler, SchedulerState};

    /// Vessels with interstitial flow, a steady, an implicit advected and a
    /// LOD and an explicit species, cells with a carrier and a fraction, on
    /// 10 × 9 × 7 voxels: every operator of a run.
    const SCENE: &str = r#"
seed = 5
[grid]
shape = [10, 9, 7]
dx = 20.0
[time]
dt = 1.0
duration = 8.0
[vessels]
spacing = 80.0
[interstitium]
boundary_pressure = 0.0
advection = true
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 20.0
solver = "steady"
plasma = { level = 38.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 }, reflection = { normal = 0.0, tumour = 0.0 } }
[[species]]
name = "doxorubicin"
diffusion = 700.0
decay = 0.01
solver = "explicit"
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 20.0, tumour = 160.0 } }
[[species]]
name = "liposome"
solver = "implicit"
radius = 50.0
plasma = { preset = "liposomal_doxorubicin" }
[[species]]
name = "tracer"
diffusion = 500.0
decay = 0.01
solver = "lod"
initial = 1.0
[[regions]]
name = "tumour"
sphere = { center = [100.0, 90.0, 70.0], radius = 70.0 }
tissue = "tumour"
consumption = { oxygen = { rate = 40.0, half_saturation = 2.5 } }
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
interval = 2.0
o2_half_saturation = 2.5
spread = 2000.0
spread_threshold = 0.3
[[cells.phenotype]]
name = "sensitive"
initial = 0.7
growth = 0.05
switch = { resistant = 1.0e-3 }
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.2
pump_vmax = 0.5
[[cells.carrier]]
species = "liposome"
class = "liposome"
drug_load = 1.0
[cells.radiotherapy]
times = [3.0]
dose = 2.0
"#;

    type Outcome = (Vec<Vec<f32>>, Vec<f32>, BackendState, SchedulerState);

    /// Fields, cell state and checkpoint after `steps`, at rank 0.
    fn after(sched: &mut Scheduler, steps: u64) -> Outcome {
        sched.advance(steps).unwrap();
        let fields = (0..sched.plan.species.len()).map(|s| sched.read_field(s).unwrap()).collect();
        (fields, sched.read_cells().unwrap(), sched.backend.save_state().unwrap(), sched.state())
    }

    /// The first half of the run on `size` thread ranks, or, from a
    /// checkpoint (every rank given rank 0's), the second.
    fn on_ranks(
        size: usize,
        plan: &Plan,
        world: &World,
        from: Option<(&BackendState, &SchedulerState)>,
    ) -> Vec<Outcome> {
        std::thread::scope(|sc| {
            let hs: Vec<_> = Team::new(size)
                .into_iter()
                .map(|m| {
                    sc.spawn(move || {
                        let b = SlabBackend::new(Rc::new(m), plan, world).unwrap();
                        let mut sched = Scheduler::new(plan.clone(), Box::new(b));
                        match from {
                            None => after(&mut sched, plan.steps / 2),
                            Some((state, clocks)) => {
                                sched.restore(clocks.clone()).unwrap();
                                sched.backend.load_state(state).unwrap();
                                after(&mut sched, plan.steps - plan.steps / 2)
                            }
                        }
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    #[test]
    fn a_run_on_slabs_gives_the_fields_cells_and_state_of_one_process_bit_for_bit() {
        let v = Validated::new(Scene::from_toml_with(SCENE, &[]).unwrap()).unwrap();
        let mut plan = Plan::new(&v);
        let world = crate::run::build_world(&v, None).unwrap();
        plan.attach(&world);
        assert!(plan.species.iter().any(|s| s.advection.is_some() || s.advected()), "the scene advects");
        let whole = Box::new(CpuBackend::new(&plan, &world).unwrap());
        let want = after(&mut Scheduler::new(plan.clone(), whole), plan.steps);
        assert!(want.1.iter().any(|&c| c > 0.0) && want.0.iter().all(|f| f.iter().all(|c| c.is_finite())));
        for size in [1, 2, 3, 7] {
            // Half the run, its checkpoint at rank 0; then a fresh start on
            // every rank from that checkpoint, for the other half.
            let first = on_ranks(size, &plan, &world, None);
            let (_, _, state, clocks) = first.into_iter().next().unwrap();
            let got = on_ranks(size, &plan, &world, Some((&state, &clocks)));
            let (fields, cells, state, _) = &got[0];
            for (s, (g, w)) in fields.iter().zip(&want.0).enumerate() {
                assert!(g == w, "{size} ranks: species {s} differs from one process");
            }
            assert!(*cells == want.1, "{size} ranks: the cell state differs");
            assert!(*state == want.2, "{size} ranks: the checkpoint state differs");
            assert!(got[1..].iter().all(|(f, c, ..)| f.iter().all(Vec::is_empty) && c.is_empty()));
        }
    }
}
