//! Step independence of drug exposure: the 48-hour tumour AUC of free
//! doxorubicin and of 100 nm liposomal doxorubicin on the therapy geometry
//! (the network, walls and tumour of `scenes/vascular_tumour.toml`, here on
//! 12³ voxels of 107 µm, which keeps the 288 000 reference steps short), by the coupled implicit solver at drug steps of 4,
//! 2 and 1 min against a reference at 0.01 min, within 1 %; and the
//! observed order from the successive differences of steps of 60, 30 and
//! 15 min, whose step errors stand above the reference's own floor (the
//! f32 rounding of the field over its 288 000 steps: about 5e-5 of the
//! liposomal AUC, 8e-7 of the free drug's). Backward Euler with the plasma
//! curve's exact mean over each step conserves the supply exactly, so the
//! AUC's step error is small even at an hour.
//!
//! The AUC of a run is the backward-Euler quadrature `Σ h·c̄_T(t_{n+1})` of
//! the tumour-mean concentration over its own steps (the reference's
//! quadrature error is that of its 0.01 min step).

mod common;
use common::*;
use oncovox::grid::Tissue;
use oncovox::solver::Scheduler;

fn drug_scene(dt: f64) -> String {
    format!(
        r#"
seed = 2026
[grid]
shape = [12, 12, 12]
dx = 106.66666666666667
[time]
dt = {dt:e}
duration = 2880.0
output_interval = 2880.0
[vessels]
spacing = 100.0
capillary_radius = 4.0
tumour_radius = [6.0, 15.0]
tumour_density = 1.5
flow = "poiseuille"
inlet_pressure = 35.0
outlet_pressure = 15.0
[interstitium]
boundary_pressure = 0.0
advection = false
[[species]]
name = "doxorubicin"
diffusion = 7000.0
diffusion_tumour = 3500.0
diffusion_necrotic = 7000.0
solver = "implicit"
tolerance = 1e-10
plasma = {{ preset = "free_doxorubicin" }}
wall = {{ permeability = {{ normal = 21.0, tumour = 160.0 }}, reflection = {{ normal = 0.0, tumour = 0.0 }} }}
[[species]]
name = "liposome"
radius = 50.0
solver = "implicit"
tolerance = 1e-10
plasma = {{ preset = "liposomal_doxorubicin" }}
[[regions]]
name = "normal_tissue"
box = {{ min = [0.0, 0.0, 0.0], max = [1280.0, 1280.0, 1280.0] }}
tissue = "normal"
[[regions]]
name = "tumour"
sphere = {{ center = [640.0, 640.0, 640.0], radius = 400.0 }}
tissue = "tumour"
[[regions]]
name = "necrotic_core"
sphere = {{ center = [640.0, 640.0, 640.0], radius = 150.0 }}
tissue = "necrotic"
"#
    )
}

/// 48-hour tumour AUC (µM·min) of each species at step `dt`.
fn auc(dt: f64) -> [f64; 2] {
    let v = scene(&drug_scene(dt));
    let (plan, world) = setup(&v);
    let tumour: Vec<bool> = world.tissue.iter().map(|&t| t != Tissue::Normal).collect();
    let count = tumour.iter().filter(|&&t| t).count() as f64;
    let backend = cpu(&plan, &world);
    let mut s = Scheduler::new(plan.clone(), backend);
    let mut out = [0.0f64; 2];
    for _ in 0..plan.steps {
        s.advance(1).unwrap();
        for (sp, a) in out.iter_mut().enumerate() {
            let f = s.read_field(sp).unwrap();
            let mean: f64 = f.iter().zip(&tumour).filter(|(_, t)| **t).map(|(&c, _)| c as f64).sum::<f64>() / count;
            *a += dt * mean;
        }
    }
    out
}

#[test]
fn drug_exposure_does_not_depend_on_the_step() {
    let reference = auc(0.01);
    println!("reference (0.01 min): free {:.6} µM·min, liposomal {:.6}", reference[0], reference[1]);
    let error = |dt: f64| {
        let a = auc(dt);
        let e = [0, 1].map(|s| (a[s] - reference[s]).abs() / reference[s]);
        println!("dt = {dt} min: free {:.6} (error {:.3e}), liposomal {:.6} (error {:.3e})", a[0], e[0], a[1], e[1]);
        e
    };
    for dt in [4.0, 2.0, 1.0] {
        let e = error(dt);
        // Bound: within 1 % of the reference at steps of at least 1 min (acceptance).
        assert!(e.iter().all(|&e| e < 0.01), "dt = {dt}: errors {e:?}");
    }
    let coarse: Vec<[f64; 2]> = [60.0, 30.0, 15.0].into_iter().map(auc).collect();
    for (s, name) in ["free", "liposomal"].iter().enumerate() {
        let (d1, d2) = (coarse[0][s] - coarse[1][s], coarse[1][s] - coarse[2][s]);
        let order = (d1 / d2).abs().log2();
        println!(
            "{name}: AUC at 60, 30, 15 min {:.6}, {:.6}, {:.6}: observed order {order:.2} (successive differences)",
            coarse[0][s], coarse[1][s], coarse[2][s]
        );
        assert!(d1.signum() == d2.signum() && d2.abs() < d1.abs(), "{name}: the AUC does not converge with the step");
        assert!(order >= 0.9, "{name}: observed order {order:.2}");
    }
}
