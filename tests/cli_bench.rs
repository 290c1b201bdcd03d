//! `oncovox bench --json`: every operator and a whole step, each with its
//! achieved GB/s and its ratio to the measured copy bandwidth. Only the
//! shape and sanity of the report are asserted; speed is never asserted.

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
    assert!(cpu["copy_gb_per_s"].as_f64().unwrap() > 0.0);
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
        for key in ["ms_per_call", "gb_per_s", "of_copy"] {
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
            for key in ["kernel_ms", "kernel_of_copy"] {
                let x = r[key].as_f64().unwrap();
                assert!(x.is_finite() && x > 0.0, "{}: {key} = {x}", r["operator"]);
            }
        }
    } else {
        eprintln!("gpu bench: this adapter offers no timestamp queries; kernel times not reported");
    }
}
