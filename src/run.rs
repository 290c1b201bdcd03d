//! One simulation run: scene → plan → world → backend → stepping with
//! outputs at every output time → `summary.json`, all in a staging folder
//! that becomes the output folder only when everything succeeded.

use crate::output::{OutputDir, Recorder};
use crate::scene::{DEFAULT_SCENE, Scene, Validated};
use crate::solver::cpu::CpuBackend;
use crate::solver::gpu::{AdapterChoice, Gpu, GpuBackend, best_adapter, check_fits};
use crate::solver::{Backend, Method, Plan, Scheduler};
use crate::world::World;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU if there is one, else the CPU. A software Vulkan
    /// adapter is slower than the CPU backend, so `auto` never takes it.
    Auto,
    /// Any GPU adapter, software ones included.
    Gpu,
    Cpu,
}

/// Read and validate a scene file (or the embedded default), with overrides.
pub fn load_scene(path: Option<&Path>, sets: &[String]) -> Result<Validated> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?,
        None => DEFAULT_SCENE.to_string(),
    };
    Validated::new(Scene::from_toml_with(&text, sets)?)
}

/// Where a run will execute, decided before any field memory is allocated.
pub enum Device {
    Cpu,
    Gpu(Box<AdapterChoice>),
}

/// Pick the device for `choice` and check that the plan fits it. The second
/// value says why `auto` did not take a GPU, when it did not.
pub fn select_device(choice: BackendChoice, plan: &Plan) -> Result<(Device, Option<String>)> {
    match choice {
        BackendChoice::Cpu => Ok((Device::Cpu, None)),
        BackendChoice::Gpu => {
            let a = best_adapter(false).ok_or_else(|| {
                Error::Gpu(
                    "no GPU adapter found (for a software one install Mesa's Vulkan drivers); or use --backend cpu"
                        .into(),
                )
            })?;
            check_fits(plan, &a.adapter.limits())?;
            Ok((Device::Gpu(Box::new(a)), None))
        }
        BackendChoice::Auto => match best_adapter(true) {
            None => Ok((Device::Cpu, Some("no hardware GPU adapter".into()))),
            Some(a) if check_fits(plan, &a.adapter.limits()).is_err() => {
                Ok((Device::Cpu, Some(format!("the grid does not fit {}", a.info.name))))
            }
            Some(a) => Ok((Device::Gpu(Box::new(a)), None)),
        },
    }
}

/// Build the backend on a selected device.
pub fn build_backend(device: Device, plan: &Plan, world: &World) -> Result<Box<dyn Backend>> {
    Ok(match device {
        Device::Cpu => Box::new(CpuBackend::new(plan, world)),
        Device::Gpu(a) => Box::new(GpuBackend::new(Gpu::new(*a)?, plan, world)?),
    })
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub backend: String,
    pub device: String,
    pub steps: u64,
    pub wall_seconds: f64,
    pub files: Vec<String>,
}

/// Run a validated scene into `out`. `announce` receives the one line
/// saying which backend runs; `progress` shows a bar on the terminal.
pub fn run(
    v: &Validated,
    choice: BackendChoice,
    out: &Path,
    progress: bool,
    announce: &mut dyn FnMut(&str),
) -> Result<RunReport> {
    let plan = Plan::new(v);
    let (device, why) = select_device(choice, &plan)?;
    let dir = OutputDir::prepare(out)?;
    let world = World::new(v);
    let (backend, why) = match (build_backend(device, &plan, &world), choice) {
        (Ok(b), _) => (b, why),
        // `auto` never fails for want of a working GPU: the CPU backend always works.
        (Err(e @ Error::Gpu(_)), BackendChoice::Auto) => {
            (build_backend(Device::Cpu, &plan, &world)?, Some(format!("{e}")))
        }
        (Err(e), _) => return Err(e),
    };
    let (kind, device) = (backend.kind(), backend.device_name());
    announce(&match why {
        Some(why) => format!("backend: {kind} ({device}); {why}"),
        None => format!("backend: {kind} ({device})"),
    });
    drop(world);
    let start = Instant::now();
    let mut sched = Scheduler::new(plan.clone(), backend);
    let mut rec = Recorder::new(&v.scene, plan.grid);
    let bar = progress_bar(progress, plan.steps);
    record(&mut sched, &mut rec, &dir, false)?;
    while sched.step_count() < plan.steps {
        let n = plan.output_every.min(plan.steps - sched.step_count());
        for _ in 0..n {
            sched.step();
            bar.inc(1);
        }
        let last = sched.step_count() == plan.steps;
        record(&mut sched, &mut rec, &dir, last)?;
    }
    sched.backend.finish()?;
    bar.finish_and_clear();
    let wall = start.elapsed().as_secs_f64();
    rec.finish(&dir)?;
    dir.write("scene.resolved.toml", resolved_header(v).as_bytes())?;
    let summary = summary_json(v, &plan, kind, &device, wall);
    dir.write("summary.json", summary.as_bytes())?;
    let mut files = rec.files.clone();
    files.extend(["scene.resolved.toml".to_string(), "summary.json".to_string()]);
    let out_dir = dir.commit()?;
    Ok(RunReport { out_dir, backend: kind.into(), device, steps: plan.steps, wall_seconds: wall, files })
}

fn record(sched: &mut Scheduler, rec: &mut Recorder, dir: &OutputDir, last: bool) -> Result<()> {
    let fields = (0..sched.plan.species.len()).map(|s| sched.read_field(s)).collect::<Result<Vec<_>>>()?;
    rec.record(dir, sched.time(), sched.step_count(), last, &fields)
}

fn progress_bar(show: bool, steps: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(steps);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps  {elapsed} elapsed, {eta} left")
    {
        bar.set_style(style);
    }
    bar
}

fn resolved_header(v: &Validated) -> String {
    format!(
        "# Resolved by oncovox {}: every default written out. Rerun with\n#   oncovox run scene.resolved.toml\n{}",
        env!("CARGO_PKG_VERSION"),
        v.scene.to_toml()
    )
}

fn summary_json(v: &Validated, plan: &Plan, kind: &str, device: &str, wall: f64) -> String {
    let species: Vec<serde_json::Value> = plan
        .species
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "unit": s.unit,
                "solver": match s.method { Method::Lod => "lod", Method::Explicit { .. } => "explicit" },
                "substeps": s.substeps(),
            })
        })
        .collect();
    let updates = plan.grid.len() as f64 * plan.steps as f64 * plan.species.len() as f64;
    let j = serde_json::json!({
        "oncovox_version": env!("CARGO_PKG_VERSION"),
        "title": v.scene.title,
        "backend": kind,
        "adapter": device,
        "grid": { "shape": plan.grid.shape, "dx_um": plan.grid.dx, "voxels": plan.grid.len() },
        "time": { "dt_min": plan.dt, "steps": plan.steps, "duration_min": plan.dt * plan.steps as f64 },
        "seed": v.scene.seed,
        "species": species,
        "wall_seconds": wall,
        "voxel_species_steps_per_second": if wall > 0.0 { updates / wall } else { 0.0 },
    });
    serde_json::to_string_pretty(&j).unwrap_or_default()
}
