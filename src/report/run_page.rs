//! The report of one run folder, made from what the run wrote there:
//! `summary.json` (provenance, metrics), `timeseries.csv` (plots, final
//! values), `slices/`, `views/` and `maps/` (figures) and `scene.resolved.toml`.

use super::html::{escape, page, pairs, png_img, table};
use super::images::{figures, slice_series};
use super::timeseries::{Columns, charts};
use super::{encode, read_json, read_text, show, slug};
use crate::Result;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// The report page of the run in `dir`.
pub fn run_page(dir: &Path) -> Result<String> {
    let summary = read_json(&dir.join("summary.json"))?;
    let scene = read_text(&dir.join("scene.resolved.toml"))?;
    let cols = Columns::parse(&read_text(&dir.join("timeseries.csv"))?);
    let species: Vec<(String, String)> =
        summary["species"].as_array().into_iter().flatten().map(|s| (show(&s["name"]), show(&s["unit"]))).collect();
    let title = summary["title"].as_str().filter(|t| !t.is_empty()).unwrap_or("oncovox run");
    let mut body = format!("<h1>{}</h1>\n", escape(title));
    body.push_str(
        "<nav><a href=\"#provenance\">Provenance</a><a href=\"#metrics\">Metrics</a>\
         <a href=\"#timeseries\">Time series</a><a href=\"#slices\">Slices</a><a href=\"#maps\">Maps</a>\
         <a href=\"#scene\">Scene</a></nav>\n",
    );
    body.push_str("<h2 id=\"provenance\">Provenance</h2>\n");
    body.push_str(&pairs(&provenance(&summary)));
    body.push_str("<h2 id=\"metrics\">Metrics</h2>\n");
    body.push_str(&metrics(&summary, &cols));
    body.push_str("<h2 id=\"timeseries\">Time series</h2>\n<div class=\"grid\">\n");
    for (name, img) in charts(&cols, &species) {
        let _ = writeln!(body, "<figure>{}</figure>", png_img(&encode(&img, dir)?, &name, ""));
    }
    body.push_str("</div>\n<h2 id=\"slices\">Slices</h2>\n");
    let series = slice_series(dir, "slices")?;
    if series.is_empty() {
        body.push_str("<p class=\"muted\">The scene asks for no slices (<code>[[output.slices]]</code>).</p>\n");
    }
    for s in &series {
        body.push_str(&slider("slice", &s.name, &s.frames));
    }
    let views = slice_series(dir, "views")?;
    if !views.is_empty() {
        body.push_str("<h2 id=\"views\">3D views</h2>\n");
    }
    for s in &views {
        body.push_str(&slider("view", &s.name, &s.frames));
    }
    body.push_str("<h2 id=\"maps\">Maps</h2>\n");
    let maps = figures(dir, "maps")?;
    if maps.is_empty() {
        body.push_str("<p class=\"muted\">No maps: the scene has no vessel network (<code>[vessels]</code>).</p>\n");
    } else {
        body.push_str("<div class=\"grid\">\n");
        for (name, png) in &maps {
            let img = png_img(png, name, "");
            let _ = writeln!(body, "<figure>{img}<figcaption>{}</figcaption></figure>", escape(name));
        }
        body.push_str("</div>\n");
    }
    let _ = write!(
        body,
        "<h2 id=\"scene\">Scene</h2>\n<p>Every default written out; <code>oncovox run scene.resolved.toml</code> \
         reruns it.</p>\n<pre>{}</pre>\n",
        escape(&scene)
    );
    Ok(page(&format!("{title} — oncovox report"), &body))
}

/// One series of slices or 3D views (`kind` prefixes its id): every frame
/// inline, a slider choosing which shows (without the script, the last one
/// shows).
fn slider(kind: &str, name: &str, frames: &[(f64, Vec<u8>)]) -> String {
    let last = frames.len().saturating_sub(1);
    let mut s = format!(
        "<div class=\"series\" id=\"{kind}-{}\">\n<h3>{}</h3>\n<label>time <input type=\"range\" min=\"0\" \
         max=\"{last}\" value=\"{last}\" step=\"1\" aria-label=\"output time of {}\"> <output></output></label>\n",
        slug(name),
        escape(name),
        escape(name)
    );
    for (i, (t, png)) in frames.iter().enumerate() {
        let time = format!("{} min", crate::output::number::num(*t));
        let attrs = format!(" data-time=\"{}\"{}", escape(&time), if i == last { "" } else { " hidden" });
        s.push_str(&png_img(png, &format!("{name} at {time}"), &attrs));
        s.push('\n');
    }
    s.push_str("</div>\n");
    s
}

/// Version, commit, scene hash, backend, threads, times and the run's size.
fn provenance(j: &Value) -> Vec<(String, String)> {
    let row = |k: &str, v: String| (k.to_string(), v);
    let grid = &j["grid"];
    let time = &j["time"];
    vec![
        row("oncovox version", show(&j["oncovox_version"])),
        row("git commit", show(&j["commit"])),
        row("scene SHA-256 (scene.resolved.toml)", show(&j["scene_sha256"])),
        row("backend", show(&j["backend"])),
        row("adapter", show(&j["adapter"])),
        row("CPU threads", show(&j["threads"])),
        row("started (UTC)", show(&j["started_utc"])),
        row("wall time (s)", show(&j["wall_seconds"])),
        row("time per step (s, stepping loop)", show(&j["seconds_per_step"])),
        row("grid (voxels)", format!("{} of {} µm", show(&grid["shape"]), show(&grid["dx_um"]))),
        row(
            "time",
            format!(
                "{} steps of {} min, {} min",
                show(&time["steps"]),
                show(&time["dt_min"]),
                show(&time["duration_min"])
            ),
        ),
        row("seed", show(&j["seed"])),
    ]
}

/// The summary's numbers as tables: species (with their final values),
/// exposure, cells, vessels, operators.
fn metrics(j: &Value, cols: &Columns) -> String {
    let mut s = String::from("<h3>Species (final values)</h3>\n");
    let fin = |n: &str, c: &str| cols.last(&format!("{n}_{c}")).map_or("-".into(), crate::output::number::num);
    let rows: Vec<Vec<String>> = j["species"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|sp| {
            let n = show(&sp["name"]);
            let solves = &sp["solves"];
            vec![
                n.clone(),
                show(&sp["unit"]),
                show(&sp["solver"]),
                show(&sp["substeps"]),
                fin(&n, "min"),
                fin(&n, "mean"),
                fin(&n, "max"),
                fin(&n, "total"),
                if solves.is_null() { "-".into() } else { show(&solves["count"]) },
            ]
        })
        .collect();
    let head = ["species", "unit", "solver", "sub-steps", "min", "mean", "max", "total (unit·µm³)", "solves"];
    s.push_str(&table(&head, &rows, true));
    if let Some(e) = j["exposure"].as_object() {
        s.push_str("<h3>Exposure (tumour and normal tissue)</h3>\n");
        let keys = [
            "auc_tumour",
            "auc_normal",
            "exposure_ratio",
            "tumour_mean",
            "normal_mean",
            "percent_injected_dose_tumour",
        ];
        // In the scene's order of species.
        let names = j["species"].as_array().into_iter().flatten().map(|sp| show(&sp["name"]));
        let row = |n: String, v: &Value| std::iter::once(n).chain(keys.iter().map(|k| show(&v[*k]))).collect();
        let rows: Vec<Vec<String>> = names.filter_map(|n| e.get(&n).map(|v| row(n.clone(), v))).collect();
        let head = [
            "species",
            "AUC tumour (unit·min)",
            "AUC normal (unit·min)",
            "ratio",
            "tumour mean",
            "normal mean",
            "% injected dose in tumour",
        ];
        s.push_str(&table(&head, &rows, true));
    }
    for (key, heading) in [("cells", "Cells (at the end)"), ("vascular", "Vessels and interstitial pressure")] {
        if j[key].is_object() {
            let _ = writeln!(s, "<h3>{heading}</h3>");
            let mut rows = Vec::new();
            flatten("", &j[key], &mut rows);
            s.push_str(&pairs(&rows));
        }
    }
    if let Some(ops) = j["operators"].as_array().filter(|o| !o.is_empty()) {
        s.push_str("<h3>Time per operator (wall, the stepping loop)</h3>\n");
        let rows: Vec<Vec<String>> =
            ops.iter().map(|o| vec![show(&o["operator"]), show(&o["calls"]), show(&o["seconds"])]).collect();
        s.push_str(&table(&["operator", "calls", "seconds"], &rows, true));
    }
    s
}

/// Nested objects as (dotted key, value) rows.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v.as_object() {
        Some(o) => {
            for (k, x) in o {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        None => out.push((prefix.to_string(), show(v))),
    }
}
