//! The command line end to end: the default scene's outputs, bad scenes
//! (exit code 2, the key named, nothing written), `check`, thread-count
//! independence, and reruns from `scene.resolved.toml`.

mod common;
use common::cli::*;
use std::path::{Path, PathBuf};

/// A small valid scene; tests break one key at a time.
const BASE: &str = r#"
[grid]
shape = [16, 12, 10]
dx = 10.0
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
diffusion = 500.0
solver = "explicit"
[[regions]]
name = "vessel"
cylinder = { start = [0.0, 60.0, 50.0], end = [160.0, 60.0, 50.0], radius = 12.0 }
hold = { oxygen = 38.0 }
supply = { drug = { rate = 1.0, target = 5.0 } }
[[regions]]
name = "tumour"
sphere = { center = [80.0, 60.0, 50.0], radius = 30.0 }
uptake = { oxygen = 10.0 }
[[output.slices]]
species = "oxygen"
[output]
fields = ["oxygen", "drug"]
"#;

#[test]
fn unknown_key_is_rejected() {
    assert_rejected(&BASE.replace("decay = 0.1", "decay = 0.1\ndifusion = 3.0"), "difusion");
}

#[test]
fn wrong_type_is_rejected() {
    assert_rejected(&BASE.replace("diffusion = 500.0", "diffusion = \"fast\""), "diffusion");
}

#[test]
fn negative_diffusion_is_rejected() {
    assert_rejected(&BASE.replace("diffusion = 500.0", "diffusion = -500.0"), "species.drug.diffusion");
}

#[test]
fn region_outside_the_grid_is_rejected() {
    assert_rejected(
        &BASE.replace("center = [80.0, 60.0, 50.0]", "center = [800.0, 60.0, 50.0]"),
        "regions.tumour.sphere",
    );
}

#[test]
fn unknown_species_in_a_region_is_rejected() {
    assert_rejected(
        &BASE.replace("uptake = { oxygen = 10.0 }", "uptake = { glucose = 10.0 }"),
        "regions.tumour.uptake.glucose",
    );
}

#[test]
fn unstable_explicit_without_substepping_is_rejected() {
    let text = BASE
        .replace("solver = \"explicit\"", "solver = \"explicit\"\nsubstepping = false")
        .replace("diffusion = 500.0", "diffusion = 5000.0");
    assert_rejected(&text, "species.drug.substepping");
}

#[test]
fn bad_override_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "s.toml", BASE);
    let out = tmp.path().join("out");
    let o = oncovox(
        &["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--set", "species.oxygen.decay=-1"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("species.oxygen.decay"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn check_prints_solver_substeps_and_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "s.toml", BASE);
    let o = oncovox(&["check", scene.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let oxygen = text.lines().find(|l| l.starts_with("oxygen")).unwrap_or_else(|| panic!("{text}"));
    assert!(oxygen.contains("lod"), "{oxygen}");
    let drug = text.lines().find(|l| l.starts_with("drug")).unwrap_or_else(|| panic!("{text}"));
    // 0.01·6·500/100 = 0.3 → one sub-step.
    assert!(drug.contains("explicit") && drug.split_whitespace().nth(2) == Some("1"), "{drug}");
    assert!(text.contains("device memory needed"), "{text}");
}

#[test]
fn check_refuses_a_grid_too_large_before_allocating() {
    let o = oncovox(&["check", "--set", "grid.shape=[4096, 4096, 4096]"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("grid.shape"), "{}", stderr(&o));
}

fn run_to(dir: &Path, scene: &Path, envs: &[(&str, &str)]) -> PathBuf {
    let out = dir.join("out");
    let o = oncovox(&["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"], envs);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    out
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Run `text` (the base scene on 40 × 36 × 30 voxels for 0.5 min) with 1
/// and 2 threads; the fields at the end and the time series must agree
/// byte for byte. Returns the time series.
fn same_with_one_and_two_threads(text: &str) -> String {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let text = text
        .replace("[16, 12, 10]", "[40, 36, 30]")
        .replace("duration = 0.1", "duration = 0.5")
        .replace("output_interval = 0.05", "output_interval = 0.25");
    let scene = write_scene(a.path(), "s.toml", &text);
    let one = run_to(a.path(), &scene, &[("RAYON_NUM_THREADS", "1")]);
    let two = run_to(b.path(), &scene, &[("RAYON_NUM_THREADS", "2")]);
    for f in ["fields/oxygen_step00000050.npy", "fields/drug_step00000050.npy", "fields/index.json", "timeseries.csv"] {
        assert!(read(one.join(f)) == read(two.join(f)), "{f} differs between 1 and 2 threads");
    }
    String::from_utf8(read(one.join("timeseries.csv"))).unwrap()
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    same_with_one_and_two_threads(BASE);
}

#[test]
fn coupled_results_do_not_depend_on_the_thread_count() {
    // Steady oxygen and an implicit drug with its own step: the multigrid
    // sums its residual norms per plane in plane order.
    let csv = same_with_one_and_two_threads(
        &BASE
            .replace("initial = 10.0", "initial = 10.0\nsolver = \"steady\"")
            .replace("solver = \"explicit\"", "solver = \"implicit\"\ndt = 0.05"),
    );
    assert!(csv.lines().next().unwrap().contains("drug_cycles"), "no solve columns: {csv}");
}

#[test]
fn resolved_scene_reruns_the_same_simulation() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let scene = write_scene(a.path(), "s.toml", BASE);
    let first = run_to(a.path(), &scene, &[]);
    let resolved = first.join("scene.resolved.toml");
    let second = run_to(b.path(), &resolved, &[]);
    for f in ["fields/oxygen_step00000010.npy", "fields/drug_step00000010.npy", "timeseries.csv"] {
        assert!(read(first.join(f)) == read(second.join(f)), "{f} differs on rerun from scene.resolved.toml");
    }
}

/// A voxel edge no tissue model means, whose totals Σ c·dx³ overflowed and
/// were written as `inf`, is refused up front.
#[test]
fn absurd_voxel_edges_are_refused() {
    assert_rejected(&BASE.replace("dx = 10.0", "dx = 1e200"), "grid.dx");
    assert_rejected(&BASE.replace("dx = 10.0", "dx = 1e-9"), "grid.dx");
}

#[test]
fn rerun_replaces_an_earlier_output_but_not_a_foreign_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "s.toml", BASE);
    run_to(tmp.path(), &scene, &[]);
    run_to(tmp.path(), &scene, &[]);
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep").unwrap();
    let o = oncovox(&["run", scene.to_str().unwrap(), "-o", foreign.to_str().unwrap(), "--backend", "cpu"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(foreign.join("notes.txt")).unwrap(), "keep");
}

/// The README's first command: the embedded default scene, all outputs.
#[test]
fn default_scene_writes_slices_series_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = oncovox(&["run", "-o", out.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).lines().any(|l| l.starts_with("backend: ")), "one line must say which backend runs");
    let slices: Vec<PathBuf> = std::fs::read_dir(out.join("slices")).unwrap().map(|e| e.unwrap().path()).collect();
    let pngs: Vec<&PathBuf> = slices.iter().filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
    assert!(pngs.len() >= 3, "{} slices", pngs.len());
    assert!(slices.iter().any(|p| p.extension().is_some_and(|e| e == "gif")), "each series is animated too");
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(csv.lines().count() >= 3 && csv.starts_with("time_min,oxygen_min"), "{csv}");
    let summary: serde_json::Value = serde_json::from_slice(&read(out.join("summary.json"))).unwrap();
    assert!(summary["wall_seconds"].as_f64().unwrap() > 0.0);
    assert!(out.join("scene.resolved.toml").exists());
    // The final oxygen slice is not uniform: a hypoxic core and held capillaries.
    let last = pngs.iter().filter(|p| p.to_string_lossy().contains("oxygen_z")).max().unwrap();
    let img = image_pixels(last);
    let distinct: std::collections::HashSet<[u8; 3]> = img.into_iter().collect();
    assert!(distinct.len() > 50, "the oxygen slice looks uniform ({} colours)", distinct.len());
    // And the field itself spans hypoxic to vessel values.
    let last_row = csv.lines().last().unwrap();
    let cols: Vec<f64> = last_row.split(',').map(|v| v.parse().unwrap()).collect();
    assert!(cols[1] < 10.0 && cols[3] > 37.0, "oxygen min {} max {}", cols[1], cols[3]);
}

fn image_pixels(path: &Path) -> Vec<[u8; 3]> {
    let decoder = png_pixels(path);
    decoder.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()
}

fn png_pixels(path: &Path) -> Vec<u8> {
    // The image crate is a dependency of the library; decode through it.
    let img = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    img.to_rgb8().into_raw()
}

/// A field larger than the adapter's largest buffer is refused with the key
/// named, before the world is built or any buffer allocated. (Fields larger
/// than one storage binding are split: `tests/split_large.rs`.)
#[test]
fn gpu_run_refuses_a_grid_beyond_the_buffer_limit() {
    if oncovox::solver::gpu::best_adapter(false).is_none() {
        assert_ne!(
            std::env::var("ONCOVOX_REQUIRE_GPU").as_deref(),
            Ok("1"),
            "no GPU adapter, and ONCOVOX_REQUIRE_GPU=1 requires one"
        );
        eprintln!("\n*** SKIPPED gpu_run_refuses_a_grid_beyond_the_buffer_limit: no GPU adapter ***\n");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // 1024³ f32 = 4 GiB per field: above any buffer the software driver offers (2 GiB).
    let o = oncovox(
        &["run", "-o", out.to_str().unwrap(), "--backend", "gpu", "--set", "grid.shape=[1024, 1024, 1024]"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("grid.shape") && stderr(&o).contains("per buffer"), "{}", stderr(&o));
    assert!(!out.exists());
}

/// Every preset in scenes/ validates (`oncovox check` exits 0).
#[test]
fn every_preset_scene_validates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            let o = oncovox(&["check", p.to_str().unwrap()], &[]);
            assert_eq!(o.status.code(), Some(0), "{}: {}", p.display(), stderr(&o));
            n += 1;
        }
    }
    assert!(n >= 2, "expected the default and at least one more preset");
}

/// Numbers that would overflow f32 in the run (a supply of 1e30, whose
/// field once went non-finite mid-run) are refused before it starts: exit
/// code 2 naming the key, nothing written (scenes/README.md, "Limits").
#[test]
fn values_that_would_overflow_f32_are_refused_up_front() {
    assert_rejected(
        &BASE.replace("{ rate = 1.0, target = 5.0 }", "{ rate = 1.0e30, target = 1.0e30 }"),
        "regions.vessel.supply.drug.rate",
    );
}
