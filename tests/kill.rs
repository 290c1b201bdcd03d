//! Runs ended from outside. SIGINT, SIGTERM and SIGHUP stop a run (or a
//! comparison) cleanly: exit 128 + the signal's number, one line saying so,
//! no staging folder left and an earlier run untouched. A run replacing an
//! earlier one, killed with SIGKILL at 100 instants across its commit,
//! leaves the folder holding the whole earlier run or the whole new one.

#![cfg(target_os = "linux")]

mod common;
use common::cli::stderr;
use common::scenes::TINY_RUN;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A run of many minutes that the tests stop: 200,000 steps.
const LONG: &str = r#"
[grid]
shape = [16, 16, 16]
dx = 10.0
[time]
dt = 0.01
duration = 2000.0
output_interval = 100.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
"#;

/// 1,002 field dumps (two species at 501 output times) and 4 more files.
const MANY_FILES: &str = r#"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.01
duration = 5.0
output_interval = 0.01
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
[[species]]
name = "drug"
diffusion = 1.0e4
decay = 0.05
initial = 1.0
[output]
fields = ["oxygen", "drug"]
fields_every_output = true
"#;

fn oncovox(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oncovox"));
    // One worker thread: the run keeps to one core and the test to the other.
    c.args(args).args(["--backend", "cpu"]).current_dir(cwd).env("RAYON_NUM_THREADS", "1");
    c
}

fn spawn(cwd: &Path, args: &[&str]) -> Child {
    oncovox(cwd, args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("the oncovox binary starts")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Every file's bytes and every folder (ending in `/`, no bytes) under `dir`.
type Snapshot = BTreeMap<String, Vec<u8>>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        for e in std::fs::read_dir(&path).unwrap() {
            let e = e.unwrap();
            let name = format!("{rel}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                stack.push((e.path(), format!("{name}/")));
                out.insert(format!("{name}/"), Vec::new());
            } else {
                out.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

/// The snapshot with the wall-clock times and the date of `summary.json`
/// (the only bytes two runs of one scene on the CPU backend do not share)
/// set to 0, and `report.html`, which shows them, emptied (its own test,
/// tests/html_report.rs, reads it).
fn without_times(mut s: Snapshot) -> Snapshot {
    if let Some(bytes) = s.get_mut("report.html") {
        bytes.clear();
    }
    if let Some(bytes) = s.get_mut("summary.json") {
        let Ok(mut j) = serde_json::from_slice::<serde_json::Value>(bytes) else { return s };
        for k in ["wall_seconds", "seconds_per_step", "voxel_species_steps_per_second", "started_utc"] {
            j[k] = 0.into();
        }
        for o in j["operators"].as_array_mut().into_iter().flatten() {
            o["seconds"] = 0.into();
        }
        *bytes = serde_json::to_vec(&j).unwrap();
    }
    s
}

/// Where two snapshots differ, for a failure message.
fn difference(got: &Snapshot, want: &Snapshot) -> String {
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).take(3).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).take(3).collect();
    let changed: Vec<&String> = want.keys().filter(|k| got.get(*k).is_some_and(|g| g != &want[*k])).take(3).collect();
    format!(
        "{} entries (want {}); missing {missing:?}, extra {extra:?}, other bytes in {changed:?}",
        got.len(),
        want.len()
    )
}

/// Wait for `child` at most `limit`; kill it and panic beyond.
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            panic!("the run did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The staging folder of run `pid` for the target `out`.
fn staging(dir: &Path, pid: u32) -> std::path::PathBuf {
    dir.join(format!(".out.partial-{pid}"))
}

/// Start `args` (a run into `out` or a comparison into `cmp`), send
/// `signal` once it is stepping, and check how it ended.
fn stopped_by(signal: i32, name: &str, args: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(p.join("short.toml"), TINY_RUN).unwrap();
    std::fs::write(p.join("long.toml"), LONG).unwrap();
    std::fs::write(p.join("arms.toml"), format!("{LONG}\n[[arms]]\nname = \"a\"\n[[arms]]\nname = \"b\"\n")).unwrap();
    let o = oncovox(p, &["run", "short.toml", "-o", "out"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let earlier = snapshot(&p.join("out"));
    let before = names(p);
    let mut child = spawn(p, args);
    let target = if args[0] == "compare" { "cmp" } else { "out" };
    let staged = p.join(format!(".{target}.partial-{}", child.id()));
    let t = Instant::now();
    while !staged.exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it staged anything");
        assert!(t.elapsed() < Duration::from_secs(30), "no staging folder within 30 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the run must still be going when {name} is sent");
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
    let status = wait(&mut child, Duration::from_secs(30));
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(status.code(), Some(128 + signal), "{name} must end the run with {} ({status}): {err}", 128 + signal);
    let line = format!("interrupted by {name}: stopped at ");
    assert!(err.contains(&line) && err.contains("nothing written"), "one line must say so: {err}");
    assert!(err.contains(&format!("{target} untouched")), "the line must name the folder: {err}");
    assert_eq!(names(p), before, "no staging folder (nor anything else) may be left");
    assert_eq!(snapshot(&p.join("out")), earlier, "the earlier run must be untouched");
}

#[test]
fn sigint_stops_a_run_cleanly_with_exit_130() {
    stopped_by(libc::SIGINT, "SIGINT", &["run", "long.toml", "-o", "out"]);
}

#[test]
fn sigterm_stops_a_run_cleanly_with_exit_143() {
    stopped_by(libc::SIGTERM, "SIGTERM", &["run", "long.toml", "-o", "out"]);
}

#[test]
fn sighup_stops_a_run_cleanly_with_exit_129() {
    stopped_by(libc::SIGHUP, "SIGHUP", &["run", "long.toml", "-o", "out"]);
}

#[test]
fn sigint_stops_a_comparison_between_its_arms_steps() {
    stopped_by(libc::SIGINT, "SIGINT", &["compare", "arms.toml", "-o", "cmp"]);
}

/// A file that appears in the staging folder of run `pid` just before its
/// commit (the last field dump; then come `timeseries.csv`,
/// `scene.resolved.toml`, `summary.json` and the commit) and stays there
/// until the swap. The marker, which the commit writes first, may live too
/// briefly to be seen on a loaded machine.
fn commit_begins(dir: &Path, pid: u32) -> std::path::PathBuf {
    staging(dir, pid).join("fields/drug_step00000500.npy")
}

/// Where a kill landed, told by what it left.
#[derive(Debug, Default)]
struct Landed {
    /// The earlier run stood, the new one whole in staging.
    before: usize,
    /// The new run stood, the earlier one (partly deleted) beside it.
    during_deletion: usize,
    /// The new run stood, nothing beside it.
    after: usize,
}

/// One replacing run killed `delay` after its commit began (see
/// [`commit_begins`]); `None` kills it only once it has ended. Watches
/// the target's marker all along: returns the moments the target name
/// held no run, the run's exit status, its process id, and whether the
/// commit was seen (a loaded machine may not give this process the CPU
/// for the whole commit: the run then ends before it is killed).
fn kill_during_commit(
    p: &Path,
    args: &[&str],
    delay: Option<Duration>,
) -> (usize, std::process::ExitStatus, u32, bool) {
    let mut child = spawn(p, args);
    let pid = child.id();
    let marker = commit_begins(p, pid);
    let watched = p.join("out/.oncovox-output");
    // Not spinning while the run steps leaves it the CPU; its commit comes
    // after the last of its 500 steps.
    let near = staging(p, pid).join("fields/drug_step00000450.npy");
    while !near.exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_micros(500));
    }
    let ino = |p: &Path| std::fs::metadata(p.join("out")).map(|m| m.ino()).ok();
    let before = ino(p);
    let (mut gaps, mut started, mut missed) = (0, None::<Instant>, false);
    loop {
        if std::fs::symlink_metadata(&watched).is_err() {
            gaps += 1;
        }
        match started {
            // Seen too late if the swap is done (staging then holds the
            // earlier run, which has the same file): not counted.
            None if !missed && marker.exists() => {
                missed = ino(p) != before;
                started = (!missed).then(Instant::now);
            }
            Some(t) if delay.is_some_and(|d| t.elapsed() >= d) => break,
            _ => {}
        }
        if (delay.is_none() || started.is_none())
            && let Some(s) = child.try_wait().unwrap()
        {
            return (gaps, s, pid, started.is_some());
        }
    }
    // A child that has ended but is not yet waited for keeps its id: the
    // signal cannot reach another process.
    child.kill().unwrap();
    (gaps, child.wait().unwrap(), pid, true)
}

#[test]
fn a_replacement_killed_anywhere_in_its_commit_leaves_one_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(p.join("s.toml"), MANY_FILES).unwrap();
    // The two runs that take turns replacing each other, and their bytes.
    let arms: [&[&str]; 2] =
        [&["run", "s.toml", "-o", "out"], &["run", "s.toml", "-o", "out", "--set", "species.oxygen.initial=20"]];
    let mut reference = Vec::new();
    for (i, args) in arms.iter().enumerate() {
        let dir = format!("ref{i}");
        let mut a = args.to_vec();
        a[3] = &dir;
        let o = oncovox(p, &a).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        reference.push(without_times(snapshot(&p.join(&dir))));
    }
    assert!(reference[0].len() >= 1000, "the runs write {} entries", reference[0].len());
    assert_ne!(reference[0], reference[1], "the two runs must differ");
    let o = oncovox(p, arms[0]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `holds`: which run stands in `out`; `earlier`: its exact bytes.
    let (mut holds, mut earlier) = (0usize, snapshot(&p.join("out")));
    assert_eq!(without_times(earlier.clone()), reference[0]);

    // Calibrate: how long after the commit begins the target changes (the
    // swap) and the run ends.
    let (mut swaps, mut ends) = (Vec::new(), Vec::new());
    for _ in 0..30 {
        let mut child = spawn(p, arms[1 - holds]);
        let marker = commit_begins(p, child.id());
        let near = staging(p, child.id()).join("fields/drug_step00000450.npy");
        while !near.exists() && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_micros(500));
        }
        let ino = std::fs::metadata(p.join("out")).unwrap().ino();
        let changed = || std::fs::metadata(p.join("out")).is_ok_and(|m| m.ino() != ino);
        // Seen only if seen before the swap (after it, staging holds the
        // earlier run, which has the same file).
        let (mut t0, mut swap, mut missed) = (None::<Instant>, None, false);
        let status = loop {
            if t0.is_none() && !missed && marker.exists() {
                t0 = Some(Instant::now());
                missed = changed();
            }
            if let (Some(t), None) = (t0, swap)
                && changed()
            {
                swap = Some(t.elapsed());
            }
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
        };
        assert!(status.success());
        holds = 1 - holds;
        earlier = snapshot(&p.join("out"));
        assert_eq!(without_times(earlier.clone()), reference[holds]);
        if let (Some(t0), Some(swap), false) = (t0, swap, missed) {
            swaps.push(swap);
            ends.push(t0.elapsed());
            if swaps.len() == 3 {
                break;
            }
        }
    }
    assert_eq!(swaps.len(), 3, "the commit was not seen in 30 runs");
    swaps.sort();
    ends.sort();
    let (swap, end) = (swaps[1], ends[1]);
    eprintln!("commit: the swap {swap:?} and the end {end:?} after it begins");

    // 100 kills: 40 spread up to a little past the swap, 60 from a little
    // before it to past the end of the run.
    let mut landed = Landed::default();
    let (mut gaps, mut missed) = (0, 0);
    for i in 0..100 {
        let delay = if i < 40 {
            swap.mul_f64(1.25 * i as f64 / 39.0)
        } else {
            swap.mul_f64(0.75) + (end.mul_f64(1.1) - swap.mul_f64(0.75)).mul_f64((i - 40) as f64 / 59.0)
        };
        let (mut g, mut status, mut pid, mut seen) = kill_during_commit(p, arms[1 - holds], Some(delay));
        while !seen {
            // The run completed unseen: it stands, whole; the kill is tried again.
            assert!(status.success(), "{status}");
            assert_eq!(without_times(snapshot(&p.join("out"))), reference[1 - holds]);
            holds = 1 - holds;
            earlier = snapshot(&p.join("out"));
            missed += 1;
            assert!(missed < 200, "the commit was not seen in {missed} runs");
            gaps += g;
            (g, status, pid, seen) = kill_during_commit(p, arms[1 - holds], Some(delay));
        }
        gaps += g;
        assert!(p.join("out").is_dir(), "kill {i} ({delay:?} into the commit) left no folder: {:?}", names(p));
        let now = snapshot(&p.join("out"));
        if now == earlier {
            landed.before += 1;
        } else if without_times(now.clone()) == reference[1 - holds] {
            if staging(p, pid).exists() && status.signal().is_some() {
                landed.during_deletion += 1;
            } else {
                landed.after += 1;
            }
            holds = 1 - holds;
            earlier = now;
        } else {
            panic!(
                "kill {i} ({delay:?} into the commit) left neither run: against the earlier one: {}; against the new one: {}",
                difference(&now, &earlier),
                difference(&without_times(now.clone()), &reference[1 - holds])
            );
        }
    }
    eprintln!(
        "100 kills: {} before the swap, {} after it while the earlier run was deleted, {} after the commit \
         ({missed} runs whose commit was not seen were not counted)",
        landed.before, landed.during_deletion, landed.after
    );
    if exchange_works(p) {
        assert_eq!(gaps, 0, "the folder's name held no run at {gaps} moments watched");
    } else {
        // The two-rename fallback leaves a moment with no folder by design
        // (the earlier run whole under its trash name); the kills above
        // still had to leave one whole run.
        eprintln!("WARNING: this file system cannot exchange folders in one step: {gaps} moments without a run");
    }
    assert!(landed.before > 0 && landed.during_deletion + landed.after > 0, "{landed:?}");
    // The next run tidies what the killed ones left.
    let (_, status, _, _) = kill_during_commit(p, arms[1 - holds], None);
    assert!(status.success());
    assert_eq!(names(p), ["out", "ref0", "ref1", "s.toml"]);
}

/// Whether the file system under `dir` exchanges two folders in one step
/// (`renameat2` with `RENAME_EXCHANGE`), as the commit does on Linux.
fn exchange_works(dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let (a, b) = (dir.join(".probe-a"), dir.join(".probe-b"));
        let _ = (std::fs::create_dir(&a), std::fs::create_dir(&b));
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
        let (ca, cb) = (c(&a), c(&b));
        // SAFETY: both paths are NUL-terminated strings that outlive the call.
        let r =
            unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
        let _ = (std::fs::remove_dir(&a), std::fs::remove_dir(&b));
        r == 0
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        false
    }
}

/// A run stopped after its first checkpoint keeps what it wrote as
/// `out.resumable-PID` (and says how to go on); resumed from there to 200
/// min it writes what one run of 200 min writes.
#[test]
fn a_stopped_run_keeps_its_checkpoints_and_resumes_from_them() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::write(p.join("long.toml"), format!("{LONG}\n[output]\ncheckpoint_interval = 100.0\n")).unwrap();
    let mut child = spawn(p, &["run", "long.toml", "-o", "out"]);
    let checkpoint = staging(p, child.id()).join("checkpoints/t00000100.00min/checkpoint.json");
    let t = Instant::now();
    while !checkpoint.exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint");
        assert!(t.elapsed() < Duration::from_secs(120), "no checkpoint within 120 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = wait(&mut child, Duration::from_secs(30));
    let pid = child.id();
    let err = stderr(&child.wait_with_output().unwrap());
    assert_eq!(status.code(), Some(130), "{err}");
    let kept = p.join(format!("out.resumable-{pid}"));
    assert!(err.contains(&format!("oncovox run --resume ./out.resumable-{pid} -o out")), "{err}");
    assert!(kept.join("checkpoints/t00000100.00min/arrays.bin").is_file(), "{:?}", names(p));
    assert!(!p.join("out").exists() && !staging(p, pid).exists());
    let resumed = oncovox(p, &["run", "--resume", kept.to_str().unwrap(), "-o", "next", "--set", "time.duration=200"])
        .output()
        .unwrap();
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let once = oncovox(p, &["run", "long.toml", "-o", "once", "--set", "time.duration=200"]).output().unwrap();
    assert_eq!(once.status.code(), Some(0), "{}", stderr(&once));
    let strip = |s: Snapshot| {
        let mut s = without_times(s);
        s.retain(|k, _| !k.starts_with("checkpoints/") && k != ".oncovox-output" && k != "summary.json");
        s
    };
    let (a, b) = (strip(snapshot(&p.join("once"))), strip(snapshot(&p.join("next"))));
    assert!(a == b, "{}", difference(&b, &a));
}
