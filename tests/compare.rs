//! `oncovox compare`: the comparison read back from synthetic time series
//! (tables, notes, plots, errors), and the command line: arms with cells
//! (compared; a rerun replaces the folder), without cells (a clear error,
//! nothing written), and with a bad arm (fails before any arm runs).

mod common;
use common::cli::*;
use oncovox::compare::report;
use std::path::{Path, PathBuf};

/// Every contract column, then one that compare ignores.
const FULL: &str =
    "time_min,cells_total,resistant_fraction,hypoxic_fraction,drug_auc_tumour,drug_intracellular_mean,oxygen_mean";

/// A time series of `rows` rows, one every 30 min; `cells` sets the live
/// count at row `i`; the drug AUC grows linearly (2 µM·min per min).
fn series(header: &str, rows: usize, cells: impl Fn(usize) -> f64) -> String {
    let mut s = format!("{header}\n");
    for i in 0..rows {
        let t = 30.0 * i as f64;
        let row: Vec<String> = header
            .split(',')
            .map(|c| match c {
                "time_min" => format!("{t}"),
                "cells_total" => format!("{}", cells(i)),
                "resistant_fraction" => format!("{}", 0.01 * i as f64),
                "hypoxic_fraction" => format!("{}", 0.3 - 0.02 * i as f64),
                "drug_auc_tumour" => format!("{}", 2.0 * t),
                "drug_intracellular_mean" => format!("{}", 1.5 + (i % 3) as f64),
                _ => "38.5".into(),
            })
            .collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

fn arm(dir: &Path, name: &str, csv: &str) -> (String, PathBuf) {
    let p = dir.join(format!("{name}.csv"));
    std::fs::write(&p, csv).unwrap();
    (name.to_string(), p)
}

/// `compare.csv` as (arm, column → value text).
fn read_compare(out: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "arm");
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "row `{l}`");
            let pairs = header[1..].iter().zip(&cells[1..]).map(|(h, c)| (h.to_string(), c.to_string())).collect();
            (cells[0].to_string(), pairs)
        })
        .collect()
}

fn value(row: &[(String, String)], key: &str) -> f64 {
    let v = &row.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no column {key}")).1;
    v.parse().unwrap_or_else(|_| panic!("{key} = `{v}`"))
}

/// The last row of a time series, as column → value.
fn last_row(csv: &str) -> Vec<(String, String)> {
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let last: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
    header.iter().zip(last).map(|(h, v)| (h.to_string(), v.to_string())).collect()
}

#[test]
fn report_writes_tables_notes_and_readable_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let control = series(FULL, 9, |i| 1000.0 * 1.3f64.powi(i as i32));
    let dox = series(FULL, 9, |i| 1000.0 * 0.4f64.powi(i as i32));
    // Lacks `resistant_fraction`, and its hypoxic fraction is undefined at the end.
    let no_res = FULL.replace("resistant_fraction,", "");
    let mut liposome = series(&no_res, 9, |i| 1000.0 - 50.0 * i as f64);
    liposome = liposome.trim_end().rsplit_once('\n').unwrap().0.to_string() + "\n240,600,,7.5,480,2.5,38.5\n";
    let arms =
        [arm(tmp.path(), "control", &control), arm(tmp.path(), "dox", &dox), arm(tmp.path(), "liposome", &liposome)];
    let out = tmp.path().join("cmp");
    let files = report(&arms, &out).unwrap();

    let plots = ["tumour_cells", "resistant_fraction", "hypoxic_fraction", "drug_exposure", "intracellular_drug"];
    let mut want = vec!["compare.csv".to_string(), "compare.md".to_string()];
    want.extend(plots.iter().map(|p| format!("plots/{p}.png")));
    assert_eq!(files, want);
    for p in plots {
        let img = image::open(out.join(format!("plots/{p}.png"))).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert_eq!((img.width(), img.height()), (oncovox::output::plot::WIDTH, oncovox::output::plot::HEIGHT), "{p}");
    }

    let rows = read_compare(&out);
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["control", "dox", "liposome"]);
    for ((csv, (name, _)), (_, row)) in [&control, &dox].iter().zip(&arms).zip(&rows) {
        for (col, v) in last_row(csv).iter().filter(|(c, _)| c != "time_min" && c != "oxygen_mean") {
            assert_eq!(value(row, &format!("{col}_final")), v.parse::<f64>().unwrap(), "{name} {col}");
        }
        // Linear growth from 0: the time average is half the final value.
        assert!((value(row, "drug_auc_tumour_time_mean") - 240.0).abs() < 1e-9, "{name}");
    }
    assert!(rows[0].1.iter().all(|(k, _)| !k.starts_with("oxygen")), "only contract columns are compared");
    // Falling counts: the minimum is the final value; rising ones: the first.
    assert_eq!(value(&rows[1].1, "cells_total_min"), value(&rows[1].1, "cells_total_final"));
    assert_eq!(value(&rows[0].1, "cells_total_min"), 1000.0);
    let lip = &rows[2].1;
    assert_eq!(value(lip, "cells_total_final"), 600.0);
    assert!(lip.iter().filter(|(k, _)| k.starts_with("resistant_fraction")).all(|(_, v)| v.is_empty()));
    assert_eq!(value(lip, "hypoxic_fraction_final"), 0.3 - 0.02 * 7.0, "the last defined value");

    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("| `dox` |") && md.contains("![resistant_fraction](plots/resistant_fraction.png)"), "{md}");
    assert!(md.contains("arm `liposome` has no `resistant_fraction` column"), "{md}");
}

#[test]
fn a_column_no_arm_has_gets_no_plot() {
    let tmp = tempfile::tempdir().unwrap();
    let only_cells = series("time_min,cells_total", 4, |i| 10.0 + i as f64);
    let out = tmp.path().join("cmp");
    let files = report(&[arm(tmp.path(), "a", &only_cells), arm(tmp.path(), "b", &only_cells)], &out).unwrap();
    assert_eq!(files, ["compare.csv", "compare.md", "plots/tumour_cells.png"]);
    let header = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(header.starts_with("arm,cells_total_final,cells_total_min,cells_total_time_mean\n"), "{header}");
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("no arm recorded `resistant_fraction`"), "{md}");
}

#[test]
fn no_contract_column_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = series("time_min,oxygen_mean", 3, |_| 0.0);
    let out = tmp.path().join("cmp");
    let e = report(&[arm(tmp.path(), "a", &plain)], &out).unwrap_err();
    let msg = e.to_string();
    assert!(e.is_input_error(), "{msg}");
    assert!(msg.contains("cells_total") && msg.contains("drug_intracellular_mean") && msg.contains("[cells]"), "{msg}");
    assert!(!out.exists());
    let bad = arm(tmp.path(), "b", "t,cells_total\n0,1\n");
    assert!(report(&[bad], &out).unwrap_err().to_string().contains("time_min"));
}

/// A tiny scene without cells: it runs in well under a second.
const TINY: &str = r#"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.01
duration = 0.02
output_interval = 0.01
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1000.0
initial = 1.0
"#;

/// Only the scene files may remain in `dir`.
fn assert_only(dir: &Path, names: &[&str]) {
    let mut left: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, names, "nothing but the scenes may remain");
}

#[test]
fn cli_arms_without_cells_fail_clearly_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write_scene(tmp.path(), "a.toml", TINY);
    let b = write_scene(tmp.path(), "b.toml", TINY);
    let out = tmp.path().join("cmp");
    let (a, b, out_s) = (a.to_str().unwrap(), b.to_str().unwrap(), out.to_str().unwrap());
    let o = oncovox(&["compare", a, b, "-o", out_s, "--backend", "cpu", "--set", "time.duration=0.01"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("[cells]") && err.contains("cells_total"), "{err}");
    assert!(err.contains("arm 1/2 `a`") && err.contains("arm 2/2 `b`"), "one line per arm: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_only(tmp.path(), &["a.toml", "b.toml"]);
}

#[test]
fn cli_bad_arm_fails_before_any_arm_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let arms = "[[arms]]\nname = \"control\"\n\n[[arms]]\nname = \"hot\"\nset = [\"species.oxygen.diffusion=-1\"]\n";
    let scene = write_scene(tmp.path(), "trial.toml", &format!("{TINY}\n{arms}"));
    let out = tmp.path().join("cmp");
    let o = oncovox(&["compare", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("species.oxygen.diffusion") && err.contains("arm `hot`"), "{err}");
    assert!(!err.contains("arm 1/2"), "no arm may run: {err}");
    assert_only(tmp.path(), &["trial.toml"]);
}

#[test]
fn cli_arms_with_cells_are_compared_and_a_rerun_replaces_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let cells = r#"
[[species]]
name = "doxorubicin"
diffusion = 500.0
[[regions]]
name = "tumour"
sphere = { center = [40.0, 40.0, 40.0], radius = 30.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
[[cells.phenotype]]
name = "sensitive"
initial = 0.3
[[arms]]
name = "control"
[[arms]]
name = "dox"
set = ["species.doxorubicin.initial=2.0"]
"#;
    let scene = write_scene(tmp.path(), "trial.toml", &format!("{TINY}{cells}"));
    let out = tmp.path().join("cmp");
    let args = ["compare", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"];
    for duration in ["time.duration=30", "time.duration=20"] {
        let o = oncovox(&[&args[..], &["--set", duration]].concat(), &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    for f in [
        "compare.csv",
        "compare.md",
        "summary.json",
        "plots/tumour_cells.png",
        "control/timeseries.csv",
        "dox/summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} is missing");
    }
    assert!(!out.join("slices").exists(), "a comparison has no slices folder");
    let rows = read_compare(&out);
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["control", "dox"]);
    assert_eq!(value(&rows[0].1, "drug_auc_tumour_final"), 0.0);
    assert!(value(&rows[1].1, "drug_auc_tumour_final") > 0.0, "the dox arm took its override");
    let last = last_row(&std::fs::read_to_string(out.join("dox/timeseries.csv")).unwrap());
    assert_eq!(last[0].1, "20", "the rerun replaced the first run");
    assert_only(tmp.path(), &["cmp", "trial.toml"]);
}
