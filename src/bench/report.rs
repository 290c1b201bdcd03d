//! `oncovox bench --report DIR`: everything a user needs to judge a
//! machine, in one folder: `bench.md` (for people), `bench.json` (the same
//! figures for machines) and `bandwidth.png` (achieved GB/s against grid
//! size per operator, with the copy bandwidth as lines). It records the
//! build, the host and the adapter; the streaming floors (the DRAM figure
//! apart from the cache figures); every operator and a whole step at each
//! grid size; whole steps of the reference scenes; and a GPU-against-CPU
//! check. What is not measured is listed with the reason.

use super::host::{self, Adapter, Build, Host};
use super::probe::{Probe, cpu_probe, host_cache_bytes};
use super::rows::{Measured, measure};
use super::scenes::{REFERENCES, Reference};
use super::{GpuProber, dram_for, floors_for, gpu_for, targets};
use crate::output::OutputDir;
use crate::output::plot::{Chart, Series, line_chart};
use crate::run::{BackendChoice, build, host_memory_available, select_device};
use crate::solver::gpu::check_fits;
use crate::solver::{Plan, Scheduler};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

/// What the report measures.
pub struct ReportOptions {
    pub dir: PathBuf,
    /// Grid edges of the operator rows.
    pub sizes: Vec<usize>,
    pub reps: u32,
    pub choice: BackendChoice,
    /// The reference scenes' grid edges as a fraction of their own (1 =
    /// as shipped; smaller for a quick report).
    pub scene_scale: f64,
}

/// A size or scene not measured, and why.
#[derive(Debug, Clone, serde::Serialize)]
struct Skipped {
    backend: String,
    what: String,
    reason: String,
}

/// Whole steps of a reference scene on one backend.
#[derive(Debug, Clone, serde::Serialize)]
struct SceneRow {
    scene: String,
    what: String,
    backend: String,
    grid: [usize; 3],
    species: usize,
    /// Building the world (network, pressure) and the backend, s.
    setup_s: f64,
    /// Wall time per step, and voxel updates per second (voxels × species).
    ms_per_step: f64,
    steps_timed: u32,
    mvoxel_species_per_s: f64,
}

/// The GPU against the CPU on a short run of one scene.
#[derive(Debug, Clone, serde::Serialize)]
struct Agreement {
    scene: String,
    steps: u32,
    /// Worst over every field of max |gpu − cpu| / max |cpu|, and the field.
    worst_relative_difference: f64,
    worst_field: String,
}

/// One backend's section.
#[derive(Debug, Clone, serde::Serialize)]
struct Section {
    backend: String,
    adapter: Option<Adapter>,
    /// The DRAM figure: probes on the largest working set, and whether it
    /// lies beyond the caches (a software adapter's largest binding may not).
    dram: Option<Probe>,
    dram_beyond_caches: bool,
    /// Every probe on a smaller working set (cache figures where it fits).
    probes: Vec<Probe>,
    sizes: Vec<Measured>,
    scenes: Vec<SceneRow>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Report {
    date_utc: String,
    build: Build,
    host: Host,
    repetitions: u32,
    scene_scale: f64,
    sections: Vec<Section>,
    gpu_against_cpu: Option<Agreement>,
    skipped: Vec<Skipped>,
}

/// Host memory a size of the operator scenes needs: the world and the
/// backend's copy of it, the larger of the two scenes.
fn host_need(size: usize) -> Result<u64> {
    let a = Plan::new(&super::scenes::bench_scene(size, 3)?).device_bytes();
    let b = Plan::new(&super::scenes::coupled_scene(size)?).device_bytes();
    Ok(2 * a.max(b))
}

/// Whether an error means "does not fit here" (listed as skipped) rather
/// than a fault.
fn does_not_fit(e: &Error) -> bool {
    matches!(e, Error::TooLarge(_) | Error::Gpu(_))
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

/// Time whole steps of a reference scene: one step, then `reps`.
fn scene_row(r: &Reference, scale: f64, reps: u32, target: BackendChoice) -> Result<SceneRow> {
    let v = r.scene(scale)?;
    let mut plan = Plan::new(&v);
    let t = Instant::now();
    let (_, b) = build(select_device(target, &plan)?.0, &v, &mut plan)?;
    let mut s = Scheduler::new(plan.clone(), b);
    s.step()?;
    s.backend.finish()?;
    let setup = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..reps.max(1) {
        s.step()?;
    }
    s.backend.finish()?;
    let per = t.elapsed().as_secs_f64() / reps.max(1) as f64;
    let species = plan.species.len();
    Ok(SceneRow {
        scene: r.name.into(),
        what: r.what.into(),
        backend: s.backend.kind().into(),
        grid: plan.grid.shape,
        species,
        setup_s: setup,
        ms_per_step: per * 1e3,
        steps_timed: reps.max(1),
        mvoxel_species_per_s: (plan.grid.len() * species) as f64 / per / 1e6,
    })
}

/// Run `steps` steps of the therapy scene with cells on both backends and
/// compare every field and the cell state.
fn agreement(scale: f64, steps: u32) -> Result<Agreement> {
    let r = &REFERENCES[3];
    let v = r.scene(scale)?;
    let mut out = Vec::new();
    for t in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let mut plan = Plan::new(&v);
        let (_, b) = build(select_device(t, &plan)?.0, &v, &mut plan)?;
        let mut s = Scheduler::new(plan.clone(), b);
        for _ in 0..steps {
            s.step()?;
        }
        let mut fields = Vec::new();
        for (i, sp) in plan.species.iter().enumerate() {
            fields.push((sp.name.clone(), s.backend.read_field(i)?));
        }
        if plan.cells.is_some() {
            fields.push(("cell state".into(), s.backend.read_cells()?));
        }
        out.push(fields);
    }
    let (mut worst, mut field) = (0.0f64, String::new());
    for ((name, c), (_, g)) in out[0].iter().zip(&out[1]) {
        let scale = c.iter().fold(0.0f64, |m, &x| m.max((x as f64).abs()));
        let diff = c.iter().zip(g).fold(0.0f64, |m, (&a, &b)| m.max((a as f64 - b as f64).abs()));
        let rel = if scale > 0.0 { diff / scale } else { diff };
        if !rel.is_finite() || rel >= worst {
            worst = rel;
            field = name.clone();
        }
    }
    Ok(Agreement { scene: r.name.into(), steps, worst_relative_difference: worst, worst_field: field })
}

/// The date and time now, UTC, as `2026-12-01 18:36 UTC`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

/// Measure and write the report into `o.dir` (replaced only if it holds
/// an earlier oncovox output; written whole or not at all).
pub fn run_report(o: &ReportOptions) -> Result<PathBuf> {
    let dir = OutputDir::prepare(&o.dir, &[])?;
    let cache = host_cache_bytes();
    let mut report = Report {
        date_utc: now_utc(),
        build: host::build(),
        host: host::host(cache),
        repetitions: o.reps,
        scene_scale: o.scene_scale,
        sections: Vec::new(),
        gpu_against_cpu: None,
        skipped: Vec::new(),
    };
    let free = host_memory_available();
    let log = |s: &str| eprintln!("bench: {s}");
    let list = targets(o.choice)?;
    if list.len() == 1 && o.choice != BackendChoice::Cpu {
        let why = if o.choice == BackendChoice::Auto { "no hardware GPU adapter" } else { "no GPU adapter" };
        report.skipped.push(Skipped { backend: "gpu".into(), what: "every GPU row".into(), reason: why.into() });
    }
    for &t in &list {
        let gpu = if t == BackendChoice::Gpu { Some(gpu_for(o.choice)?) } else { None };
        let prober = gpu.clone().map(GpuProber::new);
        let name = if t == BackendChoice::Cpu { "cpu" } else { "gpu" }.to_string();
        let dram_at = dram_for(t, gpu.as_ref());
        let dram = match (&prober, free) {
            (Some(p), _) => {
                log(&format!("{name}: DRAM probe, {:.2} GiB", gib(dram_at.min(p.max_bytes()))));
                Some(p.probe(dram_at)?)
            }
            (None, Some(f)) if dram_at > f / 2 => {
                report.skipped.push(Skipped {
                    backend: name.clone(),
                    what: "DRAM probe".into(),
                    reason: format!("needs {:.2} GiB, {:.2} GiB free", gib(dram_at), gib(f)),
                });
                None
            }
            (None, _) => {
                log(&format!("{name}: DRAM probe, {:.2} GiB", gib(dram_at)));
                Some(cpu_probe(dram_at))
            }
        };
        let beyond = dram.is_some_and(|d| {
            let hardware = gpu.as_ref().is_some_and(|g| g.info.device_type != wgpu::DeviceType::Cpu);
            hardware || cache.is_none_or(|c| d.bytes >= 2 * c)
        });
        let mut section = Section {
            backend: name.clone(),
            adapter: gpu.as_ref().map(host::adapter),
            dram,
            dram_beyond_caches: beyond,
            probes: Vec::new(),
            sizes: Vec::new(),
            scenes: Vec::new(),
        };
        let mut last: Option<(usize, f64)> = None;
        for &size in &o.sizes {
            let what = format!("{size}³ operators");
            let need = host_need(size)?;
            if let Some(f) = free.filter(|&f| need > f) {
                let reason = format!("needs about {:.1} GiB of host memory, {:.1} GiB free", gib(need), gib(f));
                report.skipped.push(Skipped { backend: name.clone(), what, reason });
                continue;
            }
            if let Some(g) = &gpu {
                let plan = Plan::new(&super::scenes::bench_scene(size, 3)?);
                if let Err(e) = check_fits(&plan, &g.limits) {
                    report.skipped.push(Skipped { backend: name.clone(), what, reason: e.to_string() });
                    continue;
                }
            }
            if let Some((prev, secs)) = last {
                let guess = secs * (size as f64 / prev as f64).powi(3);
                if guess > 1800.0 {
                    let reason = format!(
                        "would take about {:.0} min (from {prev}³: {secs:.0} s); run `oncovox bench --report DIR \
                         --sizes {size}` to measure it alone",
                        guess / 60.0
                    );
                    report.skipped.push(Skipped { backend: name.clone(), what, reason });
                    continue;
                }
            }
            log(&format!("{name}: operators at {size}³"));
            let start = Instant::now();
            let mut floors = floors_for(t, size.pow(3), prober.as_ref(), dram_at);
            match measure(size, o.reps, 3, t, &mut floors) {
                Ok(m) => section.sizes.push(m),
                Err(e) if does_not_fit(&e) => {
                    report.skipped.push(Skipped { backend: name.clone(), what, reason: e.to_string() });
                    continue;
                }
                Err(e) => return Err(e),
            }
            section.probes.extend(floors.measured.values().copied());
            last = Some((size, start.elapsed().as_secs_f64()));
            dir.check_stop(|| format!("after the {size}³ operators"))?;
        }
        section.probes.sort_by_key(|p| p.bytes);
        section.probes.dedup_by_key(|p| p.bytes);
        for r in &REFERENCES {
            log(&format!("{name}: scene {} at {}³", r.name, r.edge(o.scene_scale)));
            match scene_row(r, o.scene_scale, o.reps, t) {
                Ok(row) => section.scenes.push(row),
                // A grid too coarse for the scene's regions (a small --scene-scale) is listed too.
                Err(e) if does_not_fit(&e) || matches!(e, Error::Scene { .. }) => report.skipped.push(Skipped {
                    backend: name.clone(),
                    what: format!("scene {}", r.name),
                    reason: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
            dir.check_stop(|| format!("after the scene {}", r.name))?;
        }
        report.sections.push(section);
    }
    if list.contains(&BackendChoice::Gpu) {
        log("gpu against cpu");
        report.gpu_against_cpu = Some(agreement(o.scene_scale, 5)?);
    }
    let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Numerical(e.to_string()))?;
    dir.write("bench.json", json.as_bytes())?;
    dir.write("bench.md", markdown(&report).as_bytes())?;
    for (i, s) in report.sections.iter().enumerate() {
        let rel = if i == 0 { "bandwidth.png".to_string() } else { format!("bandwidth_{}.png", s.backend) };
        let path = dir.path().join(&rel);
        crate::output::png::save_png(&line_chart(&chart(s)), &path).map_err(|e| Error::io(&path, e))?;
    }
    let _ = std::fs::remove_dir(dir.path().join("slices"));
    dir.commit()
}

/// Operators drawn in the plot (the others are in the tables).
const PLOTTED: [&str; 7] =
    ["lod_sweep_x", "lod_sweep_z", "explicit_substep", "advect", "cell_kinetics", "mg_vcycle", "whole_step"];

fn chart(s: &Section) -> Chart {
    let mut series: Vec<Series> = PLOTTED
        .iter()
        .map(|&op| Series {
            name: op.into(),
            points: s
                .sizes
                .iter()
                .filter_map(|m| m.operators.iter().find(|r| r.operator == op).map(|r| (m.size as f64, r.gb_per_s)))
                .collect(),
        })
        .collect();
    // The copy on a working set of two fields at each size, and in DRAM.
    let copy = s
        .sizes
        .iter()
        .filter_map(|m| {
            let want = 8 * m.voxels;
            s.probes.iter().rfind(|p| p.bytes <= want).map(|p| (m.size as f64, p.copy))
        })
        .collect();
    series.push(Series { name: "copy, 2 fields".into(), points: copy });
    if let (Some(d), Some(a), Some(b)) = (s.dram, s.sizes.first(), s.sizes.last()) {
        series
            .push(Series { name: "copy, DRAM".into(), points: vec![(a.size as f64, d.copy), (b.size as f64, d.copy)] });
    }
    let device = s.adapter.as_ref().map_or("CPU backend".to_string(), |a| a.name.clone());
    Chart {
        title: format!("Achieved bandwidth: {device}"),
        x_label: "grid edge (voxels)".into(),
        y_label: "GB/s (bytes counted in src/bench/rows.rs)".into(),
        series,
        log_y: true,
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", 100.0 * x)
}

fn size_of(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.2} GiB", gib(b)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.1} KiB", b as f64 / 1024.0),
    }
}

/// `bench.md`: every section, in the order a reader wants them.
fn markdown(r: &Report) -> String {
    let mut m = String::new();
    let h = &r.host;
    let _ = writeln!(m, "# oncovox benchmark report\n");
    let _ = writeln!(m, "- date: {}", r.date_utc);
    let _ = writeln!(m, "- oncovox {} (commit {})", r.build.version, r.build.commit);
    let _ = writeln!(m, "- host: {}, {} logical cores, {} threads", h.cpu, h.logical_cores, h.threads);
    let mem = h.memory_bytes.map_or("unknown".into(), |b| format!("{:.1} GiB", gib(b)));
    let llc = h.last_level_cache_bytes.map_or("unknown".into(), size_of);
    let _ = writeln!(m, "- memory {mem}, last-level cache {llc}; {}", h.system);
    let _ = writeln!(
        m,
        "- repetitions per row: {}; reference scenes at {} of their grid edge",
        r.repetitions, r.scene_scale
    );
    let _ = writeln!(m, "- command: `oncovox bench --report DIR` (src/bench/report.rs says what each row times)\n");
    for s in &r.sections {
        let _ = writeln!(m, "## {} backend\n", s.backend.to_uppercase());
        match &s.adapter {
            Some(a) => {
                let _ = writeln!(
                    m,
                    "Adapter: **{}** ({}, {}), driver {} {}; largest buffer {}, storage binding {}, {} workgroups \
                     per dimension, {} invocations per workgroup; timestamp queries {}.\n",
                    a.name,
                    a.device_type,
                    a.backend,
                    a.driver,
                    a.driver_info,
                    size_of(a.max_buffer_bytes),
                    size_of(a.max_storage_binding_bytes),
                    a.max_workgroups_per_dimension,
                    a.max_invocations_per_workgroup,
                    if a.timestamp_queries { "yes" } else { "no" }
                );
                if a.device_type == "Cpu" {
                    let _ = writeln!(m, "This adapter is a **software** driver: its figures say nothing about GPUs.\n");
                }
            }
            None => {
                let _ = writeln!(m, "The CPU backend on {} threads.\n", h.threads);
            }
        }
        let _ = writeln!(m, "### Streaming floors\n");
        let _ = writeln!(
            m,
            "Reads + writes per second of a copy between two buffers, an update in place, a read-only sum and \
             (host only) four arrays read and one written, on a working set of the size given (all buffers \
             together). Each operator below is compared with the best of them on the largest working set probed \
             that is not above its own.\n"
        );
        match &s.dram {
            Some(d) if !s.dram_beyond_caches => {
                let _ = writeln!(
                    m,
                    "**Largest working set** ({}, the adapter's largest storage binding; not beyond the host's \
                     caches, so not a DRAM figure): copy {:.1} GB/s, update {:.1} GB/s, read {:.1} GB/s.\n",
                    size_of(d.bytes),
                    d.copy,
                    d.update,
                    d.read
                );
            }
            Some(d) => {
                let _ = writeln!(
                    m,
                    "**DRAM** (working set {}, beyond the caches): copy {:.1} GB/s, update {:.1} GB/s, read {:.1} \
                     GB/s{}.\n",
                    size_of(d.bytes),
                    d.copy,
                    d.update,
                    d.read,
                    d.stream.map_or(String::new(), |x| format!(", 4 read and 1 written {x:.1} GB/s"))
                );
            }
            None => {
                let _ = writeln!(m, "**DRAM**: not measured (see Skipped).\n");
            }
        }
        let _ = writeln!(
            m,
            "| working set | copy GB/s | update GB/s | read GB/s | 4 read, 1 written GB/s | floor GB/s |\n\
             | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for p in &s.probes {
            let _ = writeln!(
                m,
                "| {} | {:.1} | {:.1} | {:.1} | {} | {:.1} |",
                size_of(p.bytes),
                p.copy,
                p.update,
                p.read,
                p.stream.map_or("—".into(), |x| format!("{x:.1}")),
                p.best()
            );
        }
        for z in &s.sizes {
            let _ = writeln!(m, "\n### Operators at {}³ ({} voxels)\n", z.size, z.voxels);
            let timed = z.operators.iter().any(|r| r.kernel_ms.is_some());
            let _ = write!(m, "| operator | ms/call | Gvoxel/s | GB/s | working set | floor GB/s | of floor |");
            let _ = writeln!(m, "{}", if timed { " kernel ms | kernel of floor |" } else { "" });
            let _ = writeln!(
                m,
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: |{}",
                if timed { " ---: | ---: |" } else { "" }
            );
            for row in &z.operators {
                let name = match row.cycles {
                    Some(c) if row.operator != "mg_vcycle" => format!("{} ({c:.1} V-cycles)", row.operator),
                    _ => row.operator.clone(),
                };
                let _ = write!(
                    m,
                    "| {name} | {:.3} | {:.3} | {:.2} | {} | {:.1} | {} |",
                    row.ms_per_call,
                    row.gvoxel_per_s,
                    row.gb_per_s,
                    size_of(row.working_set_bytes),
                    row.floor_gb_per_s,
                    pct(row.of_floor)
                );
                let kernel = match (row.kernel_ms, row.kernel_of_floor) {
                    (Some(k), Some(f)) => format!(" {k:.3} | {} |", pct(f)),
                    _ if timed => " — | — |".into(),
                    _ => String::new(),
                };
                let _ = writeln!(m, "{kernel}");
            }
        }
        if !s.scenes.is_empty() {
            let _ = writeln!(m, "\n### Reference scenes (whole steps)\n");
            let _ = writeln!(
                m,
                "| scene | grid | species | setup s | ms/step | Mvoxel·species/s |\n| --- | --- | ---: | ---: | ---: | ---: |"
            );
            for c in &s.scenes {
                let _ = writeln!(
                    m,
                    "| {}: {} | {}×{}×{} | {} | {:.2} | {:.2} | {:.1} |",
                    c.scene,
                    c.what,
                    c.grid[0],
                    c.grid[1],
                    c.grid[2],
                    c.species,
                    c.setup_s,
                    c.ms_per_step,
                    c.mvoxel_species_per_s
                );
            }
        }
        let _ = writeln!(m);
    }
    let _ = writeln!(m, "## GPU against CPU\n");
    match &r.gpu_against_cpu {
        Some(a) => {
            let _ = writeln!(
                m,
                "{} steps of {} on both backends: worst relative difference {:.2e} (max |gpu − cpu| over max |cpu|, \
                 in {}).\n",
                a.steps, a.scene, a.worst_relative_difference, a.worst_field
            );
        }
        None => {
            let _ = writeln!(m, "Not run: no GPU backend was measured.\n");
        }
    }
    let _ = writeln!(m, "## Skipped\n");
    if r.skipped.is_empty() {
        let _ = writeln!(m, "Nothing.");
    }
    for s in &r.skipped {
        let _ = writeln!(m, "- {} — {}: {}", s.backend, s.what, s.reason);
    }
    let _ = writeln!(m, "\n![achieved bandwidth](bandwidth.png)");
    m
}
