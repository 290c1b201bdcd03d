//! Subcommands: run, check, compare, import, info, bench.

use clap::{Parser, Subcommand, ValueEnum};
use oncovox::Result;
use oncovox::run::{BackendChoice, Device, load_scene, run, select_device};
use oncovox::solver::gpu::{adapters, best_adapter, check_fits};
use oncovox::solver::schedule::{self, Speed};
use oncovox::solver::{Method, Plan};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// oncovox: 3D transport of oxygen, drugs and nanoparticles in tumour
/// tissue, on any GPU (Vulkan, Metal, DX12) or on the CPU.
///
/// Start with `oncovox run` (the built-in scene), look at out/slices/*.png,
/// then copy scenes/default.toml and edit it: every key is documented in
/// scenes/README.md. Units: µm, min, mmHg (oxygen), µM (drugs).
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scene (the built-in default when none is given) and write
    /// slices, time series, summary and the resolved scene into a folder.
    Run {
        /// Scene file (TOML). Omit to run the built-in default scene.
        scene: Option<PathBuf>,
        /// Output folder; replaced if it holds an earlier run.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Go on from the latest checkpoint of the run folder DIR (or from
        /// the checkpoint folder DIR) into the output folder, with the
        /// checkpoint's scene; --set may change only time.duration and
        /// output.checkpoint_interval.
        #[arg(long, value_name = "DIR", conflicts_with = "scene")]
        resume: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Validate a scene and print what is derived from it (solver and
    /// sub-steps per species, memory needed, whether it fits each adapter)
    /// without running it.
    Check {
        /// Scene file (TOML). Omit to check the built-in default scene.
        scene: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Run therapy arms (several scene files, or one with [[arms]]) into
    /// DIR/<arm>/ and compare them: compare.csv, compare.md and plots/*.png
    /// of live tumour cells, resistant and hypoxic fractions, drug exposure.
    Compare {
        /// Scene files (TOML), one arm each (named by file stem); or one
        /// scene file whose [[arms]] entries (name, set) are the arms.
        #[arg(required = true)]
        scenes: Vec<PathBuf>,
        /// Output folder; replaced if it holds an earlier comparison.
        #[arg(short, long, default_value = "compare")]
        out: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Run a grid of parameters as the arms of one comparison: every
    /// combination of the --vary values, each arm validated before any
    /// runs, compared as `compare` does.
    Sweep {
        /// Scene file (TOML) without [[arms]].
        scene: PathBuf,
        /// One axis: KEY=a,b,c (values as --set takes them) or
        /// KEY=start:stop:count, with :log for a geometric range (repeatable).
        #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
        vary: Vec<String>,
        /// Output folder; replaced if it holds an earlier comparison.
        #[arg(short, long, default_value = "sweep")]
        out: PathBuf,
        /// Write one `oncovox run` command per arm (each into OUT/<arm>)
        /// into FILE, for a batch scheduler, instead of running them.
        #[arg(long, value_name = "FILE")]
        jobs: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Turn another simulator's settings into an oncovox scene (commented
    /// TOML); what has no oncovox equivalent is listed as warnings.
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// List GPU adapters, their limits, and what `--backend auto` picks.
    Info,
    /// Measure each operator's and a whole step's throughput (voxel updates/s,
    /// GB/s, share of the streaming floor measured on a working set of the
    /// same size). With --report DIR: the full report of this machine
    /// (bench.md, bench.json, bandwidth.png).
    Bench {
        /// Cubic grid edge, voxels (without --report).
        #[arg(long, default_value_t = 192)]
        size: u32,
        /// Write the full report into this folder: floors, operators at
        /// every --sizes, reference scenes, GPU against CPU.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Grid edges of the report's operator rows.
        #[arg(long, value_delimiter = ',', default_values_t = [64u32, 128, 256, 512],
              value_parser = clap::value_parser!(u32).range(2..=2048))]
        sizes: Vec<u32>,
        /// The report's reference scenes at this fraction of their grid edge
        /// (1: as shipped).
        #[arg(long, default_value_t = 1.0)]
        scene_scale: f64,
        /// Repetitions of each operator.
        #[arg(long, default_value_t = 10)]
        reps: u32,
        /// Transport species in the whole step: the bench scene's three
        /// (LOD, explicit, carrier) and, beyond them, LOD species like the first.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(3..=32))]
        species: u32,
        /// Which backends to measure.
        #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
        backend: BackendArg,
        /// Print the measurements as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ImportFrom {
    /// A PhysiCell settings file (PhysiCell_settings.xml, 1.10 to 1.14):
    /// the domain, times, output interval and every substrate with its
    /// diffusion, decay, initial value and Dirichlet faces, on BioFVM's LOD
    /// scheme. Cell definitions, rules and user parameters are warnings.
    Physicell {
        /// The settings file (XML).
        settings: PathBuf,
        /// The scene file to write; an existing one is left as it is.
        #[arg(short, long)]
        out: PathBuf,
        /// Replace an existing scene file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args, Debug)]
struct Common {
    /// auto: a hardware GPU if present, else the CPU. gpu: any GPU adapter,
    /// software ones included. cpu: the CPU backend.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    backend: BackendArg,
    /// Override a key, e.g. --set time.duration=30 or
    /// --set species.oxygen.diffusion=2e5 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Go ahead with a scene whose estimated run time on the chosen backend
    /// is more than a day (without it, run, check and compare refuse it).
    #[arg(long)]
    force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum BackendArg {
    Auto,
    Gpu,
    Cpu,
}

impl From<BackendArg> for BackendChoice {
    fn from(b: BackendArg) -> Self {
        match b {
            BackendArg::Auto => BackendChoice::Auto,
            BackendArg::Gpu => BackendChoice::Gpu,
            BackendArg::Cpu => BackendChoice::Cpu,
        }
    }
}

pub fn dispatch(cli: Cli) -> Result<()> {
    match cli.command.unwrap_or(Command::Run {
        scene: None,
        out: "out".into(),
        resume: None,
        common: Common { backend: BackendArg::Auto, sets: vec![], force: false },
    }) {
        Command::Run { resume: Some(dir), out, common, .. } => resume_cmd(&dir, &out, &common),
        Command::Run { scene, out, common, .. } => run_cmd(scene, out, common),
        Command::Check { scene, common } => check_cmd(scene, &common),
        Command::Compare { scenes, out, common } => {
            stop_on_signals();
            compare_within_a_day(&scenes, &common)?;
            let progress = std::io::stderr().is_terminal();
            let log = &mut |line: &str| eprintln!("{line}");
            oncovox::compare::run_arms(&scenes, &out, common.backend.into(), &common.sets, progress, log).map(drop)
        }
        Command::Sweep { scene, vary, out, jobs, common } => {
            let axes = vary.iter().map(|a| oncovox::sweep::parse_axis(a)).collect::<Result<Vec<_>>>()?;
            if let Some(file) = jobs {
                let n = oncovox::sweep::write_jobs(&scene, &axes, &common.sets, &out, &file)?;
                eprintln!("wrote {}: {n} runs, one per line", file.display());
                return Ok(());
            }
            stop_on_signals();
            if !common.force {
                within_a_day(oncovox::sweep::validated_arms(&scene, &axes, &common.sets)?, &common)?;
            }
            let progress = std::io::stderr().is_terminal();
            let log = &mut |line: &str| eprintln!("{line}");
            let b = common.backend.into();
            #[cfg(feature = "mpi")]
            if let Some(mpi) = oncovox::ranks::Mpi::init() {
                use oncovox::ranks::Ranks as _;
                let (rank, size) = (mpi.rank(), mpi.size());
                let log = &mut |line: &str| match size {
                    1 => eprintln!("{line}"),
                    _ => eprintln!("[rank {rank}/{size}] {line}"),
                };
                return oncovox::sweep::run(&scene, &axes, &common.sets, &out, b, progress, log, &mpi).map(drop);
            }
            oncovox::sweep::run(&scene, &axes, &common.sets, &out, b, progress, log, &oncovox::ranks::Alone).map(drop)
        }
        Command::Import { from: ImportFrom::Physicell { settings, out, force } } => import_cmd(&settings, &out, force),
        Command::Info => {
            info_cmd();
            Ok(())
        }
        Command::Bench { size, report: Some(dir), sizes, reps, backend, scene_scale, .. } => {
            if !(scene_scale.is_finite() && (0.01..=4.0).contains(&scene_scale)) {
                return Err(oncovox::Error::Parse(format!(
                    "--scene-scale {scene_scale}: must be between 0.01 and 4 (1: the scenes as shipped)"
                )));
            }
            let _ = size;
            stop_on_signals();
            let o = oncovox::bench::ReportOptions {
                dir,
                sizes: sizes.iter().map(|&s| s as usize).collect(),
                reps,
                choice: backend.into(),
                scene_scale,
            };
            let at = oncovox::bench::run_report(&o)?;
            eprintln!("report: {}", at.display());
            Ok(())
        }
        Command::Bench { size, reps, species, backend, json, .. } => {
            oncovox::bench::run_bench(size as usize, reps, species as usize, backend.into(), json)
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP stop a run or comparison between its steps
/// (it fails with `Error::Interrupted`, removing its staging folder); the
/// same signal again while it stops ends the process at once, with the same
/// exit code (128 + the signal).
fn stop_on_signals() {
    use signal_hook::consts::signal::{SIGINT, SIGTERM};
    #[cfg(unix)]
    let signals = [SIGINT, SIGTERM, signal_hook::consts::signal::SIGHUP];
    #[cfg(not(unix))]
    let signals = [SIGINT, SIGTERM];
    for s in signals {
        let again = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Registered first, so that it sees the flag as the previous signal left it.
        let _ = signal_hook::flag::register_conditional_shutdown(s, 128 + s, std::sync::Arc::clone(&again));
        let _ = signal_hook::flag::register(s, again);
        let _ = signal_hook::flag::register_usize(s, oncovox::output::stop_flag(), s as usize);
    }
}

/// How a failed command is told: the error on standard error, after
/// `prefix` (which rank said it, under `mpirun`).
pub fn report(e: &oncovox::Error, prefix: &str) {
    match e {
        oncovox::Error::Interrupted { .. } => eprintln!("{prefix}{e}"),
        _ => eprintln!("{prefix}error: {e}"),
    }
}

/// Exit codes: 2 bad input, 128 + the signal for a stopped run, 1 anything else.
pub fn exit_code(e: &oncovox::Error) -> u8 {
    match e {
        oncovox::Error::Interrupted { signal, .. } => 128u8.saturating_add(*signal as u8),
        e if e.is_input_error() => 2,
        _ => 1,
    }
}

/// Under `mpirun` with more than one rank (feature `mpi`): the ranks a run
/// is split over.
#[cfg(feature = "mpi")]
fn split_ranks() -> Option<std::rc::Rc<oncovox::ranks::Mpi>> {
    let mpi = oncovox::ranks::Mpi::init()?;
    (oncovox::ranks::Ranks::size(&mpi) > 1).then(|| std::rc::Rc::new(mpi))
}

/// A run split over MPI ranks, on every rank: rank 0 tells what it does;
/// a rank that fails says so and ends every rank with its exit code (the
/// others may be waiting on it); any other rank waits a moment first, so
/// that rank 0, when it fails too, has removed its staging folder and said
/// why before the job ends.
#[cfg(feature = "mpi")]
fn on_ranks(
    mpi: std::rc::Rc<oncovox::ranks::Mpi>,
    go: impl FnOnce(std::rc::Rc<dyn oncovox::slabs::Link>, bool, &mut dyn FnMut(&str)) -> Result<oncovox::run::RunReport>,
    done: impl FnOnce(&oncovox::run::RunReport),
) -> Result<()> {
    use oncovox::ranks::Ranks as _;
    let (rank, size) = (mpi.rank(), mpi.size());
    let progress = rank == 0 && std::io::stderr().is_terminal();
    let log = &mut |line: &str| {
        if rank == 0 {
            eprintln!("{line}");
        }
    };
    match go(mpi.clone(), progress, log) {
        Ok(report) if rank == 0 => {
            done(&report);
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => {
            if rank == 0 {
                report(&e, "");
            } else {
                // Bad input is bad on every rank, and rank 0 says so.
                if !e.is_input_error() {
                    report(&e, &format!("[rank {rank}/{size}] "));
                }
                std::thread::sleep(std::time::Duration::from_secs(5));
            }
            mpi.abort(exit_code(&e).into())
        }
    }
}

fn run_cmd(scene: Option<PathBuf>, out: PathBuf, common: Common) -> Result<()> {
    stop_on_signals();
    let v = load_scene(scene.as_deref(), &common.sets)?;
    let plan = Plan::new(&v);
    let what = scene.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "built-in default scene".into());
    let inputs: Vec<&Path> = scene.as_deref().into_iter().collect();
    let done = |report: &oncovox::run::RunReport| {
        eprintln!(
            "done: {} steps in {:.2} s; {} files in {}",
            report.steps,
            report.wall_seconds,
            report.files.len(),
            report.out_dir.display()
        )
    };
    #[cfg(feature = "mpi")]
    if let Some(mpi) = split_ranks() {
        use oncovox::ranks::Ranks as _;
        let (rank, size) = (mpi.rank(), mpi.size());
        // Refused alike on every rank: rank 0 says why, every rank exits.
        let refused = oncovox::run::check_split(&plan, common.backend.into(), size).and_then(|()| {
            let speed = Speed::cpu(rayon::current_num_threads() * size);
            schedule::estimate(&plan).check(&plan, &speed, common.force)
        });
        if let Err(e) = refused {
            if rank == 0 {
                report(&e, "");
            }
            // No rank exits before rank 0 has said why (mpirun ends the job
            // when the first rank exits with an error).
            mpi.broadcast(String::new());
            std::process::exit(exit_code(&e).into());
        }
        if rank == 0 {
            eprintln!("scene: {what}; {} steps of {} min; split over {size} ranks", v.steps, v.scene.time.dt);
        }
        let choice = common.backend.into();
        return on_ranks(
            mpi,
            |link, progress, log| oncovox::run::run_split(&v, choice, &out, &inputs, progress, log, link),
            done,
        );
    }
    // The device as `run` will pick it: a scene that does not fit it is refused for that first.
    let speed = match select_device(common.backend.into(), &plan)?.0 {
        Device::Cpu => Speed::cpu(rayon::current_num_threads()),
        Device::Gpu(a) if a.is_software() => Speed::software_gpu(&a.info.name),
        Device::Gpu(a) => Speed::hardware_gpu(&a.info.name),
    };
    schedule::estimate(&plan).check(&plan, &speed, common.force)?;
    eprintln!("scene: {what}; {} steps of {} min", v.steps, v.scene.time.dt);
    let progress = std::io::stderr().is_terminal();
    let report = run(&v, common.backend.into(), &out, &inputs, progress, &mut |line| eprintln!("{line}"))?;
    done(&report);
    Ok(())
}

fn resume_cmd(dir: &Path, out: &Path, common: &Common) -> Result<()> {
    stop_on_signals();
    let done = |report: &oncovox::run::RunReport| {
        eprintln!(
            "done: {} steps in all, this part in {:.2} s; {} files in {}",
            report.steps,
            report.wall_seconds,
            report.files.len(),
            report.out_dir.display()
        )
    };
    #[cfg(feature = "mpi")]
    if let Some(mpi) = split_ranks() {
        let (sets, choice) = (&common.sets, common.backend.into());
        return on_ranks(
            mpi,
            |link, progress, log| oncovox::run::resume_split(dir, sets, choice, out, progress, log, link),
            done,
        );
    }
    let progress = std::io::stderr().is_terminal();
    let log = &mut |line: &str| eprintln!("{line}");
    let report = oncovox::run::resume(dir, &common.sets, common.backend.into(), out, progress, log)?;
    done(&report);
    Ok(())
}

fn import_cmd(settings: &Path, out: &Path, force: bool) -> Result<()> {
    use oncovox::import::{physicell, read_settings_text, write_new};
    let text = read_settings_text(settings)?;
    let source = settings.file_name().map_or_else(|| settings.display().to_string(), |n| n.to_string_lossy().into());
    let imported = physicell::import(&text, &source)?;
    write_new(out, &imported.toml, force)?;
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    let g = imported.scene.grid();
    eprintln!(
        "wrote {}: {} × {} × {} voxels of {} µm, {} species, {} min in {} steps; {} warnings (listed at its top)",
        out.display(),
        g.shape[0],
        g.shape[1],
        g.shape[2],
        g.dx,
        imported.scene.scene.species.len(),
        imported.scene.scene.time.duration,
        imported.scene.steps,
        imported.warnings.len()
    );
    Ok(())
}

/// How fast the device that `choice` would take runs (as `run` picks it:
/// `auto` takes a hardware GPU the grid fits, else the CPU).
fn speed_of(choice: BackendChoice, plan: &Plan) -> Speed {
    let cpu = || Speed::cpu(rayon::current_num_threads());
    match choice {
        BackendChoice::Cpu => cpu(),
        BackendChoice::Gpu => match best_adapter(false) {
            Some(a) if a.is_software() => Speed::software_gpu(&a.info.name),
            Some(a) => Speed::hardware_gpu(&a.info.name),
            None => cpu(),
        },
        BackendChoice::Auto => match best_adapter(true) {
            Some(a) if check_fits(plan, &a.adapter.limits()).is_ok() => Speed::hardware_gpu(&a.info.name),
            _ => cpu(),
        },
    }
}

/// `compare` runs every arm: refuse, before anything runs, arms whose
/// estimated run times add up to more than a day, unless `--force`. Arms
/// that do not load are left to `compare` itself to report.
fn compare_within_a_day(scenes: &[PathBuf], common: &Common) -> Result<()> {
    if common.force {
        return Ok(());
    }
    let mut arms = Vec::new();
    for path in scenes {
        let Ok(v) = load_scene(Some(path), &common.sets) else { continue };
        for arm in &v.scene.arms {
            let sets: Vec<String> = common.sets.iter().chain(&arm.set).cloned().collect();
            arms.extend(load_scene(Some(path), &sets).ok());
        }
        if v.scene.arms.is_empty() {
            arms.push(v);
        }
    }
    within_a_day(arms, common)
}

/// Refuse arms estimated at more than a day together on the chosen backend.
fn within_a_day(arms: Vec<oncovox::scene::Validated>, common: &Common) -> Result<()> {
    let plans: Vec<Plan> = arms.iter().map(Plan::new).collect();
    let Some(largest) = plans.iter().max_by_key(|p| p.grid.len()) else { return Ok(()) };
    let speed = speed_of(common.backend.into(), largest);
    let total: f64 = plans.iter().map(|p| schedule::estimate(p).seconds_on(&speed)).sum();
    if total <= schedule::MAX_RUN_SECONDS {
        return Ok(());
    }
    Err(oncovox::Error::scene(
        "time.duration",
        format!(
            "the {} arms are estimated at {:.1} h together on {}, more than a day",
            plans.len(),
            total / 3600.0,
            speed.device
        ),
        "give --force to go ahead anyway, or fewer arms, or reduce time.duration or grid.shape \
         (oncovox check on each arm lists every operator's calls and time)",
    ))
}

/// Every operator's calls over the course and an estimate of their time.
fn schedule_table(plan: &Plan, estimate: &schedule::Estimate, speed: &Speed) {
    let minutes = plan.steps as f64 * plan.dt;
    println!("schedule over {minutes} min ({} base steps of {} min):", plan.steps, plan.dt);
    if estimate.counts.is_none() {
        println!("  (not counted: more than {} base steps)", schedule::MAX_COUNTED_STEPS);
    } else {
        println!("  {:<40} {:>12} {:>14}", "operator", "calls", "est. CPU s");
        for (name, calls, secs) in &estimate.rows {
            println!("  {name:<40} {calls:>12} {secs:>14.1}");
        }
    }
    let total = estimate.cpu_seconds;
    println!(
        "  estimated CPU time {:.0} s ({:.1} min) on a 2-core CPU{} (per-voxel costs in BENCHMARKS.md; advection \
         sub-steps depend on the interstitial flow and are not counted here)",
        total,
        total / 60.0,
        if estimate.counts.is_none() { ", at least" } else { "" }
    );
    let secs = estimate.seconds_on(speed);
    println!("  estimated run time on {}: {:.0} s ({:.1} h)", speed.device, secs, secs / 3600.0);
    if secs > schedule::MAX_RUN_SECONDS {
        println!("  more than a day: going ahead as --force asks");
    }
}

fn check_cmd(scene: Option<PathBuf>, common: &Common) -> Result<()> {
    let v = load_scene(scene.as_deref(), &common.sets)?;
    let mut plan = Plan::new(&v);
    let estimate = schedule::estimate(&plan);
    let speed = speed_of(common.backend.into(), &plan);
    estimate.check(&plan, &speed, common.force)?;
    let g = plan.grid;
    // The network a run would use, read or generated and its flow solved
    // the same way, so that check refuses every network run refuses.
    // The NPY inputs (initial fields, tissue map), read and checked as run reads them.
    let inputs = oncovox::world::Inputs::load(&v, &g)?;
    let vessels = oncovox::world::network_and_flow(&v, &g, inputs.tissue.as_deref())?;
    drop(inputs);
    // Advection sub-steps follow from the interstitial pressure: solved here
    // as run solves it (on the CPU), so that check refuses the flows run
    // refuses. Beyond this host's memory it is left to run.
    let advected = v.scene.interstitium.as_ref().is_some_and(|i| i.advection);
    let fits_host = oncovox::run::host_memory_available().is_none_or(|free| plan.device_bytes() < free / 2);
    let advection_checked = advected && fits_host;
    if advection_checked {
        let world = oncovox::run::build_world(&v, None)?;
        plan.attach(&world);
        plan.check_advection()?;
    }
    println!("scene is valid");
    if advection_checked {
        let subs: Vec<String> = plan
            .species
            .iter()
            .filter(|sp| sp.advected())
            .map(|sp| format!("{} {}", sp.name, sp.advection.unwrap_or(0)))
            .collect();
        println!("advection sub-steps per base step (interstitial pressure solved): {}", subs.join(", "));
    } else if advected {
        println!(
            "advection sub-steps not checked: the world needs more than half this host's free memory (run checks them)"
        );
    }
    println!("grid: {} × {} × {} voxels of {} µm ({} voxels)", g.shape[0], g.shape[1], g.shape[2], g.dx, g.len());
    if let (Some((net, _)), Some(spec)) = (&vessels, &v.scene.vessels) {
        let from = match &spec.file {
            Some(f) => format!("file {}", v.base_dir.join(f).display()),
            None => format!("generated from seed {}", v.scene.seed),
        };
        println!("vessel network: {} nodes, {} segments ({from})", net.nodes.len(), net.segments.len());
    }
    println!("time: {} steps of {} min, output every {} steps", plan.steps, plan.dt, plan.output_every);
    println!(
        "{:<16} {:<9} {:>9} {:>10} {:>10} {:>12} {:>10} {:>8} {:>6} {:>12}",
        "species", "solver", "substeps", "step min", "k·step", "D·dt/dx²", "decay·dt", "sources", "held", "device MiB"
    );
    for (s, spec) in plan.species.iter().zip(&v.scene.species) {
        let step = match s.method {
            Method::Steady if s.every == 0 => "cells".to_string(),
            _ => format!("{}", s.every as f64 * plan.dt),
        };
        println!(
            "{:<16} {:<9} {:>9} {:>10} {:>10.3} {:>12.4} {:>10.4} {:>8} {:>6} {:>12.1}",
            s.name,
            s.method.name(),
            s.substeps(),
            step,
            s.stiffness * s.every.max(1) as f64 * plan.dt,
            s.lod[0].r,
            spec.decay * plan.dt,
            s.has_sources,
            s.has_hold,
            s.device_bytes(g.len()) as f64 / (1 << 20) as f64
        );
        if spec.solver == oncovox::scene::SolverChoice::Auto && s.method == Method::Implicit {
            println!(
                "  {}: auto takes the coupled implicit solver: its fastest rate k ≈ {:.3e} /min gives k·step = {:.3e} > {}",
                s.name,
                s.stiffness,
                s.stiffness * s.every as f64 * plan.dt,
                oncovox::solver::STIFF
            );
        }
    }
    println!(
        "device memory needed: {:.1} MiB (largest buffer {:.1} MiB)",
        plan.device_bytes() as f64 / (1 << 20) as f64,
        plan.largest_buffer() as f64 / (1 << 20) as f64
    );
    match oncovox::run::host_memory_available() {
        Some(free) if free < plan.device_bytes() => println!(
            "host memory for the CPU backend: about the same, more than the {:.1} MiB free here (the CPU backend would refuse it)",
            free as f64 / (1 << 20) as f64
        ),
        Some(free) => println!(
            "host memory for the CPU backend: about the same ({:.1} MiB free here)",
            free as f64 / (1 << 20) as f64
        ),
        None => println!("host memory for the CPU backend: about the same"),
    }
    transport_table(&v);
    println!("(D·dt/dx² and decay·dt are per step; an explicit species divides them among its sub-steps)");
    cells_table(&v, &plan);
    schedule_table(&plan, &estimate, &speed);
    for a in adapters() {
        match check_fits(&plan, &a.adapter.limits()) {
            Ok(slabs) if slabs.len() > 1 => println!(
                "fits {} ({:?}), fields split into {} slabs of at most {} z-planes (one storage binding each)",
                a.info.name,
                a.info.device_type,
                slabs.len(),
                slabs.iter().map(|z| z.len()).max().unwrap_or(0)
            ),
            Ok(_) => println!("fits {} ({:?})", a.info.name, a.info.device_type),
            Err(oncovox::Error::TooLarge(why)) => {
                println!("does not fit {} ({:?}): {why}", a.info.name, a.info.device_type)
            }
            Err(e) => println!("{} ({:?}): {e}", a.info.name, a.info.device_type),
        }
    }
    Ok(())
}

/// What the transport keys turn into, per species: diffusion per tissue,
/// wall permeability and reflection per vessel kind, the plasma curve.
fn transport_table(v: &oncovox::scene::Validated) {
    use oncovox::scene::{PlasmaCurve, transport_of};
    let s = &v.scene;
    if s.vessels.is_none() && s.species.iter().all(|sp| sp.radius.is_none() && sp.diffusion_tumour.is_none()) {
        return;
    }
    println!("\nderived transport (µm²/min, µm/min):");
    println!(
        "{:<16} {:>9} {:>11} {:>11} {:>11} {:>10} {:>8} {:>10} {:>8}",
        "species", "radius nm", "D free", "D normal", "D tumour", "P normal", "σ normal", "P tumour", "σ tumour"
    );
    for (i, sp) in s.species.iter().enumerate() {
        let t = transport_of(s, i);
        let opt = |x: Option<f64>| x.map(|x| format!("{x:.4e}")).unwrap_or_else(|| "-".into());
        let w = t.wall;
        println!(
            "{:<16} {:>9} {:>11} {:>11.4e} {:>11.4e} {:>10} {:>8} {:>10} {:>8}",
            sp.name,
            sp.radius.map(|r| format!("{r}")).unwrap_or_else(|| "-".into()),
            opt(t.free_diffusion),
            t.diffusion[0],
            t.diffusion[1],
            opt(w.map(|w| w[0].permeability)),
            w.map(|w| format!("{:.3}", w[0].reflection)).unwrap_or_else(|| "-".into()),
            opt(w.map(|w| w[1].permeability)),
            w.map(|w| format!("{:.3}", w[1].reflection)).unwrap_or_else(|| "-".into()),
        );
        match &t.plasma {
            Some(PlasmaCurve::Level(c)) => println!("  plasma: constant {c} {}", sp.unit),
            Some(PlasmaCurve::Pk(p)) => {
                let (ta, tb) = p.pk.half_lives();
                println!(
                    "  plasma: half-lives {ta:.1} and {tb:.1} min, fast fraction {:.3}; {:.4} {} at the first dose, AUC over the run {:.4} {}·min",
                    p.pk.fraction_alpha(),
                    p.concentration(p.schedule.doses().first().map_or(0.0, |d| d.start())),
                    sp.unit,
                    p.integral(0.0, s.time.duration),
                    sp.unit
                );
            }
            None => {}
        }
    }
}

/// The cell operators' schedule: linked species, kinetics interval and
/// Runge–Kutta sub-steps, spread sub-steps, radiotherapy fractions.
fn cells_table(v: &oncovox::scene::Validated, plan: &Plan) {
    let (Some(cp), Some(c)) = (&plan.cells, &v.scene.cells) else { return };
    let l = cp.kinetics.layout;
    println!("\ncells: {} phenotype(s), {} carrier(s), {} values per voxel", l.phenotypes, l.carriers, l.state());
    let name = |s: Option<usize>| s.map_or("-".to_string(), |s| v.scene.species[s].name.clone());
    println!(
        "  linked species: oxygen {}, drug {}, inhibitor {}{}",
        name(cp.ext_species[0]),
        name(cp.ext_species[1]),
        name(cp.ext_species[2]),
        c.carriers.iter().map(|cr| format!(", carrier {}", cr.species)).collect::<String>()
    );
    println!(
        "  kinetics every {} step(s) ({} min) in {} Runge–Kutta sub-step(s), {} in voxels without cells; \
         fastest rate {:.3e} /min, {:.3e} /min without cells",
        cp.interval,
        cp.h,
        cp.substeps,
        cp.release_substeps,
        cp.kinetics.fastest_rate(),
        cp.kinetics.release_rate()
    );
    println!("  spread: {} sub-step(s) per update, spread·dt_sub/dx² = {:.3e}", cp.spread_substeps, cp.spread_r);
    for (i, cr) in c.carriers.iter().enumerate() {
        let q = l.carrier(i);
        let t = &cp.kinetics.params;
        println!(
            "  carrier {}: binding {:.2e}, unbinding {:.2e}, internalisation {:.2e}, release inside {:.2e}, outside {:.2e} (acidic {:.2e}) /min",
            cr.species,
            t[q + oncovox::model::cells::c::BINDING],
            t[q + oncovox::model::cells::c::UNBINDING],
            t[q + oncovox::model::cells::c::INTERNALISATION],
            t[q + oncovox::model::cells::c::ENDOSOMAL],
            t[q + oncovox::model::cells::c::RELEASE],
            t[q + oncovox::model::cells::c::RELEASE_ACIDIC],
        );
    }
    if !cp.fractions.is_empty() {
        let f: Vec<String> = cp.fractions.iter().map(|(s, d)| format!("{d} Gy at step {s}")).collect();
        println!("  radiotherapy: {}", f.join(", "));
    }
}

fn info_cmd() {
    let list = adapters();
    if list.is_empty() {
        println!("no GPU adapters found; `auto` uses the CPU backend ({} threads)", rayon::current_num_threads());
        return;
    }
    for a in &list {
        let l = a.adapter.limits();
        println!(
            "{} — {:?}, {:?}, driver {} {}",
            a.info.name, a.info.device_type, a.info.backend, a.info.driver, a.info.driver_info
        );
        println!(
            "  max storage binding {} MiB, max buffer {} MiB, max workgroups per dimension {}",
            l.max_storage_buffer_binding_size >> 20,
            l.max_buffer_size >> 20,
            l.max_compute_workgroups_per_dimension
        );
    }
    match list.iter().find(|a| !a.is_software()) {
        Some(a) => println!("auto picks: gpu ({})", a.info.name),
        None => println!(
            "auto picks: cpu ({} threads): software adapters are slower than the CPU backend; use --backend gpu to force one",
            rayon::current_num_threads()
        ),
    }
}
