//! GPU against CPU for the cell operators — kinetics (with and without
//! triggered release), radiotherapy fractions, the spread of cells — each
//! alone from the same pseudo-random state, and whole steps of a scene that
//! uses them all; each on the whole grid and on the grid split into four
//! slabs of z-planes (as when the cell state exceeds one storage binding).
//! Runs on any adapter (the software Vulkan driver in CI).
//!
//! Tolerance: both sides run the same f32 operations in the same order, but
//! the kernels use `pow` (the Hill terms) and `exp` (the surviving
//! fraction), which the shader computes through `exp2`/`log2` within a few
//! ulp of the host's libm, the shader compiler may fuse multiply-adds, and
//! GPU division need only be within 2.5 ulp. One kinetics call chains a
//! few Runge–Kutta sub-steps (two here) of four
//! right-hand sides, each a few dozen operations per value, so a few
//! hundred roundings: rel 1e-4 bounds that with margin. Values that cancel
//! to near zero (a clamped density, a drug nearly taken up) keep only the
//! absolute error of their inputs, which are O(1–40): abs 1e-5 relative to
//! those. The spread and the fraction are a handful of operations per value
//! and would pass far tighter; they share the bound. Measured: every check
//! here also passes at rel 1e-6, abs 1e-8 (20 steps: rel 1e-5, abs 1e-7) on
//! llvmpipe, so the bound is the margin for drivers
//! whose `pow`, `exp` and division sit at the Vulkan precision limits, not
//! the error seen.

mod common;
use common::scenes::CELLS;
use common::*;
use oncovox::solver::{Backend, Scheduler};

const REL: f32 = 1e-4;
const ABS: f32 = 1e-5;

/// Linked species in `ext` order: oxygen, drug, inhibitor, carriers.
const LINKED: [usize; 5] = [0, 1, 2, 3, 4];
/// Ranges of the random linked fields: oxygen spans the hypoxic (10 mmHg)
/// and necrotic (2.5 mmHg) thresholds.
const FIELD_RANGE: [(f32, f32); 5] = [(0.0, 40.0), (0.0, 5.0), (0.0, 0.2), (0.0, 3.0), (0.0, 2.0)];

/// A state of the scene's layout: densities whose sum straddles the spread
/// threshold and the carrying capacity (zero in about a fifth of the
/// voxels), drug in proportion to density (intracellular 0–3 µM), dead
/// cells, bound and internalised carriers, siRNA, sink.
fn random_state(plan: &oncovox::solver::Plan, seed: u64) -> Vec<f32> {
    let l = plan.cells.as_ref().unwrap().kinetics.layout;
    let n = plan.grid.len();
    let mut s = vec![0.0f32; l.state() * n];
    let mut put = |var: usize, f: Vec<f32>| s[var * n..(var + 1) * n].copy_from_slice(&f);
    let mut densities = Vec::new();
    for k in 0..l.phenotypes {
        let d: Vec<f32> = random_field(n, seed * 31 + k as u64, -0.15, 0.6).iter().map(|&x| x.max(0.0)).collect();
        let c = random_field(n, seed * 37 + k as u64, 0.0, 3.0);
        put(l.drug(k), d.iter().zip(&c).map(|(d, c)| d * c).collect());
        put(l.density(k), d.clone());
        densities.push(d);
    }
    put(l.dead(), random_field(n, seed * 41, 0.0, 0.2));
    for ci in 0..l.carriers {
        put(l.bound(ci), random_field(n, seed * 43 + ci as u64, 0.0, 1.0));
        put(l.internalised(ci), random_field(n, seed * 47 + ci as u64, 0.0, 1.0));
    }
    put(l.sirna(), random_field(n, seed * 53, 0.0, 1.0));
    put(l.sink(), random_field(n, seed * 59, 0.0, 1.0));
    s
}

/// Write the same random state and linked fields to both backends, apply
/// `op` to each, and compare the cell state and every linked field; the GPU
/// results must be finite and non-negative. Returns the CPU's state before
/// and after, for the caller's own checks.
/// The GPU backends compared with the CPU: the whole grid in one slab, and
/// the grid split into four slabs of two z-planes (a small binding limit),
/// which the spread crosses through halo planes.
fn gpus(plan: &oncovox::solver::Plan, world: &oncovox::world::World, test: &str) -> Vec<(String, Box<dyn Backend>)> {
    let mut out = Vec::new();
    if let Some(g) = gpu(plan, world, test) {
        out.push(("gpu".to_string(), g));
    }
    if let Some(g) = gpu_split(plan, world, test, binding_for_slabs(plan, 4)) {
        out.push(("gpu in 4 slabs".to_string(), g));
    }
    out
}

fn check(test: &str, seed: u64, op: impl Fn(&mut dyn Backend)) -> Option<(Vec<f32>, Vec<f32>)> {
    check_scene(CELLS, test, seed, op)
}

/// [`check`] on the scene `toml` (of `CELLS`'s layout).
fn check_scene(toml: &str, test: &str, seed: u64, op: impl Fn(&mut dyn Backend)) -> Option<(Vec<f32>, Vec<f32>)> {
    let (plan, world) = setup(&scene(toml));
    let mut gpus = gpus(&plan, &world, test);
    if gpus.is_empty() {
        return None;
    }
    let mut c = cpu(&plan, &world);
    let state = random_state(&plan, seed);
    let n = plan.grid.len();
    for b in std::iter::once(c.as_mut()).chain(gpus.iter_mut().map(|(_, g)| g.as_mut())) {
        b.write_cells(&state).unwrap();
        for (slot, &s) in LINKED.iter().enumerate() {
            let (lo, hi) = FIELD_RANGE[slot];
            b.write_field(s, &random_field(n, seed * 61 + slot as u64, lo, hi)).unwrap();
        }
        op(b);
    }
    let b = c.read_cells().unwrap();
    for (name, g) in &mut gpus {
        let what = format!("{test} ({name}), seed {seed}");
        let a = g.read_cells().unwrap();
        finite_non_negative(&format!("{what}, cells"), &a);
        assert_close(&format!("{what}, cells"), &a, &b, REL, ABS);
        for &s in &LINKED {
            let (x, y) = (g.read_field(s).unwrap(), c.read_field(s).unwrap());
            finite_non_negative(&format!("{what}, field {s}"), &x);
            assert_close(&format!("{what}, field {s}"), &x, &y, REL, ABS);
        }
    }
    assert_ne!(b, state, "{test}: the operator changed nothing, so the comparison proves nothing");
    Some((state, b))
}

#[test]
fn the_scene_uses_every_cell_operator() {
    let v = scene(CELLS);
    let (plan, world) = setup(&v);
    let cp = plan.cells.as_ref().expect("cells");
    assert_eq!(cp.ext_species, LINKED.map(Some).to_vec());
    assert_eq!(cp.interval, 2);
    assert!(cp.substeps > 1, "one kinetics sub-step: {}", cp.substeps);
    // Voxels without cells take fewer sub-steps (their own, set by the
    // release rate): the kernels must not take the others' count.
    assert!(cp.release_substeps < cp.substeps, "release sub-steps {} of {}", cp.release_substeps, cp.substeps);
    assert!(cp.spread_substeps >= 2 && cp.spread_r > 0.0, "spread {} × {}", cp.spread_substeps, cp.spread_r);
    assert!(cp.fractions.iter().any(|&(s, d)| s > 0 && s < 20 && d > 0.0), "no fraction within 20 steps");
    assert!((0..20).any(|s| cp.trigger_bits(s) == 1) && (0..20).any(|s| cp.trigger_bits(s) == 0));
    let cells = world.cells.as_ref().unwrap();
    let mask = cells.mask.as_ref().expect("trigger mask");
    assert!(mask.contains(&1) && mask.contains(&0), "the trigger region should cover part of the grid");
    let l = cells.layout;
    let n = plan.grid.len();
    let live = |k: usize| &cells.initial[l.density(k) * n..(l.density(k) + 1) * n];
    assert!(live(0).contains(&0.0) && live(0).contains(&0.6), "cells should start in the tumour only");
    // The tumour's 0.9 exceeds the 0.5 threshold: the spread pushes cells out.
    assert!(0.9 > cp.threshold * cp.max_density);
}

#[test]
fn kinetics_matches_cpu() {
    for seed in 1..=2 {
        check("kinetics", seed, |b| b.cell_kinetics(0));
    }
}

#[test]
fn triggered_kinetics_matches_cpu() {
    let Some((_, on)) = check("kinetics with triggers", 3, |b| b.cell_kinetics(0b11)) else { return };
    let (_, off) = check("kinetics without triggers", 3, |b| b.cell_kinetics(0)).unwrap();
    assert_ne!(on, off, "the trigger changed nothing");
}

#[test]
fn kinetics_with_changing_triggers_in_one_batch_matches_cpu() {
    // The uniform changes between calls recorded without a read between
    // them: each dispatch must see its own trigger bits.
    check("kinetics, triggers 1, 0, 3", 4, |b| {
        b.cell_kinetics(1);
        b.cell_kinetics(0);
        b.cell_kinetics(3);
    });
}

#[test]
fn kinetics_with_fast_release_outside_cells_matches_cpu() {
    // A release outside cells fast enough for sub-steps of its own (two,
    // against the cells' more): with a wrong count on either side the
    // fourth-order errors of the two integrations differ by about 1e-3.
    let slow = "release = 0.01\nrelease_acidic = 0.05";
    assert!(CELLS.contains(slow));
    let toml = CELLS.replace(slow, "release = 10.0\nrelease_acidic = 15.0");
    let (plan, _) = setup(&scene(&toml));
    let cp = plan.cells.as_ref().unwrap();
    assert!(
        cp.release_substeps >= 2 && cp.release_substeps < cp.substeps,
        "release sub-steps {} of {}",
        cp.release_substeps,
        cp.substeps
    );
    // Every other voxel without cells: all state but the sink at zero.
    let (n, l) = (plan.grid.len(), cp.kinetics.layout);
    check_scene(&toml, "kinetics with a fast release outside cells", 7, |b| {
        let mut state = b.read_cells().unwrap();
        for var in 0..l.sink() {
            (0..n).step_by(2).for_each(|i| state[var * n + i] = 0.0);
        }
        b.write_cells(&state).unwrap();
        b.cell_kinetics(0);
    });
}

#[test]
fn irradiation_matches_cpu() {
    check("irradiate", 5, |b| b.irradiate(2.0));
    check("irradiate 2 Gy then 1 Gy", 6, |b| {
        b.irradiate(2.0);
        b.irradiate(1.0);
    });
}

#[test]
fn spread_matches_cpu() {
    // Once, then three times: both ping-pong directions and an odd count.
    check("spread", 7, |b| b.cell_spread());
    check("spread ×3", 8, |b| {
        for _ in 0..3 {
            b.cell_spread();
        }
    });
}

#[test]
fn every_operator_in_sequence_matches_cpu() {
    check("irradiate, kinetics, spread", 9, |b| {
        b.irradiate(2.0);
        b.cell_kinetics(1);
        b.cell_spread();
        b.cell_kinetics(0);
        b.cell_spread();
    });
}

#[test]
fn whole_steps_with_cells_match_cpu() {
    let v = scene(CELLS);
    let (plan, world) = setup(&v);
    let gpus = gpus(&plan, &world, "whole steps with cells");
    if gpus.is_empty() {
        return;
    }
    let mut sc = Scheduler::new(plan.clone(), cpu(&plan, &world));
    sc.advance(20).unwrap();
    let b = sc.read_cells().unwrap();
    for (name, g) in gpus {
        let mut sg = Scheduler::new(plan.clone(), g);
        sg.advance(20).unwrap();
        // 20 steps (10 kinetics updates, 30 spread sub-steps, a fraction)
        // compound the per-call differences: 10× the per-call bound.
        let a = sg.read_cells().unwrap();
        finite_non_negative(&format!("20 steps ({name}), cells"), &a);
        assert_close(&format!("20 steps ({name}), cells"), &a, &b, 10.0 * REL, 10.0 * ABS);
        for s in 0..plan.species.len() {
            let (x, y) = (sg.read_field(s).unwrap(), sc.read_field(s).unwrap());
            finite_non_negative(&format!("20 steps ({name}), species {s}"), &x);
            assert_close(&format!("20 steps ({name}), species {s}"), &x, &y, 10.0 * REL, 10.0 * ABS);
        }
    }
    // The spread moved cells into voxels that started without any.
    let l = plan.cells.as_ref().unwrap().kinetics.layout;
    let n = plan.grid.len();
    let init = &world.cells.as_ref().unwrap().initial;
    let grew = (0..n).filter(|&i| {
        let start: f32 = (0..l.phenotypes).map(|k| init[l.density(k) * n + i]).sum();
        let now: f32 = (0..l.phenotypes).map(|k| b[l.density(k) * n + i]).sum();
        start == 0.0 && now > 1e-4
    });
    assert!(grew.count() > 0, "the spread moved no cells into empty voxels");
    // The drug reached the cells and the fraction killed some.
    assert!((0..n).any(|i| b[l.drug(0) * n + i] > 0.0), "no intracellular drug");
    assert!(b[l.dead() * n..(l.dead() + 1) * n].iter().any(|&d| d > 0.0), "no dead cells");
}
