//! Criterion benches of the cell operators (kinetics, spread) and of a whole
//! step of a scene with cells, on the CPU backend and (when an adapter
//! exists) the GPU backend; the device is waited for inside the timed region.
//!
//! Two tumours: a sphere holding cells in 13 % of the 64³ voxels (the
//! liposomes fill every voxel, so the others take the carriers' release),
//! and the kinetics alone with the tumour filling the grid (cells in every
//! voxel: the cost of a voxel with cells).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

/// The tumour's shape replaces `TUMOUR`.
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
TUMOUR
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

const SPHERE: &str = "sphere = { center = [640.0, 640.0, 640.0], radius = 400.0 }";
const FILLED: &str = "box = { min = [0.0, 0.0, 0.0], max = [1280.0, 1280.0, 1280.0] }";

fn bench_cells(c: &mut Criterion) {
    for (kind, mut s) in common::schedulers(&SCENE.replace("TUMOUR", SPHERE)) {
        let label = format!("{kind} 64³");
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
                s.step().unwrap();
                s.backend.finish().expect("device finishes");
            })
        });
    }
    for (kind, mut s) in common::schedulers(&SCENE.replace("TUMOUR", FILLED)) {
        c.bench_function(&format!("{kind} 64³, cells in every voxel: cell kinetics"), |b| {
            b.iter(|| {
                s.backend.cell_kinetics(0);
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
