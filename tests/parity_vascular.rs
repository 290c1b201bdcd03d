//! GPU against CPU for the vascular operators — vessel exchange with the
//! plasma clock, Michaelis–Menten consumption, upwind advection,
//! tissue-dependent explicit and LOD diffusion — and whole steps of a scene that
//! uses them all, on random fields. Runs on any adapter (the software
//! Vulkan driver in CI).
//!
//! Tolerance: the same f32 coefficients and operation order on both sides;
//! they differ where the shader compiler fuses a multiply-add (≤ 1 ulp per
//! operation) and, in the consumption step, in the division. Each operator
//! is a handful of operations per voxel, so rel 1e-5 holds with margin; abs
//! 1e-6 covers values near zero.

mod common;
use common::scenes::VASCULAR;
use common::*;

const REL: f32 = 1e-5;
const ABS: f32 = 1e-6;

fn check(test: &str, species: usize, op: impl Fn(&mut dyn oncovox::solver::Backend)) {
    check_operator(&scene(VASCULAR), test, species, REL, ABS, op);
}

#[test]
fn the_scene_uses_every_vascular_operator() {
    let v = scene(VASCULAR);
    let (plan, world) = setup(&v);
    let vas = world.vascular.as_ref().expect("vessels");
    assert!(vas.network.segments.len() > 10, "network too small: {}", vas.network.segments.len());
    assert!(plan.species.iter().all(|s| s.has_exchange && s.advection.is_some()));
    assert!(plan.species.iter().all(|s| s.heterogeneous), "every species should have tissue-dependent diffusion");
    assert!(plan.species[0].has_consumption);
    assert!(vas.velocity.as_ref().unwrap().max_outflow() > 0.0, "no interstitial flow");
}

#[test]
fn vessel_exchange_matches_cpu_across_clock_ticks() {
    for s in 0..3 {
        check(&format!("vessel_exchange {s}"), s, |b| {
            b.vessel_exchange(s);
            b.end_step();
            b.vessel_exchange(s);
        });
    }
}

#[test]
fn consumption_matches_cpu() {
    check("consume", 0, |b| b.consume(0));
}

#[test]
fn advection_matches_cpu() {
    // Twice, so both ping-pong directions are exercised; on a LOD species
    // too, whose sweeps must then act on the swapped field.
    check("advect explicit", 1, |b| {
        b.advect(1);
        b.advect(1);
    });
    check("advect lod", 0, |b| {
        b.advect(0);
        b.lod_sweep(0, 0);
    });
}

#[test]
fn tissue_dependent_lod_matches_cpu() {
    for axis in 0..3 {
        check(&format!("lod_tissue axis {axis}"), 0, |b| b.lod_sweep(0, axis));
    }
}

#[test]
fn tissue_dependent_explicit_matches_cpu() {
    check("explicit_substep_tissue", 1, |b| {
        b.explicit_substep(1);
        b.explicit_substep(1);
    });
}

#[test]
fn whole_vascular_steps_match_cpu() {
    let v = scene(VASCULAR);
    let (plan, world) = setup(&v);
    let Some(g) = gpu(&plan, &world, "whole vascular steps") else { return };
    let mut sg = oncovox::solver::Scheduler::new(plan.clone(), g);
    let mut sc = oncovox::solver::Scheduler::new(plan.clone(), cpu(&plan, &world));
    sg.advance(20).unwrap();
    sc.advance(20).unwrap();
    for s in 0..3 {
        // 20 steps compound the per-operator differences: 10× the per-call bound.
        let (a, b) = (sg.read_field(s).unwrap(), sc.read_field(s).unwrap());
        assert!(b.iter().any(|&x| x > 0.0), "species {s} stayed zero");
        assert_close(&format!("20 steps, species {s}"), &a, &b, 10.0 * REL, 10.0 * ABS);
    }
}
