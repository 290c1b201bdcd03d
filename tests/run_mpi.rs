//! `oncovox run` split into slabs of z-planes over MPI ranks (built with
//! `--features mpi`; `.ci/run` runs this file so). A vascular scene with
//! cells (vessels, interstitial flow, a steady, two implicit and one LOD
//! species, a carrier, radiotherapy, the cell spread) on 1, 2 and 4 ranks
//! writes what one process writes, byte for byte: fields, cell state, time
//! series, slices, VTK and checkpoints (but the wall times of the summary,
//! report and checkpoints). A run split over 2 ranks and resumed from its
//! checkpoint on 2 (and on 4) is the one run too. What ranks cannot do is
//! refused by rank 0 with exit code 2, nothing written. Fails when
//! `mpirun` is missing: with the feature on, MPI is what is tested.

#![cfg(feature = "mpi")]

mod common;
use common::cli::*;
use common::scenes::RESUME as SCENE;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// `oncovox` on `ranks` MPI ranks; a job that outlasts 300 s (ranks that
/// wait on each other for ever) is ended, and fails.
fn mpirun(ranks: usize, args: &[&str]) -> std::process::Output {
    let n = ranks.to_string();
    Command::new("mpirun")
        .args(["--oversubscribe", "--timeout", "300", "-n", &n, env!("CARGO_BIN_EXE_oncovox")])
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("mpirun runs (Debian: apt-get install openmpi-bin libopenmpi-dev)")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A checkpoint's JSON without its wall times.
fn without_wall_times(bytes: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    for o in v["scheduler"]["timing"]["operators"].as_array_mut().unwrap() {
        o["seconds"] = Value::Null;
    }
    serde_json::to_vec(&v).unwrap()
}

/// Every file under `dir` but the summary, the report and the folder's
/// list of files, checkpoints without wall times.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !["summary.json", "report.html", ".oncovox-output"].contains(&rel.as_str()) {
                let bytes = std::fs::read(&p).unwrap();
                let bytes = if rel.ends_with("checkpoint.json") { without_wall_times(&bytes) } else { bytes };
                out.insert(rel, bytes);
            }
        }
    }
    out
}

/// `got` holds `want`'s files, byte for byte (`want` may hold more).
fn same(want: &BTreeMap<String, Vec<u8>>, got: &BTreeMap<String, Vec<u8>>, what: &str) {
    for (f, bytes) in got {
        let w = want.get(f).unwrap_or_else(|| panic!("{what}: {f} is not in the one process's folder"));
        assert!(w == bytes, "{what}: {f} differs from the one process's");
    }
}

#[test]
fn a_run_split_over_ranks_writes_what_one_process_writes_and_resumes_so() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "scene.toml", SCENE);
    let one = tmp.path().join("one");
    let o = oncovox(&["run", s(&scene), "-o", s(&one), "--backend", "cpu"], &[("RAYON_NUM_THREADS", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = contents(&one);
    for f in ["timeseries.csv", "fields/sensitive_step00000016.npy", "checkpoints/t00000016.00min/arrays.bin"] {
        assert!(want.contains_key(f), "{f}: {:?}", want.keys());
    }
    for ranks in [1, 2, 4] {
        let out = tmp.path().join(format!("ranks{ranks}"));
        let o = mpirun(ranks, &["run", s(&scene), "-o", s(&out), "--backend", "cpu"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{ranks} ranks:\n{err}");
        if ranks > 1 {
            assert!(err.contains(&format!("split over {ranks} ranks")), "{err}");
            assert_eq!(err.matches("done:").count(), 1, "rank 0 alone reports:\n{err}");
        }
        let got = contents(&out);
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{ranks} ranks: the same files");
        same(&want, &got, &format!("{ranks} ranks"));
    }
    // Split over 2 ranks to the checkpoint at 8 min, resumed on 2 and on 4.
    let first = tmp.path().join("first");
    let o = mpirun(2, &["run", s(&scene), "-o", s(&first), "--backend", "cpu", "--set", "time.duration=8"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for ranks in [2, 4] {
        let resumed = tmp.path().join(format!("resumed{ranks}"));
        let args = ["run", "--resume", s(&first), "-o", s(&resumed), "--backend", "cpu", "--set", "time.duration=16"];
        let o = mpirun(ranks, &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "resumed on {ranks} ranks:\n{err}");
        assert!(err.contains("at t = 8 min (step 8 of 16"), "{err}");
        let got = contents(&resumed);
        assert!(got.len() + 3 >= want.len() && got.contains_key("fields/oxygen_step00000000.npy"), "{:?}", got.keys());
        same(&want, &got, &format!("resumed on {ranks} ranks"));
    }
}

#[test]
fn what_ranks_cannot_do_is_refused_by_rank_0_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "scene.toml", SCENE);
    let out = tmp.path().join("out");
    for (ranks, extra, words) in [
        (2, ["--backend", "gpu"], ["--backend", "GPU ranks are not built yet"]),
        (15, ["--backend", "cpu"], ["grid.shape", "at most 14 ranks"]),
        (2, ["--set", "species.tracer.diffusion_tumour=100"], ["species.tracer.solver", "one rank"]),
    ] {
        let mut args = vec!["run", s(&scene), "-o", s(&out)];
        args.extend(extra);
        let o = mpirun(ranks, &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}:\n{err}");
        for w in words {
            assert!(err.contains(w), "{args:?}: the message should say `{w}`:\n{err}");
        }
        assert_eq!(err.matches("error:").count(), 1, "rank 0 alone says why:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{args:?}: nothing may be written");
    }
}
