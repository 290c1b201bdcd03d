//! A tumour grows in space over days: cells seeded at one end of a row of
//! voxels fill their voxels, then push into their neighbours, so the front
//! advances day after day, on both backends, with cells conserved by the
//! spread and every voxel below the carrying capacity.

mod common;

use common::{backends, scene, setup};

const SCENE: &str = r#"
[grid]
shape = [40, 2, 2]
dx = 20.0
[time]
dt = 60.0
duration = 14400.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
initial = 38.0
[[regions]]
name = "seed"
box = { min = [0, 0, 0], max = [40, 40, 40] }
tissue = "tumour"
[cells]
oxygen = "oxygen"
o2_consumption = 0.0
spread = 2.0
spread_threshold = 0.6
[[cells.phenotype]]
name = "tumour"
initial = 0.5
"#;

#[test]
fn the_tumour_front_advances_day_after_day() {
    let v = scene(SCENE);
    let (plan, world) = setup(&v);
    let cp = plan.cells.as_ref().unwrap();
    let (nx, n) = (plan.grid.shape[0], plan.grid.len());
    let row = |state: &[f32]| -> Vec<f32> { (0..nx).map(|i| state[i]).collect() };
    for (name, mut b) in backends(&plan, &world, "tumour growth") {
        let mut fronts = Vec::new();
        for day in 1..=10 {
            for _ in 0..24 {
                b.cell_kinetics(0);
                for _ in 0..cp.spread_substeps {
                    b.cell_spread();
                }
            }
            let state = b.read_cells().unwrap();
            let live = &state[..n];
            assert!(live.iter().all(|&x| (0.0..=1.0).contains(&x)), "{name}: a density left [0, 1]");
            // The front: the last voxel along x holding more than 0.1.
            let front = row(live).iter().rposition(|&x| x > 0.1).unwrap_or(0);
            fronts.push(front as f64 * plan.grid.dx);
            eprintln!("{name}, day {day}: front at {} µm", fronts.last().unwrap());
        }
        for w in fronts.windows(3) {
            assert!(w[2] > w[0], "{name}: the front stalled: {fronts:?}");
        }
        let speed = (fronts[9] - fronts[4]) / 5.0;
        eprintln!("{name}: front speed over days 5–10: {speed:.1} µm/day");
        assert!(speed > 10.0, "{name}: the front moves {speed} µm/day");
    }
}
