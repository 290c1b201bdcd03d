//! `oncovox sweep`: a 3 × 2 grid of parameters runs as six arms and is
//! compared; each arm took its own values; a bad value in one arm is
//! refused before any arm runs; `--jobs` writes one command per arm, and
//! those commands run.

mod common;
use common::cli::*;
use common::scenes::SWEEP as SCENE;
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_three_by_two_sweep_runs_six_arms_and_compares_them() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "trial.toml", SCENE);
    let out = tmp.path().join("sweep");
    let args = [
        "sweep",
        s(&scene),
        "--vary",
        "species.doxorubicin.initial=0:2:3",
        "--vary",
        "cells.phenotype.0.initial=0.2,0.4",
        "-o",
        s(&out),
        "--backend",
        "cpu",
    ];
    let o = oncovox(&args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("sweep: 6 arms (3 × species.doxorubicin.initial, 2 × cells.phenotype.0.initial)"), "{err}");
    let names = ["initial-0_initial-0.2", "initial-0_initial-0.4", "initial-1_initial-0.2", "initial-1_initial-0.4"];
    for n in names.iter().chain(&["initial-2_initial-0.2", "initial-2_initial-0.4"]) {
        assert!(out.join(n).join("timeseries.csv").is_file(), "arm {n}");
    }
    for f in ["compare.csv", "compare.md", "summary.json", "report.html", "plots/tumour_cells.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "a header and six arms:\n{csv}");
    // Each arm ran with its own values: the resolved scenes say so, and the
    // drug's exposure grows with its initial value.
    let resolved = std::fs::read_to_string(out.join("initial-2_initial-0.4/scene.resolved.toml")).unwrap();
    assert!(resolved.contains("initial = 2.0") && resolved.contains("initial = 0.4"), "{resolved}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["sweep"]["vary"][0]["values"], serde_json::json!(["0", "1", "2"]));
    assert_eq!(summary["compare"].as_array().unwrap().len(), 6);
    let auc = |arm: &str| -> f64 {
        let line = csv.lines().find(|l| l.starts_with(&format!("{arm},"))).unwrap();
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let i = header.iter().position(|h| *h == "drug_auc_tumour_final").unwrap();
        line.split(',').nth(i).unwrap().parse().unwrap()
    };
    assert_eq!(auc("initial-0_initial-0.2"), 0.0);
    assert!(auc("initial-2_initial-0.2") > auc("initial-1_initial-0.2") && auc("initial-1_initial-0.2") > 0.0);
}

#[test]
fn a_bad_value_in_one_arm_is_refused_before_any_arm_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "trial.toml", SCENE);
    let out = tmp.path().join("sweep");
    let o = oncovox(
        &[
            "sweep",
            s(&scene),
            "--vary",
            "species.doxorubicin.initial=0,1",
            "--vary",
            "species.oxygen.diffusion=1e3,-5",
            "-o",
            s(&out),
            "--backend",
            "cpu",
        ],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("species.oxygen.diffusion") && err.contains("arm `initial-0_diffusion--5`"), "{err}");
    assert!(!err.contains("arm 1/4"), "no arm may run: {err}");
    assert!(!out.exists());
    for (vary, words) in [
        ("species.oxygen.diffusion", "has no `=`"),
        ("species.oxygen.diffusion=1:2:1", "count"),
        ("species.oxygen.diffusion=1,,2", "empty value"),
    ] {
        let o = oncovox(&["sweep", s(&scene), "--vary", vary, "-o", s(&out)], &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{vary}: {err}");
        assert!(err.contains("--vary") && err.contains(words), "{vary}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn a_job_list_holds_one_run_per_arm_and_each_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "trial.toml", SCENE);
    let (out, jobs) = (tmp.path().join("sweep"), tmp.path().join("jobs.txt"));
    let args = [
        "sweep",
        s(&scene),
        "--vary",
        "species.doxorubicin.initial=1,2",
        "--vary",
        "time.dt=0.5,0.25",
        "-o",
        s(&out),
        "--jobs",
        s(&jobs),
    ];
    let o = oncovox(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.exists(), "nothing runs");
    let text = std::fs::read_to_string(&jobs).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[3].contains("--set species.doxorubicin.initial=2 --set time.dt=0.25 -o"), "{text}");
    // Each line is a command line; run the last one as a shell would split it.
    let words: Vec<String> = lines[3].split(' ').map(|w| w.trim_matches('\'').to_string()).collect();
    assert_eq!(words[0], "oncovox");
    let rest: Vec<&str> = words[1..].iter().map(String::as_str).chain(["--backend", "cpu"]).collect();
    let o = oncovox(&rest, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.join("initial-2_dt-0.25/timeseries.csv").is_file());
    // The list is never written over.
    let again = oncovox(&args, &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--jobs"));
}
