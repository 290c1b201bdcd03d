//! Mass balance of the coupled implicit solver, with zero-flux faces and
//! vessel exchange, lymphatics, decay and Michaelis–Menten consumption on:
//! what crosses the vessel walls equals the change in tissue content plus
//! the lymphatic, decay and consumption losses, on both backends.
//!
//! A backward-Euler step over `h` evaluates every loss at the step's end:
//! wall flux `h·(I·c̄_p − L·c)`, lymphatics `h·J·c`, decay `h·λ·c`,
//! consumption `h·V·c/(K + c⁰)` (linearised about the step's start `c⁰`),
//! per unit volume, with `c̄_p` the plasma curve's mean over the step.
//! Diffusion only moves mass inside the domain. The sums below use the
//! rates in f64; what is left is the solves' residual and the f32 rounding
//! of the fields.

mod common;
use common::*;
use oncovox::solver::{Scheduler, coeffs};

const SCENE: &str = r#"
seed = 3
[grid]
shape = [20, 20, 16]
dx = 20.0
[time]
dt = 0.5
duration = 30.0
[vessels]
spacing = 100.0
[interstitium]
advection = false
[[species]]
name = "drug"
diffusion = 700.0
diffusion_tumour = 400.0
decay = 0.01
solver = "implicit"
tolerance = 1e-9
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 20.0, tumour = 160.0 }, reflection = { normal = 0.1, tumour = 0.05 } }
[[species]]
name = "liposome"
radius = 50.0
decay = 0.002
solver = "implicit"
dt = 1.0
tolerance = 1e-9
plasma = { preset = "liposomal_doxorubicin" }
[[regions]]
name = "tumour"
sphere = { center = [200.0, 200.0, 160.0], radius = 120.0 }
tissue = "tumour"
consumption = { drug = { rate = 0.05, half_saturation = 0.5 } }
"#;

#[test]
fn coupled_steps_balance_wall_crossing_against_content_and_losses() {
    let v = scene(SCENE);
    let (plan, world) = setup(&v);
    let vas = world.vascular.as_ref().unwrap();
    assert!(vas.lymph.iter().any(|&l| l > 0.0), "no lymphatic drainage");
    let vol = plan.grid.voxel_volume();
    let n_species = plan.species.len();
    for (name, b) in backends(&plan, &world, "coupled mass balance") {
        let mut s = Scheduler::new(plan.clone(), b);
        let mut prev: Vec<Vec<f32>> = (0..n_species).map(|sp| s.read_field(sp).unwrap()).collect();
        let total = |f: &[f32]| f.iter().map(|&c| c as f64).sum::<f64>() * vol;
        let start: Vec<f64> = prev.iter().map(|f| total(f)).collect();
        let mut crossed = vec![0.0f64; n_species];
        let mut losses = vec![[0.0f64; 3]; n_species];
        let mut worst = vec![0.0f64; n_species];
        for sp in 0..n_species {
            let every = plan.species[sp].every;
            let ex = world.species[sp].exchange.as_ref().unwrap();
            let vmax = coeffs::species_consumption(&plan, &world, sp);
            let k = world.species[sp].half_saturation as f64;
            let decay = plan.species[sp].decay;
            for first in (0..plan.steps).step_by(every as usize) {
                let h = every as f64 * plan.dt;
                // Each species is stepped alone: another species' steps would
                // not change this one (they do not interact without cells).
                s.advance(every).unwrap();
                let next = s.read_field(sp).unwrap();
                let cp = coeffs::plasma_mean(&ex.plasma, first, every) as f64;
                for (i, (&c0, &c1)) in prev[sp].iter().zip(&next).enumerate() {
                    let c1 = c1 as f64;
                    crossed[sp] += h * (ex.inflow[i] as f64 * cp - ex.loss[i] as f64 * c1) * vol;
                    losses[sp][0] += h * ex.lymph[i] as f64 * c1 * vol;
                    losses[sp][1] += h * decay * c1 * vol;
                    if let Some(v) = &vmax {
                        losses[sp][2] += h * v[i] as f64 * c1 / (k + (c0 as f64).max(0.0)) * vol;
                    }
                }
                prev[sp] = next;
                let change = total(&prev[sp]) - start[sp];
                let lost: f64 = losses[sp].iter().sum();
                worst[sp] = worst[sp].max((crossed[sp] - change - lost).abs() / crossed[sp].abs());
            }
            // Start the next species from t = 0 on a fresh scheduler.
            let b = match name {
                "cpu" => cpu(&plan, &world),
                _ => match gpu(&plan, &world, "coupled mass balance") {
                    Some(g) => g,
                    None => break,
                },
            };
            s = Scheduler::new(plan.clone(), b);
        }
        for sp in 0..n_species {
            let n = &plan.species[sp].name;
            let [lymph, decay, consumed] = losses[sp];
            println!(
                "{name} {n}: crossed {:.4e}, lymph {lymph:.3e}, decay {decay:.3e}, consumed {consumed:.3e}, \
                 worst running imbalance {:.2e} of the crossing",
                crossed[sp], worst[sp]
            );
            assert!(crossed[sp] > 0.0 && lymph > 0.0 && decay > 0.0, "{name} {n}: a term is missing");
            if n == "drug" {
                assert!(consumed > 0.0, "{name}: nothing consumed");
            }
            // Bound: 1e-6 of the cumulative crossing (acceptance).
            assert!(worst[sp] < 1e-6, "{name} {n}: imbalance {:.3e}", worst[sp]);
        }
    }
}
