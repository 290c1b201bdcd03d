//! Selection of resistance under repeated dosing.
//!
//! Three wells (voxels with no diffusion between them, each a closed,
//! well-mixed culture with washout) start with the same tumour: 95 %
//! sensitive cells, 5 % P-gp-resistant ones, slow switching both ways,
//! growth with a 48 h doubling time. Every 3 days for 5 cycles each well
//! gets 3 µM of doxorubicin-like drug, as
//!
//! - free drug, written into the drug field and washed out by the species'
//!   decay (t½ 6 h);
//! - liposomes co-loaded with a P-gp inhibitor (2 µM per µM of drug),
//!   which leak the drug and inhibitor outside (t½ ≈ 11.5 h), bind cells
//!   and release both inside; the liposomes wash out more slowly (t½ 24 h),
//!   and so does the inhibitor;
//! - the same liposomes without the inhibitor (a control, to show what the
//!   inhibitor does).
//!
//! The scheduler steps transport (washout) and kinetics every 30 min on
//! every backend; the resistant fraction is read at the end of each cycle,
//! just before the next dose. With free drug it rises from cycle to cycle;
//! with liposomes and the inhibitor it stays below the free-drug arm (and
//! below the liposomes without inhibitor) at every cycle end, and rises
//! less than half as much over the course.
//!
//! With `ONCOVOX_WRITE_PLOTS=1` the test draws the fractions of the CPU run
//! into `docs/selection.png`.

mod common;

use common::{backends, scene, setup};
use oncovox::output::plot::{Chart, Series, line_chart};
use oncovox::output::png::save_png;
use oncovox::solver::Scheduler;

/// Dosing cycles and their length, min.
const CYCLES: usize = 5;
const CYCLE: f64 = 3.0 * 1440.0;
/// Transport step and kinetics interval, min.
const DT: f64 = 30.0;
/// Drug per dose, µM (liposomes: the same drug in carrier units of 1 µM).
const DOSE: f64 = 3.0;
/// Readings per cycle for the plot.
const READINGS: usize = 6;
/// Initial resistant fraction.
const RESISTANT0: f64 = 0.05;

fn half_life(minutes: f64) -> f64 {
    std::f64::consts::LN_2 / minutes
}

fn scene_toml() -> String {
    let growth = half_life(2880.0);
    let (drug, slow) = (half_life(360.0), half_life(1440.0));
    let liposome = |species: &str, inhibitor: f64| {
        format!(
            r#"
[[cells.carrier]]
species = "{species}"
inhibitor_load = {inhibitor}
binding = 0.002
unbinding = 0.0
internalisation = 0.005
endosomal_release = 0.002
release = 1.0e-3
"#
        )
    };
    format!(
        r#"
[grid]
shape = [3, 1, 1]
dx = 20.0
[time]
dt = {DT}
duration = {duration}
[[species]]
name = "oxygen"
diffusion = 0.0
initial = 40.0
[[species]]
name = "drug"
diffusion = 0.0
decay = {drug}
[[species]]
name = "inhibitor"
diffusion = 0.0
decay = {slow}
[[species]]
name = "liposome_inhibitor"
diffusion = 0.0
decay = {slow}
[[species]]
name = "liposome"
diffusion = 0.0
decay = {slow}
[[regions]]
name = "tumour"
box = {{ min = [0, 0, 0], max = [60, 20, 20] }}
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "drug"
inhibitor = "inhibitor"
inhibitor_ki = 0.05
interval = {DT}
o2_consumption = 0.0
spread = 0.0
[[cells.phenotype]]
name = "sensitive"
initial = {sensitive}
growth = {growth}
influx = 0.005
emax = 0.002
switch = {{ resistant = 1.0e-6 }}
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = {resistant}
growth = {growth}
influx = 0.005
emax = 0.002
pump_vmax = 0.1
pump_km = 1.0
switch = {{ sensitive = 1.0e-6 }}
{with}
{without}
"#,
        duration = CYCLES as f64 * CYCLE,
        sensitive = 0.1 * (1.0 - RESISTANT0),
        resistant = 0.1 * RESISTANT0,
        with = liposome("liposome_inhibitor", 2.0),
        without = liposome("liposome", 0.0),
    )
}

/// Arms: well, its name, and the species that receives each dose.
const ARMS: [(&str, &str); 3] =
    [("free drug", "drug"), ("liposome + inhibitor", "liposome_inhibitor"), ("liposome alone", "liposome")];

/// Resistant fraction and live density of each arm at each reading
/// (`READINGS` per cycle, the first at t = 0), per backend.
type Course = Vec<[(f64, f64); 3]>;

fn run() -> Vec<(&'static str, Course)> {
    let v = scene(&scene_toml());
    let (plan, world) = setup(&v);
    let l = plan.cells.as_ref().unwrap().kinetics.layout;
    let n = plan.grid.len();
    let per_cycle = (CYCLE / plan.dt).round() as u64;
    let per_reading = per_cycle / READINGS as u64;
    let mut out = Vec::new();
    for (name, b) in backends(&plan, &world, "selection") {
        let mut s = Scheduler::new(plan.clone(), b);
        let mut course = Course::new();
        let mut read = |s: &mut Scheduler| {
            let c = s.read_cells().unwrap();
            course.push(std::array::from_fn(|w| {
                let (sens, res) = (c[l.density(0) * n + w] as f64, c[l.density(1) * n + w] as f64);
                (res / (sens + res), sens + res)
            }));
        };
        read(&mut s);
        for _ in 0..CYCLES {
            for (w, (_, species)) in ARMS.iter().enumerate() {
                let i = v.scene.species_index(species).unwrap();
                let mut f = s.backend.read_field(i).unwrap();
                f[w] += DOSE as f32;
                s.backend.write_field(i, &f).unwrap();
            }
            for _ in 0..READINGS {
                s.advance(per_reading).unwrap();
                read(&mut s);
            }
        }
        out.push((name, course));
    }
    out
}

#[test]
fn free_drug_selects_resistance_and_liposomes_with_inhibitor_slow_it() {
    for (b, course) in run() {
        let ends: Vec<[(f64, f64); 3]> = (0..=CYCLES).map(|c| course[c * READINGS]).collect();
        eprintln!("selection on {b}: resistant fraction (live density) at each cycle end");
        eprintln!("| cycle | day | free drug | liposome + inhibitor | liposome alone |");
        eprintln!("| --- | --- | --- | --- | --- |");
        for (c, e) in ends.iter().enumerate() {
            eprintln!(
                "| {c} | {} | {} |",
                c as f64 * CYCLE / 1440.0,
                e.iter().map(|(f, d)| format!("{:.1} % ({d:.4})", 100.0 * f)).collect::<Vec<_>>().join(" | ")
            );
        }
        let (free, lipo, alone) = (|c: usize| ends[c][0].0, |c: usize| ends[c][1].0, |c: usize| ends[c][2].0);
        for c in 1..=CYCLES {
            assert!(
                free(c) > free(c - 1),
                "selection on {b}: with free drug the resistant fraction fell from {:.4} to {:.4} in cycle {c}",
                free(c - 1),
                free(c)
            );
            assert!(
                lipo(c) < free(c),
                "selection on {b}: at the end of cycle {c} the liposome + inhibitor arm's resistant fraction \
                 {:.4} is not below the free-drug arm's {:.4}",
                lipo(c),
                free(c)
            );
            // The control: without the inhibitor the liposomes select faster.
            assert!(
                lipo(c) < alone(c),
                "selection on {b}: at the end of cycle {c} the inhibitor did not lower the liposome arm's \
                 resistant fraction ({:.4} with, {:.4} without)",
                lipo(c),
                alone(c)
            );
        }
        let (rise_free, rise_lipo) = (free(CYCLES) - free(0), lipo(CYCLES) - lipo(0));
        eprintln!(
            "selection on {b}: rise over {CYCLES} cycles {:.1} points with free drug, {:.1} with liposome + inhibitor",
            100.0 * rise_free,
            100.0 * rise_lipo
        );
        assert!(
            rise_lipo < 0.5 * rise_free,
            "selection on {b}: the liposome + inhibitor arm's rise {rise_lipo:.4} is not clearly below the free \
             drug's {rise_free:.4}"
        );
        if b == "cpu" && std::env::var("ONCOVOX_WRITE_PLOTS").as_deref() == Ok("1") {
            plot(&course);
        }
    }
}

/// `docs/selection.png`: resistant fraction against time, one line per arm.
fn plot(course: &Course) {
    let day = |r: usize| r as f64 * CYCLE / READINGS as f64 / 1440.0;
    let chart = Chart {
        title: "Selection of P-gp resistance, doses every 3 days".into(),
        x_label: "time (days)".into(),
        y_label: "resistant fraction (%)".into(),
        series: ARMS
            .iter()
            .enumerate()
            .map(|(w, (name, _))| Series {
                name: (*name).into(),
                points: course.iter().enumerate().map(|(r, a)| (day(r), 100.0 * a[w].0)).collect(),
            })
            .collect(),
        log_y: false,
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("selection.png");
    save_png(&line_chart(&chart), &path).unwrap();
    eprintln!("selection: wrote docs/selection.png");
}
