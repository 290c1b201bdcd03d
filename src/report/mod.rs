//! `report.html`: one self-contained page per run folder and per
//! comparison, made only from the files the run (or `compare`) wrote
//! there, with every figure inlined as a `data:` URI and nothing fetched
//! from anywhere. A run's page holds its provenance, metrics, time-series
//! plots, slices (a slider per series over the output times), maps and the
//! resolved scene; a comparison's page its arms (linked to their pages),
//! tables and plots.

mod compare_page;
mod html;
mod images;
mod run_page;
mod timeseries;

pub use compare_page::compare_page;
pub use run_page::run_page;

use crate::{Error, Result};
use std::path::Path;

/// The report's file name in a run or comparison folder.
pub const FILE: &str = "report.html";

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| Error::io(path, std::io::Error::other(e)))
}

/// A JSON value as table text: strings bare, numbers to about four
/// digits, lists comma-separated, `-` for null or missing.
fn show(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or("-".into(), crate::output::number::num),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Bool(b) => b.to_string(),
        Value::Object(_) => v.to_string(),
    }
}

/// `name` reduced to letters, digits, `-` and `_`, for an element id.
fn slug(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// A chart drawn for the report as PNG bytes; `dir` names the folder in
/// an error.
fn encode(img: &image::RgbImage, dir: &Path) -> Result<Vec<u8>> {
    crate::output::png::png_bytes(img).map_err(|e| Error::io(dir.join(FILE), e))
}
