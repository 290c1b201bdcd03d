//! The output folder: what may be replaced (only a folder an earlier run
//! marked, holding nothing it did not write), what is refused (the current
//! folder, a folder above it, a folder holding the scene), and what earlier
//! runs that died left behind (their staging removed, a moved-aside run put
//! back).

mod common;
use common::cli::stderr;
use common::scenes::TINY_RUN;
use std::path::Path;
use std::process::{Command, Output};

/// `oncovox run scene -o out` in folder `cwd`.
fn run_in(cwd: &Path, scene: &str, out: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oncovox"))
        .args(["run", scene, "-o", out, "--backend", "cpu"])
        .current_dir(cwd)
        .output()
        .expect("the oncovox binary runs")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("s.toml"), TINY_RUN).unwrap();
    tmp
}

fn assert_refused(o: &Output, words: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(stderr(o).contains(words), "the message must say why ({words}): {}", stderr(o));
}

#[test]
fn the_current_folder_and_those_above_it_are_refused_untouched() {
    let tmp = setup();
    assert_refused(&run_in(tmp.path(), "s.toml", "."), "the current folder or one above it");
    assert_eq!(names(tmp.path()), ["s.toml"]);
    let out = tmp.path().join("out");
    assert_eq!(run_in(tmp.path(), "s.toml", "out").status.code(), Some(0));
    // From inside an earlier run: neither it nor its parent may be replaced.
    assert_refused(&run_in(&out, "scene.resolved.toml", "."), "the current folder");
    assert_refused(&run_in(&out, "../s.toml", ".."), "one above it");
    assert!(out.join("summary.json").exists() && tmp.path().join("s.toml").exists());
}

#[test]
fn a_folder_holding_the_scene_is_refused() {
    let tmp = setup();
    assert_eq!(run_in(tmp.path(), "s.toml", "out").status.code(), Some(0));
    let before = names(&tmp.path().join("out"));
    assert_refused(&run_in(tmp.path(), "out/scene.resolved.toml", "out"), "holds the scene");
    assert_eq!(names(&tmp.path().join("out")), before);
}

#[test]
fn only_a_marked_folder_with_nothing_foreign_is_replaced() {
    let tmp = setup();
    let out = tmp.path().join("out");
    assert_eq!(run_in(tmp.path(), "s.toml", "out").status.code(), Some(0));
    assert!(out.join(".oncovox-output").exists(), "a run marks its folder");
    // A rerun replaces it.
    assert_eq!(run_in(tmp.path(), "s.toml", "out").status.code(), Some(0), "a marked folder is replaced");
    // A note added inside it stops the replacement, and stays.
    std::fs::write(out.join("notes.txt"), "keep").unwrap();
    assert_refused(&run_in(tmp.path(), "s.toml", "out"), "notes.txt");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "keep");
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    // A folder with a summary.json but no marker is not oncovox's.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("summary.json"), "{}").unwrap();
    assert_refused(&run_in(tmp.path(), "s.toml", "other"), "not an oncovox output");
    assert_eq!(names(&other), ["summary.json"]);
    // An empty folder may be written.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(run_in(tmp.path(), "s.toml", "empty").status.code(), Some(0));
}

/// A process id no process has (above Linux's largest).
const DEAD: u32 = 4_194_305;

#[cfg(target_os = "linux")]
#[test]
fn what_dead_runs_left_is_tidied_and_a_moved_aside_run_put_back() {
    let tmp = setup();
    let p = tmp.path();
    assert_eq!(run_in(p, "s.toml", "out").status.code(), Some(0));
    // A run that died mid-write left its staging folder; one that died
    // between the two renames of its commit left the earlier run under
    // its trash name and no `out`.
    std::fs::create_dir_all(p.join(format!(".out.partial-{DEAD}/slices"))).unwrap();
    std::fs::rename(p.join("out"), p.join(format!(".out.trash-{}", DEAD + 1))).unwrap();
    let o = run_in(p, "s.toml", "new");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(names(p).len(), 4, "another folder's leftovers are not touched: {:?}", names(p));
    let o = run_in(p, "s.toml", "out");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(names(p), ["new", "out", "s.toml"], "leftovers of dead runs are removed");
    assert!(p.join("out/summary.json").exists() && p.join("out/.oncovox-output").exists());
}

/// A run of a few seconds (60,000 steps on 16³ voxels).
const LONGER: &str = r#"
[grid]
shape = [16, 16, 16]
dx = 10.0
[time]
dt = 0.01
duration = 600.0
output_interval = 50.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
"#;

#[test]
fn a_second_run_into_a_folder_being_written_refuses_at_once() {
    let tmp = setup();
    let p = tmp.path();
    std::fs::write(p.join("long.toml"), LONGER).unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_oncovox"))
        .args(["run", "long.toml", "-o", "out", "--backend", "cpu"])
        .current_dir(p)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let staging = p.join(format!(".out.partial-{}", first.id()));
    let t = std::time::Instant::now();
    while !staging.exists() {
        assert!(first.try_wait().unwrap().is_none() && t.elapsed().as_secs() < 30, "the first run never staged");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let second = run_in(p, "s.toml", "out");
    assert!(first.try_wait().unwrap().is_none(), "the second run must refuse while the first is still running");
    assert_refused(&second, &format!("another oncovox run (process {}) is writing out", first.id()));
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "the first run completes: {}", stderr(&first));
    let written = std::fs::read_to_string(p.join("out/scene.resolved.toml")).unwrap();
    assert!(written.contains("duration = 600"), "out holds the first run's results");
    assert_eq!(names(p), ["long.toml", "out", "s.toml"], "nothing is left beside it");
}
