//! `fields/index.json` beside the NPY dumps: `numpy.load` plus the index
//! gives every dump's geometry, unit and time. The index is checked against
//! the scene it came from, against the NPY files on disk (their headers read
//! here, and the arrays loaded by numpy).

mod common;
use common::cli::*;
use oncovox::scene::Scene;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// 12 × 10 × 8 voxels of 15 µm, two species in different units, dumped at
/// every output time: t = 0, 0.05 and 0.1 min (steps 0, 5 and 10).
const SCENE: &str = r#"
[grid]
shape = [12, 10, 8]
dx = 15.0
[time]
dt = 0.01
duration = 0.1
output_interval = 0.05
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
[[species]]
name = "drug"
unit = "nM"
diffusion = 500.0
solver = "explicit"
initial = 1.0
[output]
fields = ["oxygen", "drug"]
fields_every_output = true
"#;

/// Loads every file the index lists with numpy, checks its shape against
/// the entry and the index's grid and its dtype, and prints what it found.
const PYTHON: &str = r#"
import json, sys
import numpy
run = sys.argv[1]
index = json.load(open(run + "/fields/index.json"))
found = []
for e in index["files"]:
    a = numpy.load(run + "/" + e["file"])
    assert list(a.shape) == e["shape"] == index["npy_shape"], (e["file"], a.shape)
    assert a.dtype == numpy.float32 and a.dtype.str == e["dtype"], (e["file"], a.dtype)
    found.append({"file": e["file"], "shape": list(a.shape), "dtype": a.dtype.str})
print(json.dumps(found))
"#;

/// The shape in an NPY file's header, read without numpy.
fn npy_shape(path: &Path) -> Vec<u64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00", "{}: not NPY 1.0", path.display());
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    let tuple = header.split("'shape': (").nth(1).and_then(|t| t.split(')').next()).unwrap();
    tuple.split(',').map(|n| n.trim()).filter(|n| !n.is_empty()).map(|n| n.parse().unwrap()).collect()
}

/// What numpy found, from the script above; fails loudly without python3
/// or numpy, since the acceptance is that numpy reads the dumps.
fn numpy_view(run: &Path) -> Value {
    let o = Command::new("python3").arg("-c").arg(PYTHON).arg(run).output().unwrap_or_else(|e| {
        panic!("python3 could not be started ({e}): this test needs python3 with numpy (apt-get install python3-numpy)")
    });
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("No module named 'numpy'"),
        "this test needs numpy for python3 (apt-get install python3-numpy)"
    );
    assert!(o.status.success(), "numpy's check of the index failed:\n{err}");
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("python3 printed no JSON ({e}):\n{err}"))
}

#[test]
fn index_gives_each_dump_its_geometry_unit_and_time() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_scene(tmp.path(), "s.toml", SCENE);
    let run = tmp.path().join("out");
    let o = oncovox(&["run", path.to_str().unwrap(), "-o", run.to_str().unwrap(), "--backend", "cpu"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let scene = Scene::from_toml(SCENE).unwrap();
    let index: Value = serde_json::from_str(&std::fs::read_to_string(run.join("fields/index.json")).unwrap()).unwrap();

    let [nx, ny, nz] = scene.grid.shape.map(u64::from);
    assert_eq!(index["shape"], serde_json::json!([nx, ny, nz]));
    assert_eq!(index["npy_shape"], serde_json::json!([nz, ny, nx]));
    assert_eq!(index["dx_um"].as_f64(), Some(scene.grid.dx));
    assert_eq!(index["origin_um"], serde_json::json!([0.0, 0.0, 0.0]));
    assert!(index["axis_order"].as_str().unwrap().contains("[z, y, x]"), "{}", index["axis_order"]);

    // One entry per species and output time, in the scene's units and at its output times.
    let files = index["files"].as_array().unwrap();
    let interval = scene.time.output_interval.unwrap();
    let outputs = (scene.time.duration / interval).round() as u64 + 1;
    assert_eq!(files.len() as u64, outputs * scene.species.len() as u64, "{files:#?}");
    for (n, e) in files.iter().enumerate() {
        let (k, sp) = (n as u64 / 2, &scene.species[n % 2]);
        let step = (k as f64 * interval / scene.time.dt).round() as u64;
        assert_eq!(e["name"], sp.name.as_str(), "{e}");
        assert_eq!(e["kind"], "species", "{e}");
        assert_eq!(e["unit"], sp.unit.as_str(), "{e}");
        assert_eq!(e["step"], step, "{e}");
        assert!((e["time_min"].as_f64().unwrap() - k as f64 * interval).abs() < 1e-9, "{e}");
        assert_eq!(e["file"], format!("fields/{}_step{step:08}.npy", sp.name), "{e}");
        assert_eq!(e["dtype"], "<f4", "{e}");
        assert_eq!(e["shape"], index["npy_shape"], "{e}");
        // The geometry does not rest on numpy alone: the header agrees too.
        assert_eq!(npy_shape(&run.join(e["file"].as_str().unwrap())), [nz, ny, nx], "{e}");
    }

    // The index lists exactly the NPY files on disk.
    let mut listed: Vec<&str> = files.iter().map(|e| e["file"].as_str().unwrap()).collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(run.join("fields"))
        .unwrap()
        .map(|e| format!("fields/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|f| f.ends_with(".npy"))
        .collect();
    listed.sort();
    on_disk.sort();
    assert_eq!(listed, on_disk);

    // numpy reads every listed file with the listed shape and dtype.
    let seen = numpy_view(&run);
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), files.len(), "{seen:?}");
    for (s, e) in seen.iter().zip(files) {
        assert_eq!((&s["file"], &s["shape"], &s["dtype"]), (&e["file"], &e["shape"], &e["dtype"]));
    }
}
