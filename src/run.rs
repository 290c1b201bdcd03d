//! One simulation run: scene → plan → world → backend → stepping with
//! outputs at every output time → `summary.json` → `report.html`, all in a
//! staging folder that becomes the output folder only when everything
//! succeeded.

use crate::grid::Tissue;
use crate::output::checkpoint::{self, Checkpoint};
use crate::output::provenance;
use crate::output::{OutputDir, Recorder, SolveColumns};
use crate::scene::{DEFAULT_SCENE, Scene, Validated};
use crate::slabs::{Link, SlabBackend};
use crate::solver::cpu::CpuBackend;
use crate::solver::gpu::{AdapterChoice, Gpu, GpuBackend, best_adapter, check_fits};
use crate::solver::{Backend, Plan, Scheduler};
use crate::vessels::VesselKind;
use crate::world::World;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::rc::Rc;
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
        Some(p) => read_scene_text(p)?,
        None => DEFAULT_SCENE.to_string(),
    };
    let mut v = Validated::new(Scene::from_toml_with(&text, sets)?)?;
    if let Some(dir) = path.and_then(|p| p.parent()).filter(|d| !d.as_os_str().is_empty()) {
        v.base_dir = dir.to_path_buf();
    }
    Ok(v)
}

/// Largest scene file read, bytes: a scene is a page of TOML, and the limit
/// keeps a device or a huge file from being read without end.
pub const MAX_SCENE_BYTES: u64 = 16 << 20;

/// The text of a scene file. A missing file, a directory, a dangling link,
/// a file over [`MAX_SCENE_BYTES`] or one that is not UTF-8 is an input
/// error saying what was expected.
pub fn read_scene_text(path: &Path) -> Result<String> {
    use std::io::Read;
    let shown = path.display();
    let fix = "give the path of a TOML scene file (UTF-8 text; every key is documented in scenes/README.md), \
               or no path for the built-in default scene";
    let refuse = |what: String| Error::Parse(format!("{shown}: {what}\n  fix: {fix}"));
    let dangling = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) && !path.exists();
    if dangling {
        let to = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
        return Err(refuse(format!("is a symbolic link to {to}, which does not exist")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        // Opening a named pipe would wait for a writer.
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket()) {
            return Err(refuse("is a named pipe or socket, not a scene file".into()));
        }
    }
    let file = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => refuse("no such file".into()),
        _ => refuse(format!("cannot be opened ({e})")),
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(refuse("is a directory, not a scene file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCENE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| refuse(format!("cannot be read ({e})")))?;
    if bytes.len() as u64 > MAX_SCENE_BYTES {
        return Err(refuse(format!("is larger than {} MiB, more than any scene", MAX_SCENE_BYTES >> 20)));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        refuse(format!(
            "is not UTF-8 text: byte {at} (line {line}) is 0x{:02x}; save the file as UTF-8 (TOML is UTF-8)",
            e.as_bytes()[at]
        ))
    })
}

/// Where a run will execute, decided before any field memory is allocated.
pub enum Device {
    Cpu,
    Gpu(Box<AdapterChoice>),
}

/// Pick the device for `choice` and check that the plan fits it. The second
/// value says why `auto` did not take a GPU, when it did not.
pub fn select_device(choice: BackendChoice, plan: &Plan) -> Result<(Device, Option<String>)> {
    let picked = match choice {
        BackendChoice::Cpu => (Device::Cpu, None),
        BackendChoice::Gpu => {
            let a = best_adapter(false).ok_or_else(|| {
                Error::Gpu(
                    "no GPU adapter found (for a software one install Mesa's Vulkan drivers); or use --backend cpu"
                        .into(),
                )
            })?;
            check_fits(plan, &a.adapter.limits())?;
            (Device::Gpu(Box::new(a)), None)
        }
        BackendChoice::Auto => match best_adapter(true) {
            None => (Device::Cpu, Some("no hardware GPU adapter".into())),
            Some(a) if check_fits(plan, &a.adapter.limits()).is_err() => {
                (Device::Cpu, Some(format!("the grid does not fit {}", a.info.name)))
            }
            Some(a) => (Device::Gpu(Box::new(a)), None),
        },
    };
    // The CPU backend and software adapters keep every buffer in host memory.
    if matches!(&picked.0, Device::Cpu) || matches!(&picked.0, Device::Gpu(a) if a.is_software()) {
        check_host_memory(plan, host_memory_available())?;
    }
    Ok(picked)
}

/// Memory the system can give a new process now (Linux `MemAvailable`),
/// bytes; `None` where that is not known.
pub fn host_memory_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuse, before anything is allocated, a plan whose buffers (the memory
/// estimate of `oncovox check`) exceed the `free` host memory.
fn check_host_memory(plan: &Plan, free: Option<u64>) -> Result<()> {
    let (Some(free), need) = (free, plan.device_bytes()) else { return Ok(()) };
    if need <= free {
        return Ok(());
    }
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    Err(Error::TooLarge(format!(
        "grid.shape {:?} with {} species needs about {:.1} GiB of memory, more than the {:.1} GiB free on this machine; \
         use fewer voxels or species",
        plan.grid.shape,
        plan.species.len(),
        gib(need),
        gib(free)
    )))
}

/// Build the world and the backend on a selected device: the GPU (when
/// chosen) also solves the interstitial pressure. The plan gains what
/// depends on the world (advection sub-steps).
pub fn build(device: Device, v: &Validated, plan: &mut Plan) -> Result<(World, Box<dyn Backend>)> {
    match device {
        Device::Cpu => {
            let world = build_world(v, None)?;
            plan.attach(&world);
            plan.check_advection()?;
            let backend = Box::new(CpuBackend::new(plan, &world)?);
            Ok((world, backend))
        }
        Device::Gpu(a) => {
            let gpu = Gpu::new(*a)?;
            let world = build_world(v, Some(&gpu))?;
            plan.attach(&world);
            plan.check_advection()?;
            check_fits(plan, &gpu.limits)?;
            let backend = Box::new(GpuBackend::new(gpu, plan, &world)?);
            Ok((world, backend))
        }
    }
}

/// The world of a scene: its geometry, the interstitial pressure solved
/// (on `gpu` when given), then everything that depends on the pressure.
pub fn build_world(v: &Validated, gpu: Option<&Gpu>) -> Result<World> {
    let draft = World::draft(v)?;
    let pressure = match draft.interstitium() {
        Some(i) => Some(crate::solver::darcy::solve_interstitium(&draft.grid, i, gpu)?),
        None => None,
    };
    draft.finish(v, pressure)
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

/// Run a validated scene into `out` (which must not hold `inputs`, the
/// scene files). `announce` receives the one line saying which backend
/// runs; `progress` shows a bar on the terminal. A signal caught by the
/// binary (see [`crate::output::stop_flag`]) stops the run between steps
/// and outputs with [`Error::Interrupted`], `out` untouched (a run that has
/// written checkpoints leaves them beside it, see [`OutputDir`]).
pub fn run(
    v: &Validated,
    choice: BackendChoice,
    out: &Path,
    inputs: &[&Path],
    progress: bool,
    announce: &mut dyn FnMut(&str),
) -> Result<RunReport> {
    run_from(v, choice, out, inputs, progress, announce, None, None)
}

/// [`run`] split into slabs of z-planes over the ranks of `link` (each
/// rank calls it): every rank steps its own planes on the CPU backend
/// ([`SlabBackend`]) and rank 0 writes the outputs, the same files one
/// process writes, bit for bit but for the timings. The other ranks'
/// reports name no file.
pub fn run_split(
    v: &Validated,
    choice: BackendChoice,
    out: &Path,
    inputs: &[&Path],
    progress: bool,
    announce: &mut dyn FnMut(&str),
    link: Rc<dyn Link>,
) -> Result<RunReport> {
    run_from(v, choice, out, inputs, progress, announce, None, Some(link))
}

/// Keys `--set` may change when resuming: the rest of the scene is the
/// checkpoint's.
pub const RESUME_KEYS: [&str; 2] = ["time.duration", "output.checkpoint_interval"];

/// A checkpoint to go on from, and the run folder that holds the files
/// written before it.
struct Resume {
    checkpoint: Checkpoint,
    folder: PathBuf,
    run: PathBuf,
}

/// Go on from the checkpoint `dir` means (see [`checkpoint::find`]) into
/// `out`, with the checkpoint's scene; `sets` may change only
/// [`RESUME_KEYS`] (a longer `time.duration` runs on past the end). The
/// new folder holds the whole run: the files written before the
/// checkpoint are copied from the run folder, and a run of T resumed from
/// a checkpoint at T for T' writes what one run of T + T' writes, bit for
/// bit, on the same backend.
pub fn resume(
    dir: &Path,
    sets: &[String],
    choice: BackendChoice,
    out: &Path,
    progress: bool,
    announce: &mut dyn FnMut(&str),
) -> Result<RunReport> {
    resume_on(dir, sets, choice, out, progress, announce, None)
}

/// [`resume`] split over the ranks of `link`, as [`run_split`] runs (the
/// checkpoint may have been written by any number of ranks: it holds the
/// whole grid).
pub fn resume_split(
    dir: &Path,
    sets: &[String],
    choice: BackendChoice,
    out: &Path,
    progress: bool,
    announce: &mut dyn FnMut(&str),
    link: Rc<dyn Link>,
) -> Result<RunReport> {
    resume_on(dir, sets, choice, out, progress, announce, Some(link))
}

fn resume_on(
    dir: &Path,
    sets: &[String],
    choice: BackendChoice,
    out: &Path,
    progress: bool,
    announce: &mut dyn FnMut(&str),
    link: Option<Rc<dyn Link>>,
) -> Result<RunReport> {
    for s in sets {
        let key = s.split_once('=').map_or(s.as_str(), |(k, _)| k).trim();
        if !RESUME_KEYS.contains(&key) {
            return Err(Error::scene(
                key,
                "cannot change when resuming: the checkpoint holds the state of its own scene",
                "resume with --set time.duration=… (and output.checkpoint_interval=…) only; to change anything else, \
                 start a new run",
            ));
        }
    }
    let (folder, run_dir) = checkpoint::find(dir)?;
    let (cp, text) = checkpoint::read(&folder)?;
    let mut v = Validated::new(Scene::from_toml_with(&text, sets)?)?;
    v.base_dir = run_dir.clone();
    if v.steps < cp.step {
        return Err(Error::scene(
            "time.duration",
            format!("is {} min, before the checkpoint at {} min", v.scene.time.duration, cp.time_min),
            format!("give a duration of at least {} min", cp.time_min),
        ));
    }
    let scene_file = folder.join("scene.toml");
    let r = Resume { checkpoint: cp, folder, run: run_dir };
    run_from(&v, choice, out, &[&scene_file], progress, announce, Some(r), link)
}

/// Refuse what a run split over `ranks` ranks cannot do, before anything
/// is built: more ranks than z-planes, the GPU backend, the LOD solver with
/// a diffusion coefficient per tissue.
pub fn check_split(plan: &Plan, choice: BackendChoice, ranks: usize) -> Result<()> {
    crate::slabs::Slab::of(plan.grid.shape, 0, ranks)?;
    if choice == BackendChoice::Gpu {
        return Err(Error::scene(
            "--backend",
            format!("gpu: a run split over {ranks} ranks runs on the CPU backend (GPU ranks are not built yet)"),
            "give --backend cpu (or auto), or run the GPU backend on one rank",
        ));
    }
    SlabBackend::check(plan)
}

/// The world and this rank's slab backend.
fn build_split(v: &Validated, plan: &mut Plan, link: Rc<dyn Link>) -> Result<(World, Box<dyn Backend>)> {
    let world = build_world(v, None)?;
    plan.attach(&world);
    plan.check_advection()?;
    let backend = Box::new(SlabBackend::new(link, plan, &world)?);
    Ok((world, backend))
}

/// A rank other than 0 of a split run: the same steps, and its part of
/// every gather of rank 0 (the fields and cells of each time-series row,
/// each checkpoint's state), in rank 0's order; it writes nothing.
fn follow(v: &Validated, link: Rc<dyn Link>, resume: Option<&Checkpoint>) -> Result<()> {
    let mut plan = Plan::new(v);
    let (world, backend) = build_split(v, &mut plan, link)?;
    drop(world);
    let mut sched = Scheduler::new(plan.clone(), backend);
    let from = match resume {
        None => {
            sched.start()?;
            read_state(&mut sched)?;
            0
        }
        Some(c) => {
            sched.restore(c.scheduler.clone())?;
            sched.backend.load_state(&c.state)?;
            if c.step == plan.steps || c.step.is_multiple_of(plan.output_every) {
                read_state(&mut sched)?;
            }
            c.step
        }
    };
    for n in segments_after(&plan, from) {
        sched.advance(n)?;
        read_state(&mut sched)?;
        let last = sched.step_count() == plan.steps;
        if v.checkpoint_every.is_some_and(|every| last || sched.step_count().is_multiple_of(every)) {
            sched.backend.save_state()?;
        }
    }
    Ok(())
}

/// The lengths of the segments of `plan` after base step `from` (the
/// checkpoint's step). One that ends a run of a duration that is no whole
/// number of rows lies inside a segment of the longer run: the first
/// segment then ends where that one does (the shorter run synchronised its
/// species there; the longer one had not).
fn segments_after(plan: &Plan, from: u64) -> Vec<u64> {
    let (mut segments, mut at) = (Vec::new(), 0);
    for n in plan.segments() {
        if at >= from {
            segments.push(n);
        } else if at + n > from {
            segments.push(at + n - from);
        }
        at += n;
    }
    segments
}

#[allow(clippy::too_many_arguments, reason = "a run's inputs, spelled out")]
fn run_from(
    v: &Validated,
    choice: BackendChoice,
    out: &Path,
    inputs: &[&Path],
    progress: bool,
    announce: &mut dyn FnMut(&str),
    resume: Option<Resume>,
    link: Option<Rc<dyn Link>>,
) -> Result<RunReport> {
    let started = std::time::SystemTime::now();
    let mut plan = Plan::new(v);
    if let Some(l) = &link {
        check_split(&plan, choice, l.size())?;
        if l.rank() != 0 {
            follow(v, Rc::clone(l), resume.as_ref().map(|r| &r.checkpoint))?;
            let out_dir = out.to_path_buf();
            return Ok(RunReport {
                out_dir,
                backend: "cpu".into(),
                device: String::new(),
                steps: plan.steps,
                wall_seconds: 0.0,
                files: Vec::new(),
            });
        }
    }
    let (device, why) = match &link {
        Some(_) => (Device::Cpu, None),
        None => select_device(choice, &plan)?,
    };
    let dir = OutputDir::prepare(out, inputs)?;
    let built = match link {
        Some(l) => build_split(v, &mut plan, l),
        None => build(device, v, &mut plan),
    };
    let ((world, backend), why) = match (built, choice) {
        (Ok(b), _) => (b, why),
        // `auto` never fails for want of a working GPU: the CPU backend always works.
        (Err(e @ Error::Gpu(_)), BackendChoice::Auto) => {
            plan = Plan::new(v);
            (build(Device::Cpu, v, &mut plan)?, Some(format!("{e}")))
        }
        (Err(e), _) => return Err(e),
    };
    let (kind, device) = (backend.kind(), backend.device_name());
    announce(&match why {
        Some(why) => format!("backend: {kind} ({device}); {why}"),
        None => format!("backend: {kind} ({device})"),
    });
    if let Some(vas) = &world.vascular {
        let advected = plan.species.iter().filter_map(|s| s.advection).max();
        announce(&format!(
            "vessels: {} normal and {} tumour segments; interstitial pressure: {} V-cycles, relative residual {:.1e}{}",
            vas.network.count(VesselKind::Normal),
            vas.network.count(VesselKind::Tumour),
            vas.cycles,
            vas.residual,
            advected.map(|n| format!("; advection in {n} sub-step(s) per step")).unwrap_or_default()
        ));
    }
    let coupled = (0..plan.species.len()).filter(|&s| plan.species[s].method.is_coupled()).collect();
    let steps = plan.steps;
    let at_step = |n: u64| move || format!("at step {n} of {steps}");
    dir.check_stop(at_step(0))?;
    let mut rec = Recorder::new(&v.scene, &world, coupled, backend.gpu())?;
    if let Some(r) = rec.view_renderer() {
        announce(&format!("3D views: rendered on the {r}"));
    }
    rec.maps(&dir, &world)?;
    for (rel, bytes) in crate::output::inputs::files(&v.scene, &world) {
        dir.write(&rel, &bytes)?;
        rec.files.push(rel);
    }
    let vascular = vascular_summary(&world);
    drop(world);
    let start = Instant::now();
    let mut sched = Scheduler::new(plan.clone(), backend);
    let bar = progress_bar(progress, plan.steps);
    // Time inside the step loops only (outputs excluded), the device waited for.
    let mut stepping = std::time::Duration::ZERO;
    let resolved = resolved_header(v);
    let saver = v.checkpoint_every.map(|every| Saver { every, scene: &resolved });
    let from = match &resume {
        None => {
            let t = Instant::now();
            sched.start()?;
            stepping += t.elapsed();
            record(&mut sched, &mut rec, &dir, true, false, None)?;
            0
        }
        Some(r) => {
            let c = &r.checkpoint;
            copy_earlier(&dir, &r.run, &c.recorder.files)?;
            rec.restore(c.recorder.clone())?;
            sched.restore(c.scheduler.clone())?;
            sched.backend.load_state(&c.state)?;
            announce(&format!(
                "resumed from {} at t = {} min (step {} of {}; written by the {} backend)",
                r.folder.display(),
                c.time_min,
                c.step,
                plan.steps,
                c.backend
            ));
            // The checkpoint was taken after the row of its step, before its
            // outputs: those of this run at that step are written here.
            let last = c.step == plan.steps;
            if last || c.step.is_multiple_of(plan.output_every) {
                let (fields, cells) = read_state(&mut sched)?;
                rec.snapshot(&dir, sched.time(), c.step, last, &fields, &cells)?;
            }
            c.step
        }
    };
    bar.set_position(from);
    let total_h = plan.steps as f64 * plan.dt / 60.0;
    let segments = segments_after(&plan, from);
    for n in segments {
        if let Err(e) = dir.check_stop(at_step(sched.step_count())) {
            bar.finish_and_clear();
            return Err(e);
        }
        let t = Instant::now();
        sched.advance(n)?;
        sched.backend.finish()?;
        stepping += t.elapsed();
        bar.set_position(sched.step_count());
        bar.set_message(format!("{:.2} of {total_h:.2} h simulated", sched.time() / 60.0));
        let last = sched.step_count() == plan.steps;
        let snapshot = last || sched.step_count().is_multiple_of(plan.output_every);
        let save = saver.as_ref().filter(|s| last || sched.step_count().is_multiple_of(s.every));
        record(&mut sched, &mut rec, &dir, snapshot, last, save)?;
    }
    sched.backend.finish()?;
    bar.finish_and_clear();
    let sched_logs = sched.logs.clone();
    let timing = sched.timing.clone();
    let wall = start.elapsed().as_secs_f64();
    dir.check_stop(at_step(steps))?;
    rec.finish(&dir)?;
    dir.write("scene.resolved.toml", resolved.as_bytes())?;
    let mut summary = summary_json(v, &plan, kind, &device, wall);
    summary["commit"] = provenance::COMMIT.into();
    summary["scene_sha256"] = provenance::sha256_hex(resolved.as_bytes()).into();
    summary["threads"] = rayon::current_num_threads().into();
    summary["started_utc"] = provenance::utc(started).into();
    if let Some(r) = &resume {
        summary["resumed_from"] = serde_json::json!({
            "checkpoint": r.folder.display().to_string(),
            "step": r.checkpoint.step,
            "time_min": r.checkpoint.time_min,
            "backend": r.checkpoint.backend,
        });
    }
    if let Some(list) = summary["species"].as_array_mut() {
        for (j, l) in list.iter_mut().zip(&sched_logs) {
            if l.solves > 0 {
                j["solves"] = serde_json::json!({
                    "count": l.solves, "v_cycles": l.cycles, "linearisations": l.iterations,
                    "last_relative_residual": l.last.residual,
                });
            }
        }
    }
    summary["seconds_per_step"] = (stepping.as_secs_f64() / plan.steps.max(1) as f64).into();
    if let Some(vs) = vascular {
        summary["vascular"] = vs;
    }
    summary["operators"] = timing
        .operators
        .iter()
        .map(|o| serde_json::json!({ "operator": o.name, "calls": o.calls, "seconds": o.seconds }))
        .collect();
    announce("time per operator (wall, the stepping loop):");
    for o in &timing.operators {
        announce(&format!("  {:<36} {:>8} calls {:>10.2} s", o.name, o.calls, o.seconds));
    }
    if rec.metrics.has_tumour() {
        let names = v.scene.species.iter().map(|s| s.name.clone());
        summary["exposure"] = serde_json::Value::Object(
            names
                .zip(rec.metrics.latest())
                .map(|(n, e)| {
                    let j = serde_json::json!({
                        "auc_tumour": e.auc_tumour,
                        "auc_normal": e.auc_normal,
                        "exposure_ratio": e.ratio(),
                        "tumour_mean": e.tumour_mean,
                        "normal_mean": e.normal_mean,
                        "percent_injected_dose_tumour": e.pid_tumour,
                    });
                    (n, j)
                })
                .collect(),
        );
    }
    if let Some(c) = rec.cells.as_ref().and_then(|c| c.summary()) {
        summary["cells"] = c;
    }
    let summary = serde_json::to_string_pretty(&summary).unwrap_or_default();
    dir.write("summary.json", summary.as_bytes())?;
    dir.write(crate::report::FILE, crate::report::run_page(dir.path())?.as_bytes())?;
    let mut files = rec.files.clone();
    files.extend(["scene.resolved.toml", "summary.json", crate::report::FILE].map(String::from));
    // A signal from here on no longer stops the run: the commit is not cut short.
    dir.check_stop(|| format!("after all {steps} steps, before moving the outputs into place"))?;
    let out_dir = dir.commit()?;
    Ok(RunReport { out_dir, backend: kind.into(), device, steps: plan.steps, wall_seconds: wall, files })
}

/// When checkpoints are written, and the resolved scene each one holds.
struct Saver<'a> {
    every: u64,
    scene: &'a str,
}

/// Every field and the cell state (empty without cells).
fn read_state(sched: &mut Scheduler) -> Result<(Vec<Vec<f32>>, Vec<f32>)> {
    let fields = (0..sched.plan.species.len()).map(|s| sched.read_field(s)).collect::<Result<Vec<_>>>()?;
    let cells = if sched.plan.cells.is_some() { sched.read_cells()? } else { Vec::new() };
    Ok((fields, cells))
}

/// Copy into the new folder the files of `files` that the run folder `run`
/// holds and the new run has not written itself (the per-output files
/// written before the checkpoint).
fn copy_earlier(dir: &OutputDir, run: &Path, files: &[String]) -> Result<()> {
    for rel in files {
        let to = dir.path().join(rel);
        if to.exists() {
            continue;
        }
        let from = run.join(rel);
        if !from.is_file() {
            return Err(Error::scene(
                "--resume",
                format!("{} lacks {rel}, which the run wrote before the checkpoint", run.display()),
                "resume from a checkpoint inside the output folder of the run that wrote it",
            ));
        }
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
    }
    Ok(())
}

/// A time-series row; with `save`, a checkpoint (after the row, before the
/// outputs, which a resumed run writes itself); with `snapshot`, the outputs.
fn record(
    sched: &mut Scheduler,
    rec: &mut Recorder,
    dir: &OutputDir,
    snapshot: bool,
    last: bool,
    save: Option<&Saver>,
) -> Result<()> {
    let (fields, cells) = read_state(sched)?;
    let solves: Vec<SolveColumns> = sched
        .logs
        .iter()
        .map(|l| SolveColumns {
            solves: l.solves,
            cycles: l.cycles,
            iterations: l.iterations,
            residual: l.last.residual,
        })
        .collect();
    rec.sample(sched.time(), &fields, &cells, &solves)?;
    if let Some(s) = save {
        let c = Checkpoint {
            step: sched.step_count(),
            time_min: sched.time(),
            backend: sched.backend.kind().into(),
            scheduler: sched.state(),
            recorder: rec.state(),
            state: sched.backend.save_state()?,
        };
        checkpoint::write(dir, &c, s.scene, sched.plan.dt)?;
    }
    if snapshot {
        rec.snapshot(dir, sched.time(), sched.step_count(), last, &fields, &cells)?;
    }
    Ok(())
}

fn progress_bar(show: bool, steps: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(steps);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {msg}  {elapsed} elapsed, {eta} left") {
        bar.set_style(style);
    }
    bar
}

/// The scene with every default written out. An imported network points
/// to the copy in `maps/network.json` and NPY inputs to theirs in
/// `initial/`, so the folder reruns on its own.
fn resolved_header(v: &Validated) -> String {
    let mut scene = v.scene.clone();
    if let Some(vs) = scene.vessels.as_mut().filter(|vs| vs.file.is_some()) {
        vs.file = Some("maps/network.json".into());
    }
    crate::output::inputs::resolve(&mut scene);
    format!(
        "# Resolved by oncovox {}: every default written out. Rerun with\n#   oncovox run scene.resolved.toml\n{}",
        env!("CARGO_PKG_VERSION"),
        scene.to_toml()
    )
}

/// Network, blood flow and interstitial pressure in numbers.
fn vascular_summary(world: &World) -> Option<serde_json::Value> {
    let v = world.vascular.as_ref()?;
    let mean_in = |field: &[f32], t: Tissue| {
        let (mut s, mut n) = (0.0f64, 0usize);
        for (x, &tt) in field.iter().zip(&world.tissue) {
            if tt == t {
                s += *x as f64;
                n += 1;
            }
        }
        (n > 0).then(|| s / n as f64)
    };
    let per_tissue = |field: &[f32]| {
        serde_json::json!({
            "normal": mean_in(field, Tissue::Normal),
            "tumour": mean_in(field, Tissue::Tumour),
            "necrotic": mean_in(field, Tissue::Necrotic),
        })
    };
    let sv: Vec<f32> = v.maps.sv[0].iter().zip(&v.maps.sv[1]).map(|(a, b)| a + b).collect();
    Some(serde_json::json!({
        "segments": { "normal": v.network.count(VesselKind::Normal), "tumour": v.network.count(VesselKind::Tumour) },
        "wall_area_um2": v.network.wall_area(),
        "surface_per_volume_per_um": per_tissue(&sv),
        "interstitial_pressure_mmHg": per_tissue(&v.pressure),
        "pressure_solve": { "relative_residual": v.residual, "v_cycles": v.cycles },
        "max_interstitial_speed_um_per_min": v.velocity.as_ref().map(|f| f.speed().into_iter().fold(0.0f32, f32::max)),
    }))
}

fn summary_json(v: &Validated, plan: &Plan, kind: &str, device: &str, wall: f64) -> serde_json::Value {
    let species: Vec<serde_json::Value> = plan
        .species
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "unit": s.unit,
                "solver": s.method.name(),
                "substeps": s.substeps(),
            })
        })
        .collect();
    let updates = plan.grid.len() as f64 * plan.steps as f64 * plan.species.len() as f64;
    serde_json::json!({
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
    })
}
