//! Criterion benches of one diffusion step per solver, on the CPU backend
//! and (when an adapter exists) the GPU backend; the device is waited for
//! inside the timed region. `oncovox bench` reports GB/s against the copy
//! floor; this gives statistically careful step times.

use criterion::{Criterion, criterion_group, criterion_main};
use oncovox::run::{BackendChoice, build, select_device};
use oncovox::scene::{Scene, Validated};
use oncovox::solver::{Plan, Scheduler};

const SCENE: &str = r#"
[grid]
shape = [96, 96, 96]
dx = 10.0
[time]
dt = 0.01
duration = 0.01
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
[[species]]
name = "drug"
diffusion = 1000.0
solver = "explicit"
"#;

fn bench_steps(c: &mut Criterion) {
    let v = Validated::new(Scene::from_toml(SCENE).expect("bench scene parses")).expect("bench scene is valid");
    let plan = Plan::new(&v);
    for choice in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let Ok((device, _)) = select_device(choice, &plan) else {
            eprintln!("no GPU adapter: GPU benches skipped");
            continue;
        };
        let mut plan = plan.clone();
        let Ok((_, backend)) = build(device, &v, &mut plan) else { continue };
        let label = format!("{} 96³", backend.kind());
        let mut s = Scheduler::new(plan.clone(), backend);
        c.bench_function(&format!("{label}: LOD + explicit step"), |b| {
            b.iter(|| {
                s.step();
                s.backend.finish().expect("device finishes");
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_steps
}
criterion_main!(benches);
