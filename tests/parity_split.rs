//! Grids split into slabs of z-planes (a field larger than one storage
//! binding): the GPU backend with a small binding limit, so that the grid
//! is cut into four slabs of unequal depth, against the CPU backend, every
//! operator alone on random fields and whole steps. Covers the carry of the
//! z sweeps across the cuts (uniform and per-voxel coefficients), the halo
//! planes of the explicit and advection stencils (with per-voxel diffusion
//! on both sides of a cut) and the per-slab sources, holds, exchange and
//! consumption. Runs on any adapter (the software Vulkan driver in CI).
//!
//! Tolerance: as `parity.rs` and `parity_vascular.rs` (the arithmetic per
//! voxel is the unsplit kernels'), rel 1e-5 and abs 1e-6 per operator, ten
//! times that after whole steps.

mod common;
use common::*;
use oncovox::solver::{Backend, Scheduler};

const REL: f32 = 1e-5;
const ABS: f32 = 1e-6;

/// Uniform LOD with a held face and sources; uniform explicit diffusion.
const UNIFORM: &str = r#"
[grid]
shape = [19, 13, 11]
dx = 10.0
[time]
dt = 0.05
duration = 0.05
[[species]]
name = "lod"
diffusion = 2000.0
decay = 0.3
solver = "lod"
boundary = { x_min = 2.0, z_max = 0.5 }
[[species]]
name = "explicit"
diffusion = 100.0
decay = 0.2
solver = "explicit"
boundary = { z_min = 1.5 }
[[regions]]
name = "blob"
sphere = { center = [90.0, 60.0, 50.0], radius = 40.0 }
supply = { lod = { rate = 2.0, target = 3.0 }, explicit = { rate = 1.0, target = 4.0 } }
uptake = { lod = 0.7 }
[[regions]]
name = "vessel"
cylinder = { start = [0.0, 0.0, 0.0], end = [190.0, 130.0, 110.0], radius = 15.0 }
hold = { lod = 5.0, explicit = 3.0 }
"#;

/// Vessels, interstitial flow and tissue-dependent diffusion (the scene of
/// `parity_vascular.rs`, with the tumour across the cuts).
const VASCULAR: &str = r#"
seed = 7
[grid]
shape = [24, 20, 16]
dx = 20.0
[time]
dt = 0.05
duration = 1.0
[vessels]
spacing = 100.0
[interstitium]
boundary_pressure = 0.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
diffusion_tumour = 5.0e4
decay = 0.1
solver = "lod"
plasma = { level = 38.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 }, reflection = { normal = 0.0, tumour = 0.0 } }
[[species]]
name = "drug"
diffusion = 700.0
diffusion_tumour = 300.0
diffusion_necrotic = 900.0
decay = 0.01
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 20.0, tumour = 160.0 } }
[[species]]
name = "particle"
radius = 30.0
plasma = { half_lives = [60.0, 600.0], fast_fraction = 0.3, dose = 2.0 }
retardation = 1.5
[[regions]]
name = "tumour"
sphere = { center = [240.0, 200.0, 160.0], radius = 130.0 }
tissue = "tumour"
consumption = { oxygen = { rate = 20.0, half_saturation = 2.5 } }
[[regions]]
name = "core"
sphere = { center = [240.0, 200.0, 160.0], radius = 50.0 }
tissue = "necrotic"
"#;

/// A binding limit that cuts the scene's grid into four slabs, not all equal.
fn four_slabs(plan: &oncovox::solver::Plan) -> u64 {
    let limit = binding_for_slabs(plan, 4);
    let slabs = plan.slabs(limit).unwrap();
    assert!(slabs.iter().any(|z| z.len() != slabs[0].len()) || plan.grid.shape[2].is_multiple_of(4));
    limit
}

/// Apply `op` to the same random fields on the CPU and on a split GPU backend.
fn check(toml: &str, test: &str, species: usize, op: impl Fn(&mut dyn Backend)) {
    let v = scene(toml);
    let (plan, world) = setup(&v);
    let Some(mut g) = gpu_split(&plan, &world, test, four_slabs(&plan)) else { return };
    let mut c = cpu(&plan, &world);
    for seed in 1..=2 {
        let f = random_field(plan.grid.len(), seed, 0.0, 10.0);
        c.write_field(species, &f).unwrap();
        g.write_field(species, &f).unwrap();
        op(c.as_mut());
        op(g.as_mut());
        let (a, b) = (g.read_field(species).unwrap(), c.read_field(species).unwrap());
        assert_close(&format!("{test}, seed {seed}"), &a, &b, REL, ABS);
        assert_ne!(b, f, "{test}: the operator changed nothing, so the comparison proves nothing");
    }
}

#[test]
fn split_lod_sweeps_match_cpu() {
    for axis in 0..3 {
        check(UNIFORM, &format!("split lod sweep {axis}"), 0, |b| b.lod_sweep(0, axis));
        check(VASCULAR, &format!("split tissue lod sweep {axis}"), 0, |b| b.lod_sweep(0, axis));
    }
}

#[test]
fn split_stencils_match_cpu() {
    // Twice, so both ping-pong directions are exercised.
    let twice = |f: fn(&mut dyn Backend)| move |b: &mut dyn Backend| (f(b), f(b)).1;
    check(UNIFORM, "split explicit", 1, twice(|b| b.explicit_substep(1)));
    check(VASCULAR, "split tissue explicit", 1, twice(|b| b.explicit_substep(1)));
    check(VASCULAR, "split advection", 2, twice(|b| b.advect(2)));
}

#[test]
fn split_pointwise_operators_match_cpu() {
    check(UNIFORM, "split sources", 0, |b| b.apply_sources(0));
    check(UNIFORM, "split hold", 1, |b| b.apply_hold(1));
    check(VASCULAR, "split exchange", 1, |b| b.vessel_exchange(1));
    check(VASCULAR, "split consumption", 0, |b| b.consume(0));
}

#[test]
fn split_whole_steps_match_cpu_and_the_unsplit_gpu() {
    for (name, toml) in [("uniform", UNIFORM), ("vascular", VASCULAR)] {
        let v = scene(toml);
        let (plan, world) = setup(&v);
        let test = format!("{name}: split whole steps");
        let Some(split) = gpu_split(&plan, &world, &test, four_slabs(&plan)) else { return };
        let Some(whole) = gpu(&plan, &world, &test) else { return };
        let mut runs = [split, whole, cpu(&plan, &world)].map(|b| Scheduler::new(plan.clone(), b));
        for r in &mut runs {
            r.advance(20);
        }
        for s in 0..plan.species.len() {
            let [split, whole, cpu] = runs.each_mut().map(|r| r.read_field(s).unwrap());
            assert_close(&format!("{test}, species {s} vs cpu"), &split, &cpu, 10.0 * REL, 10.0 * ABS);
            assert_close(&format!("{test}, species {s} vs unsplit"), &split, &whole, REL, ABS);
            assert!(split.iter().any(|&x| x != split[0]), "{test}: species {s} is uniform");
        }
    }
}
