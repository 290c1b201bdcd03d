//! `oncovox bench --json` and `oncovox bench --report`: every operator and
//! a whole step, each with its achieved GB/s and its ratio to the streaming
//! floor measured on a working set of its size. Only the shape and sanity
//! of the reports are asserted (every section, every figure finite and
//! positive, no ratio above 100 %); speed is never asserted.

mod common;

use common::cli::{oncovox, stderr};

#[test]
fn bench_json_reports_every_operator_and_a_whole_step() {
    let o = oncovox(&["bench", "--size", "8", "--reps", "1", "--species", "5", "--backend", "cpu", "--json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("bench --json prints JSON");
    assert_eq!(report["voxels"].as_f64(), Some(512.0));
    assert_eq!(report["species"].as_u64(), Some(5));
    assert!(report["step_bytes_per_voxel"].as_f64().unwrap() > 0.0);
    let cpu = &report["backends"][0];
    assert_eq!(cpu["backend"], "cpu");
    let ops = cpu["operators"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|r| r["operator"].as_str().unwrap()).collect();
    for want in [
        "lod_sweep_x",
        "explicit_substep",
        "vessel_exchange",
        "advect",
        "cell_kinetics",
        "sweep_z_consume",
        "whole_step",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for r in ops {
        for key in ["ms_per_call", "gb_per_s", "floor_gb_per_s", "of_floor"] {
            let x = r[key].as_f64().unwrap();
            assert!(x.is_finite() && x > 0.0, "{}: {key} = {x}", r["operator"]);
        }
    }
}

/// On a GPU adapter the report has the same rows, and where the adapter
/// offers timestamp queries (the software driver does) each row also has
/// the kernels' own device time and its share of the copy bandwidth.
#[test]
fn gpu_bench_reports_kernel_times_where_timestamps_exist() {
    if common::device("gpu bench").is_none() {
        return;
    }
    let o = oncovox(&["bench", "--size", "8", "--reps", "2", "--backend", "gpu", "--json"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("bench --json prints JSON");
    let gpu = report["backends"].as_array().unwrap().iter().find(|b| b["backend"] == "gpu").expect("a gpu backend");
    // The coupled rows (a solve: `cycles`) are timed by wall clock alone.
    let all = gpu["operators"].as_array().unwrap();
    assert!(all.iter().any(|r| r["operator"] == "implicit_step" && r["cycles"].as_f64().is_some()));
    let ops: Vec<&serde_json::Value> = all.iter().filter(|r| r["cycles"].is_null()).collect();
    assert!(ops.iter().any(|r| r["operator"] == "whole_step"));
    let timed: Vec<bool> = ops.iter().map(|r| !r["kernel_ms"].is_null()).collect();
    assert!(timed.iter().all(|&t| t) || timed.iter().all(|&t| !t), "some rows timed, some not: {timed:?}");
    if timed[0] {
        for r in &ops {
            for key in ["kernel_ms", "kernel_of_floor"] {
                let x = r[key].as_f64().unwrap();
                assert!(x.is_finite() && x > 0.0, "{}: {key} = {x}", r["operator"]);
            }
        }
    } else {
        eprintln!("gpu bench: this adapter offers no timestamp queries; kernel times not reported");
    }
}

/// A figure that must be finite and positive.
fn positive(v: &serde_json::Value, what: &str) -> f64 {
    let x = v.as_f64().unwrap_or_else(|| panic!("{what} missing: {v}"));
    assert!(x.is_finite() && x > 0.0, "{what} = {x}");
    x
}

/// Run the report at small sizes on `backend` and check every section.
fn check_report(backend: &str, sections: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let args = ["bench", "--report", out.to_str().unwrap(), "--sizes", "8,16", "--reps", "2", "--scene-scale", "0.2"];
    let o = oncovox(&[&args[..], &["--backend", backend]].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("bench.json")).unwrap()).expect("bench.json is JSON");
    let md = std::fs::read_to_string(out.join("bench.md")).unwrap();
    for head in ["# oncovox benchmark report", "## GPU against CPU", "## Skipped", "bandwidth.png"] {
        assert!(md.contains(head), "bench.md lacks {head}");
    }
    assert!(report["build"]["commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(report["host"]["threads"].as_u64().unwrap() >= 1);
    let found: Vec<&str> =
        report["sections"].as_array().unwrap().iter().map(|s| s["backend"].as_str().unwrap()).collect();
    assert_eq!(found, sections);
    for s in report["sections"].as_array().unwrap() {
        let b = s["backend"].as_str().unwrap();
        assert!(md.contains(&format!("## {} backend", b.to_uppercase())), "bench.md lacks the {b} section");
        for key in ["copy", "update", "read"] {
            positive(&s["dram"][key], &format!("{b} DRAM {key}"));
        }
        assert!(!s["probes"].as_array().unwrap().is_empty(), "{b}: no probes");
        let sizes = s["sizes"].as_array().unwrap();
        assert_eq!(sizes.iter().map(|z| z["size"].as_u64().unwrap()).collect::<Vec<_>>(), [8, 16], "{b}");
        for z in sizes {
            let rows = z["operators"].as_array().unwrap();
            let names: Vec<&str> = rows.iter().map(|r| r["operator"].as_str().unwrap()).collect();
            for want in ["lod_sweep_x", "advect", "cell_kinetics", "whole_step", "implicit_step", "steady_solve"] {
                assert!(names.contains(&want), "{b} {}³: {want} missing from {names:?}", z["size"]);
            }
            for r in rows {
                let what = format!("{b} {}³ {}", z["size"], r["operator"]);
                for key in ["ms_per_call", "gvoxel_per_s", "gb_per_s", "floor_gb_per_s"] {
                    positive(&r[key], &format!("{what} {key}"));
                }
                for key in ["of_floor", "kernel_of_floor"] {
                    if !r[key].is_null() {
                        let x = positive(&r[key], &format!("{what} {key}"));
                        assert!(x <= 1.0, "{what}: {key} {:.0} % is above the floor", 100.0 * x);
                    }
                }
            }
        }
        let scenes: Vec<&str> = s["scenes"].as_array().unwrap().iter().map(|c| c["scene"].as_str().unwrap()).collect();
        assert_eq!(scenes, ["biofvm_100", "biofvm_200", "vascular_tumour", "therapy_cells"], "{b}");
        for c in s["scenes"].as_array().unwrap() {
            positive(&c["ms_per_step"], &format!("{b} {} ms per step", c["scene"]));
            positive(&c["mvoxel_species_per_s"], &format!("{b} {} throughput", c["scene"]));
        }
    }
    let png = std::fs::read(out.join("bandwidth.png")).expect("bandwidth.png");
    let img = image::load_from_memory(&png).expect("bandwidth.png is a PNG").to_rgb8();
    let first = img.get_pixel(0, 0);
    assert!(img.pixels().filter(|p| *p != first).count() > 1000, "bandwidth.png is blank");
    report
}

#[test]
fn the_cpu_report_has_every_section_and_no_ratio_above_its_floor() {
    let r = check_report("cpu", &["cpu"]);
    assert!(r["gpu_against_cpu"].is_null());
}

#[test]
fn the_gpu_report_adds_the_adapter_and_checks_it_against_the_cpu() {
    if common::device("gpu bench report").is_none() {
        return;
    }
    let r = check_report("gpu", &["cpu", "gpu"]);
    let gpu = &r["sections"][1];
    assert!(gpu["adapter"]["name"].as_str().is_some_and(|n| !n.is_empty()));
    let a = &r["gpu_against_cpu"];
    let worst = a["worst_relative_difference"].as_f64().expect("the GPU against CPU check ran");
    assert!(worst.is_finite() && worst < 1e-3, "GPU and CPU differ by {worst:e} in {}", a["worst_field"]);
}
