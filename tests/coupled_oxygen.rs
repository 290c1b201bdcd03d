//! Step independence of oxygen on the geometry of `scenes/vascular_tumour.toml`
//! (same network seed, walls and tumour, on 32³ voxels of 40 µm): the
//! steady solver against the transient coupled solver run to steady state
//! at a step 100× smaller than 0.05 min, and the transient solver's
//! convergence in the step; the split scheme's error beside them.

mod common;
use common::*;
use oncovox::solver::Scheduler;

/// The vascular tumour's oxygen problem at `n`³ voxels over the 1.28 mm cube.
fn oxygen_scene(n: usize, solver: &str, dt: f64, duration: f64) -> String {
    format!(
        r#"
seed = 2026
[grid]
shape = [{n}, {n}, {n}]
dx = {dx}
[time]
dt = {dt:e}
duration = {duration:e}
[vessels]
spacing = 100.0
capillary_radius = 4.0
tumour_radius = [6.0, 15.0]
tumour_density = 1.5
flow = "poiseuille"
inlet_pressure = 35.0
outlet_pressure = 15.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 20.0
solver = "{solver}"
tolerance = 1e-8
plasma = {{ level = 40.0 }}
wall = {{ permeability = {{ normal = 3000.0, tumour = 3000.0 }}, reflection = {{ normal = 0.0, tumour = 0.0 }} }}
[[regions]]
name = "normal_tissue"
box = {{ min = [0.0, 0.0, 0.0], max = [1280.0, 1280.0, 1280.0] }}
tissue = "normal"
consumption = {{ oxygen = {{ rate = 40.0, half_saturation = 2.5 }} }}
[[regions]]
name = "tumour"
sphere = {{ center = [640.0, 640.0, 640.0], radius = 400.0 }}
tissue = "tumour"
consumption = {{ oxygen = {{ rate = 400.0, half_saturation = 2.5 }} }}
[[regions]]
name = "necrotic_core"
sphere = {{ center = [640.0, 640.0, 640.0], radius = 150.0 }}
tissue = "necrotic"
consumption = {{ oxygen = {{ rate = 0.0, half_saturation = 2.5 }} }}
"#,
        dx = 1280.0 / n as f64
    )
}

const N: usize = 32;

/// Tumour-mean pO₂ (tumour and necrotic voxels), mmHg, and the hypoxic
/// fraction of those voxels (below 10 mmHg).
fn tumour_oxygen(field: &[f32], tumour: &[bool]) -> (f64, f64) {
    let (mut sum, mut count, mut hypoxic) = (0.0f64, 0usize, 0usize);
    for (&c, &t) in field.iter().zip(tumour) {
        if t {
            sum += c as f64;
            count += 1;
            hypoxic += usize::from(c < 10.0);
        }
    }
    (sum / count as f64, hypoxic as f64 / count as f64)
}

/// Run `solver` at `dt`, reading the field at each of `times` (min).
fn run(solver: &str, dt: f64, times: &[f64]) -> (Vec<Vec<f32>>, Vec<bool>) {
    let end = *times.last().unwrap();
    let v = scene(&oxygen_scene(N, solver, dt, end));
    let (plan, world) = setup(&v);
    let tumour: Vec<bool> = world.tissue.iter().map(|&t| t != oncovox::grid::Tissue::Normal).collect();
    let backend = cpu(&plan, &world);
    let mut s = Scheduler::new(plan, backend);
    let mut out = Vec::new();
    for &t in times {
        let target = (t / dt).round() as u64;
        s.advance(target - s.step_count()).unwrap();
        out.push(s.read_field(0).unwrap());
    }
    (out, tumour)
}

#[test]
fn steady_oxygen_matches_the_transient_limit_and_the_transient_converges_in_the_step() {
    // Steady solve (one solve at t = 0).
    let (steady, tumour) = run("steady", 0.05, &[0.05]);
    let (m_s, h_s) = tumour_oxygen(&steady[0], &tumour);
    // Transient coupled solver at 0.0005 min (100× smaller than 0.05) to
    // t = 2 min; it has settled by then (checked below): oxygen equilibrates
    // in seconds.
    let (fine, _) = run("implicit", 0.0005, &[0.2, 1.5, 2.0]);
    let (m_f, h_f) = tumour_oxygen(&fine[2], &tumour);
    let (m_15, _) = tumour_oxygen(&fine[1], &tumour);
    println!("steady: tumour-mean pO2 {m_s:.5} mmHg, hypoxic {:.3} %", 100.0 * h_s);
    println!(
        "transient at 0.0005 min, t = 2 min: {m_f:.5} mmHg, hypoxic {:.3} % (t = 1.5 min: {m_15:.5})",
        100.0 * h_f
    );
    assert!((m_15 - m_f).abs() < 1e-5 * m_f, "the transient has not settled by 2 min");
    // Bound: 0.5 % and 0.5 percentage points (acceptance).
    assert!((m_s - m_f).abs() < 0.005 * m_f, "steady {m_s} vs transient {m_f}");
    assert!((h_s - h_f).abs() < 0.005, "hypoxic fraction {h_s} vs {h_f}");

    // The transient at dt = 0.05, 0.025, 0.0125 against 0.0005: during the
    // approach (t = 0.2 min), backward Euler's first order; once settled
    // (t = 2 min), the same steady state at every step.
    let early = tumour_oxygen(&fine[0], &tumour).0;
    let mut errors = Vec::new();
    for dt in [0.05, 0.025, 0.0125] {
        let (f, _) = run("implicit", dt, &[0.2, 2.0]);
        let (m0, m1) = (tumour_oxygen(&f[0], &tumour).0, tumour_oxygen(&f[1], &tumour).0);
        let (e0, e1) = ((m0 - early).abs() / early, (m1 - m_f).abs() / m_f);
        println!("implicit dt = {dt}: t = 0.2 min {m0:.5} mmHg (error {e0:.3e}); t = 2 min {m1:.5} (error {e1:.2e})");
        // Bound: within 1 % of the small-step limit once settled (acceptance).
        assert!(e1 < 0.01, "dt = {dt}: settled error {e1:.3e}");
        errors.push(e0);
    }
    let order = (errors[0] / errors[2]).log2() / 2.0;
    println!("observed order during the approach {order:.2}");
    assert!(errors.windows(2).all(|w| w[1] < w[0]), "errors do not fall with the step: {errors:?}");
    assert!((0.7..1.4).contains(&order), "observed order {order:.2}");

    // The split scheme at the same step misses most of the supply.
    let (split, _) = run("lod", 0.05, &[2.0]);
    let (m_l, h_l) = tumour_oxygen(&split[0], &tumour);
    println!("split LOD at 0.05 min, t = 2 min: {m_l:.4} mmHg, hypoxic {:.2} %", 100.0 * h_l);
    assert!(m_l < 0.8 * m_s, "the split scheme no longer shows its step error ({m_l} vs {m_s})");
}
