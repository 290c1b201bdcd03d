//! Tissue-dependent diffusion: a slab of two tissues (D = 1000 µm²/min in
//! normal tissue, 100 µm²/min in tumour) between a face held at 1 and a face
//! held at 0. At steady state the flux is the same through both tissues, so
//! the profile is piecewise linear with slopes in the ratio of the
//! coefficients; the harmonic mean on the face between the tissues makes the
//! discrete solution equal to it exactly, so only rounding and the distance
//! from steady state remain. Checked for the LOD solver within 1e-5 and the
//! explicit solver within 5e-4 (of the unit drop) on every backend. The
//! explicit bound is f32 stagnation: near steady state a sub-step changes a
//! voxel by about r·e·(π/n)² (r ≈ 0.017 in the slow tissue, n = 40), which
//! drops below half an ulp of c ≈ 0.5 once the error e is a few 1e-4.

mod common;
use common::*;
use oncovox::solver::Scheduler;

const D1: f64 = 1000.0;
const D2: f64 = 100.0;

fn slab(solver: &str, dt: f64, steps: u64) -> String {
    format!(
        r#"
[grid]
shape = [40, 1, 1]
dx = 10.0
[time]
dt = {dt}
duration = {d}
[[species]]
name = "c"
diffusion = {D1}
diffusion_tumour = {D2}
solver = "{solver}"
initial = 0.5
boundary = {{ x_min = 1.0, x_max = 0.0 }}
[[regions]]
name = "tumour"
box = {{ min = [200.0, 0.0, 0.0], max = [400.0, 10.0, 10.0] }}
tissue = "tumour"
"#,
        d = dt * steps as f64
    )
}

/// Held voxel centres at x = 5 (c = 1) and 395 µm (c = 0); interface at 200 µm.
fn exact(x: f64) -> f64 {
    let q = 1.0 / (195.0 / D1 + 195.0 / D2);
    if x <= 200.0 { 1.0 - q * (x - 5.0) / D1 } else { q * (395.0 - x) / D2 }
}

#[test]
fn two_tissue_slab_reaches_the_flux_continuous_profile() {
    // LOD: implicit, large steps; explicit: 60 sub-steps per step, 4×10⁴ min.
    for (solver, dt, steps, bound) in [("lod", 100.0, 400, 1e-5), ("explicit", 1.0, 40_000, 5e-4)] {
        let v = scene(&slab(solver, dt, steps));
        let (plan, world) = setup(&v);
        assert!(plan.species[0].heterogeneous, "{solver}: the slab should have two coefficients");
        for (name, b) in backends(&plan, &world, "two-tissue slab") {
            if name == "gpu" && solver == "explicit" {
                // 2.4 million dispatches on a software driver: the explicit
                // tissue kernel's parity is tested operator by operator instead.
                continue;
            }
            let mut s = Scheduler::new(plan.clone(), b);
            s.advance(steps).unwrap();
            let f = s.read_field(0).unwrap();
            let g = plan.grid;
            let err = (0..40).map(|i| (f[i] as f64 - exact(g.center(i, 0, 0)[0])).abs()).fold(0.0, f64::max);
            println!("{solver} on {name}: max error {err:.2e}");
            assert!(err < bound, "{solver} on {name}: error {err:.3e}");
        }
    }
}
