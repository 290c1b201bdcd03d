//! A grid whose fields exceed a 128 MiB storage binding (the limit of the
//! software Vulkan driver and of many GPUs) runs on the GPU backend, split
//! into slabs of z-planes, and matches the CPU backend after whole steps:
//! LOD diffusion with a held outer layer and a source region, and explicit
//! diffusion. Runs on any adapter (the software driver in CI).
//!
//! Tolerance: `parity.rs`'s whole-step bound, rel 1e-4 and abs 1e-5.

mod common;
use common::*;
use oncovox::solver::Scheduler;
use oncovox::solver::gpu::check_fits;

const BIG: &str = r#"
[grid]
shape = [330, 330, 310]
dx = 20.0
[time]
dt = 0.01
duration = 0.03
[[species]]
name = "lod"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
boundary = { all = 38.0 }
[[species]]
name = "explicit"
diffusion = 2000.0
decay = 0.2
solver = "explicit"
initial = 1.0
boundary = { z_min = 5.0 }
[[regions]]
name = "source"
sphere = { center = [3300.0, 3300.0, 3100.0], radius = 1500.0 }
supply = { lod = { rate = 5.0, target = 60.0 }, explicit = { rate = 2.0, target = 8.0 } }
"#;

#[test]
fn fields_beyond_one_binding_match_cpu() {
    let v = scene(BIG);
    let (plan, world) = setup(&v);
    let field_bytes = 4 * plan.grid.len() as u64;
    assert!(field_bytes > 128 << 20, "the field should exceed 128 MiB: {field_bytes} bytes");
    let test = "fields beyond one binding";
    let Some(dev) = device(test) else { return };
    let slabs = check_fits(&plan, &dev.limits).unwrap_or_else(|e| panic!("{test}: {e}"));
    eprintln!(
        "{test}: {:.1} MiB per field, {} MiB per binding on {}: {} slab(s)",
        field_bytes as f64 / (1 << 20) as f64,
        dev.limits.max_storage_buffer_binding_size >> 20,
        dev.info.name,
        slabs.len()
    );
    if dev.limits.max_storage_buffer_binding_size < field_bytes {
        assert!(slabs.len() > 1, "{test}: a field larger than one binding must be split");
    }
    let g = Box::new(oncovox::solver::gpu::GpuBackend::new(dev, &plan, &world).unwrap_or_else(|e| panic!("{e}")));
    let mut runs = [Scheduler::new(plan.clone(), g), Scheduler::new(plan.clone(), cpu(&plan, &world))];
    drop(world);
    for r in &mut runs {
        r.advance(plan.steps).unwrap();
    }
    for s in 0..2 {
        let [gpu, cpu] = runs.each_mut().map(|r| r.read_field(s).unwrap());
        assert_close(&format!("{test}, species {s}"), &gpu, &cpu, 1e-4, 1e-5);
        let (lo, hi) = cpu.iter().fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(hi - lo > 1.0, "{test}: species {s} barely changed ({lo}..{hi})");
    }
}
