//! The report of a comparison folder: the arms (each linked to its own
//! report, with its backend, steps and time), `compare.csv` as tables and
//! `plots/` inline, all read from what `oncovox compare` wrote there.

use super::html::{escape, page, pairs, png_img, table, url_path};
use super::images::figures;
use super::{FILE, read_json, read_text, show};
use crate::Result;
use crate::output::number::num;
use std::fmt::Write as _;
use std::path::Path;

/// The report page of the comparison in `dir`.
pub fn compare_page(dir: &Path) -> Result<String> {
    let summary = read_json(&dir.join("summary.json"))?;
    let records = csv_records(&read_text(&dir.join("compare.csv"))?);
    let mut body = String::from("<h1>Therapy arms compared</h1>\n");
    body.push_str("<h2>Provenance</h2>\n");
    let row = |k: &str, key: &str| (k.to_string(), show(&summary[key]));
    body.push_str(&pairs(&[
        row("oncovox version", "oncovox_version"),
        row("git commit", "commit"),
        row("started (UTC)", "started_utc"),
    ]));
    body.push_str("<h2>Arms</h2>\n");
    body.push_str(&arms(dir, &summary["compare"])?);
    body.push_str(
        "<h2>Comparison</h2>\n<p>Final: the last defined value. Minimum: over the run. Time average: the integral \
         over time (trapezoid rule) divided by the time span. -: undefined.</p>\n",
    );
    body.push_str(&comparison(&records));
    body.push_str("<h2>Plots</h2>\n<div class=\"grid\">\n");
    for (name, png) in figures(dir, "plots")? {
        let _ = writeln!(body, "<figure>{}</figure>", png_img(&png, &name, ""));
    }
    body.push_str("</div>\n");
    Ok(page("Therapy arms compared — oncovox report", &body))
}

/// One row per arm: a link to its report and what its summary says.
fn arms(dir: &Path, list: &serde_json::Value) -> Result<String> {
    let mut s = String::from(
        "<table>\n<thead><tr><th>arm</th><th>scene</th><th>overrides</th><th>backend</th><th>steps</th>\
         <th>wall time (s)</th><th>live tumour cells at the end</th><th>scene SHA-256 (first 12 digits; all in its report)</th></tr></thead>\n<tbody>\n",
    );
    for arm in list.as_array().into_iter().flatten() {
        let folder = show(&arm["folder"]);
        let own = read_json(&dir.join(&folder).join("summary.json"))?;
        let link = format!("{}/{FILE}", url_path(&folder));
        let sets: Vec<String> = arm["set"].as_array().into_iter().flatten().map(show).collect();
        let cells = own["cells"]["cells_total"].as_f64().map_or("-".into(), num);
        let cells_td = [
            show(&arm["scene"]),
            sets.join(" "),
            format!("{} ({})", show(&arm["backend"]), show(&arm["adapter"])),
            show(&arm["steps"]),
            arm["wall_seconds"].as_f64().map_or("-".into(), num),
            cells,
            show(&own["scene_sha256"]).chars().take(12).collect(),
        ];
        let _ = write!(s, "<tr><td><a href=\"{}\">{}</a></td>", escape(&link), escape(&show(&arm["name"])));
        for c in cells_td {
            let _ = write!(s, "<td>{}</td>", escape(&c));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    Ok(s)
}

/// `compare.csv` (`arm`, then `<column>_final,_min,_time_mean` per
/// column) as one table per column.
fn comparison(records: &[Vec<String>]) -> String {
    let Some((head, rows)) = records.split_first() else { return String::new() };
    let mut s = String::new();
    for (i, h) in head.iter().enumerate().skip(1).step_by(3) {
        let column = h.strip_suffix("_final").unwrap_or(h);
        let _ = writeln!(s, "<h3>{}</h3>", escape(column));
        let value = |r: &Vec<String>, k: usize| match r.get(k).map(|c| c.parse::<f64>()) {
            Some(Ok(v)) => num(v),
            _ => "-".into(),
        };
        let rows: Vec<Vec<String>> =
            rows.iter().map(|r| vec![r[0].clone(), value(r, i), value(r, i + 1), value(r, i + 2)]).collect();
        s.push_str(&table(&["arm", "final", "minimum", "time average"], &rows, true));
    }
    s
}

/// CSV records (RFC 4180: quoted fields may hold commas, quotes doubled
/// and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::{comparison, csv_records};

    #[test]
    fn quoted_arm_names_read_back_whole() {
        let r = csv_records("arm,x_final,x_min,x_time_mean\n\"a,\"\"b\"\"\",1,2,3\nc,,,\n");
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], ["a,\"b\"", "1", "2", "3"]);
        assert_eq!(r[2], ["c", "", "", ""]);
        let t = comparison(&r);
        assert!(
            t.contains("<h3>x</h3>") && t.contains("a,&quot;b&quot;") && t.contains("<td class=\"n\">-</td>"),
            "{t}"
        );
    }
}
