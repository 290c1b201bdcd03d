//! Bad `[cells]` input: exit code 2, the key named, nothing written. And a
//! small cell scene runs, writing cell columns, phenotype slices and dumps.

mod common;

use common::cli::{assert_rejected, oncovox, stderr, write_scene};

const BASE: &str = r#"
[grid]
shape = [10, 10, 10]
dx = 20.0
[time]
dt = 0.5
duration = 5.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
initial = 30.0
[[species]]
name = "doxorubicin"
diffusion = 7000.0
initial = 1.0
[[species]]
name = "liposome"
diffusion = 300.0
initial = 2.0
[[regions]]
name = "tumour"
sphere = { center = [100.0, 100.0, 100.0], radius = 60.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
[[cells.phenotype]]
name = "sensitive"
initial = 0.5
switch = { resistant = 1.0e-4 }
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.1
pump_vmax = 0.5
[[cells.carrier]]
species = "liposome"
class = "liposome"
[cells.radiotherapy]
times = [1.0]
dose = 2.0
"#;

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn bad_cells_keys_are_rejected_with_the_key_named() {
    assert_rejected(&with("oxygen = \"oxygen\"\ndrug", "oxygen = \"o2\"\ndrug"), "cells.oxygen");
    assert_rejected(&with("drug = \"doxorubicin\"\n[[", "drug = \"dox\"\n[["), "cells.drug");
    assert_rejected(&with("initial = 0.5", "initial = 0.95"), "initial");
    assert_rejected(&with("switch = { resistant", "switch = { other"), "cells.phenotype.sensitive.switch.other");
    assert_rejected(&with("pump_vmax = 0.5", "pump_vmax = -0.5"), "cells.phenotype.resistant.pump_vmax");
    assert_rejected(&with("pump_vmax = 0.5", "bcl2 = 0.5"), "cells.phenotype.resistant.bcl2");
    assert_rejected(&with("class = \"liposome\"", "class = \"nanotube\""), "cells.carrier.liposome.class");
    assert_rejected(&with("species = \"liposome\"", "species = \"doxorubicin\""), "cells.carrier.doxorubicin.species");
    assert_rejected(&with("class = \"liposome\"", "inhibitor_load = 0.1"), "cells.carrier.liposome.inhibitor_load");
    assert_rejected(
        &with("class = \"liposome\"", "trigger = { region = \"heat\", start = 0.0, end = 1.0, release = 0.1 }"),
        "cells.carrier.liposome.trigger.region",
    );
    assert_rejected(&with("dose = 2.0", "dose = -2.0"), "cells.radiotherapy.dose");
    assert_rejected(&with("[cells]\n", "[cells]\nmax_density = 1.5\n"), "cells.max_density");
    assert_rejected(&with("[cells]\n", "[cells]\nunknown_key = 1\n"), "unknown_key");
}

#[test]
fn a_cell_scene_writes_cell_columns_slices_and_dumps() {
    let text = format!(
        "{BASE}\n[output]\nfields = [\"sensitive\", \"cells_dead\"]\n[[output.slices]]\nspecies = \"cells_live\"\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "cells.toml", &text);
    let out = tmp.path().join("out");
    let o = oncovox(&["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for col in [
        "cells_total",
        "cells_sensitive",
        "cells_resistant",
        "dead_cells",
        "resistant_fraction",
        "hypoxic_fraction",
        "necrotic_fraction",
        "intracellular_sensitive_mean",
        "intracellular_resistant_mean",
        "drug_intracellular_mean",
        "drug_auc_tumour",
        "liposome_bound_total",
        "liposome_internalised_total",
    ] {
        assert!(header.split(',').any(|h| h == col), "timeseries.csv lacks {col}");
    }
    assert!(out.join("fields/sensitive_step00000010.npy").exists());
    assert!(out.join("fields/cells_dead_step00000010.npy").exists());
    let slices: Vec<_> = std::fs::read_dir(out.join("slices")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(slices.iter().any(|f| f.to_string_lossy().starts_with("cells_live")), "{slices:?}");
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"cells\"") && summary.contains("\"resistant_fraction\""));
}

#[test]
fn check_prints_the_cell_schedule() {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "cells.toml", BASE);
    let o = oncovox(&["check", scene.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    for want in ["cells: 2 phenotype(s), 1 carrier(s)", "kinetics every", "carrier liposome", "radiotherapy: 2 Gy"] {
        assert!(out.contains(want), "`{want}` missing from:\n{out}");
    }
}

#[test]
fn cell_runs_do_not_depend_on_the_thread_count() {
    let text = format!("{BASE}\n[output]\nfields = [\"sensitive\", \"resistant\", \"doxorubicin\"]\n");
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "cells.toml", &text);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out{threads}"));
        let o = oncovox(
            &["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let read = |f: &str| std::fs::read(out.join(f)).unwrap();
        outputs.push([
            read("timeseries.csv"),
            read("fields/sensitive_step00000010.npy"),
            read("fields/resistant_step00000010.npy"),
            read("fields/doxorubicin_step00000010.npy"),
        ]);
    }
    assert!(outputs[0] == outputs[1], "outputs differ between 1 and 2 threads");
}
