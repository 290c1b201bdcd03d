//! `oncovox bench`: throughput of each operator and of a whole step in
//! voxel updates per second and effective GB/s, against the measured copy
//! bandwidth of the device (the floor for a memory-bound kernel); `--json`
//! for machines.

use crate::Result;
use crate::run::{BackendChoice, build, select_device};
use crate::scene::{Scene, Validated};
use crate::solver::gpu::{Gpu, best_adapter};
use crate::solver::{Backend, Method, Plan, Scheduler};
use std::time::Instant;

/// A bench scene: `lod` uses LOD, `tracer` explicit with tissue-dependent
/// diffusion; both cross the walls of a generated vessel network, are
/// advected by the interstitial flow, and have a source region and a held
/// face, so every operator runs.
/// `species` ≥ 3 transport species: beyond the three, LOD species like `lod`.
fn bench_scene(n: usize, species: usize) -> Result<Validated> {
    let e = n as f64 * 10.0;
    let extra: String = (3..species)
        .map(|i| {
            format!(
                "[[species]]\nname = \"extra{i}\"\ndiffusion = 1.0e5\ndecay = 0.1\nsolver = \"lod\"\n\
                 boundary = {{ x_min = 38.0 }}\n"
            )
        })
        .collect();
    let text = format!(
        r#"
[grid]
shape = [{n}, {n}, {n}]
dx = 10.0
[time]
dt = 0.01
duration = 0.01
[vessels]
[interstitium]
boundary_pressure = 0.0
[[species]]
name = "lod"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
boundary = {{ x_min = 38.0 }}
plasma = {{ level = 40.0 }}
wall = {{ permeability = {{ normal = 3000.0, tumour = 3000.0 }} }}
[[species]]
name = "tracer"
diffusion = 100.0
diffusion_tumour = 50.0
solver = "explicit"
boundary = {{ x_min = 1.0 }}
plasma = {{ preset = "free_doxorubicin" }}
wall = {{ permeability = {{ normal = 21.0, tumour = 160.0 }} }}
[[species]]
name = "plain"
diffusion = 100.0
solver = "explicit"
[[regions]]
name = "source"
sphere = {{ center = [{c}, {c}, {c}], radius = {r} }}
supply = {{ lod = {{ rate = 1.0, target = 1.0 }}, tracer = {{ rate = 1.0, target = 1.0 }} }}
tissue = "tumour"
consumption = {{ lod = {{ rate = 100.0, half_saturation = 2.5 }} }}
[cells]
oxygen = "lod"
drug = "tracer"
o2_half_saturation = 2.5
[[cells.phenotype]]
name = "sensitive"
initial = 0.5
switch = {{ resistant = 1.0e-4 }}
[[cells.phenotype]]
name = "resistant"
initial = 0.1
pump_vmax = 0.5
[[cells.carrier]]
species = "plain"
class = "liposome"
"#,
        c = e / 2.0,
        r = e / 4.0
    ) + &extra;
    Validated::new(Scene::from_toml(&text)?)
}

/// Operators and the bytes each moves per voxel (reads + writes of f32);
/// a hold moves its 12 bytes per held voxel only.
/// The cell operators count the gather and scatter of their linked fields
/// (three here) as well as the kernel's own traffic (4 linked values and 9
/// state values read and written; kinetics also the trigger mask and the
/// oxygen rate). `sweep_z_consume` is the z sweep with the consumption
/// fused in (one pass on the GPU, two on the CPU): the sweep's 16 bytes and
/// the rate's 4.
const OPS: [(&str, f64); 14] = [
    ("lod_sweep_x", 16.0),
    ("lod_sweep_y", 16.0),
    ("lod_sweep_z", 16.0),
    ("explicit_substep", 8.0),
    ("apply_sources", 16.0),
    ("apply_hold", 12.0),
    ("vessel_exchange", 20.0),
    ("advect", 20.0),
    ("consume", 12.0),
    ("explicit_tissue", 12.0),
    ("cell_kinetics", 164.0),
    ("cell_spread", 72.0),
    ("irradiate", 152.0),
    ("sweep_z_consume", 20.0),
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

/// Bytes one whole step must move per voxel (reads + writes of f32): each
/// operator the scheduler runs, at the per-voxel traffic of [`OPS`], with
/// the cell operators spread over their interval.
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
            Method::Lod => 3.0 * (if sp.heterogeneous { 28.0 } else { 16.0 } + hold),
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

/// Bytes per fine voxel one V-cycle moves: four smoothing sweeps (the
/// coefficients 16, the right side 4, the correction read and written 8),
/// the restriction (a residual: 24) and prolongation (8) on the finest
/// level, the finest exact residual (coefficients, solution, right side,
/// result: 32) and the update (20); the coarser levels add a seventh.
const MG_CYCLE_BYTES: f64 = (4.0 * 28.0 + 24.0 + 8.0 + 32.0 + 20.0) * 8.0 / 7.0;

/// Bytes per voxel of a coupled step besides its V-cycles: the
/// linearisation (field, rates 16, fixed parts 8; sink, diagonal, right
/// side and warm start written: 32), the sink's restriction (8), the first
/// residual (32) and the store (12).
const COUPLED_STEP_BYTES: f64 = 4.0 + 16.0 + 8.0 + 32.0 + 8.0 + 32.0 + 12.0;

/// A scene of one coupled implicit species (free doxorubicin from a
/// generated vessel network, tissue-dependent diffusion) and one steady
/// species (oxygen with Michaelis–Menten consumption in a tumour), for the
/// multigrid rows.
fn coupled_scene(n: usize) -> Result<Validated> {
    let e = n as f64 * 10.0;
    let text = format!(
        r#"
[grid]
shape = [{n}, {n}, {n}]
dx = 10.0
[time]
dt = 1.0
duration = 1.0
[vessels]
[[species]]
name = "drug"
diffusion = 7000.0
diffusion_tumour = 3500.0
solver = "implicit"
plasma = {{ preset = "free_doxorubicin" }}
wall = {{ permeability = {{ normal = 21.0, tumour = 160.0 }} }}
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 20.0
solver = "steady"
plasma = {{ level = 40.0 }}
wall = {{ permeability = {{ normal = 3000.0, tumour = 3000.0 }} }}
[[regions]]
name = "tumour"
sphere = {{ center = [{c}, {c}, {c}], radius = {r} }}
tissue = "tumour"
consumption = {{ oxygen = {{ rate = 400.0, half_saturation = 2.5 }} }}
"#,
        c = e / 2.0,
        r = e / 4.0
    );
    Validated::new(Scene::from_toml(&text)?)
}

/// The coupled rows on `target`: an implicit step of 1 min (after one
/// step from the start, so that each timed step is warm-started), the
/// V-cycle it is made of, and a steady solve from a perturbed state.
fn coupled_rows(size: usize, reps: u32, target: BackendChoice) -> Result<Vec<(String, f64, f64, f64)>> {
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
    let mut rows = vec![("implicit_step".to_string(), step, cyc, COUPLED_STEP_BYTES + cyc * MG_CYCLE_BYTES)];
    // The step's time less its linearisation's share, per cycle.
    if cyc > 0.0 {
        let cycle = step * (cyc * MG_CYCLE_BYTES) / (COUPLED_STEP_BYTES + cyc * MG_CYCLE_BYTES) / cyc;
        rows.push(("mg_vcycle".to_string(), cycle, 1.0, MG_CYCLE_BYTES));
    }
    let t = Instant::now();
    let stats = b.steady_solve(1, 0)?;
    b.finish()?;
    let bytes = stats.iterations as f64 * COUPLED_STEP_BYTES + stats.cycles as f64 * MG_CYCLE_BYTES;
    rows.push(("steady_solve".to_string(), t.elapsed().as_secs_f64(), stats.cycles as f64, bytes));
    Ok(rows)
}

/// One measured row.
#[derive(Debug, Clone, serde::Serialize)]
struct Row {
    operator: String,
    ms_per_call: f64,
    gvoxel_per_s: f64,
    gb_per_s: f64,
    /// Achieved GB/s over the measured copy bandwidth.
    of_copy: f64,
    /// Device time of the kernels per call, from GPU timestamp queries
    /// where the adapter offers them (recording, submission and waiting
    /// excluded), and its share of the copy bandwidth.
    kernel_ms: Option<f64>,
    kernel_of_copy: Option<f64>,
    /// V-cycles per call of a coupled solve.
    #[serde(skip_serializing_if = "Option::is_none")]
    cycles: Option<f64>,
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

/// Measure every operator and a whole step on each backend that `choice`
/// allows; print a table, or JSON with `json`.
pub fn run_bench(size: usize, reps: u32, species: usize, choice: BackendChoice, json: bool) -> Result<()> {
    let v = bench_scene(size.max(2), species.max(3))?;
    let plan = Plan::new(&v);
    let voxels = plan.grid.len() as f64;
    let mut targets = vec![BackendChoice::Cpu];
    if choice != BackendChoice::Cpu && best_adapter(choice == BackendChoice::Auto).is_some() {
        targets.push(BackendChoice::Gpu);
    }
    if choice == BackendChoice::Gpu && targets.len() == 1 {
        return Err(crate::Error::Gpu("no GPU adapter for --backend gpu".into()));
    }
    if !json {
        println!(
            "grid {size}³ = {} voxels, {} species, {reps} repetitions per operator",
            voxels as u64,
            plan.species.len()
        );
    }
    let mut report = Vec::new();
    let mut bytes_per_step = step_bytes(&plan);
    for t in targets {
        let floor = match t {
            BackendChoice::Cpu => cpu_copy_gbs(plan.grid.len()),
            _ => gpu_copy_gbs(plan.grid.len())?,
        };
        let mut plan = plan.clone();
        let (_, mut b) = build(select_device(t, &plan)?.0, &v, &mut plan)?;
        let (kind, device) = (b.kind(), b.device_name());
        let row = |name: &str, (s, kernel): (f64, Option<f64>), bytes: f64| {
            let gbs = bytes * voxels / s / 1e9;
            Row {
                operator: name.into(),
                ms_per_call: s * 1e3,
                gvoxel_per_s: voxels / s / 1e9,
                gb_per_s: gbs,
                of_copy: gbs / floor,
                kernel_ms: kernel.map(|k| k * 1e3),
                kernel_of_copy: kernel.map(|k| bytes * voxels / k / 1e9 / floor),
                cycles: None,
            }
        };
        let timed = b.time_kernels();
        let mut rows = Vec::new();
        for (op, &(name, bytes)) in OPS.iter().enumerate() {
            let bytes = match name {
                "apply_hold" => bytes * plan.species[0].held as f64 / voxels,
                // The CPU backend hands its linked fields to the kernels in
                // place: no gather or scatter of the three linked fields.
                "cell_kinetics" | "irradiate" if kind == "cpu" => bytes - LINKED_COPY_BYTES,
                _ => bytes,
            };
            rows.push(row(name, time(b.as_mut(), reps, &mut |b| run_op(b, op))?, bytes));
        }
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
        bytes_per_step = step_bytes(&plan);
        rows.push(row("whole_step", (wall, kernels), bytes_per_step));
        for (name, secs, cycles, bytes) in coupled_rows(size.max(2), reps, t)? {
            let mut r = row(&name, (secs, None), bytes);
            r.cycles = Some(cycles);
            rows.push(r);
        }
        if !json {
            println!("\n{kind} — {device}; measured copy bandwidth {floor:.1} GB/s");
            let kernel_head = if timed { format!(" {:>11} {:>9}", "kernel ms", "of copy") } else { String::new() };
            println!(
                "{:<18} {:>12} {:>14} {:>10} {:>9}{kernel_head}",
                "operator", "ms/call", "Gvoxel/s", "GB/s", "of copy"
            );
            for r in &rows {
                let kernel = match (r.kernel_ms, r.kernel_of_copy) {
                    (Some(ms), Some(f)) => format!(" {ms:>11.3} {:>8.0}%", 100.0 * f),
                    _ if timed => format!(" {:>11} {:>9}", "—", "—"),
                    _ => String::new(),
                };
                let cycles = r.cycles.map(|c| format!("  ({c:.1} V-cycles per call)")).unwrap_or_default();
                println!(
                    "{:<18} {:>12.3} {:>14.3} {:>10.1} {:>8.0}%{kernel}{cycles}",
                    r.operator,
                    r.ms_per_call,
                    r.gvoxel_per_s,
                    r.gb_per_s,
                    100.0 * r.of_copy
                );
            }
            println!(
                "(coupled rows: bytes counted as MG_CYCLE_BYTES per V-cycle, src/bench.rs; the coupled scene of the same size)"
            );
            if timed {
                println!("(kernel ms: device time of the kernels alone, from GPU timestamp queries)");
            }
        }
        report.push(serde_json::json!({
            "backend": kind,
            "device": device,
            "copy_gb_per_s": floor,
            "operators": rows,
        }));
    }
    if json {
        let out = serde_json::json!({
            "grid": [size, size, size],
            "voxels": voxels,
            "repetitions": reps,
            "species": plan.species.len(),
            "step_bytes_per_voxel": bytes_per_step,
            "backends": report,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
    Ok(())
}

/// Host copy bandwidth (read + write), GB/s.
fn cpu_copy_gbs(n: usize) -> f64 {
    let src = vec![1.0f32; n.max(1 << 24)];
    let mut dst = vec![0.0f32; src.len()];
    dst.copy_from_slice(&src);
    let start = Instant::now();
    for _ in 0..5 {
        dst.copy_from_slice(&src);
        std::hint::black_box(&mut dst);
    }
    (2.0 * 4.0 * src.len() as f64 * 5.0) / start.elapsed().as_secs_f64() / 1e9
}

/// Device copy bandwidth (read + write) of a buffer-to-buffer copy, GB/s.
fn gpu_copy_gbs(n: usize) -> Result<f64> {
    let a = best_adapter(false).ok_or_else(|| crate::Error::Gpu("no adapter".into()))?;
    let gpu = Gpu::new(a)?;
    let bytes = 4 * n.max(1 << 24) as u64;
    let mk = |usage| {
        gpu.device.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage, mapped_at_creation: false })
    };
    let src = mk(wgpu::BufferUsages::COPY_SRC);
    let dst = mk(wgpu::BufferUsages::COPY_DST);
    let copy = |reps: u32| -> Result<f64> {
        let start = Instant::now();
        let mut enc = gpu.device.create_command_encoder(&Default::default());
        for _ in 0..reps {
            enc.copy_buffer_to_buffer(&src, 0, &dst, 0, bytes);
        }
        gpu.queue.submit([enc.finish()]);
        gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| crate::Error::Gpu(e.to_string()))?;
        Ok(start.elapsed().as_secs_f64())
    };
    copy(1)?;
    let t = copy(10)?;
    Ok(2.0 * bytes as f64 * 10.0 / t / 1e9)
}
