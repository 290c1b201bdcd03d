//! Criterion benches of one diffusion step per solver, on the CPU backend
//! and (when an adapter exists) the GPU backend; the device is waited for
//! inside the timed region. Where the adapter offers timestamp queries, a
//! second bench times the same step by the device time of its kernels
//! alone. `oncovox bench` reports GB/s against the copy floor; this gives
//! statistically careful step times.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

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
    for (kind, mut s) in common::schedulers(SCENE) {
        let label = format!("{kind} 96³");
        c.bench_function(&format!("{label}: LOD + explicit step"), |b| {
            b.iter(|| {
                s.step().unwrap();
                s.backend.finish().expect("device finishes");
            })
        });
    }
}

/// The kernels' device time per step, from GPU timestamp queries.
fn bench_kernel_time(c: &mut Criterion) {
    for (kind, mut s) in common::schedulers(SCENE) {
        if !s.backend.time_kernels() {
            continue;
        }
        c.bench_function(&format!("{kind} 96³: LOD + explicit step, kernels only (timestamps)"), |b| {
            b.iter_custom(|iters| {
                s.backend.kernel_seconds().expect("timestamps are read");
                for _ in 0..iters {
                    s.step().unwrap();
                }
                s.backend.finish().expect("device finishes");
                let kernels = s.backend.kernel_seconds().expect("timestamps are read");
                std::time::Duration::from_secs_f64(kernels.unwrap_or(0.0))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_steps, bench_kernel_time
}
criterion_main!(benches);
