//! The slab operators on MPI ranks (built with `--features mpi`; `.ci/run`
//! runs this file so): under `mpirun -n 1` to `-n 4`, explicit
//! sub-steps (uniform and tissue-dependent D), upwind advection sub-steps,
//! LOD z sweeps, grid sums and cell spread sub-steps
//! over the slabs give rank 0, bit for bit, what one process computes on
//! the whole grid. The check itself is the ignored test below, which this
//! file's first test starts under `mpirun` (every rank runs it); it is not
//! meant to be run alone. Fails when `mpirun` is missing: with the feature
//! on, MPI is what is tested.

#![cfg(feature = "mpi")]

use oncovox::grid::{FaceFlow, Grid, face_count};
use oncovox::model::cells::Layout;
use oncovox::slabs::{Link, Slab, advection, explicit, gather, lod_z, reduce, spread};
use oncovox::solver::cpu::cells;
use oncovox::solver::{LodCoeffs, cpu};
use std::process::Command;

/// 4 550 columns (two blocks of the z pipeline, the second partial) by
/// 13 planes (split unevenly over 3 and 4 ranks).
const SHAPE: [usize; 3] = [70, 65, 13];
const INNER: &str = "the_slab_operators_on_the_ranks_of_mpirun";

#[test]
fn slabs_on_one_to_four_mpi_ranks_give_the_single_process_values() {
    for ranks in [1, 2, 3, 4] {
        let o = Command::new("mpirun")
            .args(["--oversubscribe", "-n", &ranks.to_string()])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", INNER, "--ignored", "--test-threads=1", "--nocapture"])
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .expect("mpirun runs (Debian: apt-get install openmpi-bin libopenmpi-dev)");
        let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{ranks} ranks:\n{out}\n{err}");
        let want = format!("slabs: {ranks} ranks give the values of one process");
        assert!(out.contains(&want), "{ranks} ranks did not report `{want}`:\n{out}\n{err}");
    }
}

/// A field with structure in every direction.
fn field(seed: f32) -> Vec<f32> {
    (0..SHAPE.iter().product::<usize>()).map(|i| ((i as f32 * 0.37 + seed).sin() + 1.2) * 3.0).collect()
}

/// Face velocities of both signs on every axis, different on every face.
fn flow() -> FaceFlow {
    let u = [0, 1, 2].map(|a| (0..face_count(SHAPE, a)).map(|f| ((f * (a + 3)) as f32 * 0.71).cos() * 0.3).collect());
    FaceFlow { shape: SHAPE, u }
}

/// Three uniform and three tissue sub-steps, two advection sub-steps, then
/// a z sweep; the field and its per-plane sums.
fn one_process(c0: &[f32], rvox: &[f32], co: &LodCoeffs) -> (Vec<f32>, f64) {
    let (mut a, mut b) = (c0.to_vec(), c0.to_vec());
    for s in 0..6 {
        let (src, dst) = if s % 2 == 0 { (&a, &mut b) } else { (&b, &mut a) };
        if s < 3 {
            cpu::explicit_substep(src, dst, SHAPE, 0.12, 0.003);
        } else {
            cpu::explicit_substep_tissue(src, dst, rvox, SHAPE, 0.003);
        }
    }
    let (grid, flow, zero) = (Grid::new(SHAPE, 10.0), flow(), vec![0.0; SHAPE[0]]);
    cpu::advect(&grid, &flow, 0.4, &a, &mut b, &zero);
    cpu::advect(&grid, &flow, 0.4, &b, &mut a, &zero);
    cpu::lod_sweep_z(&mut a, SHAPE, co);
    let plane = SHAPE[0] * SHAPE[1];
    let partials: Vec<f64> = a.chunks(plane).map(|p| p.iter().map(|&v| v as f64).sum()).collect();
    (a, reduce::sum_in_order(&partials))
}

const LAYOUT: Layout = Layout { phenotypes: 2, carriers: 1 };

/// A cell state with crowded voxels on both sides of every cut of 2 to 4
/// ranks over 13 planes.
fn cell_state() -> Vec<f32> {
    let n = SHAPE.iter().product::<usize>();
    let mut y: Vec<f32> = (0..LAYOUT.state() * n).map(|i| (i as f32 * 0.53).sin() * 0.15 + 0.15).collect();
    let plane = SHAPE[0] * SHAPE[1];
    for k in [2, 3, 4, 6, 7, 9, 10] {
        y[LAYOUT.density(0) * n + k * plane + 30 + 70 * 20] = 0.95;
    }
    y
}

/// Three spread sub-steps of the whole grid.
fn spread_one_process() -> Vec<f32> {
    let (mut a, n) = (cell_state(), SHAPE.iter().product::<usize>());
    let mut b = a.clone();
    let mut excess = vec![(0.0, 0.0); n];
    cells::spread(&a, &mut b, LAYOUT, SHAPE, 1.0, 0.8, 0.1, &mut excess);
    cells::spread(&b, &mut a, LAYOUT, SHAPE, 1.0, 0.8, 0.1, &mut excess);
    cells::spread(&a, &mut b, LAYOUT, SHAPE, 1.0, 0.8, 0.1, &mut excess);
    b
}

#[test]
#[ignore = "runs on every rank under mpirun, started by the test above"]
fn the_slab_operators_on_the_ranks_of_mpirun() {
    let mpi = oncovox::ranks::Mpi::init().expect("MPI starts once");
    let (rank, size) = (Link::rank(&mpi), Link::size(&mpi));
    let c0 = field(0.0);
    let rvox: Vec<f32> = field(1.0).iter().map(|v| v * 0.02).collect();
    let co = LodCoeffs::new(SHAPE[2], 0.8, 0.01, [true, false]);
    let slab = Slab::of(SHAPE, rank, size).unwrap();
    let (mut a, mut b, rv) = (slab.cut(&c0), slab.cut(&c0), slab.cut(&rvox));
    for s in 0..6 {
        let (src, dst) = if s % 2 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
        if s < 3 {
            explicit::explicit_substep(&mpi, &slab, src, dst, 0.12, 0.003);
        } else {
            explicit::explicit_substep_tissue(&mpi, &slab, src, dst, &rv, 0.003);
        }
    }
    let mine = advection::SlabFlow::new(&slab, &Grid::new(SHAPE, 10.0), &flow());
    advection::advect(&mpi, &slab, &mine, 0.4, &mut a, &mut b);
    advection::advect(&mpi, &slab, &mine, 0.4, &mut b, &mut a);
    lod_z::lod_sweep_z(&mpi, &slab, &mut a, &co);
    let plane = slab.plane();
    let partials: Vec<f64> = a[slab.owned()].chunks(plane).map(|p| p.iter().map(|&v| v as f64).sum()).collect();
    let total = reduce::sum_planes(&mpi, &slab, &partials);
    let whole = gather(&mpi, &slab, &a);
    let (want, want_total) = one_process(&c0, &rvox, &co);
    assert_eq!(total.to_bits(), want_total.to_bits(), "rank {rank}: grid sum {total} against {want_total}");
    let state = cell_state();
    let (mut ya, mut yb) = (spread::cut_state(&slab, LAYOUT, &state), spread::cut_state(&slab, LAYOUT, &state));
    let held = slab.plane() * slab.held().len();
    let mut excess = vec![(0.0, 0.0); held];
    spread::spread(&mpi, &slab, &mut ya, &mut yb, LAYOUT, 1.0, 0.8, 0.1, &mut excess);
    spread::spread(&mpi, &slab, &mut yb, &mut ya, LAYOUT, 1.0, 0.8, 0.1, &mut excess);
    spread::spread(&mpi, &slab, &mut ya, &mut yb, LAYOUT, 1.0, 0.8, 0.1, &mut excess);
    let cells_whole: Vec<f32> = yb.chunks_exact(held).flat_map(|var| gather(&mpi, &slab, var)).collect();
    if rank == 0 {
        assert!(whole == want, "{size} ranks: the gathered field differs from one process");
        let spread_want = spread_one_process();
        assert!(spread_want != state, "the cells spread");
        assert!(cells_whole == spread_want, "{size} ranks: the gathered cell state differs from one process");
        println!("slabs: {size} ranks give the values of one process");
    }
}
