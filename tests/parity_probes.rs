//! The bandwidth probes of `oncovox bench` on the GPU against their CPU
//! twins: the update in place and the read probe's sum, value for value.

mod common;

use oncovox::bench::{GpuProber, read_sum, update};

#[test]
fn the_gpu_probes_compute_what_their_cpu_twins_do() {
    let Some(gpu) = common::device("bandwidth probes") else { return };
    let p = GpuProber::new(gpu);
    // 5 000 vec4 elements: more than one read workgroup, the last part-filled.
    let a: Vec<f32> = (0..20_000).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
    let (sum, values) = p.run_once(&a, 0.5, 0.25).unwrap();
    assert_eq!(sum, read_sum(&a), "read probe");
    let mut want = a.clone();
    update(&mut want, 0.5, 0.25);
    assert_eq!(values, want, "update probe");
    let probe = p.probe(1 << 20).unwrap();
    for x in [probe.copy, probe.update, probe.read] {
        assert!(x.is_finite() && x > 0.0, "{probe:?}");
    }
}
