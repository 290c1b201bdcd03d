//! Shared by the criterion benches: a scheduler of a scene on each backend
//! there is (the CPU, and the GPU when an adapter exists).

use oncovox::run::{BackendChoice, build, select_device};
use oncovox::scene::{Scene, Validated};
use oncovox::solver::{Plan, Scheduler};

/// (backend kind, scheduler) for the scene `text` on the CPU and, when an
/// adapter exists, the GPU.
pub fn schedulers(text: &str) -> Vec<(&'static str, Scheduler)> {
    let v = Validated::new(Scene::from_toml(text).expect("bench scene parses")).expect("bench scene is valid");
    let plan = Plan::new(&v);
    let mut out = Vec::new();
    for choice in [BackendChoice::Cpu, BackendChoice::Gpu] {
        let Ok((device, _)) = select_device(choice, &plan) else {
            eprintln!("no GPU adapter: GPU benches skipped");
            continue;
        };
        let mut plan = plan.clone();
        let Ok((_, backend)) = build(device, &v, &mut plan) else { continue };
        out.push((backend.kind(), Scheduler::new(plan, backend)));
    }
    out
}
