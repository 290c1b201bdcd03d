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
use common::scenes::{PARITY, VASCULAR};
use common::*;
use oncovox::solver::{Backend, Scheduler};

const REL: f32 = 1e-5;
const ABS: f32 = 1e-6;

/// A binding limit that cuts the scene's grid into four slabs, not all equal.
fn four_slabs(plan: &oncovox::solver::Plan) -> u64 {
    let limit = binding_for_slabs(plan, 4);
    let slabs = plan.slabs(limit).unwrap();
    assert!(slabs.iter().any(|z| z.len() != slabs[0].len()) || plan.grid.shape[2].is_multiple_of(4));
    limit
}

/// Apply `op` to the same random fields on the CPU and on a split GPU backend.
fn check(toml: &str, test: &str, species: usize, op: impl Fn(&mut dyn Backend)) {
    let split =
        |plan: &oncovox::solver::Plan, world: &oncovox::world::World| gpu_split(plan, world, test, four_slabs(plan));
    check_operator_on(&scene(toml), test, species, REL, ABS, split, op);
}

#[test]
fn split_lod_sweeps_match_cpu() {
    for axis in 0..3 {
        check(PARITY, &format!("split lod sweep {axis}"), 0, |b| b.lod_sweep(0, axis));
        check(VASCULAR, &format!("split tissue lod sweep {axis}"), 0, |b| b.lod_sweep(0, axis));
    }
}

#[test]
fn split_stencils_match_cpu() {
    // Twice, so both ping-pong directions are exercised.
    let twice = |f: fn(&mut dyn Backend)| move |b: &mut dyn Backend| (f(b), f(b)).1;
    check(PARITY, "split explicit", 1, twice(|b| b.explicit_substep(1)));
    check(VASCULAR, "split tissue explicit", 1, twice(|b| b.explicit_substep(1)));
    check(VASCULAR, "split advection", 2, twice(|b| b.advect(2)));
}

#[test]
fn split_pointwise_operators_match_cpu() {
    check(PARITY, "split sources", 0, |b| b.apply_sources(0));
    check(PARITY, "split hold", 1, |b| b.apply_hold(1));
    check(VASCULAR, "split exchange", 1, |b| b.vessel_exchange(1));
    check(VASCULAR, "split consumption", 0, |b| b.consume(0));
}

#[test]
fn split_whole_steps_match_cpu_and_the_unsplit_gpu() {
    for (name, toml) in [("uniform", PARITY), ("vascular", VASCULAR)] {
        let v = scene(toml);
        let (plan, world) = setup(&v);
        let test = format!("{name}: split whole steps");
        let Some(split) = gpu_split(&plan, &world, &test, four_slabs(&plan)) else { return };
        let Some(whole) = gpu(&plan, &world, &test) else { return };
        let mut runs = [split, whole, cpu(&plan, &world)].map(|b| Scheduler::new(plan.clone(), b));
        for r in &mut runs {
            r.advance(20).unwrap();
        }
        for s in 0..plan.species.len() {
            let [split, whole, cpu] = runs.each_mut().map(|r| r.read_field(s).unwrap());
            assert_close(&format!("{test}, species {s} vs cpu"), &split, &cpu, 10.0 * REL, 10.0 * ABS);
            assert_close(&format!("{test}, species {s} vs unsplit"), &split, &whole, REL, ABS);
            assert!(split.iter().any(|&x| x != split[0]), "{test}: species {s} is uniform");
        }
    }
}
