//! `oncovox bench`: throughput of each operator and of a whole step in
//! voxel updates per second and GB/s, against the streaming floor of the
//! device measured on a working set of the same size (`probe.rs`); `--json`
//! for machines, `--report DIR` for the full report (`report.rs`).

mod host;
mod probe;
mod probe_gpu;
mod report;
mod rows;
mod scenes;

pub use probe::{Probe, cpu_probe, read_sum, update};
pub use probe_gpu::GpuProber;
pub use report::{ReportOptions, run_report};

use crate::Result;
use crate::run::BackendChoice;
use crate::solver::gpu::{Gpu, best_adapter};
use probe::{Floors, dram_bytes, host_cache_bytes};
use rows::{Measured, measure};

/// The backends `choice` asks for that this machine has: the CPU always,
/// a GPU adapter where one is found (any with `gpu`, a hardware one with
/// `auto`). `--backend gpu` without an adapter is an error.
fn targets(choice: BackendChoice) -> Result<Vec<BackendChoice>> {
    let mut t = vec![BackendChoice::Cpu];
    if choice != BackendChoice::Cpu && best_adapter(choice == BackendChoice::Auto).is_some() {
        t.push(BackendChoice::Gpu);
    }
    if choice == BackendChoice::Gpu && t.len() == 1 {
        return Err(crate::Error::Gpu("no GPU adapter for --backend gpu".into()));
    }
    Ok(t)
}

/// The adapter `--backend gpu` runs on: any (software ones included)
/// unless `auto` asked for hardware only.
fn gpu_for(choice: BackendChoice) -> Result<Gpu> {
    let a = best_adapter(choice == BackendChoice::Auto).ok_or_else(|| crate::Error::Gpu("no GPU adapter".into()))?;
    Gpu::new(a)
}

/// The floors of `target` for a grid of `voxels`: the host's, or those of
/// the GPU `prober` (working sets beyond its largest buffer are probed at
/// that size).
fn floors_for<'a>(target: BackendChoice, voxels: usize, prober: Option<&'a GpuProber>, dram: u64) -> Floors<'a> {
    let field = 4 * voxels as u64;
    match (target, prober) {
        (BackendChoice::Cpu, _) | (_, None) => Floors::new(field, dram, Box::new(|b| Ok(cpu_probe(b)))),
        (_, Some(p)) => Floors::new(field, dram.min(p.max_bytes()), Box::new(move |b| p.probe(b))),
    }
}

/// Where the DRAM figure of `target` is probed: beyond the host's caches
/// for the CPU and software adapters, 1 GiB (beyond any GPU cache) for a
/// hardware GPU.
fn dram_for(target: BackendChoice, gpu: Option<&Gpu>) -> u64 {
    match (target, gpu) {
        (BackendChoice::Gpu, Some(g)) if g.info.device_type != wgpu::DeviceType::Cpu => 1 << 30,
        _ => dram_bytes(host_cache_bytes()),
    }
}

/// Measure every operator and a whole step on each backend that `choice`
/// allows; print a table, or JSON with `json`.
pub fn run_bench(size: usize, reps: u32, species: usize, choice: BackendChoice, json: bool) -> Result<()> {
    let size = size.max(2);
    let mut all = Vec::new();
    for t in targets(choice)? {
        let gpu = if t == BackendChoice::Gpu { Some(gpu_for(choice)?) } else { None };
        let prober = gpu.clone().map(GpuProber::new);
        let mut floors = floors_for(t, size.pow(3), prober.as_ref(), dram_for(t, gpu.as_ref()));
        let m = measure(size, reps, species, t, &mut floors)?;
        if !json {
            print_table(&m, reps);
        }
        all.push(m);
    }
    if json {
        let out = serde_json::json!({
            "grid": [size, size, size],
            "voxels": size.pow(3),
            "repetitions": reps,
            "species": species.max(3),
            "step_bytes_per_voxel": all.first().map_or(0.0, |m| m.step_bytes_per_voxel),
            "backends": all,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    }
    Ok(())
}

fn print_table(m: &Measured, reps: u32) {
    println!("\n{} — {}; grid {}³ = {} voxels, {reps} repetitions", m.backend, m.device, m.size, m.voxels);
    let timed = m.operators.iter().any(|r| r.kernel_ms.is_some());
    let kernel_head = if timed { format!(" {:>11} {:>9}", "kernel ms", "of floor") } else { String::new() };
    println!(
        "{:<18} {:>12} {:>10} {:>10} {:>12} {:>9}{kernel_head}",
        "operator", "ms/call", "Gvoxel/s", "GB/s", "floor GB/s", "of floor"
    );
    for r in &m.operators {
        let kernel = match (r.kernel_ms, r.kernel_of_floor) {
            (Some(ms), Some(f)) => format!(" {ms:>11.3} {:>8.0}%", 100.0 * f),
            _ if timed => format!(" {:>11} {:>9}", "—", "—"),
            _ => String::new(),
        };
        let cycles = r.cycles.map(|c| format!("  ({c:.1} V-cycles per call)")).unwrap_or_default();
        println!(
            "{:<18} {:>12.3} {:>10.3} {:>10.1} {:>12.1} {:>8.0}%{kernel}{cycles}",
            r.operator,
            r.ms_per_call,
            r.gvoxel_per_s,
            r.gb_per_s,
            r.floor_gb_per_s,
            100.0 * r.of_floor
        );
    }
    println!(
        "(floor: the best streaming probe on a working set no larger than the row's; bytes counted as src/bench/rows.rs \
         says; coupled rows on the coupled scene of the same size)"
    );
    if timed {
        println!("(kernel ms: device time of the kernels alone, from GPU timestamp queries)");
    }
}
