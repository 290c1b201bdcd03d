//! `oncovox sweep` under `mpirun` (built with `--features mpi`; `.ci/run`
//! runs this file so): the arms spread over 2 and 4 ranks write the same
//! comparison and the same arm folders, byte for byte, as one process
//! (but the wall times and dates of the summaries and reports), and a bad
//! value is refused by every rank before any arm runs. Fails when
//! `mpirun` is missing: with the feature on, MPI is what is tested.

#![cfg(feature = "mpi")]

mod common;
use common::cli::*;
use common::scenes::SWEEP as SCENE;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const VARY: [&str; 4] = ["--vary", "species.doxorubicin.initial=0:2:3", "--vary", "cells.phenotype.0.initial=0.2,0.4"];

/// `oncovox sweep` on `ranks` MPI ranks.
fn mpirun(ranks: usize, args: &[&str]) -> std::process::Output {
    let n = ranks.to_string();
    Command::new("mpirun")
        .args(["--oversubscribe", "-n", &n, env!("CARGO_BIN_EXE_oncovox")])
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("mpirun runs (Debian: apt-get install openmpi-bin libopenmpi-dev)")
}

/// Every file under `dir` but the summaries and reports (wall times, dates).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if !rel.ends_with("summary.json") && !rel.ends_with("report.html") {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_sweep_over_two_and_four_ranks_writes_what_one_process_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "trial.toml", SCENE);
    let one = tmp.path().join("one");
    let args = |out: &Path| -> Vec<String> {
        let mut a = vec!["sweep".to_string(), scene.display().to_string()];
        a.extend(VARY.iter().map(|s| s.to_string()));
        a.extend(["-o".into(), out.display().to_string(), "--backend".into(), "cpu".into()]);
        a
    };
    let strs = |a: &[String]| a.iter().map(String::clone).collect::<Vec<_>>();
    let o = oncovox(&strs(&args(&one)).iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = contents(&one);
    assert!(want.len() > 20 && want.contains_key("compare.csv"), "{:?}", want.keys());
    for ranks in [2, 4] {
        let out = tmp.path().join(format!("ranks{ranks}"));
        let a = args(&out);
        let o = mpirun(ranks, &a.iter().map(String::as_str).collect::<Vec<_>>());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{ranks} ranks:\n{err}");
        assert!(
            err.contains(&format!(
                "sweep: 6 arms (3 × species.doxorubicin.initial, 2 × cells.phenotype.0.initial) over {ranks} ranks"
            )),
            "{err}"
        );
        for r in 0..ranks {
            assert!(err.contains(&format!("on rank {r}:")), "rank {r} ran an arm:\n{err}");
        }
        let got = contents(&out);
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{ranks} ranks: the same files");
        for (f, bytes) in &want {
            assert!(&got[f] == bytes, "{ranks} ranks: {f} differs from one process's");
        }
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let names: Vec<&str> =
            summary["compare"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names[0], "initial-0_initial-0.2");
        assert_eq!(names.len(), 6, "every arm, in arm order");
    }
}

#[test]
fn a_bad_value_is_refused_by_every_rank_before_any_arm_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "trial.toml", SCENE);
    let out = tmp.path().join("sweep");
    let s = scene.to_str().unwrap();
    let o = mpirun(
        2,
        &["sweep", s, "--vary", "species.oxygen.diffusion=1e3,-5", "-o", out.to_str().unwrap(), "--backend", "cpu"],
    );
    let err = stderr(&o);
    assert_ne!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("species.oxygen.diffusion") && err.contains("arm `diffusion--5`"), "{err}");
    assert!(!err.contains("arm 1/2"), "no arm may run: {err}");
    assert!(!out.exists());
}
