//! GPU against CPU, operator by operator, on random fields. Runs on any
//! adapter (the software Vulkan driver in CI).
//!
//! Tolerance: both backends use the same f32 coefficients and the same
//! operation order, so they differ only where the shader compiler fuses a
//! multiply-add (one rounding instead of two, ≤ 1 ulp per operation) and
//! in the order of the 6-neighbour sum. A Thomas solve chains about 2·n
//! such operations along a line of n ≤ 19 voxels, with each error damped
//! by |c'| < 1: rel 1e-5 covers that with margin; abs 1e-6 covers values
//! near zero where relative error is meaningless.

mod common;
use common::*;

const REL: f32 = 1e-5;
const ABS: f32 = 1e-6;

fn parity_scene() -> oncovox::scene::Validated {
    scene(scenes::PARITY)
}

fn check(test: &str, species: usize, op: impl Fn(&mut dyn oncovox::solver::Backend)) {
    check_operator(&parity_scene(), test, species, REL, ABS, op);
}

#[test]
fn lod_sweep_x_matches_cpu() {
    check("lod_sweep_x", 0, |b| b.lod_sweep(0, 0));
}

#[test]
fn lod_sweep_y_matches_cpu() {
    check("lod_sweep_y", 0, |b| b.lod_sweep(0, 1));
}

#[test]
fn lod_sweep_z_matches_cpu() {
    check("lod_sweep_z", 0, |b| b.lod_sweep(0, 2));
}

#[test]
fn explicit_substep_matches_cpu() {
    // Twice, so both ping-pong directions are exercised.
    check("explicit_substep", 1, |b| {
        b.explicit_substep(1);
        b.explicit_substep(1);
    });
}

#[test]
fn sources_match_cpu() {
    check("apply_sources lod", 0, |b| b.apply_sources(0));
    check("apply_sources explicit", 1, |b| b.apply_sources(1));
}

#[test]
fn hold_matches_cpu() {
    check("apply_hold", 0, |b| b.apply_hold(0));
    check("apply_hold after a swap", 1, |b| {
        b.explicit_substep(1);
        b.apply_hold(1);
    });
}

#[test]
fn whole_steps_match_cpu() {
    let v = parity_scene();
    let (plan, world) = setup(&v);
    let Some(g) = gpu(&plan, &world, "whole steps") else { return };
    let mut sg = oncovox::solver::Scheduler::new(plan.clone(), g);
    let mut sc = oncovox::solver::Scheduler::new(plan.clone(), cpu(&plan, &world));
    sg.advance(20).unwrap();
    sc.advance(20).unwrap();
    for s in 0..2 {
        // 20 steps compound the per-operator differences: 10× the per-call bound.
        assert_close(
            &format!("20 steps, species {s}"),
            &sg.read_field(s).unwrap(),
            &sc.read_field(s).unwrap(),
            10.0 * REL,
            10.0 * ABS,
        );
    }
}
