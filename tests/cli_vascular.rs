//! The vascular keys on the command line: a small vessel scene runs end to
//! end and writes its maps and exposure metrics; `check` prints the derived
//! transport; each class of bad vascular input is one clear error (exit 2,
//! the key named, nothing written).

mod common;
use common::cli::*;

/// A small vascular scene; tests break one key at a time.
const VASCULAR: &str = r#"
seed = 5
[grid]
shape = [20, 20, 16]
dx = 20.0
[time]
dt = 0.05
duration = 1.0
output_interval = 0.5
[vessels]
spacing = 100.0
[interstitium]
boundary_pressure = 0.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
plasma = { level = 40.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 } }
[[species]]
name = "liposome"
radius = 50.0
plasma = { preset = "liposomal_doxorubicin" }
[[regions]]
name = "tumour"
sphere = { center = [200.0, 200.0, 160.0], radius = 120.0 }
tissue = "tumour"
consumption = { oxygen = { rate = 100.0, half_saturation = 2.5 } }
[[output.slices]]
species = "liposome"
[output]
fields = ["liposome"]
"#;

#[test]
fn a_vascular_scene_writes_maps_overlay_and_exposure() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "v.toml", VASCULAR);
    let out = tmp.path().join("out");
    let o = oncovox(&["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["maps/sv_z008.png", "maps/ifp_z008.png", "maps/velocity_z008.png", "maps/tissue_z008.png", "maps/ifp.npy"]
    {
        assert!(out.join(f).exists(), "missing {f}");
    }
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in ["liposome_auc_tumour", "liposome_exposure_ratio", "liposome_pid_tumour"] {
        assert!(header.contains(&col), "no column {col} in {header:?}");
    }
    let last: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
    let ratio: f64 = last[header.iter().position(|c| *c == "liposome_exposure_ratio").unwrap()].parse().unwrap();
    assert!(ratio > 1.0, "a 100 nm particle should favour the tumour: ratio {ratio}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let ifp = &summary["vascular"]["interstitial_pressure_mmHg"];
    assert!(
        ifp["tumour"].as_f64().unwrap() > ifp["normal"].as_f64().unwrap(),
        "tumour IFP should exceed normal: {ifp}"
    );
    assert!(summary["vascular"]["pressure_solve"]["relative_residual"].as_f64().unwrap() <= 1e-6);
    // The vessel overlay draws white pixels into the concentration slice.
    let img = image::open(out.join("slices/liposome_z008_t00001.00min.png")).unwrap().to_rgb8();
    assert!(img.pixels().filter(|p| p.0 == [255, 255, 255]).count() > 100, "no vessel overlay");
    // The network is kept, and the resolved scene reruns from it.
    let rerun = tmp.path().join("rerun");
    let o = oncovox(
        &["run", out.join("scene.resolved.toml").to_str().unwrap(), "-o", rerun.to_str().unwrap(), "--backend", "cpu"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let field = |d: &std::path::Path| std::fs::read(d.join("fields/liposome_step00000020.npy")).unwrap();
    assert_eq!(field(&out), field(&rerun), "the rerun differs");
    assert_eq!(std::fs::read(out.join("maps/ifp.npy")).unwrap(), std::fs::read(rerun.join("maps/ifp.npy")).unwrap());
}

#[test]
fn check_prints_derived_transport() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "v.toml", VASCULAR);
    let o = oncovox(&["check", scene.to_str().unwrap()], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(text.contains("derived transport") && text.contains("liposome") && text.contains("half-lives"), "{text}");
}

#[test]
fn plasma_without_vessels_is_rejected() {
    let text = VASCULAR.replace("[vessels]\nspacing = 100.0\n[interstitium]\nboundary_pressure = 0.0\n", "");
    assert_rejected(&text, "species.oxygen.plasma");
}

#[test]
fn unknown_preset_is_rejected() {
    assert_rejected(&VASCULAR.replace("liposomal_doxorubicin", "liposomal_dox"), "species.liposome.plasma.preset");
}

#[test]
fn missing_wall_permeability_is_rejected() {
    let text = VASCULAR.replace("wall = { permeability = { normal = 3000.0, tumour = 3000.0 } }\n", "");
    assert_rejected(&text, "species.oxygen.wall.permeability");
}

#[test]
fn bad_vessel_and_interstitium_numbers_are_rejected() {
    assert_rejected(&VASCULAR.replace("spacing = 100.0", "spacing = -1.0"), "vessels.spacing");
    assert_rejected(&VASCULAR.replace("boundary_pressure = 0.0", "tolerance = 0.0"), "interstitium.tolerance");
    assert_rejected(
        &VASCULAR.replace("rate = 100.0, half_saturation = 2.5", "rate = -1.0"),
        "regions.tumour.consumption.oxygen.rate",
    );
}

#[test]
fn a_missing_or_broken_network_file_is_rejected() {
    let with_file = |f: &str| VASCULAR.replace("spacing = 100.0", &format!("file = \"{f}\""));
    assert_rejected(&with_file("nowhere.json"), "nowhere.json");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("net.json"),
        r#"{"nodes": [{"id": 1, "x": 0, "y": 0, "z": 0}], "segments": [{"a": 1, "b": 2, "radius": 4}]}"#,
    )
    .unwrap();
    let scene = write_scene(tmp.path(), "v.toml", &with_file("net.json"));
    let o = oncovox(
        &["run", scene.to_str().unwrap(), "-o", tmp.path().join("out").to_str().unwrap(), "--backend", "cpu"],
        &[],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("vessels.file") && err.contains("segments[0]"), "{err}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn vascular_results_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "v.toml", VASCULAR);
    let run = |threads: &str| {
        let out = tmp.path().join(format!("out{threads}"));
        let o = oncovox(
            &["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let (a, b) = (run("1"), run("2"));
    for f in ["maps/ifp.npy", "maps/sv.npy", "maps/velocity.npy", "fields/liposome_step00000020.npy", "timeseries.csv"]
    {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f} differs");
    }
}

#[test]
fn the_vascular_tumour_preset_runs_end_to_end_on_a_coarser_grid() {
    // The preset itself (128³, 60 steps) is timed in BENCHMARKS.md; here it
    // runs on 32³ voxels of 40 µm for 1 min, every key as written.
    let scene = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes/vascular_tumour.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = oncovox(
        &[
            "run",
            scene.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--backend",
            "cpu",
            "--set",
            "grid.shape=[32,32,32]",
            "--set",
            "grid.dx=40",
            "--set",
            "time.duration=1.0",
            "--set",
            "time.output_interval=0.5",
        ],
        &[],
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("interstitial pressure") && err.contains("tumour segments"), "{err}");
    for f in [
        "maps/sv_z016.png",
        "maps/ifp_z016.png",
        "slices/oxygen_z016_t00001.00min.png",
        "slices/doxorubicin_z016_t00001.00min.png",
    ] {
        assert!(out.join(f).exists(), "missing {f}");
    }
}
