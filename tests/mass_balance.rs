//! Mass balance of the vascular transport, with advection on: per step,
//! what crosses the vessel walls equals the change in tissue content plus
//! what the lymphatics remove, within 1e-4 of the cumulative crossing.
//!
//! The per-step terms come from the implicit exchange step
//! `c_x = (c + dt·inflow·c_p)·scale`: the wall flux is
//! `dt·(inflow·c_p − loss·c_x)` and the lymphatic loss `dt·lymph·c_x`, per
//! unit volume. Advection (upwind flux form) and diffusion only move mass
//! inside the domain, whose faces let nothing through (zero-flux for the
//! solute and, without `boundary_pressure`, for the fluid), and decay is 0.

mod common;
use common::*;
use oncovox::solver::Scheduler;
use oncovox::solver::coeffs;

const SCENE: &str = r#"
seed = 3
[grid]
shape = [20, 20, 16]
dx = 20.0
[time]
dt = 0.1
duration = 6.0
[vessels]
spacing = 100.0
[interstitium]
[[species]]
name = "drug"
diffusion = 700.0
diffusion_tumour = 400.0
solver = "explicit"
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 20.0, tumour = 160.0 }, reflection = { normal = 0.1, tumour = 0.05 } }
[[species]]
name = "liposome"
radius = 50.0
solver = "explicit"
plasma = { preset = "liposomal_doxorubicin" }
[[regions]]
name = "tumour"
sphere = { center = [200.0, 200.0, 160.0], radius = 120.0 }
tissue = "tumour"
"#;

#[test]
fn wall_crossing_equals_tissue_change_plus_lymph_loss() {
    let v = scene(SCENE);
    let (plan, world) = setup(&v);
    let vas = world.vascular.as_ref().unwrap();
    assert!(plan.species.iter().all(|s| s.advection.is_some()), "advection is off");
    assert!(vas.lymph.iter().any(|&l| l > 0.0), "no lymphatic drainage");
    let dt = plan.dt;
    let vol = plan.grid.voxel_volume();
    let n_species = plan.species.len();
    for (name, b) in backends(&plan, &world, "mass balance") {
        let mut s = Scheduler::new(plan.clone(), b);
        let mut prev: Vec<Vec<f32>> = (0..n_species).map(|sp| s.read_field(sp).unwrap()).collect();
        let total = |f: &[f32]| f.iter().map(|&c| c as f64).sum::<f64>() * vol;
        let start: Vec<f64> = prev.iter().map(|f| total(f)).collect();
        let mut crossed = vec![0.0f64; n_species];
        let mut lymph = vec![0.0f64; n_species];
        let mut worst = vec![0.0f64; n_species];
        for step in 0..plan.steps as usize {
            for sp in 0..n_species {
                let ex = world.species[sp].exchange.as_ref().unwrap();
                let (_, scale) = coeffs::source_step(world.species[sp].sources.as_ref().unwrap(), dt);
                let cp = ex.plasma[step];
                let dtf = dt as f32;
                for (i, &c) in prev[sp].iter().enumerate() {
                    // The exchange step as the backends compute it (f32), then its fluxes in f64.
                    let cx = ((c + cp * (dtf * ex.inflow[i])) * scale[i]) as f64;
                    crossed[sp] += dt * (ex.inflow[i] as f64 * cp as f64 - ex.loss[i] as f64 * cx) * vol;
                    lymph[sp] += dt * ex.lymph[i] as f64 * cx * vol;
                }
            }
            s.step().unwrap();
            for sp in 0..n_species {
                prev[sp] = s.read_field(sp).unwrap();
                let change = total(&prev[sp]) - start[sp];
                worst[sp] = worst[sp].max((crossed[sp] - change - lymph[sp]).abs());
            }
        }
        for sp in 0..n_species {
            let rel = worst[sp] / crossed[sp].abs();
            let n = &plan.species[sp].name;
            println!(
                "{name} {n}: crossed {:.4e}, lymph {:.4e}, worst imbalance {rel:.2e} of the crossing",
                crossed[sp], lymph[sp]
            );
            assert!(crossed[sp] > 0.0 && lymph[sp] > 0.0, "{name} {n}: nothing crossed or drained");
            // Bound: 1e-4 of the cumulative crossing (f32 fields summed in f64).
            assert!(rel < 1e-4, "{name} {n}: imbalance {rel:.3e}");
        }
    }
}
