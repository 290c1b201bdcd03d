//! Strong and weak scaling of the slab operators over MPI ranks:
//! `cargo bench --features mpi --bench slabs_mpi` (OpenMPI's `mpirun` on
//! the PATH). The bench starts itself under `mpirun -n 1` and `-n 2`, one
//! rayon thread per rank, and prints per operator the slowest rank's mean
//! time per call: an explicit sub-step (its halo exchange included), the
//! halo exchange alone, a LOD z sweep (the pipeline across ranks) and a grid
//! sum. Strong: one 128³ grid; weak: 128 × 128 × 64 planes per rank.

use oncovox::slabs::{Link, Slab, explicit, halo, lod_z, reduce};
use oncovox::solver::LodCoeffs;
use std::process::Command;
use std::time::Instant;

const REPS: usize = 50;
const OPERATORS: [&str; 4] = ["explicit", "halo", "lod_z", "sum"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--rank-of") {
        let nz: usize = args[i + 1].parse().expect("planes");
        return rank(nz);
    }
    println!("| scaling | grid | ranks | {} |", OPERATORS.map(|o| format!("{o} (ms)")).join(" | "));
    println!("|---|---|---|---|---|---|---|");
    for (kind, ranks, nz) in [("strong", 1, 128), ("strong", 2, 128), ("weak", 1, 64), ("weak", 2, 128)] {
        let o = Command::new("mpirun")
            .args(["--oversubscribe", "-n", &ranks.to_string()])
            .arg(std::env::current_exe().unwrap())
            .args(["--rank-of", &nz.to_string()])
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .expect("mpirun runs (Debian: apt-get install openmpi-bin libopenmpi-dev)");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{ranks} ranks: {out}\n{}", String::from_utf8_lossy(&o.stderr));
        let line = out.lines().find(|l| l.starts_with("times:")).expect("rank 0 prints its times");
        println!("| {kind} | 128×128×{nz} | {ranks} | {} |", line["times:".len()..].trim().replace(' ', " | "));
    }
}

/// One rank: time every operator, then print at rank 0 the slowest rank's
/// mean per call.
fn rank(nz: usize) {
    let mpi = oncovox::ranks::Mpi::init().expect("MPI starts once");
    let shape = [128, 128, nz];
    let slab = Slab::of(shape, Link::rank(&mpi), Link::size(&mpi)).expect("a plane per rank");
    let n = slab.held_shape().iter().product::<usize>();
    let mut a: Vec<f32> = (0..n).map(|i| 1.0 + (i % 97) as f32 * 0.01).collect();
    let mut b = a.clone();
    let co = LodCoeffs::new(nz, 0.8, 0.01, [false, false]);
    let partials = vec![1.0f64; slab.planes.len()];
    let mut times = [0.0f64; 4];
    for (op, t) in times.iter_mut().enumerate() {
        let mut call = || match op {
            0 => explicit::explicit_substep(&mpi, &slab, &mut a, &mut b, 0.1, 0.001),
            1 => halo::exchange(&mpi, &slab, &mut a),
            2 => lod_z::lod_sweep_z(&mpi, &slab, &mut a, &co),
            _ => {
                std::hint::black_box(reduce::sum_planes(&mpi, &slab, &partials));
            }
        };
        call();
        reduce::sum_planes(&mpi, &slab, &partials);
        let start = Instant::now();
        for _ in 0..REPS {
            call();
        }
        *t = start.elapsed().as_secs_f64() / REPS as f64 * 1e3;
    }
    // The slowest rank's times, at rank 0.
    let me = Link::rank(&mpi);
    if me != 0 {
        mpi.send(0, bytemuck::cast_slice(&times[..]));
        return;
    }
    for r in 1..Link::size(&mpi) {
        let mut theirs = [0.0f64; 4];
        mpi.recv(r, bytemuck::cast_slice_mut(&mut theirs[..]));
        times.iter_mut().zip(theirs).for_each(|(t, u)| *t = t.max(u));
    }
    println!("times: {}", times.map(|t| format!("{t:.3}")).join(" "));
}
