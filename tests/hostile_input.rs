//! Hostile input: extreme but finite numbers, sub-step counts beyond the
//! cap, runs estimated beyond a day, and scene files or overrides that are
//! not what a scene is. Each is refused up front with exit code 2, a message
//! naming the key (or file) and the fix, no panic and no output folder.

mod common;
use common::cli::{oncovox, stderr, write_scene};
use std::path::Path;
use std::time::{Duration, Instant};

/// A small valid scene; tests break one key at a time.
const BASE: &str = r#"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.01
duration = 0.05
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
[[species]]
name = "drug"
diffusion = 500.0
solver = "explicit"
[[regions]]
name = "vessel"
box = { min = [0.0, 0.0, 0.0], max = [20.0, 80.0, 80.0] }
hold = { oxygen = 38.0 }
supply = { drug = { rate = 1.0, target = 5.0 } }
[[output.slices]]
species = "oxygen"
"#;

/// A small scene with cells.
const CELLS: &str = r#"
[grid]
shape = [6, 6, 6]
dx = 20.0
[time]
dt = 0.5
duration = 1.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
initial = 30.0
[[regions]]
name = "tumour"
sphere = { center = [60.0, 60.0, 60.0], radius = 40.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
interval = 0.5
[[cells.phenotype]]
name = "sensitive"
initial = 0.5
"#;

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// `oncovox run` with `args` (the scene or `--set`s) into a fresh folder:
/// exit code 2, every word of `names` in the message, and no output folder.
fn refused_in(dir: &Path, args: &[&str], names: &[&str]) -> String {
    let out = dir.join("out");
    let mut all = vec!["run", "--backend", "cpu", "-o", out.to_str().unwrap()];
    all.extend(args);
    let o = oncovox(&all, &[("RAYON_NUM_THREADS", "2")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "expected exit code 2 for {args:?}, stderr:\n{err}");
    for name in names {
        assert!(err.contains(name), "the message should name `{name}`:\n{err}");
    }
    assert!(err.contains("fix:"), "the message should give the fix:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no output folder may be written for a refused scene");
    let stray: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out"))
        .collect();
    assert!(stray.is_empty(), "no staging folder may remain: {stray:?}");
    err
}

/// [`refused_in`] for a scene written from `text`, with `sets`.
fn refused(text: &str, sets: &[&str], names: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "s.toml", text);
    let mut args = vec![scene.to_str().unwrap()];
    for s in sets {
        args.extend(["--set", s]);
    }
    refused_in(tmp.path(), &args, names)
}

#[test]
fn explicit_decay_beyond_the_substep_cap_is_refused() {
    // 1e10/min × 0.01 min = 1e8 sub-steps per step: once shown as 4 294 967 295 and run for minutes.
    let err = refused(BASE, &["species.drug.decay=1e10"], &["species.drug.decay", "implicit", "time.dt"]);
    assert!(err.contains("10000"), "{err}");
}

#[test]
fn interstitial_flow_beyond_the_advection_cap_is_refused() {
    // The vascular tumour at 16³ voxels of 80 µm: blood at 1e12 mmHg once
    // needed tens of millions of advection sub-steps per step. It is now
    // refused as a pressure; pressures in range with walls and tissue a
    // million times more permeable still drive such a flow, refused once
    // the interstitial pressure is known.
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/vascular_tumour.toml");
    let tmp = tempfile::tempdir().unwrap();
    let small = ["grid.shape=[16,16,16]", "grid.dx=80", "time.duration=10", "time.dt=5"];
    let run = |extra: &[&str], names: &[&str]| {
        let mut args = vec![scene.to_str().unwrap()];
        for s in small.iter().chain(extra) {
            args.extend(["--set", s]);
        }
        refused_in(tmp.path(), &args, names);
    };
    run(&["vessels.inlet_pressure=1e12"], &["vessels.inlet_pressure", "mmHg"]);
    let permeable = [
        "vessels.inlet_pressure=1000",
        "interstitium.conductivity={ normal = 1e7, tumour = 1e7, necrotic = 1e7 }",
        "vessels.tumour={ hydraulic_conductivity = 1e7, oncotic_reflection = 0.82, pore_radius = 200, pore_fraction = 4.93e-3 }",
        "vessels.normal={ hydraulic_conductivity = 1e7, oncotic_reflection = 0.91, pore_radius = 6, pore_fraction = 1e-3 }",
    ];
    run(&permeable, &["vessels.inlet_pressure", "time.dt", "advection"]);
}

#[test]
fn cell_kinetics_beyond_the_substep_cap_are_refused() {
    // 1e6/min over a 0.5-min update: 500 000 Runge–Kutta sub-steps per update.
    refused(CELLS, &["cells.phenotype.sensitive.growth=1e6"], &["cells.phenotype.sensitive.growth", "cells.interval"]);
}

#[test]
fn cell_spread_beyond_the_substep_cap_is_refused() {
    refused(CELLS, &["cells.spread=1e8"], &["cells.spread", "grid.dx"]);
}

#[test]
fn values_beyond_the_f32_range_are_refused() {
    refused(BASE, &["species.oxygen.initial=1e39"], &["species.oxygen.initial", "1e15"]);
    refused(BASE, &["regions.vessel.hold.oxygen=1e39"], &["regions.vessel.hold.oxygen", "1e15"]);
    refused(BASE, &["species.oxygen.boundary.x_max=1e39"], &["species.oxygen.boundary.x_max", "1e15"]);
    refused(BASE, &["regions.vessel.supply.drug.rate=1e308"], &["regions.vessel.supply.drug.rate", "1e15"]);
    refused(BASE, &["regions.vessel.supply.drug.target=1e308"], &["regions.vessel.supply.drug.target"]);
    refused(BASE, &["regions.vessel.box.max.0=1e300"], &["regions.vessel.box.max.0"]);
}

#[test]
fn diffusion_beyond_any_physical_value_is_refused() {
    refused(BASE, &["species.oxygen.diffusion=1e30"], &["species.oxygen.diffusion", "µm²/min"]);
    // Through the explicit solver too, before any sub-step is counted.
    refused(BASE, &["species.drug.diffusion=1e30"], &["species.drug.diffusion", "µm²/min"]);
}

/// A course that no machine runs in a day (10⁸ implicit steps of 64³
/// voxels, about 3 years on two cores): estimated, not counted or run.
const HUGE: [&str; 4] = [
    "grid.shape=[64,64,64]",
    "time.duration=1e8",
    "time.dt=1",
    "species=[{ name = \"a\", diffusion = 1.0, solver = \"implicit\" }]",
];

fn huge_scene(dir: &Path) -> String {
    let text = "[grid]\nshape = [8, 8, 8]\ndx = 10.0\n[time]\ndt = 1.0\nduration = 2.0\n\
                [[species]]\nname = \"a\"\ndiffusion = 1.0\n";
    write_scene(dir, "huge.toml", text).to_str().unwrap().to_string()
}

#[test]
fn a_run_estimated_beyond_a_day_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = huge_scene(tmp.path());
    let mut args = vec![scene.as_str()];
    for s in &HUGE {
        args.extend(["--set", s]);
    }
    let mut check = vec!["check", "--backend", "cpu"];
    check.extend(&args);
    let o = oncovox(&check, &[("RAYON_NUM_THREADS", "2")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force") && !stderr(&o).contains("panicked"), "{}", stderr(&o));
    let err = refused_in(tmp.path(), &args, &["time.duration", "--force", "more than a day"]);
    assert!(err.contains(" h on "), "the message should give the estimate: {err}");
}

#[test]
fn force_lets_check_go_ahead_with_a_run_beyond_a_day() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = huge_scene(tmp.path());
    let mut args = vec!["check", "--backend", "cpu", "--force", scene.as_str()];
    for s in &HUGE {
        args.extend(["--set", s]);
    }
    let o = oncovox(&args, &[("RAYON_NUM_THREADS", "2")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(text.contains("scene is valid") && text.contains("more than a day"), "{text}");
}

#[test]
fn binary_and_latin1_scenes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let binary = tmp.path().join("binary.toml");
    std::fs::write(&binary, [0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xff, 0xfe, 0x00]).unwrap();
    let err = refused_in(tmp.path(), &[binary.to_str().unwrap()], &["binary.toml", "UTF-8", "byte 6"]);
    assert!(!err.contains("stream did not contain"), "{err}");
    let latin1 = tmp.path().join("latin1.toml");
    std::fs::write(&latin1, b"title = \"caf\xe9\"\n").unwrap();
    refused_in(tmp.path(), &[latin1.to_str().unwrap()], &["latin1.toml", "UTF-8", "line 1"]);
}

#[test]
fn missing_directory_and_dangling_scene_paths_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.toml");
    refused_in(tmp.path(), &[missing.to_str().unwrap()], &["missing.toml", "no such file", "scene file"]);
    let dir = tmp.path().join("scenes");
    std::fs::create_dir(&dir).unwrap();
    refused_in(tmp.path(), &[dir.to_str().unwrap()], &["scenes", "is a directory", "scene file"]);
    let link = tmp.path().join("link.toml");
    std::os::unix::fs::symlink(tmp.path().join("gone.toml"), &link).unwrap();
    refused_in(tmp.path(), &[link.to_str().unwrap()], &["link.toml", "gone.toml", "does not exist"]);
}

#[test]
fn an_endless_scene_file_is_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let start = Instant::now();
    refused_in(tmp.path(), &["/dev/zero"], &["/dev/zero", "MiB"]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn an_override_with_a_line_break_is_refused() {
    // Once `time.duration=0.05` alone took effect and the rest vanished.
    refused(BASE, &["time.duration=0.05\nspecies.oxygen.decay=-1"], &["time.duration", "line break"]);
    refused(BASE, &["species.oxygen.unit=\"a\tb\""], &["species.oxygen.unit", "tab"]);
}

#[test]
fn a_shape_of_four_values_is_refused_from_a_file_and_from_set() {
    let four = replaced(BASE, "shape = [8, 8, 8]", "shape = [8, 8, 8, 8]");
    let from_file = refused(&four, &[], &["shape", "exactly 3 values"]);
    let from_set = refused(BASE, &["grid.shape=[8,8,8,8]"], &["grid.shape", "exactly 3 values"]);
    assert!(from_file.contains("invalid length 4") && from_set.contains("invalid length 4"), "{from_file}\n{from_set}");
    refused(&replaced(BASE, "max = [20.0, 80.0, 80.0]", "max = [20.0, 80.0, 80.0, 1.0]"), &[], &["max", "exactly 3"]);
}

#[test]
fn duplicate_slices_are_refused() {
    let twice = format!("{BASE}[[output.slices]]\nspecies = \"oxygen\"\naxis = \"z\"\nindex = 4\n");
    refused(&twice, &[], &["output.slices.1", "output.slices.0", "overwrite"]);
    refused(BASE, &["output.fields=[\"drug\", \"drug\"]"], &["output.fields.1", "overwrite"]);
}

#[test]
fn an_output_interval_beyond_any_run_gets_the_right_advice() {
    let err = refused(BASE, &["time.output_interval=1e300"], &["time.output_interval", "time.duration"]);
    assert!(!err.contains("larger time.dt"), "{err}");
}

#[test]
fn compare_refuses_arms_estimated_beyond_a_day_together() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[grid]\nshape = [64, 64, 64]\ndx = 10.0\n[time]\ndt = 1.0\nduration = 1e8\n\
                [[species]]\nname = \"a\"\ndiffusion = 1.0\nsolver = \"implicit\"\n";
    let (a, b) = (write_scene(tmp.path(), "a.toml", text), write_scene(tmp.path(), "b.toml", text));
    let out = tmp.path().join("cmp");
    let args = ["compare", "--backend", "cpu", a.to_str().unwrap(), b.to_str().unwrap(), "-o", out.to_str().unwrap()];
    let o = oncovox(&args, &[("RAYON_NUM_THREADS", "2")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("time.duration") && err.contains("--force") && err.contains("2 arms"), "{err}");
    assert!(!err.contains("panicked") && !out.exists(), "{err}");
}

#[test]
fn a_dose_count_beyond_the_cap_is_refused_before_the_schedule_is_built() {
    // 4 294 967 295 doses once asked for 137 GB while validating.
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/vascular_tumour.toml");
    let tmp = tempfile::tempdir().unwrap();
    let plasma = r#"species.liposome.plasma={ preset = "liposomal_doxorubicin", count = 4294967295, every = 1.0 }"#;
    let args = [scene.to_str().unwrap(), "--set", plasma];
    let err = refused_in(tmp.path(), &args, &["species.liposome.plasma.count", "10000"]);
    assert!(err.contains("doses"), "{err}");
}

#[test]
fn a_grid_axis_beyond_the_cap_is_refused() {
    // 2 147 483 647 × 1 × 1 voxels is within the voxel limit, but its line
    // coefficients once took 8.6 GB before any memory check.
    refused(BASE, &["grid.shape=[2147483647,1,1]"], &["grid.shape", "65536"]);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_as_the_scene_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("scene.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let start = Instant::now();
    refused_in(tmp.path(), &[fifo.to_str().unwrap()], &["named pipe"]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[cfg(unix)]
#[test]
fn an_endless_network_file_is_refused_quickly() {
    // A network file that is a link to /dev/zero was once read forever.
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("net.json")).unwrap();
    let scene = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/vascular_tumour.toml");
    let file = format!("vessels.file=\"{}\"", tmp.path().join("net.json").display());
    let start = Instant::now();
    let args = [scene.to_str().unwrap(), "--set", "grid.shape=[16,16,16]", "--set", "grid.dx=80", "--set", &file];
    refused_in(tmp.path(), &args, &["net.json", "MiB"]);
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
}

#[test]
fn too_many_species_or_output_times_are_refused() {
    let mut text = BASE.to_string();
    for i in 0..64 {
        text.push_str(&format!("[[species]]\nname = \"s{i}\"\ndiffusion = 100.0\n"));
    }
    refused(&text, &[], &["species", "64"]);
    // 10⁶ output times of one step each.
    refused(BASE, &["time.duration=10000", "time.output_interval=0.01"], &["time.output_interval", "100000"]);
}

#[test]
fn a_tiny_grid_over_a_trillion_steps_is_estimated_beyond_a_day() {
    // Once estimated at about an hour from its per-voxel cost alone; the
    // run then allocated a list of 10¹² segments and aborted.
    let sets =
        ["grid.shape=[1,1,1]", "time.dt=1", "time.duration=1e12", "time.output_interval=1e12", "output.slices=[]"];
    refused(BASE, &sets, &["time.duration", "--force"]);
}
