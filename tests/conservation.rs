//! With zero-flux faces and no sources or decay, the total amount is
//! constant: LOD and explicit, on every backend present, over 1000 steps.

mod common;
use common::*;
use oncovox::solver::Scheduler;

#[test]
fn total_amount_is_constant_over_1000_steps() {
    let v = scene(
        r#"
[grid]
shape = [24, 20, 16]
dx = 10.0
[time]
dt = 0.01
duration = 10.0
[[species]]
name = "lod"
diffusion = 1.0e4
solver = "lod"
[[species]]
name = "explicit"
diffusion = 8000.0
solver = "explicit"
"#,
    );
    let (plan, world) = setup(&v);
    assert_eq!(plan.species[1].substeps(), 5, "the explicit species should sub-step");
    for (name, mut b) in backends(&plan, &world, "conservation") {
        let init = random_field(plan.grid.len(), 7, 0.0, 100.0);
        for s in 0..2 {
            b.write_field(s, &init).unwrap();
        }
        let mut sched = Scheduler::new(plan.clone(), b);
        sched.advance(1000).unwrap();
        for s in 0..2 {
            let f = sched.read_field(s).unwrap();
            let (before, after) = (total(&init), total(&f));
            let drift = (after - before).abs() / before;
            eprintln!("{name} {}: relative drift {drift:.2e} after 1000 steps", plan.species[s].name);
            // f32 rounding: once the field is nearly uniform every voxel rounds the same way, so the rounding bias
            // adds up instead of cancelling. The bound is one f32 ulp (ε = 1.19e-7) of relative change per step;
            // LOD measures ≈ 0.4 ulp/step, explicit far less. A real leak (a wrong boundary row) would move
            // ≈ r/n of the amount per step, orders of magnitude more.
            let bound = 1000.0 * f32::EPSILON as f64;
            assert!(drift < bound, "{name} {}: total {before} → {after} (relative {drift:.2e})", plan.species[s].name);
            let spread = f.iter().fold(0.0f32, |m, &x| m.max(x)) - f.iter().fold(f32::MAX, |m, &x| m.min(x));
            assert!(spread < 50.0, "{name}: the field did not diffuse (spread {spread})");
        }
    }
}
