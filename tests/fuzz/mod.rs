//! Fuzzing harness: seeded mutants of the shipped scenes and networks
//! driven through parsing, validation, planning, the vessel network
//! (read or generated), blood flow and voxelisation in-process, each stage
//! inside `catch_unwind`; and a few short CPU runs on tiny grids whose
//! every output file is checked for NaN and inf.
//!
//! A case that would allocate more than a fuzz case may (a huge grid, a
//! network sampled at millions of points) is counted as too large at that
//! stage and not run there; every earlier stage still runs. Each distinct
//! panic (and each distinct reason a case was too large) keeps its first
//! reproducer in a folder that `oncovox check` can read directly:
//! `scene.toml`, `sets.txt` (one `--set` per line), `networks/<file>`.
//! Before each case a worker writes it to `worker-<n>.last`, so that an
//! abort (which no `catch_unwind` catches) leaves its reproducer behind.

pub mod corpus;
pub mod mutate;
pub mod outputs;

use mutate::Mutator;
use oncovox::grid::Grid;
use oncovox::run::BackendChoice;
use oncovox::scene::{FlowMode, Scene, Validated, VesselSpec};
use oncovox::solver::Plan;
use oncovox::vessels::{self, Flow, GenerateParams, Network};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// A case running longer than this is a failure (a hang, in effect).
pub const SLOW: Duration = Duration::from_secs(60);
/// Species × Σ grid.shape: the LOD coefficient rows `Plan::new` allocates
/// (36 bytes each) before anything checks the memory.
pub const MAX_PLAN_ROWS: u64 = 1 << 22;
/// Grid voxels of a case that builds vessel maps (16 bytes per voxel).
pub const MAX_WORLD_VOXELS: u64 = 1 << 21;
/// `Plan::device_bytes` of a case that builds vessel maps.
pub const MAX_WORLD_BYTES: u64 = 512 << 20;
/// Capillary-bed lattice points a generated network would have.
pub const MAX_BED_NODES: f64 = 2e4;
/// Voxel updates (sub-steps × steps × voxels) of a run-stage case.
pub const MAX_RUN_UPDATES: f64 = 2e8;
/// Memory of a run-stage case.
pub const MAX_RUN_BYTES: u64 = 64 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    Parse,
    Validate,
    Plan,
    Network,
    Flow,
    Voxelise,
    Run,
}

impl Stage {
    pub const ALL: [Stage; 7] =
        [Stage::Parse, Stage::Validate, Stage::Plan, Stage::Network, Stage::Flow, Stage::Voxelise, Stage::Run];

    pub fn name(self) -> &'static str {
        ["parse", "validate", "plan", "network", "flow", "voxelise", "run"][self as usize]
    }
}

/// Outcomes of one stage over many cases.
#[derive(Debug, Default, Clone)]
pub struct StageStats {
    pub reached: u64,
    pub ok: u64,
    /// Returned an error.
    pub refused: u64,
    pub panics: u64,
    /// Not run: the case would allocate more than a fuzz case may.
    pub too_large: u64,
    pub total: Duration,
    pub max: Duration,
}

/// Outcomes of one kind of case (scene, network or run).
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub cases: u64,
    pub stages: [StageStats; 7],
    pub max_case: Duration,
    /// Cases over [`SLOW`].
    pub too_slow: u64,
    /// Output files checked, and those holding NaN or inf.
    pub files_checked: u64,
    pub nonfinite_outputs: u64,
    /// Vessel maps holding NaN or inf.
    pub nonfinite_maps: u64,
    /// Scene cases whose vessel inputs repeat an earlier case's (vessel
    /// stages not repeated).
    pub repeats: u64,
    pub wall: Duration,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.cases += o.cases;
        for (a, b) in self.stages.iter_mut().zip(&o.stages) {
            a.reached += b.reached;
            a.ok += b.ok;
            a.refused += b.refused;
            a.panics += b.panics;
            a.too_large += b.too_large;
            a.total += b.total;
            a.max = a.max.max(b.max);
        }
        self.max_case = self.max_case.max(o.max_case);
        self.too_slow += o.too_slow;
        self.files_checked += o.files_checked;
        self.nonfinite_outputs += o.nonfinite_outputs;
        self.nonfinite_maps += o.nonfinite_maps;
        self.repeats += o.repeats;
    }

    pub fn panics(&self) -> u64 {
        self.stages.iter().map(|s| s.panics).sum()
    }

    /// The summary table.
    pub fn table(&self, what: &str) -> String {
        let mut s = String::new();
        let rate = self.cases as f64 / self.wall.as_secs_f64().max(1e-9);
        let _ = writeln!(
            s,
            "{what}: {} cases in {:.1} s ({rate:.0} cases/s); max case {:.1} ms; cases over {} s: {}",
            self.cases,
            self.wall.as_secs_f64(),
            self.max_case.as_secs_f64() * 1e3,
            SLOW.as_secs(),
            self.too_slow
        );
        let _ = writeln!(
            s,
            "  {:<9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>10} {:>10}",
            "stage", "reached", "ok", "refused", "panics", "too large", "max ms", "mean µs"
        );
        for st in Stage::ALL {
            let x = &self.stages[st as usize];
            if x.reached == 0 {
                continue;
            }
            let _ = writeln!(
                s,
                "  {:<9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>10.1} {:>10.0}",
                st.name(),
                x.reached,
                x.ok,
                x.refused,
                x.panics,
                x.too_large,
                x.max.as_secs_f64() * 1e3,
                x.total.as_secs_f64() * 1e6 / x.reached.max(1) as f64
            );
        }
        if self.repeats > 0 {
            let _ = writeln!(
                s,
                "  vessel stages skipped for {} cases whose vessel inputs repeat an earlier case's",
                self.repeats
            );
        }
        if self.files_checked > 0 || self.nonfinite_maps > 0 {
            let _ = writeln!(
                s,
                "  output files checked {}, with NaN/inf {}; vessel maps with NaN/inf {}",
                self.files_checked, self.nonfinite_outputs, self.nonfinite_maps
            );
        }
        s
    }
}

/// One distinct finding, with its first reproducer.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `panic`, `too large`, `too slow`, `non-finite output`, `non-finite maps`.
    pub kind: &'static str,
    pub stage: Stage,
    pub message: String,
    pub location: String,
    pub count: u64,
    pub repro: PathBuf,
}

/// What a case is made of, to save as a reproducer.
#[derive(Debug, Clone, Default)]
pub struct Case {
    pub label: String,
    pub scene: Option<String>,
    pub sets: Vec<String>,
    /// `vessels.file` as the scene names it (or the corpus name), and text.
    pub network: Option<(String, String)>,
    /// A network case's grid.
    pub grid: Option<([usize; 3], f64)>,
}

impl Case {
    fn describe(&self) -> String {
        let mut s = format!("case: {}\n", self.label);
        for set in &self.sets {
            let _ = writeln!(s, "--set {set}");
        }
        if let Some((shape, dx)) = self.grid {
            let _ = writeln!(s, "grid: shape {shape:?}, dx {dx:e} µm");
        }
        if let Some(t) = &self.scene {
            let _ = write!(s, "----- scene.toml -----\n{t}\n");
        }
        if let Some((f, t)) = &self.network {
            let _ = write!(s, "----- {f} -----\n{t}\n");
        }
        s
    }

    /// Write the case as files `oncovox check` reads: `scene.toml`,
    /// `sets.txt`, the network under its basename in `networks/`.
    fn save(&self, dir: &Path, what: &str) {
        let _ = std::fs::create_dir_all(dir.join("networks"));
        let _ = std::fs::write(dir.join("what.txt"), format!("{what}\n{}", self.describe()));
        if let Some(t) = &self.scene {
            let _ = std::fs::write(dir.join("scene.toml"), t);
        }
        if !self.sets.is_empty() {
            let _ = std::fs::write(dir.join("sets.txt"), self.sets.join("\n") + "\n");
        }
        if let Some((f, t)) = &self.network {
            let base = f.rsplit(['/', '\\']).next().unwrap_or("network.json");
            let _ = std::fs::write(dir.join("networks").join(base), t);
        }
    }
}

/// Distinct findings, shared by the workers.
pub struct Findings {
    pub dir: PathBuf,
    list: Mutex<Vec<Finding>>,
}

impl Findings {
    fn new(dir: PathBuf) -> Findings {
        Findings { dir, list: Mutex::new(Vec::new()) }
    }

    fn record(&self, kind: &'static str, stage: Stage, message: &str, location: &str, case: &Case) {
        let key = normalise(message);
        let mut list = self.list.lock().unwrap_or_else(|e| e.into_inner());
        // A std location is one finding whichever frame of the library
        // the backtrace named (inlining and rayon threads hide some).
        let site = |l: &str| l.split(", called from").next().unwrap_or("").to_string();
        if let Some(f) = list.iter_mut().find(|f| {
            f.kind == kind && f.stage == stage && site(&f.location) == site(location) && normalise(&f.message) == key
        }) {
            f.count += 1;
            if f.location.len() < location.len() {
                f.location = location.to_string();
            }
            return;
        }
        let repro = self.dir.join(format!("{}-{:03}", kind.replace(' ', "-"), list.len()));
        case.save(&repro, &format!("{kind} at {}: {message}\n  at {location}", stage.name()));
        list.push(Finding {
            kind,
            stage,
            message: message.to_string(),
            location: location.to_string(),
            count: 1,
            repro,
        });
    }

    pub fn list(&self) -> Vec<Finding> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn report(&self) -> String {
        let mut s = String::new();
        for f in self.list() {
            let msg: String = f.message.chars().take(300).collect();
            let _ = writeln!(
                s,
                "  [{}] stage {}{} ({} cases): {}\n      reproducer: {}",
                f.kind,
                f.stage.name(),
                if f.location.is_empty() { String::new() } else { format!(", {}", f.location) },
                f.count,
                msg.replace('\n', " | "),
                f.repro.display()
            );
        }
        s
    }
}

/// A message with its numbers blanked: one finding per message pattern.
fn normalise(m: &str) -> String {
    let mut out = String::new();
    let mut digits = false;
    for c in m.chars().take(200) {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

static QUIET: AtomicBool = AtomicBool::new(false);

fn locations() -> &'static Mutex<HashMap<String, String>> {
    static L: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    L.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A panic hook that, while fuzzing, records each panic's location by its
/// message instead of printing it (and otherwise prints as usual).
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.load(Ordering::Relaxed) {
                return default(info);
            }
            let msg = message(info.payload());
            let mut loc = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            if !loc.starts_with("src/") {
                // A panic inside std (an allocation, an index): name the
                // library function that called it.
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                if let Some(f) = bt.lines().map(str::trim).find_map(|l| l.split_once(": oncovox::").map(|(_, f)| f)) {
                    loc = format!("{loc}, called from oncovox::{f}");
                }
            }
            let mut m = locations().lock().unwrap_or_else(|e| e.into_inner());
            if m.len() > 4096 {
                m.clear();
            }
            m.insert(msg, loc);
        }));
    });
}

/// Whether `x` exceeds `cap` (a NaN estimate does).
fn over(x: f64, cap: f64) -> bool {
    x.is_nan() || x > cap
}

fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic>".into())
}

/// `f()`, or the panic's message and location.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, (String, String)> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        let msg = message(p.as_ref());
        let loc = locations().lock().unwrap_or_else(|e| e.into_inner()).get(&msg).cloned().unwrap_or_default();
        (msg, loc)
    })
}

/// One worker's view of the case in hand.
struct Ctx<'a> {
    stats: &'a mut Stats,
    findings: &'a Findings,
    case: Case,
    last: PathBuf,
    seen: &'a mut std::collections::HashSet<u64>,
}

impl Ctx<'_> {
    /// Run one stage, counting its outcome.
    fn stage<T>(&mut self, s: Stage, f: impl FnOnce() -> oncovox::Result<T>) -> Option<T> {
        let t = Instant::now();
        let r = catch(f);
        let dt = t.elapsed();
        let st = &mut self.stats.stages[s as usize];
        st.reached += 1;
        st.total += dt;
        st.max = st.max.max(dt);
        match r {
            Ok(Ok(v)) => {
                st.ok += 1;
                Some(v)
            }
            Ok(Err(_)) => {
                st.refused += 1;
                None
            }
            Err((msg, loc)) => {
                st.panics += 1;
                self.findings.record("panic", s, &msg, &loc, &self.case);
                None
            }
        }
    }

    fn refused(&mut self, s: Stage) {
        let st = &mut self.stats.stages[s as usize];
        st.reached += 1;
        st.refused += 1;
    }

    fn too_large(&mut self, s: Stage, why: &str) {
        let st = &mut self.stats.stages[s as usize];
        st.reached += 1;
        st.too_large += 1;
        self.findings.record("too large", s, why, "", &self.case);
    }

    /// Whether this worker meets the vessel inputs `key` for the first time:
    /// the vessel stages are deterministic, so a repeat would only repeat
    /// their outcome (and most scene mutants leave the vessels alone).
    fn first_time(&mut self, key: &impl std::fmt::Debug) -> bool {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{key:?}").hash(&mut h);
        if self.seen.len() > 100_000 {
            self.seen.clear();
        }
        self.seen.insert(h.finish())
    }

    /// Save the case where an abort would leave it.
    fn checkpoint(&self) {
        let _ = std::fs::write(&self.last, self.case.describe());
    }
}

/// Per-case seed from the run's seed and the case index.
fn case_seed(seed: u64, kind: u64, index: u64) -> u64 {
    let mut r = oncovox::vessels::SplitMix64::stream(seed ^ kind.wrapping_mul(0xA076_1D64_78BD_642F), index);
    r.next_u64()
}

fn set_paths() -> &'static Vec<Vec<String>> {
    static P: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    P.get_or_init(|| corpus::SCENES.iter().map(|(_, t)| mutate::set_paths(t)).collect())
}

/// Which fuzz cases to run.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub scenes: u64,
    pub networks: u64,
    pub runs: u64,
    pub threads: usize,
    /// Reproducers, `worker-<n>.last` and the run stage's folders.
    pub dir: PathBuf,
    pub progress: bool,
}

/// Totals of a fuzz session.
pub struct Report {
    pub scenes: Stats,
    pub networks: Stats,
    pub runs: Stats,
    pub text: String,
}

impl Report {
    pub fn panics(&self) -> u64 {
        self.scenes.panics() + self.networks.panics() + self.runs.panics()
    }

    pub fn too_slow(&self) -> u64 {
        self.scenes.too_slow + self.networks.too_slow + self.runs.too_slow
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Scene,
    Network,
    Run,
}

pub fn fuzz(cfg: &Config) -> Report {
    install_hook();
    let _ = std::fs::create_dir_all(&cfg.dir);
    let findings = Findings::new(cfg.dir.clone());
    QUIET.store(true, Ordering::Relaxed);
    let scenes = drive(cfg, &findings, Kind::Scene, cfg.scenes);
    let networks = drive(cfg, &findings, Kind::Network, cfg.networks);
    let runs = drive(cfg, &findings, Kind::Run, cfg.runs);
    QUIET.store(false, Ordering::Relaxed);
    let mut text =
        format!("oncovox fuzz: seed {}, {} threads; reproducers in {}\n", cfg.seed, cfg.threads, cfg.dir.display());
    text.push_str(&scenes.table("scene mutants"));
    text.push_str(&networks.table("network mutants"));
    text.push_str(&runs.table("run stage (CPU, tiny grids)"));
    let list = findings.list();
    let _ = writeln!(text, "distinct findings: {}", list.len());
    text.push_str(&findings.report());
    Report { scenes, networks, runs, text }
}

fn drive(cfg: &Config, findings: &Findings, kind: Kind, count: u64) -> Stats {
    let next = AtomicU64::new(0);
    let start = Instant::now();
    let every = (count / 20).max(1000);
    let mut total = Stats::default();
    let parts: Vec<Stats> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cfg.threads.max(1))
            .map(|w| {
                let next = &next;
                s.spawn(move || {
                    let mut stats = Stats::default();
                    let mut seen = std::collections::HashSet::new();
                    let last = cfg.dir.join(format!("worker-{w}.last"));
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            break;
                        }
                        if cfg.progress && i > 0 && i.is_multiple_of(every) {
                            eprintln!("  {} case {i}/{count}, {:.0} s", kind_name(kind), start.elapsed().as_secs_f64());
                        }
                        let t = Instant::now();
                        let mut ctx = Ctx {
                            stats: &mut stats,
                            findings,
                            case: Case::default(),
                            last: last.clone(),
                            seen: &mut seen,
                        };
                        match kind {
                            Kind::Scene => scene_case(&mut ctx, cfg.seed, i),
                            Kind::Network => network_case(&mut ctx, cfg.seed, i),
                            Kind::Run => run_case(&mut ctx, cfg, i),
                        }
                        let dt = t.elapsed();
                        let case = ctx.case.clone();
                        stats.cases += 1;
                        stats.max_case = stats.max_case.max(dt);
                        if dt > SLOW {
                            stats.too_slow += 1;
                            let msg = format!("case took {:.1} s", dt.as_secs_f64());
                            findings.record("too slow", Stage::Parse, &msg, "", &case);
                        }
                    }
                    let _ = std::fs::remove_file(&last);
                    stats
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    for p in &parts {
        total.merge(p);
    }
    total.wall = start.elapsed();
    total
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Scene => "scene",
        Kind::Network => "network",
        Kind::Run => "run",
    }
}

/// Parse, validate and plan a scene mutant; then its vessels.
fn scene_case(ctx: &mut Ctx, seed: u64, index: u64) {
    let mut m = Mutator::new(case_seed(seed, 1, index));
    let si = m.below(corpus::SCENES.len());
    let (name, base) = corpus::SCENES[si];
    let text = m.scene(base, 3);
    let sets: Vec<String> =
        if m.chance(0.3) { (0..1 + m.below(3)).map(|_| m.set(&set_paths()[si])).collect() } else { Vec::new() };
    let net_seed = if m.chance(0.3) { Some(m.rng.next_u64()) } else { None };
    ctx.case =
        Case { label: format!("scene {index} of seed {seed} ({name})"), scene: Some(text), sets, ..Case::default() };
    ctx.checkpoint();
    let (text, sets) = (ctx.case.scene.clone().unwrap_or_default(), ctx.case.sets.clone());
    let Some(scene) = ctx.stage(Stage::Parse, || Scene::from_toml_with(&text, &sets)) else { return };
    let Some(v) = ctx.stage(Stage::Validate, || Validated::new(scene)) else { return };
    let rows = v.scene.species.len() as u64 * v.scene.grid.shape.iter().map(|&n| n as u64).sum::<u64>();
    if rows > MAX_PLAN_ROWS {
        return ctx.too_large(Stage::Plan, "Plan::new: species × Σ grid.shape over the fuzz cap");
    }
    let Some(plan) = ctx.stage(Stage::Plan, || Ok(Plan::new(&v))) else { return };
    if let Some(sp) = plan.species.iter().find(|sp| sp.substeps() == u32::MAX) {
        let msg = format!("explicit sub-steps of species {} saturate at u32::MAX", sp.name);
        ctx.findings.record("saturated", Stage::Plan, &msg, "", &ctx.case);
    }
    let Some(spec) = v.scene.vessels.clone() else { return };
    if !ctx.first_time(&vessel_inputs(&v, &spec, &plan.grid, net_seed)) {
        ctx.stats.repeats += 1;
        return;
    }
    let voxels = plan.grid.len() as u64;
    if voxels > MAX_WORLD_VOXELS || plan.device_bytes() > MAX_WORLD_BYTES {
        return ctx.too_large(Stage::Network, "vessel maps: grid over the fuzz cap");
    }
    vessels_stages(ctx, &v, &spec, &plan.grid, net_seed);
}

/// Everything the vessel stages read: the network's source, the flow
/// parameters, the tissue regions (a generated network follows them), the
/// seed and the grid.
fn vessel_inputs(v: &Validated, spec: &VesselSpec, grid: &Grid, net_seed: Option<u64>) -> String {
    let tissue: Vec<_> = v
        .scene
        .regions
        .iter()
        .filter(|r| r.tissue.is_some())
        .map(|r| (r.tissue, &r.sphere, &r.box_, &r.cylinder))
        .collect();
    format!(
        "{:?}",
        (
            (&spec.file, spec.spacing, spec.capillary_radius, spec.tumour_radius, spec.tumour_density),
            (spec.flow, spec.inlet_pressure, spec.outlet_pressure, spec.pressure, spec.viscosity),
            tissue,
            v.scene.seed,
            (grid.shape, grid.dx),
            net_seed,
        )
    )
}

/// Network (read or generated), flow and voxelisation of a scene's vessels.
fn vessels_stages(ctx: &mut Ctx, v: &Validated, spec: &VesselSpec, grid: &Grid, net_seed: Option<u64>) {
    let net = if let Some(file) = &spec.file {
        let n = match corpus::network_named(file) {
            Ok(n) => n,
            Err(_) => return ctx.refused(Stage::Network),
        };
        let csv = file.to_ascii_lowercase().ends_with(".csv");
        let text = match net_seed {
            Some(s) => Mutator::new(s).network(n.text, csv, 3),
            None => n.text.to_string(),
        };
        ctx.case.network = Some((file.clone(), text.clone()));
        ctx.checkpoint();
        ctx.stage(Stage::Network, || read_network(&text, file, csv, grid))
    } else {
        let p = GenerateParams {
            spacing: spec.spacing,
            capillary_radius: spec.capillary_radius,
            tumour_radius: spec.tumour_radius,
            tumour_density: spec.tumour_density,
            inlet_pressure: spec.inlet_pressure,
            outlet_pressure: spec.outlet_pressure,
            ..GenerateParams::default()
        };
        if p.validate("vessels").is_err() {
            return ctx.refused(Stage::Network);
        }
        let bed: f64 = grid.extent().iter().map(|e| e / p.spacing + 2.0).product();
        if over(bed, MAX_BED_NODES) {
            return ctx.too_large(Stage::Network, "generated network: capillary bed over the fuzz cap");
        }
        ctx.stage(Stage::Network, || {
            Ok(vessels::generate(grid.extent(), &|x| oncovox::world::tissue_at(v, None, x), &p, v.scene.seed))
        })
    };
    let Some(net) = net else { return };
    let Some(flow) = ctx.stage(Stage::Flow, || match spec.flow {
        FlowMode::Poiseuille => vessels::poiseuille(&net, spec.viscosity),
        FlowMode::Uniform => Ok(vessels::uniform(&net, spec.pressure)),
    }) else {
        return;
    };
    voxelise_stage(ctx, &net, &flow, grid);
}

/// A network file's text read and checked against the grid box, as `run`
/// reads it (`Network::from_path_within`).
fn read_network(text: &str, file: &str, csv: bool, grid: &Grid) -> oncovox::Result<Network> {
    let net = if csv { Network::from_csv_str(text, file) } else { Network::from_json_str(text, file) }?;
    net.validate_within(grid.extent())?;
    Ok(net)
}

fn voxelise_stage(ctx: &mut Ctx, net: &Network, flow: &Flow, grid: &Grid) {
    let Some(maps) = ctx.stage(Stage::Voxelise, || Ok(vessels::voxelise(net, flow, grid))) else { return };
    let finite = |v: &Vec<f32>| v.iter().all(|x| x.is_finite());
    if !(finite(&maps.sv[0]) && finite(&maps.sv[1]) && finite(&maps.volume_fraction) && finite(&maps.pressure)) {
        ctx.stats.nonfinite_maps += 1;
        ctx.findings.record("non-finite maps", Stage::Voxelise, "vessel maps hold NaN or inf", "", &ctx.case);
    }
}

/// Read, flow and voxelise a network mutant on a grid over its box.
fn network_case(ctx: &mut Ctx, seed: u64, index: u64) {
    let mut m = Mutator::new(case_seed(seed, 2, index));
    let n = &corpus::NETWORKS[m.below(corpus::NETWORKS.len())];
    let csv = n.file.ends_with(".csv");
    let text = m.network(n.text, csv, 3);
    let (shape0, dx0) = n.grid;
    let (shape, dx) = match m.below(20) {
        0..=11 => (shape0, dx0),
        12..=16 => {
            let dx = dx0 * *[0.5, 2.0, 0.1, 10.0, 1e-3, 1e3].get(m.below(6)).unwrap_or(&1.0);
            (shape0.map(|s| ((s as f64 * dx0 / dx).ceil() as usize).clamp(1, 256)), dx)
        }
        _ => {
            let dx = *[1e-3, 0.1, 1.0, 10.0, 100.0, 1e5].get(m.below(6)).unwrap_or(&1.0);
            ([0; 3].map(|_| 1 + m.below(200)), dx)
        }
    };
    let (viscosity, uniform) = match m.below(10) {
        0 => (m.extreme().parse().unwrap_or(f64::NAN), None),
        1 => (3.5e-3, Some(m.extreme().parse().unwrap_or(f64::NAN))),
        _ => (3.5e-3, None),
    };
    ctx.case = Case {
        label: format!(
            "network {index} of seed {seed} ({}; viscosity {viscosity:e} Pa·s{})",
            n.file,
            uniform.map(|p: f64| format!(", uniform pressure {p}")).unwrap_or_default()
        ),
        network: Some((n.file.to_string(), text)),
        grid: Some((shape, dx)),
        ..Case::default()
    };
    ctx.checkpoint();
    let text = ctx.case.network.as_ref().map(|(_, t)| t.clone()).unwrap_or_default();
    let grid = Grid::new(shape, dx);
    let Some(net) = ctx.stage(Stage::Network, || read_network(&text, n.file, csv, &grid)) else { return };
    // The flow keys as scene validation takes them (`vessels.viscosity`
    // finite, > 0 and at most 1e15; `vessels.pressure` within ±MAX_PRESSURE).
    let viscosity_ok = viscosity.is_finite() && viscosity > 0.0 && viscosity <= 1e15;
    if !viscosity_ok || uniform.is_some_and(|p| p.is_nan() || p.abs() > vessels::MAX_PRESSURE) {
        return ctx.refused(Stage::Flow);
    }
    let Some(flow) = ctx.stage(Stage::Flow, || match uniform {
        Some(p) => Ok(vessels::uniform(&net, p)),
        None => vessels::poiseuille(&net, viscosity),
    }) else {
        return;
    };
    if shape.iter().map(|&s| s as u64).product::<u64>() > MAX_WORLD_VOXELS {
        return ctx.too_large(Stage::Voxelise, "vessel maps: grid over the fuzz cap");
    }
    voxelise_stage(ctx, &net, &flow, &grid);
}

/// A scene (mutated or not) shrunk to a tiny grid and a few steps, run on
/// the CPU backend into a fresh folder; then every file written is
/// checked for NaN and inf.
fn run_case(ctx: &mut Ctx, cfg: &Config, index: u64) {
    let mut m = Mutator::new(case_seed(cfg.seed, 3, index));
    let si = m.below(corpus::SCENES.len());
    let (name, base) = corpus::SCENES[si];
    let text = if m.chance(0.4) { base.to_string() } else { m.scene(base, 2) };
    ctx.case =
        Case { label: format!("run {index} of seed {} ({name})", cfg.seed), scene: Some(text), ..Case::default() };
    let text = ctx.case.scene.clone().unwrap_or_default();
    // The unshrunk mutant, read only to shrink it (the counted parse
    // below reads it with the shrinking overrides).
    let pre = catch(|| Scene::from_toml(&text)).ok().and_then(|r| r.ok());
    let s = 4 + m.below(7) as u32;
    let (shape, dx, dt, slices) = match &pre {
        Some(p) => (p.grid.shape, p.grid.dx, p.time.dt, p.output.slices.len()),
        None => ([8; 3], 10.0, 0.1, 0),
    };
    let widest = shape.iter().copied().max().unwrap_or(1).max(1) as f64;
    let steps = 2 + m.below(5);
    let mut sets = vec![
        format!("grid.shape=[{s}, {s}, {s}]"),
        format!("grid.dx={:?}", dx * widest / s as f64),
        format!("time.duration={:?}", dt * steps as f64),
        format!("time.output_interval={:?}", dt * (1 + m.below(2)) as f64),
        "output.fields_every_output=true".to_string(),
        "output.vtk=true".to_string(),
    ];
    for i in 0..slices {
        sets.push(format!("output.slices.{i}.index={}", s / 2));
    }
    let dir = cfg.dir.join(format!("run-{index}"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(dir.join("networks"));
    if let Some(file) = pre.as_ref().and_then(|p| p.vessels.as_ref()).and_then(|v| v.file.as_ref())
        && let Ok(n) = corpus::network_named(file)
    {
        let base = n.file.rsplit('/').next().unwrap_or("network.json");
        let _ = std::fs::write(dir.join("networks").join(base), n.text);
        sets.push(format!("vessels.file=\"networks/{base}\""));
        ctx.case.network = Some((n.file.to_string(), n.text.to_string()));
    }
    ctx.case.sets = sets.clone();
    ctx.checkpoint();
    let Some(scene) = ctx.stage(Stage::Parse, || Scene::from_toml_with(&text, &sets)) else { return };
    let Some(mut v) = ctx.stage(Stage::Validate, || Validated::new(scene)) else { return };
    v.base_dir = dir.clone();
    let Some(plan) = ctx.stage(Stage::Plan, || Ok(Plan::new(&v))) else { return };
    if plan.device_bytes() > MAX_RUN_BYTES || plan.steps > 64 {
        return ctx.too_large(Stage::Run, "run stage: plan over the fuzz cap");
    }
    // Sweeps over the grid the run would take: explicit and cell sub-steps
    // (advection sub-steps are known only once the world is built).
    let per_step: f64 = plan.species.iter().map(|sp| sp.substeps() as f64).sum::<f64>()
        + plan.cells.as_ref().map_or(0.0, |c| c.substeps as f64 + c.spread_substeps as f64);
    if per_step * plan.steps as f64 * plan.grid.len() as f64 > MAX_RUN_UPDATES {
        return ctx.too_large(Stage::Run, "run stage: explicit or cell sub-steps over the fuzz cap");
    }
    if let Some(spec) = &v.scene.vessels
        && spec.file.is_none()
    {
        let bed: f64 = plan.grid.extent().iter().map(|e| e / spec.spacing + 2.0).product();
        if over(bed, MAX_BED_NODES) {
            return ctx.too_large(Stage::Run, "generated network: capillary bed over the fuzz cap");
        }
    }
    let out = dir.join("out");
    let _ = ctx.stage(Stage::Run, || oncovox::run::run(&v, BackendChoice::Cpu, &out, &[], false, &mut |_| {}));
    let mut bad = false;
    for f in outputs::files(&dir) {
        if f.starts_with(dir.join("networks")) {
            continue;
        }
        ctx.stats.files_checked += 1;
        if let Some(why) = outputs::violation(&f) {
            ctx.stats.nonfinite_outputs += 1;
            bad = true;
            let rel = f.strip_prefix(&dir).unwrap_or(&f).display().to_string();
            let why = why.replace(&dir.display().to_string(), "");
            ctx.findings.record("non-finite output", Stage::Run, &format!("{rel}: {why}"), "", &ctx.case);
        }
    }
    if !bad {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
