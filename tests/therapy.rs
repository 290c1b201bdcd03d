//! The therapy presets in `scenes/therapy_*.toml` run end to end (on a
//! coarser grid and a shorter course than written, so that CI stays quick),
//! write finite cell metrics, and `oncovox compare` of free vs liposomal vs
//! liposomal-with-inhibitor doxorubicin writes its table and plots.

mod common;

use common::cli::{oncovox, stderr};
use std::path::{Path, PathBuf};

/// Coarser grid and a 30-minute course; radiotherapy fractions moved inside it.
const COARSE: [&str; 8] = [
    "--set",
    "grid.shape=[16,16,16]",
    "--set",
    "grid.dx=80",
    "--set",
    "time.duration=30",
    "--set",
    "time.output_interval=15",
];

fn presets() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("therapy_"))
        .collect();
    v.sort();
    v
}

fn column(csv: &str, name: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    lines.map(|l| l.split(',').nth(i).unwrap().parse::<f64>().unwrap()).collect()
}

#[test]
fn every_therapy_preset_runs_end_to_end() {
    let all = presets();
    let names: Vec<String> = all.iter().map(|p| p.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    for want in [
        "therapy_control",
        "therapy_free_doxorubicin",
        "therapy_liposomal_doxorubicin",
        "therapy_polymeric_micelle",
        "therapy_folate_liposome",
        "therapy_liposome_inhibitor",
        "therapy_liposome_sirna",
        "therapy_radiotherapy",
        "therapy_radiotherapy_gold",
    ] {
        assert!(names.iter().any(|n| n == want), "scenes/{want}.toml is missing");
    }
    let tmp = tempfile::tempdir().unwrap();
    for (scene, name) in all.iter().zip(&names) {
        let out = tmp.path().join(name);
        let mut args = vec!["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"];
        args.extend(COARSE);
        let fractions = "cells.radiotherapy.times=[5.0,20.0]";
        if name.contains("radiotherapy") {
            args.extend(["--set", fractions]);
        }
        let o = oncovox(&args, &[]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        let cells = column(&csv, "cells_total");
        assert!(cells.iter().all(|c| c.is_finite() && *c > 0.0), "{name}: cells {cells:?}");
        for col in ["resistant_fraction", "hypoxic_fraction", "necrotic_fraction", "drug_intracellular_mean"] {
            assert!(column(&csv, col).iter().all(|v| v.is_finite() && *v >= 0.0), "{name}: {col}");
        }
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        assert!(summary.contains("\"resistant_fraction\""), "{name}: summary without cells");
        if name.contains("radiotherapy") {
            let dead = column(&csv, "dead_cells");
            assert!(dead.last().unwrap() > &dead[0], "{name}: the fractions killed no cell");
        }
        if name.contains("liposom") || name.contains("micelle") {
            let carrier = if name.contains("micelle") { "micelle" } else { "liposome" };
            let bound = column(&csv, &format!("{carrier}_bound_total"));
            assert!(bound.last().unwrap() > &0.0, "{name}: no carrier bound to cells");
        }
    }
}

#[test]
fn compare_free_liposomal_and_inhibitor_arms_writes_table_and_plots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenes");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let arms = ["therapy_free_doxorubicin", "therapy_liposomal_doxorubicin", "therapy_liposome_inhibitor"]
        .map(|a| dir.join(format!("{a}.toml")).to_string_lossy().into_owned());
    let mut args = vec!["compare"];
    args.extend(arms.iter().map(|s| s.as_str()));
    args.extend(["-o", out.to_str().unwrap(), "--backend", "cpu"]);
    args.extend(COARSE);
    let o = oncovox(&args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for plot in ["tumour_cells", "resistant_fraction", "hypoxic_fraction", "drug_exposure", "intracellular_drug"] {
        let img = image::open(out.join(format!("plots/{plot}.png"))).unwrap();
        assert!(img.width() >= 600 && img.height() >= 400, "{plot}");
    }
    let table = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    for arm in ["therapy_free_doxorubicin", "therapy_liposomal_doxorubicin", "therapy_liposome_inhibitor"] {
        assert!(table.contains(arm), "compare.csv lacks {arm}:\n{table}");
    }
}
