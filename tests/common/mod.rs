//! Shared test helpers: scenes from TOML, backends by name, the GPU gate,
//! and a tolerance comparison that reports the worst offender.

#![allow(dead_code, reason = "each test file uses a different subset")]

pub mod cli;
pub mod scenes;

use oncovox::scene::{Scene, Validated};
use oncovox::solver::cpu::CpuBackend;
use oncovox::solver::gpu::{Gpu, GpuBackend, GpuOptions, best_adapter};
use oncovox::solver::{Backend, Plan};
use oncovox::world::World;

/// Validate a scene written in TOML; panics with the error on failure.
pub fn scene(toml: &str) -> Validated {
    Validated::new(Scene::from_toml(toml).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"))
}

/// Plan and world of a scene (interstitial pressure solved on the CPU).
pub fn setup(v: &Validated) -> (Plan, World) {
    let world = oncovox::run::build_world(v, None).unwrap_or_else(|e| panic!("{e}"));
    let mut plan = Plan::new(v);
    plan.attach(&world);
    (plan, world)
}

pub fn cpu(plan: &Plan, world: &World) -> Box<dyn Backend> {
    Box::new(CpuBackend::new(plan, world).expect("CPU backend"))
}

/// A GPU backend on any adapter (software included), or `None` with a loud
/// message when there is none. With `ONCOVOX_REQUIRE_GPU=1` a missing
/// adapter fails the test instead.
pub fn gpu(plan: &Plan, world: &World, test: &str) -> Option<Box<dyn Backend>> {
    let gpu = device(test)?;
    Some(Box::new(GpuBackend::new(gpu, plan, world).unwrap_or_else(|e| panic!("{test}: {e}"))))
}

/// A GPU backend, gated as [`gpu`], whose storage bindings hold at most
/// `max_binding` bytes, so that its fields are split into slabs of z-planes.
pub fn gpu_split(plan: &Plan, world: &World, test: &str, max_binding: u64) -> Option<Box<dyn Backend>> {
    let gpu = device(test)?;
    let options = GpuOptions { max_binding, ..GpuOptions::for_device(&gpu) };
    Some(Box::new(GpuBackend::with_options(gpu, plan, world, options).unwrap_or_else(|e| panic!("{test}: {e}"))))
}

/// A GPU backend, gated as [`gpu`], with the x sweeps tiled (`tiled`) or
/// one line per invocation, whatever the adapter would choose.
pub fn gpu_x(plan: &Plan, world: &World, test: &str, tiled: bool) -> Option<Box<dyn Backend>> {
    let gpu = device(test)?;
    let options = GpuOptions { tiled_x: tiled, ..GpuOptions::for_device(&gpu) };
    Some(Box::new(GpuBackend::with_options(gpu, plan, world, options).unwrap_or_else(|e| panic!("{test}: {e}"))))
}

/// A storage-binding limit that cuts the plan's grid into exactly `count`
/// slabs of z-planes.
pub fn binding_for_slabs(plan: &Plan, count: usize) -> u64 {
    let found = (1..1u64 << 24).map(|b| 64 * b).find(|&b| plan.slabs(b).is_some_and(|s| s.len() == count));
    found.unwrap_or_else(|| panic!("no binding limit gives {count} slabs"))
}

/// A device on any adapter (software included), gated as [`gpu`].
pub fn device(test: &str) -> Option<Gpu> {
    match best_adapter(false) {
        Some(a) => Some(Gpu::new(a).unwrap_or_else(|e| panic!("{test}: {e}"))),
        None if std::env::var("ONCOVOX_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("{test}: no GPU adapter, and ONCOVOX_REQUIRE_GPU=1 requires one (install mesa-vulkan-drivers)")
        }
        None => {
            eprintln!(
                "\n*** SKIPPED {test}: no GPU adapter found (set ONCOVOX_REQUIRE_GPU=1 to make this a failure) ***\n"
            );
            None
        }
    }
}

/// Apply `op` to the same random field (three seeds) on both backends of
/// scene `v` and compare within `rel`/`abs`; the operator must change the field.
pub fn check_operator(v: &Validated, test: &str, species: usize, rel: f32, abs: f32, op: impl Fn(&mut dyn Backend)) {
    check_operator_on(v, test, species, rel, abs, |plan, world| gpu(plan, world, test), op);
}

/// [`check_operator`] against the GPU backend that `make` builds.
pub fn check_operator_on(
    v: &Validated,
    test: &str,
    species: usize,
    rel: f32,
    abs: f32,
    make: impl Fn(&Plan, &World) -> Option<Box<dyn Backend>>,
    op: impl Fn(&mut dyn Backend),
) {
    let (plan, world) = setup(v);
    let Some(mut g) = make(&plan, &world) else { return };
    let mut c = cpu(&plan, &world);
    for seed in 1..=3 {
        let f = random_field(plan.grid.len(), seed, 0.0, 10.0);
        c.write_field(species, &f).unwrap();
        g.write_field(species, &f).unwrap();
        op(c.as_mut());
        op(g.as_mut());
        let (a, b) = (g.read_field(species).unwrap(), c.read_field(species).unwrap());
        assert_close(&format!("{test}, seed {seed}"), &a, &b, rel, abs);
        assert_ne!(b, f, "{test}: the operator changed nothing, so the comparison proves nothing");
    }
}

/// Both backends (the GPU one when an adapter exists), named.
pub fn backends(plan: &Plan, world: &World, test: &str) -> Vec<(&'static str, Box<dyn Backend>)> {
    let mut out = vec![("cpu", cpu(plan, world))];
    if let Some(g) = gpu(plan, world, test) {
        out.push(("gpu", g));
    }
    out
}

/// Panics unless every value is finite and non-negative.
pub fn finite_non_negative(what: &str, v: &[f32]) {
    if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !x.is_finite() || **x < 0.0) {
        panic!("{what}: GPU value {x} at {i} is negative or not finite");
    }
}

/// Passes when `|x − y| ≤ max(rel·|x + y|, abs)` everywhere; NaN fails.
/// Panics naming the worst index, both values and the count of failures.
pub fn assert_close(what: &str, got: &[f32], want: &[f32], rel: f32, abs: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    let mut worst: Option<(usize, f32)> = None;
    let mut failures = 0usize;
    for (i, (&x, &y)) in got.iter().zip(want).enumerate() {
        let excess = (x - y).abs() - (rel * (x + y).abs()).max(abs);
        // NaN compares false with everything: treat it as the worst failure.
        let e = if excess.is_nan() { f32::INFINITY } else { excess };
        if e > 0.0 {
            failures += 1;
            if worst.is_none_or(|(_, w)| e > w) {
                worst = Some((i, e));
            }
        }
    }
    if let Some((i, _)) = worst {
        panic!(
            "{what}: {failures} values out of tolerance (rel {rel}, abs {abs}); worst at {i}: got {} want {}",
            got[i], want[i]
        );
    }
}

/// A deterministic pseudo-random field in [lo, hi) (xorshift).
pub fn random_field(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            lo + (hi - lo) * ((s >> 40) as f32 / (1u64 << 24) as f32)
        })
        .collect()
}

/// Σ values in f64.
pub fn total(f: &[f32]) -> f64 {
    f.iter().map(|&v| v as f64).sum()
}

/// Observed order of convergence from errors at two resolutions.
pub fn order(e_coarse: f64, e_fine: f64, h_coarse: f64, h_fine: f64) -> f64 {
    (e_coarse / e_fine).ln() / (h_coarse / h_fine).ln()
}
