//! Large scenes: `oncovox check` accepts a 512³ grid with four species
//! without allocating it and prints the memory it needs.

mod common;

use common::cli::{oncovox, stderr, write_scene};

#[test]
fn check_accepts_512_cubed_with_four_species_and_prints_the_memory() {
    let species: String = [("oxygen", "lod"), ("drug", "lod"), ("liposome", "explicit"), ("inhibitor", "lod")]
        .iter()
        .map(|(n, s)| format!("[[species]]\nname = \"{n}\"\ndiffusion = 3000.0\nsolver = \"{s}\"\n"))
        .collect();
    let text = format!("[grid]\nshape = [512, 512, 512]\ndx = 10.0\n[time]\ndt = 0.01\nduration = 0.1\n{species}");
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "big.toml", &text);
    let o = oncovox(&["check", scene.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("134217728 voxels"), "{out}");
    // Four fields of 512 MiB, the explicit one twice (ping-pong), and a readback buffer: 6 × 512 MiB.
    let line = out.lines().find(|l| l.starts_with("device memory needed:")).expect("a memory line");
    let mib: f64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!((mib - 3072.0).abs() < 1.0, "{line}");
}

/// A scene far beyond the host's memory (40 species on 1290³ voxels: about
/// 320 GiB) is refused before anything is allocated, on the CPU backend,
/// with the key named and nothing written.
#[test]
fn run_refuses_a_scene_beyond_host_memory() {
    let species: String =
        (0..40).map(|i| format!("[[species]]\nname = \"s{i}\"\ndiffusion = 3000.0\nsolver = \"lod\"\n")).collect();
    let text = format!("[grid]\nshape = [1290, 1290, 1290]\ndx = 10.0\n[time]\ndt = 0.01\nduration = 0.1\n{species}");
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "huge.toml", &text);
    let out = tmp.path().join("out");
    let o = oncovox(&["run", scene.to_str().unwrap(), "--backend", "cpu", "-o", out.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("grid.shape") && err.contains("GiB of memory"), "{err}");
    assert!(!out.exists(), "an output folder was left behind");
}
