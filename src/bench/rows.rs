//! The measured rows of `oncovox bench`: every operator, a whole step and
//! the multigrid rows on one backend at one grid size, each with the bytes
//! it must move, its working set, and its share of the streaming floor at
//! a working set of that size (`probe.rs`).
//!
//! Bytes are the least traffic an operator needs: every array it reads
//! read once, every array it writes written once (f32). A pass that reads
//! a field twice, or keeps part of it in a cache between passes, is still
//! counted once: the ratio says how close the operator comes to a single
//! streaming pass.

use super::probe::Floors;
use super::scenes::{bench_scene, coupled_scene};
use crate::Result;
use crate::run::{BackendChoice, build, select_device};
use crate::solver::{Backend, Method, Plan, Scheduler};
use std::time::Instant;

/// Operators: (name, bytes moved per voxel, working set per voxel). A hold
/// moves its 12 bytes per held voxel only. The cell kinetics count what
/// every voxel must read (its 4 linked and 9 state values, the trigger mask
/// and the oxygen rate: 60 bytes; voxels without cells write nothing) and,
/// on the GPU, the gather and scatter of the three linked fields.
/// `sweep_z_consume` is the z sweep with the consumption fused in: the
/// field read and written once and the rate read.
pub const OPS: [(&str, f64, f64); 14] = [
    ("lod_sweep_x", 8.0, 4.0),
    ("lod_sweep_y", 8.0, 4.0),
    ("lod_sweep_z", 8.0, 4.0),
    ("explicit_substep", 8.0, 8.0),
    ("apply_sources", 16.0, 12.0),
    ("apply_hold", 12.0, 12.0),
    ("vessel_exchange", 20.0, 16.0),
    ("advect", 20.0, 20.0),
    ("consume", 12.0, 8.0),
    ("explicit_tissue", 12.0, 12.0),
    ("cell_kinetics", 60.0, 60.0),
    ("cell_spread", 72.0, 72.0),
    ("irradiate", 152.0, 104.0),
    ("sweep_z_consume", 12.0, 8.0),
];

/// Bytes per voxel of the gather into `ext` and the scatter back of the
/// bench scene's three linked fields (a read and a write each way), which
/// only the GPU backend does.
const LINKED_COPY_BYTES: f64 = 3.0 * 16.0;

fn run_op(b: &mut dyn Backend, op: usize) {
    match op {
        0..=2 => b.lod_sweep(0, op),
        3 => b.explicit_substep(2),
        4 => b.apply_sources(0),
        6 => b.vessel_exchange(1),
        7 => b.advect(1),
        8 => b.consume(0),
        9 => b.explicit_substep(1),
        10 => b.cell_kinetics(0),
        11 => b.cell_spread(),
        12 => b.irradiate(0.01),
        13 => b.sweep_z_then_consume(0),
        _ => b.apply_hold(0),
    }
}

/// Bytes one whole step must move per voxel: each operator the scheduler
/// runs, at the per-voxel traffic of [`OPS`], with the cell operators
/// spread over their interval.
pub fn step_bytes(plan: &Plan) -> f64 {
    let mut bytes = 0.0;
    let n = plan.grid.len() as f64;
    for sp in &plan.species {
        let hold = 12.0 * sp.held as f64 / n;
        // Fused into the x sweep, the sources skip their own read and write of the field.
        let fused = if sp.fuses_sources_into_x() { 8.0 } else { 0.0 };
        if sp.has_exchange {
            bytes += 20.0 - fused;
        } else if sp.has_sources {
            bytes += 16.0 - fused;
        }
        bytes += sp.advection.unwrap_or(0) as f64 * (20.0 + hold);
        bytes += match sp.method {
            // The field read and written, and with tissue-dependent
            // diffusion the three coefficients per voxel of the axis.
            Method::Lod => 3.0 * (if sp.heterogeneous { 20.0 } else { 8.0 } + hold),
            Method::Explicit { substeps } => substeps as f64 * (if sp.heterogeneous { 12.0 } else { 8.0 } + hold),
            // The bench's scenes have no coupled species: their cost is in
            // V-cycles, which depend on the state (the multigrid rows).
            Method::Implicit | Method::Steady => 0.0,
        };
        if sp.fuses_consumption_into_z() {
            // Fused into the z sweep: the rate is read, the field not read and written again.
            bytes += 4.0;
        } else if sp.has_consumption {
            bytes += 12.0 + hold;
        }
    }
    if let Some(c) = &plan.cells {
        bytes += (OPS[10].1 + c.spread_substeps as f64 * OPS[11].1) / c.interval as f64;
    }
    bytes
}

/// Bytes per fine voxel one V-cycle moves at least: four smoothing sweeps
/// (the coefficients 16, the right side 4, the correction read and written
/// 8), the restriction (a residual: 24) and prolongation (8) on the finest
/// level, the finest exact residual (coefficients, solution, right side,
/// result: 32) and the update (20); the coarser levels add a seventh.
const MG_CYCLE_BYTES: f64 = (4.0 * 28.0 + 24.0 + 8.0 + 32.0 + 20.0) * 8.0 / 7.0;
/// Its working set per fine voxel: coefficients, correction, right side,
/// solution (two words), finest right side; a seventh more on the coarser levels.
const MG_SET_BYTES: f64 = (16.0 + 4.0 + 4.0 + 8.0 + 4.0) * 8.0 / 7.0;

/// Bytes per voxel of a coupled step besides its V-cycles: the
/// linearisation (field, rates 16, fixed parts 8; sink, diagonal, right
/// side and warm start written: 32), the sink's restriction (8), the first
/// residual (32) and the store (12).
const COUPLED_STEP_BYTES: f64 = 4.0 + 16.0 + 8.0 + 32.0 + 8.0 + 32.0 + 12.0;

/// One measured row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub operator: String,
    pub ms_per_call: f64,
    pub gvoxel_per_s: f64,
    /// Bytes per call over the wall time per call.
    pub gb_per_s: f64,
    /// The bytes the operator touches, and the streaming floor measured on
    /// a working set no larger (GB/s).
    pub working_set_bytes: u64,
    pub floor_gb_per_s: f64,
    /// Achieved GB/s over the floor.
    pub of_floor: f64,
    /// Device time of the kernels per call, from GPU timestamp queries
    /// where the adapter offers them (recording, submission and waiting
    /// excluded), and its share of the floor.
    pub kernel_ms: Option<f64>,
    pub kernel_of_floor: Option<f64>,
    /// V-cycles per call of a coupled solve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycles: Option<f64>,
}

/// The rows of one backend at one grid size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measured {
    pub backend: String,
    pub device: String,
    pub size: usize,
    pub voxels: u64,
    /// Bytes per voxel of a whole step of the operator scene.
    pub step_bytes_per_voxel: f64,
    pub operators: Vec<Row>,
}

/// Time `reps` calls of `f` (after one warm-up), waiting for the device:
/// wall seconds per call, and the kernels' device seconds per call where
/// they are timed.
fn time(b: &mut dyn Backend, reps: u32, f: &mut dyn FnMut(&mut dyn Backend)) -> Result<(f64, Option<f64>)> {
    f(b);
    b.finish()?;
    b.kernel_seconds()?;
    let start = Instant::now();
    for _ in 0..reps {
        f(b);
    }
    b.finish()?;
    let wall = start.elapsed().as_secs_f64();
    let kernels = b.kernel_seconds()?;
    let per = reps.max(1) as f64;
    Ok((wall / per, kernels.map(|k| k / per)))
}

/// Timing of one row: wall seconds, kernel seconds, bytes per voxel,
/// working set per voxel, V-cycles.
struct Timed {
    wall: f64,
    kernels: Option<f64>,
    bytes: f64,
    set: f64,
    cycles: Option<f64>,
}

/// Every operator, a whole step and the multigrid rows on `target` at
/// `size`³ with `species` transport species, `reps` calls each.
pub fn measure(size: usize, reps: u32, species: usize, target: BackendChoice, floors: &mut Floors) -> Result<Measured> {
    let v = bench_scene(size.max(2), species.max(3))?;
    let mut plan = Plan::new(&v);
    let voxels = plan.grid.len() as f64;
    let (_, mut b) = build(select_device(target, &plan)?.0, &v, &mut plan)?;
    let (kind, device) = (b.kind(), b.device_name());
    b.time_kernels();
    let mut timed = Vec::new();
    for (op, &(name, bytes, set)) in OPS.iter().enumerate() {
        let (bytes, set) = match name {
            "apply_hold" => {
                let share = plan.species[0].held as f64 / voxels;
                (bytes * share, set * share)
            }
            "cell_kinetics" | "irradiate" if kind != "cpu" => (bytes + LINKED_COPY_BYTES, set + LINKED_COPY_BYTES),
            _ => (bytes, set),
        };
        let (wall, kernels) = time(b.as_mut(), reps, &mut |b| run_op(b, op))?;
        timed.push((name.to_string(), Timed { wall, kernels, bytes, set, cycles: None }));
    }
    let step_set = plan.device_bytes() as f64 / voxels;
    let mut sched = Scheduler::new(plan.clone(), b);
    sched.step()?;
    sched.backend.finish()?;
    sched.backend.kernel_seconds()?;
    let start = Instant::now();
    for _ in 0..reps {
        sched.step()?;
    }
    sched.backend.finish()?;
    let per = reps.max(1) as f64;
    let wall = start.elapsed().as_secs_f64() / per;
    let kernels = sched.backend.kernel_seconds()?.map(|k| k / per);
    let step = step_bytes(&plan);
    timed.push(("whole_step".into(), Timed { wall, kernels, bytes: step, set: step_set, cycles: None }));
    drop(sched);
    timed.extend(coupled_rows(size.max(2), reps, target)?);
    let mut operators = Vec::new();
    for (name, t) in timed {
        let set = (t.set * voxels) as u64;
        let moved = t.bytes * voxels / 1e9;
        let fastest = moved / t.kernels.unwrap_or(t.wall).min(t.wall);
        // A probe slower than the operator ran while the memory system was
        // busier (this machine's figures drift by a quarter): probed again,
        // up to twice, keeping the best.
        let mut floor = floors.at(set)?.best();
        for _ in 0..2 {
            if fastest <= floor {
                break;
            }
            floor = floors.again(set)?.best();
        }
        operators.push(Row {
            operator: name,
            ms_per_call: t.wall * 1e3,
            gvoxel_per_s: voxels / t.wall / 1e9,
            gb_per_s: moved / t.wall,
            working_set_bytes: set,
            floor_gb_per_s: floor,
            of_floor: moved / t.wall / floor,
            kernel_ms: t.kernels.map(|k| k * 1e3),
            kernel_of_floor: t.kernels.map(|k| moved / k / floor),
            cycles: t.cycles,
        });
    }
    Ok(Measured { backend: kind.into(), device, size, voxels: voxels as u64, step_bytes_per_voxel: step, operators })
}

/// The coupled rows on `target`: an implicit step of 1 min (after one
/// step from the start, so that each timed step is warm-started), the
/// V-cycle it is made of, and a steady solve from a perturbed state.
fn coupled_rows(size: usize, reps: u32, target: BackendChoice) -> Result<Vec<(String, Timed)>> {
    let v = coupled_scene(size)?;
    let mut plan = Plan::new(&v);
    let (_, mut b) = build(select_device(target, &plan)?.0, &v, &mut plan)?;
    b.implicit_step(0, 0, 1)?;
    let (mut secs, mut cycles) = (0.0, 0usize);
    for k in 0..reps.max(1) as u64 {
        let t = Instant::now();
        cycles += b.implicit_step(0, k + 1, 1)?.cycles;
        b.finish()?;
        secs += t.elapsed().as_secs_f64();
    }
    let per = reps.max(1) as f64;
    let (step, cyc) = (secs / per, cycles as f64 / per);
    let row = |wall, bytes, cycles| Timed { wall, kernels: None, bytes, set: MG_SET_BYTES, cycles: Some(cycles) };
    let mut rows = vec![("implicit_step".to_string(), row(step, COUPLED_STEP_BYTES + cyc * MG_CYCLE_BYTES, cyc))];
    // The step's time less its linearisation's share, per cycle.
    if cyc > 0.0 {
        let cycle = step * (cyc * MG_CYCLE_BYTES) / (COUPLED_STEP_BYTES + cyc * MG_CYCLE_BYTES) / cyc;
        rows.push(("mg_vcycle".to_string(), row(cycle, MG_CYCLE_BYTES, 1.0)));
    }
    let t = Instant::now();
    let stats = b.steady_solve(1, 0)?;
    b.finish()?;
    let bytes = stats.iterations as f64 * COUPLED_STEP_BYTES + stats.cycles as f64 * MG_CYCLE_BYTES;
    rows.push(("steady_solve".to_string(), row(t.elapsed().as_secs_f64(), bytes, stats.cycles as f64)));
    Ok(rows)
}
