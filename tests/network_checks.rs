//! Vessel networks and `[vessels]` values that a run cannot use are refused
//! by `oncovox check` exactly as by `oncovox run`: exit 2, the file, record
//! and field (or the key) named, quickly and without a panic. Voxelisation
//! clips segments to the grid, so a segment far longer or wider than the
//! grid costs what its part inside does.

mod common;
use common::cli::*;
use oncovox::grid::Grid;
use oncovox::vessels::{Network, Node, Segment, VesselKind, uniform, voxelise};
use std::path::Path;
use std::time::{Duration, Instant};

/// A 100 µm cube of 10 µm voxels with its vessels read from `net.json`.
const SCENE: &str = r#"
seed = 3
[grid]
shape = [10, 10, 10]
dx = 10.0
[time]
dt = 0.05
duration = 0.1
output_interval = 0.1
[vessels]
file = "net.json"
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
plasma = { level = 40.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 } }
"#;

/// One capillary along x through the middle of the cube, 30 → 20 mmHg.
const GOOD: &str = r#"{
  "nodes": [
    {"id": 0, "x": 0, "y": 50, "z": 50, "pressure": 30},
    {"id": 1, "x": 100, "y": 50, "z": 50, "pressure": 20}
  ],
  "segments": [
    {"a": 0, "b": 1, "radius": 4, "kind": "normal"}
  ]
}"#;

/// Each run or check must finish well within this, on a loaded 2-core machine.
const QUICK: Duration = Duration::from_secs(20);

/// `oncovox check` and `oncovox run --backend cpu` on `scene` beside the
/// files `files`: the exit code, stderr and stdout of each.
fn check_and_run(scene: &str, files: &[(&str, &str)]) -> [(Option<i32>, String, String); 2] {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let path = write_scene(tmp.path(), "s.toml", scene);
    let out = tmp.path().join("out");
    let p = path.to_str().unwrap();
    let cmds: [Vec<&str>; 2] = [vec!["check", p], vec!["run", p, "-o", out.to_str().unwrap(), "--backend", "cpu"]];
    cmds.map(|args| {
        let t = Instant::now();
        let o = oncovox(&args, &[]);
        assert!(t.elapsed() < QUICK, "`oncovox {}` took {:?}", args[0], t.elapsed());
        (o.status.code(), stderr(&o), String::from_utf8_lossy(&o.stdout).into_owned())
    })
}

/// Both `check` and `run` refuse: exit 2, every one of `wants` in the
/// message, no panic, no output folder.
fn refused(scene: &str, files: &[(&str, &str)], wants: &[&str]) -> String {
    let tmp_out = check_and_run(scene, files);
    for ((code, err, _), cmd) in tmp_out.iter().zip(["check", "run"]) {
        assert_eq!(*code, Some(2), "`oncovox {cmd}` should refuse with exit 2:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        for w in wants {
            assert!(err.contains(w), "`oncovox {cmd}`: the message should name {w:?}:\n{err}");
        }
    }
    tmp_out[0].1.clone()
}

/// A network file refused by both commands, naming the file and `wants`.
fn bad_network(name: &str, text: &str, wants: &[&str]) -> String {
    let scene = SCENE.replace("net.json", name);
    let mut all = vec!["vessels.file", name];
    all.extend_from_slice(wants);
    refused(&scene, &[(name, text)], &all)
}

fn two_nodes(a: [f64; 3], b: [f64; 3], radius: f64, pa: f64, pb: f64) -> String {
    format!(
        r#"{{"nodes": [{{"id": 0, "x": {}, "y": {}, "z": {}, "pressure": {pa}}},
                       {{"id": 1, "x": {}, "y": {}, "z": {}, "pressure": {pb}}}],
            "segments": [{{"a": 0, "b": 1, "radius": {radius}, "kind": "normal"}}]}}"#,
        a[0], a[1], a[2], b[0], b[1], b[2]
    )
}

#[test]
fn a_good_network_is_read_by_check_and_runs() {
    let [(c, err, out), (r, rerr, _)] = check_and_run(SCENE, &[("net.json", GOOD)]);
    assert_eq!(c, Some(0), "{err}");
    assert!(out.contains("vessel network: 2 nodes, 1 segments (file") && out.contains("net.json"), "{out}");
    assert_eq!(r, Some(0), "{rerr}");
}

#[test]
fn check_reports_a_generated_network() {
    let scene = SCENE.replace("file = \"net.json\"", "spacing = 50.0");
    let [(c, err, out), _] = check_and_run(&scene, &[]);
    assert_eq!(c, Some(0), "{err}");
    assert!(out.contains("vessel network: ") && out.contains("generated from seed 3"), "{out}");
}

#[test]
fn a_segment_joined_to_a_missing_node_is_refused() {
    let text = GOOD.replace(r#""a": 0, "b": 1"#, r#""a": 0, "b": 7"#);
    bad_network("net.json", &text, &["line 7, segments[0]", "`b` = 7 is not the id of any node"]);
    let csv = "type,id,x,y,z,pressure,a,b,radius,kind,maturity\n\
               node,0,0,50,50,30,,,,,\nnode,1,100,50,50,20,,,,,\nsegment,,,,,,0,2,4,normal,\n";
    bad_network("net.csv", csv, &["line 4 (segment)", "`b` = 2"]);
}

#[test]
fn nodes_a_billion_um_away_are_refused() {
    for c in [1e9, -1e9] {
        let e = bad_network(
            "net.json",
            &two_nodes([0.0, 50.0, 50.0], [c, 50.0, 50.0], 4.0, 30.0, 20.0),
            &["nodes[1] (id 1)", "`x`", "outside the grid"],
        );
        assert!(e.contains("fix:") && e.contains("µm"), "{e}");
    }
}

#[test]
fn a_network_in_nm_instead_of_um_is_refused_naming_the_unit_slip() {
    let k = 1000.0;
    let text = two_nodes([5.0 * k, 50.0 * k, 50.0 * k], [95.0 * k, 50.0 * k, 50.0 * k], 4.0 * k, 30.0, 20.0);
    let e = bad_network("net.json", &text, &["nodes[0]", "`x` = 5000 µm", "in nm", "divide"]);
    assert!(e.contains("1000"), "{e}");
    // The same slip in CSV, the file's line named.
    let csv = "type,id,x,y,z,pressure,a,b,radius,kind,maturity\n\
               node,0,5000,50000,50000,30,,,,,\nnode,1,95000,50000,50000,20,,,,,\nsegment,,,,,,0,1,4000,normal,\n";
    bad_network("net.csv", csv, &["line 2 (node id 0)", "`x`", "in nm"]);
}

#[test]
fn coordinates_near_1e19_are_refused() {
    bad_network(
        "net.json",
        &two_nodes([-1.8e19, 50.0, 50.0], [1.8e19, 50.0, 50.0], 4.0, 30.0, 20.0),
        &["nodes[0]", "`x`"],
    );
}

#[test]
fn a_blood_pressure_of_1e9_mmhg_is_refused() {
    bad_network(
        "net.json",
        &two_nodes([0.0, 50.0, 50.0], [100.0, 50.0, 50.0], 4.0, 1e9, 20.0),
        &["nodes[0]", "`pressure`", "mmHg"],
    );
}

#[test]
fn non_finite_numbers_are_refused_naming_the_field() {
    let h = "type,id,x,y,z,pressure,a,b,radius,kind,maturity\n";
    let seg = "segment,,,,,,0,1,4,normal,\n";
    for (x, p, r, field) in [
        ("inf", "30", "4", "`x`"),
        ("NaN", "30", "4", "`x`"),
        ("0", "-inf", "4", "`pressure`"),
        ("0", "30", "NaN", "`radius`"),
        ("0", "30", "inf", "`radius`"),
    ] {
        let text = format!(
            "{h}node,0,{x},50,50,{p},,,,,\nnode,1,100,50,50,20,,,,,\n{}",
            seg.replace(",4,normal", &format!(",{r},normal"))
        );
        bad_network("net.csv", &text, &[field]);
    }
    // JSON has no NaN; a number beyond f64 reads as infinite.
    bad_network(
        "net.json",
        &two_nodes([0.0, 50.0, 50.0], [100.0, 50.0, 50.0], 4.0, 30.0, 20.0).replace("\"z\": 50,", "\"z\": 1e999,"),
        &["`z`"],
    );
}

#[test]
fn a_huge_or_tiny_radius_is_refused() {
    for r in [1e6, 1e30, 5000.0, 1e-3] {
        bad_network(
            "net.json",
            &two_nodes([0.0, 50.0, 50.0], [100.0, 50.0, 50.0], r, 30.0, 20.0),
            &["segments[0]", "`radius`"],
        );
    }
}

#[test]
fn vessels_values_run_would_refuse_are_refused_by_check_naming_the_key() {
    let generated = |key: &str| SCENE.replace("file = \"net.json\"", key);
    refused(&generated("tumour_radius = [6.0, 1e30]"), &[], &["vessels.tumour_radius"]);
    refused(&generated("spacing = 0.5"), &[], &["vessels.spacing", "half a voxel"]);
    refused(&generated("tumour_density = 1e9"), &[], &["vessels.tumour_density"]);
    refused(&generated("spacing = 0.5\ncapillary_radius = 0.1"), &[], &["vessels.spacing"]);
    refused(&generated("inlet_pressure = 1e9"), &[], &["vessels.inlet_pressure"]);
    refused(&generated("capillary_radius = 1e6\nspacing = 1e7"), &[], &["vessels.capillary_radius"]);
    refused(&generated("flow = \"uniform\"\npressure = 1e9"), &[], &["vessels.pressure"]);
}

#[test]
fn extreme_accepted_pressures_check_and_run_quickly() {
    let text = two_nodes([0.0, 50.0, 50.0], [100.0, 50.0, 50.0], 4.0, 1000.0, -1000.0);
    for (code, err, _) in check_and_run(SCENE, &[("net.json", &text)]) {
        assert_eq!(code, Some(0), "{err}");
    }
}

// ---- voxelisation ----

fn tube(a: [f64; 3], b: [f64; 3], r: f64) -> Network {
    Network {
        nodes: vec![Node { pos: a, pressure: Some(20.0) }, Node { pos: b, pressure: Some(20.0) }],
        segments: vec![Segment { a: 0, b: 1, radius: r, kind: VesselKind::Normal, maturity: 1.0 }],
    }
}

#[test]
fn a_segment_reaching_far_outside_the_grid_gives_the_maps_of_its_part_inside() {
    let grid = Grid::new([10, 10, 10], 10.0);
    // Both have their axial samples at the same points (pitch dx/4 = 2.5 µm).
    let long = tube([-1e9, 43.0, 51.0], [1e9, 43.0, 51.0], 6.0);
    let inside = tube([0.0, 43.0, 51.0], [100.0, 43.0, 51.0], 6.0);
    let t = Instant::now();
    let m = voxelise(&long, &uniform(&long, 20.0), &grid);
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let want = voxelise(&inside, &uniform(&inside, 20.0), &grid);
    let close = |a: &[f32], b: &[f32], what: &str| {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            // f32 rounding of sums of equal shares.
            assert!((x - y).abs() <= 1e-5 * x.abs().max(y.abs()), "{what} at voxel {i}: {x} vs {y}");
        }
    };
    close(&m.sv[0], &want.sv[0], "S/V");
    close(&m.volume_fraction, &want.volume_fraction, "volume fraction");
    close(&m.pressure, &want.pressure, "pressure");
    assert!(want.sv[0].iter().filter(|&&v| v > 0.0).count() >= 10);
}

#[test]
fn very_long_and_very_wide_segments_voxelise_in_bounded_time() {
    let grid = Grid::new([16, 16, 16], 10.0);
    for (a, b, r) in [
        ([-1.8e19, 80.0, 80.0], [1.8e19, 80.0, 80.0], 4.0),
        ([-1.8e19, -1.7e19, -1.6e19], [1.8e19, 1.7e19, 1.6e19], 30.0),
        ([80.0, 80.0, -1e12], [80.0, 80.0, 1e12], 1e6),
        ([80.0, 80.0, 0.0], [80.0, 80.0, 160.0], 1e30),
        ([1e9, 1e9, 1e9], [1e9, 1e9, 2e9], 5.0),
        // The widest a checked network may have: the grid's largest extent.
        ([80.0, 80.0, -160.0], [80.0, 80.0, 320.0], 160.0),
    ] {
        let net = tube(a, b, r);
        let t = Instant::now();
        let m = voxelise(&net, &uniform(&net, 20.0), &grid);
        assert!(t.elapsed() < Duration::from_secs(10), "{a:?} → {b:?}, r {r}: {:?}", t.elapsed());
        for f in [&m.sv[0], &m.volume_fraction, &m.pressure] {
            assert!(f.iter().all(|v| v.is_finite() && *v >= 0.0), "{a:?} → {b:?}, r {r}");
        }
        assert!(m.volume_fraction.iter().all(|&v| v <= 1.0));
    }
    // A thin grid and a segment as wide as its long axis (a checked network
    // may have it): its rings and discs once took ~1e12 samples.
    let thin = Grid::new([65536, 1, 1], 1.0);
    let net = tube([0.0, 0.5, 0.5], [65536.0, 0.5, 0.5], 1e4);
    net.validate_within(thin.extent()).unwrap();
    let t = Instant::now();
    let m = voxelise(&net, &uniform(&net, 20.0), &thin);
    assert!(t.elapsed() < Duration::from_secs(10), "thin grid: {:?}", t.elapsed());
    assert!(m.volume_fraction.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    assert!(m.sv[0].iter().chain(&m.sv[1]).all(|v| v.is_finite() && *v >= 0.0));
}

#[test]
fn network_files_are_checked_against_the_grid_box_in_the_library_too() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.json");
    std::fs::write(&p, two_nodes([0.0, 50.0, 50.0], [250.0, 50.0, 50.0], 4.0, 30.0, 20.0)).unwrap();
    Network::from_path(&p).unwrap();
    let e = Network::from_path_within(&p, [100.0; 3]).unwrap_err().to_string();
    assert!(e.contains("nodes[1]") && e.contains("`x` = 250 µm") && e.contains("-100 … 200 µm"), "{e}");
    Network::from_path_within(&p, [125.0; 3]).unwrap();
    assert!(Path::new(&p).exists());
}

#[test]
fn generation_keys_do_not_refuse_an_imported_network() {
    // A spacing below dx/2 is refused for a generated network, but a scene
    // importing its network does not generate one.
    let scene = SCENE.replace("file = \"net.json\"", "file = \"net.json\"\nspacing = 1.0");
    let [(c, err, _), (r, rerr, _)] = check_and_run(&scene, &[("net.json", GOOD)]);
    assert_eq!(c, Some(0), "{err}");
    assert_eq!(r, Some(0), "{rerr}");
    let generated = SCENE.replace("file = \"net.json\"", "spacing = 1.0");
    let [(c, err, _), _] = check_and_run(&generated, &[]);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("vessels.spacing"), "{err}");
}

#[test]
fn a_generated_network_beyond_the_node_cap_is_refused_by_check() {
    // 1024³ voxels at a 20 µm spacing: about 3.4e8 nodes, once generated
    // before any memory check.
    let scene = SCENE.replace("file = \"net.json\"", "spacing = 20.0").replace("[10, 10, 10]", "[1024, 1024, 1024]");
    let [(c, err, _), _] = check_and_run(&scene, &[]);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("vessels.spacing") && err.contains("nodes"), "{err}");
}
