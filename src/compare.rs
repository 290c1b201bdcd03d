//! `oncovox compare`: run several therapy arms and compare them.
//!
//! Owns the arms (scene files, or one scene's `[[arms]]` list of overrides),
//! running them into one output folder, and the comparison read back from
//! each arm's `timeseries.csv`: `compare.csv`, `compare.md` and line plots;
//! then `report.html` over them all (`crate::report`).
//! Only the [`CONTRACT`] columns are compared; `time_min` is the first
//! column of every time series, and an empty cell means "undefined".

use crate::output::OutputDir;
use crate::output::number::num;
use crate::output::plot::{Chart, Series, line_chart};
use crate::output::png::save_png;
use crate::ranks::Ranks;
use crate::run::{BackendChoice, run};
use crate::scene::{Scene, Validated};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A time-series column that `compare` reads, and how it is shown.
pub struct Column {
    /// Header in `timeseries.csv`.
    pub name: &'static str,
    /// What it is, with its unit (y-axis label and table heading).
    pub label: &'static str,
    /// Plot file under `plots/`.
    pub plot: &'static str,
}

/// The columns compared, in this order.
pub const CONTRACT: [Column; 5] = [
    Column { name: "cells_total", label: "live tumour cells (count)", plot: "tumour_cells.png" },
    Column { name: "resistant_fraction", label: "resistant fraction (0-1)", plot: "resistant_fraction.png" },
    Column { name: "hypoxic_fraction", label: "hypoxic fraction (0-1)", plot: "hypoxic_fraction.png" },
    Column { name: "drug_auc_tumour", label: "drug exposure in tumour, AUC (µM·min)", plot: "drug_exposure.png" },
    Column { name: "drug_intracellular_mean", label: "mean intracellular drug (µM)", plot: "intracellular_drug.png" },
];

/// Names that arm folders may not take: the comparison's own outputs.
pub(crate) const RESERVED: [&str; 5] = ["plots", "compare.csv", "compare.md", "summary.json", crate::report::FILE];

/// One arm's time series: column names and rows (`None`: undefined).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Option<f64>>>,
}

impl Table {
    fn read(path: &Path) -> Result<Table> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<String> = lines.next().unwrap_or("").split(',').map(|h| h.trim().to_string()).collect();
        if header[0] != "time_min" {
            let msg = format!("{} does not start with a `time_min` column", path.display());
            return Err(Error::scene(
                "timeseries.csv",
                msg,
                "give an oncovox timeseries.csv (header row, time in min first)",
            ));
        }
        let cell = |(i, c): (usize, &str)| -> Result<Option<f64>> {
            match c.trim() {
                "" => Ok(None),
                c => c.parse::<f64>().map(|v| v.is_finite().then_some(v)).map_err(|_| {
                    let msg = format!(
                        "{}: `{c}` in column `{}` is not a number",
                        path.display(),
                        header[i.min(header.len() - 1)]
                    );
                    Error::scene("timeseries.csv", msg, "leave undefined cells empty")
                }),
            }
        };
        let rows = lines.map(|l| l.split(',').enumerate().map(cell).collect::<Result<Vec<_>>>());
        let rows = rows.collect::<Result<Vec<_>>>()?;
        Ok(Table { header, rows })
    }

    /// The defined (time in min, value) points of `column`; `None` when the
    /// table has no such column.
    fn points(&self, column: &str) -> Option<Vec<(f64, f64)>> {
        let i = self.header.iter().position(|h| h == column)?;
        let at = |r: &Vec<Option<f64>>, i: usize| r.get(i).copied().flatten();
        Some(self.rows.iter().filter_map(|r| Some((at(r, 0)?, at(r, i)?))).collect())
    }
}

/// Final (last defined) value, minimum, and time average (trapezoid rule
/// over the defined points, divided by their time span) of one column.
fn stats(p: &[(f64, f64)]) -> Option<[f64; 3]> {
    let &(t1, last) = p.last()?;
    let min = p.iter().fold(f64::INFINITY, |m, q| m.min(q.1));
    let area: f64 = p.windows(2).map(|w| 0.5 * (w[0].1 + w[1].1) * (w[1].0 - w[0].0)).sum();
    let span = t1 - p[0].0;
    Some([last, min, if span > 0.0 { area / span } else { last }])
}

/// Compare arms, each `(name, path of its timeseries.csv)`: write
/// `compare.csv`, `compare.md` and `plots/*.png` into `out`; returns the
/// paths written, relative to `out`. Fails when no arm has any
/// [`CONTRACT`] column.
pub fn report(arms: &[(String, PathBuf)], out: &Path) -> Result<Vec<String>> {
    let tables = arms.iter().map(|(_, p)| Table::read(p)).collect::<Result<Vec<_>>>()?;
    // Per contract column, per arm: its defined points, if it has the column.
    let cols: Vec<(&Column, PerArm)> = CONTRACT
        .iter()
        .map(|c| (c, tables.iter().map(|t| t.points(c.name)).collect::<Vec<_>>()))
        .filter(|(_, per_arm)| per_arm.iter().any(Option::is_some))
        .collect();
    if cols.is_empty() {
        let names: Vec<&str> = CONTRACT.iter().map(|c| c.name).collect();
        return Err(Error::scene(
            "cells",
            format!("no arm's timeseries.csv has any of the columns {}", names.join(", ")),
            "these come from cell kinetics: give each arm's scene a `[cells]` section",
        ));
    }
    let plots = out.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| Error::io(&plots, e))?;
    let write = |rel: &str, text: &str| std::fs::write(out.join(rel), text).map_err(|e| Error::io(out.join(rel), e));
    write("compare.csv", &csv(arms, &cols))?;
    write("compare.md", &markdown(arms, &tables, &cols))?;
    let mut files = vec!["compare.csv".to_string(), "compare.md".to_string()];
    for (c, per_arm) in &cols {
        let series: Vec<Series> = arms
            .iter()
            .zip(per_arm)
            .filter_map(|((name, _), p)| {
                let points = p.as_ref()?.iter().map(|&(t, v)| (t / 60.0, v)).collect();
                Some(Series { name: name.clone(), points })
            })
            .collect();
        let positive = || series.iter().flat_map(|s| s.points.iter()).map(|p| p.1).filter(|&v| v > 0.0);
        let (lo, hi) = (positive().fold(f64::INFINITY, f64::min), positive().fold(0.0, f64::max));
        let chart = Chart {
            title: title(c.label),
            x_label: "time (h)".into(),
            y_label: c.label.into(),
            series,
            // Live cells over more than two decades read better on a log axis.
            log_y: c.name == "cells_total" && hi > 100.0 * lo,
        };
        let rel = format!("plots/{}", c.plot);
        save_png(&line_chart(&chart), &out.join(&rel)).map_err(|e| Error::io(out.join(&rel), e))?;
        files.push(rel);
    }
    Ok(files)
}

/// A label as a title: capitalised, without its unit.
fn title(label: &str) -> String {
    capitalise(label.split(" (").next().unwrap_or(label))
}

fn capitalise(s: &str) -> String {
    let mut ch = s.chars();
    ch.next().map(|f| f.to_uppercase().chain(ch).collect()).unwrap_or_default()
}

/// Per arm, its defined points of one column, if it has the column.
type PerArm = Vec<Option<Vec<(f64, f64)>>>;
type Cols<'a> = [(&'a Column, PerArm)];

/// `arm` then `<column>_final,<column>_min,<column>_time_mean` per column
/// present in any arm; a value is empty where the arm lacks it.
fn csv(arms: &[(String, PathBuf)], cols: &Cols) -> String {
    let mut s = String::from("arm");
    for (c, _) in cols {
        let _ = write!(s, ",{0}_final,{0}_min,{0}_time_mean", c.name);
    }
    for (a, (name, _)) in arms.iter().enumerate() {
        let quoted = name.contains([',', '"', '\n']);
        s.push('\n');
        s.push_str(&if quoted { format!("\"{}\"", name.replace('"', "\"\"")) } else { name.clone() });
        for (_, per_arm) in cols {
            match per_arm[a].as_deref().and_then(stats) {
                Some([f, m, t]) => write!(s, ",{f},{m},{t}"),
                None => write!(s, ",,,"),
            }
            .unwrap_or(());
        }
    }
    s.push('\n');
    s
}

/// The same numbers for people: one table and plot per column, with notes
/// on which arms lack it.
fn markdown(arms: &[(String, PathBuf)], tables: &[Table], cols: &Cols) -> String {
    let name = |a: usize| format!("`{}`", arms[a].0.replace('|', "\\|"));
    let mut s = String::from("# Therapy arms compared\n\n| arm | time span (h) | rows |\n| --- | ---: | ---: |\n");
    for (a, t) in tables.iter().enumerate() {
        let times: Vec<f64> = t.rows.iter().filter_map(|r| r.first().copied().flatten()).collect();
        let span = times.last().zip(times.first()).map_or(0.0, |(b, a)| (b - a) / 60.0);
        let _ = writeln!(s, "| {} | {} | {} |", name(a), num(span), t.rows.len());
    }
    s.push_str(
        "\nFinal: the last defined value. Minimum: over the run. Time average: the \
         integral over time (trapezoid rule) divided by the time span. `-`: undefined.\n",
    );
    for (c, per_arm) in cols {
        let _ = write!(s, "\n## {}\n\n![{}](plots/{})\n\n", capitalise(c.label), c.name, c.plot);
        s.push_str("| arm | final | minimum | time average |\n| --- | ---: | ---: | ---: |\n");
        for (a, p) in per_arm.iter().enumerate() {
            if let Some(p) = p {
                let [f, m, t] = stats(p).map_or(["-".into(), "-".into(), "-".into()], |v| v.map(num));
                let _ = writeln!(s, "| {} | {f} | {m} | {t} |", name(a));
            }
        }
        for a in (0..arms.len()).filter(|&a| per_arm[a].is_none()) {
            let _ = writeln!(
                s,
                "\nNote: arm {} has no `{}` column; it is left out of this table and plot.",
                name(a),
                c.name
            );
        }
    }
    let absent: Vec<String> = CONTRACT
        .iter()
        .filter(|c| cols.iter().all(|(k, _)| k.name != c.name))
        .map(|c| format!("`{}`", c.name))
        .collect();
    if !absent.is_empty() {
        let _ = writeln!(s, "\nNote: no arm recorded {}.", absent.join(", "));
    }
    s
}

/// One arm to run: its name, scene file, validated scene and overrides.
pub(crate) struct Arm {
    name: String,
    scene: PathBuf,
    v: Validated,
    sets: Vec<String>,
}

impl Arm {
    /// The arm `name`: the scene text of `scene` with `sets` applied, validated.
    pub(crate) fn new(name: String, scene: PathBuf, text: &str, sets: Vec<String>) -> Result<Arm> {
        let mut v = Scene::from_toml_with(text, &sets).and_then(Validated::new).map_err(|e| in_arm(e, &name))?;
        if let Some(d) = scene.parent().filter(|d| !d.as_os_str().is_empty()) {
            v.base_dir = d.to_path_buf();
        }
        Ok(Arm { name, scene, v, sets })
    }

    pub(crate) fn validated(&self) -> &Validated {
        &self.v
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The overrides of this arm, in the order applied.
    pub(crate) fn sets_given(&self) -> Vec<String> {
        self.sets.clone()
    }
}

/// Run each arm into `out/<arm>/`, then compare them (see [`report`]). The
/// arms are the scene files (named by file stem, made unique), or, for one
/// scene file with `[[arms]]`, one per entry (`name`, `set = ["key=value"]`
/// applied after `sets`). Every arm is validated before any runs; `out`
/// appears only when all arms and the comparison succeeded. A signal (see
/// [`crate::output::stop_flag`]) stops it between arms or inside one.
pub fn run_arms(
    scenes: &[PathBuf],
    out: &Path,
    backend: BackendChoice,
    sets: &[String],
    progress: bool,
    log: &mut dyn FnMut(&str),
) -> Result<Vec<String>> {
    let arms = plan_arms(scenes, sets)?;
    let inputs: Vec<&Path> = scenes.iter().map(PathBuf::as_path).collect();
    run_planned(&arms, &inputs, out, backend, progress, log, serde_json::Value::Null, &crate::ranks::Alone)
}

/// Run arms validated already into `out/<arm>/` and compare them (see
/// [`run_arms`]); `extra`, when not null, goes into `summary.json` as
/// `sweep`. With several `ranks`, rank `r` runs arms `r`, `r + size`, …
/// into rank 0's staging folder, and rank 0 writes the comparison once all
/// have finished; each rank stops at its own first failed arm.
#[allow(clippy::too_many_arguments, reason = "the arms, where they go, and how they run")]
pub(crate) fn run_planned(
    arms: &[Arm],
    inputs: &[&Path],
    out: &Path,
    backend: BackendChoice,
    progress: bool,
    log: &mut dyn FnMut(&str),
    extra: serde_json::Value,
    ranks: &dyn Ranks,
) -> Result<Vec<String>> {
    let started = std::time::SystemTime::now();
    let (rank, size) = (ranks.rank(), ranks.size());
    let dir = match (rank == 0).then(|| OutputDir::prepare(out, inputs)).transpose() {
        Ok(d) => d,
        Err(e) => {
            ranks.broadcast(String::new());
            return Err(e);
        }
    };
    let staging = ranks.broadcast(dir.as_ref().map(|d| d.path().display().to_string()).unwrap_or_default());
    if staging.is_empty() {
        return Err(Error::Numerical(format!("rank {rank}: rank 0 could not prepare {}", out.display())));
    }
    let staging = PathBuf::from(staging);
    if let Some(d) = &dir {
        // OutputDir makes a `slices` folder for runs; a comparison has none.
        let _ = std::fs::remove_dir(d.path().join("slices"));
    }
    let (mut mine, mut failed) = (Vec::new(), None);
    for (i, arm) in arms.iter().enumerate().filter(|(i, _)| i % size == rank) {
        if let Some(Err(e)) =
            dir.as_ref().map(|d| d.check_stop(|| format!("before arm {}/{} `{}`", i + 1, arms.len(), arm.name)))
        {
            failed = Some(e);
            break;
        }
        let (steps, dt) = (arm.v.steps, arm.v.scene.time.dt);
        let on = if size > 1 { format!(" on rank {rank}") } else { String::new() };
        log(&format!(
            "arm {}/{} `{}` ({}){on}: {steps} steps of {dt} min",
            i + 1,
            arms.len(),
            arm.name,
            arm.scene.display()
        ));
        let r = run(&arm.v, backend, &staging.join(&arm.name), &[], progress && rank == 0, &mut |_: &str| {}).map_err(
            |e| match e {
                // Stopped inside the arm: the comparison's folder is the one untouched.
                Error::Interrupted { signal, at, .. } => {
                    let at = format!("{at} in arm {}/{} `{}`", i + 1, arms.len(), arm.name);
                    Error::Interrupted { signal, at, target: out.to_path_buf() }
                }
                e => in_arm(e, &arm.name),
            },
        );
        match r {
            Ok(r) => mine.push(serde_json::json!({
                "arm": i,
                "files": r.files.iter().map(|f| format!("{}/{f}", arm.name)).collect::<Vec<_>>(),
                "summary": {
                    "name": arm.name, "scene": arm.scene, "set": arm.sets, "folder": arm.name,
                    "backend": r.backend, "adapter": r.device, "steps": r.steps, "wall_seconds": r.wall_seconds,
                },
            })),
            Err(e) => {
                mine.push(serde_json::json!({ "arm": i, "rank": rank, "error": e.to_string() }));
                failed = Some(e);
                break;
            }
        }
    }
    let all = ranks.gather(serde_json::Value::Array(mine).to_string());
    let Some(dir) = dir else {
        let verdict = ranks.broadcast(String::new());
        return match (failed, verdict.as_str()) {
            (Some(e), _) => Err(e),
            (None, "") => Ok(Vec::new()),
            (None, why) => Err(Error::Numerical(format!("rank {rank}: the comparison failed on rank 0: {why}"))),
        };
    };
    let outcome = finish(&dir, arms, all, failed, started, extra);
    ranks.broadcast(outcome.as_ref().err().map(|e| e.to_string()).unwrap_or_default());
    let files = outcome?;
    let target = dir.commit()?;
    log(&format!("done: {} arms; {} files in {}", arms.len(), files.len(), target.display()));
    Ok(files)
}

/// On rank 0, with every rank's results (`all`, one JSON array each) and
/// this rank's own failure: the first failure in arm order, or the
/// comparison, `summary.json` and `report.html` written into `dir`.
fn finish(
    dir: &OutputDir,
    arms: &[Arm],
    all: Vec<String>,
    failed: Option<Error>,
    started: std::time::SystemTime,
    extra: serde_json::Value,
) -> Result<Vec<String>> {
    let mut results: Vec<serde_json::Value> =
        all.iter().flat_map(|t| serde_json::from_str::<Vec<serde_json::Value>>(t).unwrap_or_default()).collect();
    results.sort_by_key(|r| r["arm"].as_u64());
    // The first failure in arm order; rank 0's own keeps its kind (and exit code).
    let first = results.iter().find(|r| r.get("error").is_some());
    match (failed, first) {
        (Some(e), None) => return Err(e),
        (Some(e), Some(f)) if f["rank"] == 0 => return Err(e),
        (_, Some(f)) => return Err(Error::Numerical(f["error"].as_str().unwrap_or("an arm failed").to_string())),
        (None, None) => {}
    }
    if results.len() != arms.len() {
        return Err(Error::Numerical(format!("{} of {} arms reported back", results.len(), arms.len())));
    }
    let mut files: Vec<String> = results
        .iter()
        .flat_map(|r| r["files"].as_array().into_iter().flatten().filter_map(|f| f.as_str().map(String::from)))
        .collect();
    let csvs: Vec<(String, PathBuf)> =
        arms.iter().map(|a| (a.name.clone(), dir.path().join(&a.name).join("timeseries.csv"))).collect();
    files.extend(report(&csvs, dir.path())?);
    let summary: Vec<serde_json::Value> = results.iter().map(|r| r["summary"].clone()).collect();
    let mut json = serde_json::json!({
        "oncovox_version": env!("CARGO_PKG_VERSION"),
        "commit": crate::output::provenance::COMMIT,
        "started_utc": crate::output::provenance::utc(started),
        "compare": summary,
    });
    if !extra.is_null() {
        json["sweep"] = extra;
    }
    dir.write("summary.json", serde_json::to_string_pretty(&json).unwrap_or_default().as_bytes())?;
    dir.write(crate::report::FILE, crate::report::compare_page(dir.path())?.as_bytes())?;
    files.extend(["summary.json", crate::report::FILE].map(String::from));
    dir.check_stop(|| format!("after all {} arms, before moving the outputs into place", arms.len()))?;
    Ok(files)
}

/// Read, name and validate every arm before anything runs.
fn plan_arms(scenes: &[PathBuf], sets: &[String]) -> Result<Vec<Arm>> {
    let fix = "give two or more scene files, or one scene file with [[arms]]";
    if scenes.is_empty() {
        return Err(Error::scene("compare", "no scene files given", fix));
    }
    let mut arms = Vec::new();
    for path in scenes {
        let text = crate::run::read_scene_text(path)?;
        let mut table: toml::Table = toml::from_str(&text)
            .map_err(|e| Error::Parse(format!("{}: {}", path.display(), e.to_string().trim_end())))?;
        let Some(list) = table.remove("arms") else {
            let name = unique_stem(path, |n| arms.iter().any(|a: &(String, PathBuf, String, Vec<String>)| a.0 == n));
            arms.push((name, path.clone(), text, sets.to_vec()));
            continue;
        };
        if scenes.len() > 1 {
            let msg = format!("{} has [[arms]], which compare reads only from a single scene file", path.display());
            return Err(Error::scene("arms", msg, "compare that file on its own, or remove its [[arms]]"));
        }
        let stripped = toml::to_string(&table).map_err(|e| Error::Parse(e.to_string()))?;
        for (name, own) in arm_specs(&list)? {
            let sets = sets.iter().chain(&own).cloned().collect();
            arms.push((name, path.clone(), stripped.clone(), sets));
        }
    }
    arms.into_iter().map(|(name, scene, text, sets)| Arm::new(name, scene, &text, sets)).collect()
}

/// `[[arms]]` entries as (name, overrides), names checked.
fn arm_specs(list: &toml::Value) -> Result<Vec<(String, Vec<String>)>> {
    let fix = "write each arm as [[arms]] with name = \"...\" and set = [\"key=value\", ...]";
    let items = list
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Error::scene("arms", "needs at least one [[arms]] entry", fix))?;
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let t = item.as_table().ok_or_else(|| Error::scene(format!("arms.{i}"), "is not a table", fix))?;
        if let Some(k) = t.keys().find(|k| *k != "name" && *k != "set") {
            return Err(Error::scene(format!("arms.{i}.{k}"), "unknown key", fix));
        }
        let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("");
        let ok = |c: char| c.is_ascii_alphanumeric() || "-_.+".contains(c);
        if name.is_empty() || name.starts_with('.') || !name.chars().all(ok) || RESERVED.contains(&name) {
            let msg = format!("`{name}` cannot name an arm's folder");
            return Err(Error::scene(
                format!("arms.{i}.name"),
                msg,
                "use letters, digits, - _ . + (not plots or report.html)",
            ));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(Error::scene(
                format!("arms.{i}.name"),
                format!("arm `{name}` is named twice"),
                "name each arm once",
            ));
        }
        let set = match t.get("set") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) if a.iter().all(toml::Value::is_str) => {
                a.iter().filter_map(|s| s.as_str().map(String::from)).collect()
            }
            Some(_) => return Err(Error::scene(format!("arms.{i}.set"), "is not a list of strings", fix)),
        };
        out.push((name.to_string(), set));
    }
    Ok(out)
}

/// The file stem of `path`, with `_2`, `_3`, … when taken or reserved.
fn unique_stem(path: &Path, taken: impl Fn(&str) -> bool) -> String {
    let stem = path.file_stem().map_or("arm".into(), |s| s.to_string_lossy().into_owned());
    let free = |n: &str| !RESERVED.contains(&n) && !taken(n);
    if free(&stem) {
        return stem;
    }
    (2..).map(|k| format!("{stem}_{k}")).find(|n| free(n)).unwrap_or(stem)
}

/// The error with the arm named in it.
fn in_arm(e: Error, arm: &str) -> Error {
    match e {
        Error::Scene { key, message, fix } => Error::Scene { key, message: format!("{message} (arm `{arm}`)"), fix },
        Error::Parse(m) => Error::Parse(format!("arm `{arm}`: {m}")),
        Error::TooLarge(m) => Error::TooLarge(format!("arm `{arm}`: {m}")),
        Error::Gpu(m) => Error::Gpu(format!("arm `{arm}`: {m}")),
        Error::Numerical(m) => Error::Numerical(format!("arm `{arm}`: {m}")),
        other => other,
    }
}
