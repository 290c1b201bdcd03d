//! Checkpoints and `oncovox run --resume`: a run of T resumed from its
//! checkpoint at T for T' writes what one run of T + T' writes, bit for bit,
//! on the CPU and on the GPU (the software driver in CI). The scene has
//! cells with a carrier and radiotherapy, vessels with interstitial flow, a
//! steady, two implicit (one advected) and one LOD species, and doses and a
//! fraction on both sides of the checkpoint. Bad resumes are refused with
//! exit code 2 and nothing written.

mod common;
use common::cli::*;
use common::scenes::RESUME as SCENE;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Run the binary; panics unless it exits 0.
fn ok(args: &[&str]) -> String {
    let o = oncovox(args, &[("XDG_RUNTIME_DIR", "/tmp")]);
    let err = stderr(&o);
    assert!(o.status.success(), "oncovox {args:?} failed:\n{err}");
    err
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// A checkpoint's JSON without its wall times (the one thing two runs differ in).
fn without_wall_times(path: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for o in v["scheduler"]["timing"]["operators"].as_array_mut().unwrap() {
        o["seconds"] = Value::Null;
    }
    v
}

/// One run of 16 min, one of `first_min` (8: at a checkpoint and an output
/// time; 10: neither, so the checkpoint is the one at its end) resumed to
/// 16: the same files, the same bytes (the report and summary hold wall
/// times and dates).
fn resume_matches_one_run(backend: &str, first_min: u32) {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "scene.toml", SCENE);
    let [whole, first, resumed]: [PathBuf; 3] = ["whole", "first", "resumed"].map(|n| tmp.path().join(n));
    ok(&["run", s(&scene), "-o", s(&whole), "--backend", backend]);
    let duration = format!("time.duration={first_min}");
    ok(&["run", s(&scene), "-o", s(&first), "--backend", backend, "--set", &duration]);
    let cp = first.join(format!("checkpoints/t{first_min:08}.00min"));
    for f in ["checkpoint.json", "arrays.bin", "scene.toml"] {
        assert!(cp.join(f).is_file(), "the 8-min run ends with a checkpoint: {f}");
    }
    let log = ok(&["run", "--resume", s(&first), "-o", s(&resumed), "--backend", backend, "--set", "time.duration=16"]);
    assert!(log.contains(&format!("at t = {first_min} min (step {first_min} of 16")), "{log}");

    let skip = |f: &String| {
        !["report.html", "summary.json", ".oncovox-output"].contains(&f.as_str()) && !f.starts_with("checkpoints/")
    };
    let (a, b): (Vec<String>, Vec<String>) = (files(&whole), files(&resumed));
    let (a_out, b_out): (Vec<&String>, Vec<&String>) =
        (a.iter().filter(|f| skip(f)).collect(), b.iter().filter(|f| skip(f)).collect());
    assert_eq!(a_out, b_out, "the resumed run writes the same files");
    for early in
        ["fields/doxorubicin_step00000000.npy", "fields/sensitive_step00000004.npy", "vtk/fields_t00000.00min.vti"]
    {
        assert!(b_out.iter().any(|f| f.as_str() == early), "{early}: a file from before the checkpoint");
    }
    let mut compared = 0;
    for f in a_out {
        let (x, y) = (std::fs::read(whole.join(f)).unwrap(), std::fs::read(resumed.join(f)).unwrap());
        assert!(x == y, "{backend}: {f} differs between the one run and the resumed one");
        compared += 1;
    }
    assert!(compared > 40, "{compared} files compared");
    // Both end with the same checkpoint, and the whole run also has the one at 8 min.
    let end = "checkpoints/t00000016.00min";
    assert_eq!(
        std::fs::read(whole.join(end).join("arrays.bin")).unwrap(),
        std::fs::read(resumed.join(end).join("arrays.bin")).unwrap()
    );
    assert_eq!(
        without_wall_times(&whole.join(end).join("checkpoint.json")),
        without_wall_times(&resumed.join(end).join("checkpoint.json"))
    );
    assert!(whole.join("checkpoints/t00000008.00min/checkpoint.json").is_file());
    if first_min == 8 {
        // The one run's checkpoint at 8 min is the 8-min run's, bit for bit.
        let at8 = std::fs::read(whole.join("checkpoints/t00000008.00min/arrays.bin")).unwrap();
        assert_eq!(at8, std::fs::read(cp.join("arrays.bin")).unwrap());
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(resumed.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["resumed_from"]["step"], first_min);
    assert_eq!(summary["resumed_from"]["backend"], backend);
    assert_eq!(summary["time"]["steps"], 16);
    let csv = std::fs::read_to_string(resumed.join("timeseries.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 17,
        "the header and a row at every step (a tenth of the output interval, at least a step)"
    );
}

#[test]
fn a_resumed_run_is_one_run_bit_for_bit_on_the_cpu() {
    resume_matches_one_run("cpu", 8);
    resume_matches_one_run("cpu", 10);
}

#[test]
fn a_resumed_run_is_one_run_bit_for_bit_on_the_gpu() {
    if common::device("a_resumed_run_is_one_run_bit_for_bit_on_the_gpu").is_none() {
        return;
    }
    resume_matches_one_run("gpu", 8);
    resume_matches_one_run("gpu", 10);
}

/// Exit code 2, the words in the message, and no output folder.
fn refused(args: &[&str], out: &Path, words: &[&str]) {
    let o = oncovox(args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: expected exit code 2:\n{err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: the message should say `{w}`:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "{args:?}: nothing may be written");
}

#[test]
fn bad_resumes_are_refused_with_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "scene.toml", SCENE);
    let first = tmp.path().join("first");
    ok(&[
        "run",
        s(&scene),
        "-o",
        s(&first),
        "--backend",
        "cpu",
        "--set",
        "time.duration=8",
        "--set",
        "output.vtk=false",
        "--set",
        "output.view3d=[]",
    ]);
    let out = tmp.path().join("next");
    let base = |extra: &[&'static str]| {
        let mut a: Vec<String> =
            ["run", "--resume", s(&first), "-o", s(&out), "--backend", "cpu"].map(String::from).to_vec();
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let run = |a: Vec<String>, words: &[&str]| refused(&a.iter().map(String::as_str).collect::<Vec<_>>(), &out, words);
    run(
        base(&["--set", "species.oxygen.diffusion=2e5"]),
        &["species.oxygen.diffusion", "cannot change when resuming", "time.duration"],
    );
    run(base(&["--set", "time.duration=4"]), &["time.duration", "before the checkpoint at 8 min"]);
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(
        &["run", "--resume", s(&empty), "-o", s(&out)],
        &out,
        &["--resume", "holds no checkpoints/ folder", "output.checkpoint_interval"],
    );
    refused(&["run", "--resume", s(&tmp.path().join("missing")), "-o", s(&out)], &out, &["no such folder"]);
    refused(&["run", s(&scene), "--resume", s(&first), "-o", s(&out)], &out, &["cannot be used with"]);
    // Into the folder it reads from.
    let o = oncovox(&["run", "--resume", s(&first), "-o", s(&first), "--backend", "cpu"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(first.join("checkpoints/t00000008.00min/checkpoint.json").is_file(), "the run folder is kept");
    // A damaged checkpoint.
    let arrays = first.join("checkpoints/t00000008.00min/arrays.bin");
    let mut bytes = std::fs::read(&arrays).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&arrays, bytes).unwrap();
    run(base(&[]), &["SHA-256"]);
    // The same length resumed: only the outputs at 8 min are written again.
    bytes = std::fs::read(&arrays).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&arrays, bytes).unwrap();
    ok(&base(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        std::fs::read(first.join("timeseries.csv")).unwrap(),
        std::fs::read(out.join("timeseries.csv")).unwrap()
    );
}
