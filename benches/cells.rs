//! Criterion benches of the cell operators (kinetics, spread) and of a whole
//! step of a scene with cells, on the CPU backend and (when an adapter
//! exists) the GPU backend; the device is waited for inside the timed region.

use criterion::{Criterion, criterion_group, criterion_main};
use oncovox::run::{BackendChoice, build, select_device};
use oncovox::scene::{Scene, Validated};
use oncovox::solver::{Plan, Scheduler};

const SCENE: &str = r#"
[grid]
shape = [64, 64, 64]
dx = 20.0
[time]
dt = 0.05
duration = 0.05
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
initial = 30.0
[[species]]
name = "doxorubicin"
diffusion = 7000.0
solver = "lod"
initial = 1.0
[[species]]
name = "liposome"
diffusion = 300.0
initial = 5.0
[[regions]]
name = "tumour"
sphere = { center = [640.0, 640.0, 640.0], radius = 400.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
[[cells.phenotype]]
name = "sensitive"
initial = 0.7
switch = { resistant = 1.0e-5 }
[[cells.phenotype]]
name = "resistant"
initial = 0.1
pump_vmax = 0.2
[[cells.carrier]]
species = "liposome"
class = "liposome"
"#;

fn bench_cells(c: &mut Criterion) {
    let v = Validated::new(Scene::from_toml(SCENE).expect("bench scene parses")).expect("bench scene is valid");
    let plan = Plan::new(&v);
    for choice in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let Ok((device, _)) = select_device(choice, &plan) else {
            eprintln!("no GPU adapter: GPU benches skipped");
            continue;
        };
        let mut plan = plan.clone();
        let Ok((_, backend)) = build(device, &v, &mut plan) else { continue };
        let label = format!("{} 64³", backend.kind());
        let mut s = Scheduler::new(plan.clone(), backend);
        c.bench_function(&format!("{label}: cell kinetics"), |b| {
            b.iter(|| {
                s.backend.cell_kinetics(0);
                s.backend.finish().expect("device finishes");
            })
        });
        c.bench_function(&format!("{label}: cell spread"), |b| {
            b.iter(|| {
                s.backend.cell_spread();
                s.backend.finish().expect("device finishes");
            })
        });
        c.bench_function(&format!("{label}: whole step with cells"), |b| {
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
    targets = bench_cells
}
criterion_main!(benches);
