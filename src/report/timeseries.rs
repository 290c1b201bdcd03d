//! The time-series plots of a run, drawn from its `timeseries.csv`: per
//! species its minimum, mean and maximum (and tumour and normal means
//! where there is a tumour); with cells, the live cells, the fractions and
//! the intracellular drug.

use crate::output::plot::{Chart, Series, line_chart};
use image::RgbImage;

/// A time series read back: column names and rows (`None`: empty or not a
/// finite number).
pub struct Columns {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Option<f64>>>,
}

impl Columns {
    /// Parse the CSV text `timeseries.csv` holds (no quoting: its columns
    /// are species names and numbers).
    pub fn parse(text: &str) -> Columns {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines.next().unwrap_or("").split(',').map(|h| h.trim().to_string()).collect();
        let cell = |c: &str| c.trim().parse::<f64>().ok().filter(|v| v.is_finite());
        let rows = lines.map(|l| l.split(',').map(cell).collect()).collect();
        Columns { header, rows }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The defined (time, value) points of column `name`.
    fn points(&self, name: &str, time_scale: f64) -> Option<Vec<(f64, f64)>> {
        let (t, i) = (self.index("time_min")?, self.index(name)?);
        let at = |r: &Vec<Option<f64>>, i: usize| r.get(i).copied().flatten();
        Some(self.rows.iter().filter_map(|r| Some((at(r, t)? / time_scale, at(r, i)?))).collect())
    }

    /// The last defined value of column `name`.
    pub fn last(&self, name: &str) -> Option<f64> {
        let i = self.index(name)?;
        self.rows.iter().rev().find_map(|r| r.get(i).copied().flatten())
    }
}

/// One chart: its title, y label, and (legend name, column) per line.
struct Spec {
    title: String,
    y_label: String,
    lines: Vec<(String, String)>,
}

/// The charts for `cols`; `species` gives each species' (name, unit).
pub fn charts(cols: &Columns, species: &[(String, String)]) -> Vec<(String, RgbImage)> {
    let span = cols.last("time_min").unwrap_or(0.0);
    // Minutes up to two hours, hours beyond.
    let (scale, x_label) = if span > 120.0 { (60.0, "time (h)") } else { (1.0, "time (min)") };
    let mut specs = Vec::new();
    for (n, unit) in species {
        let mut lines: Vec<(String, String)> =
            ["min", "mean", "max"].iter().map(|s| (s.to_string(), format!("{n}_{s}"))).collect();
        lines.extend(["tumour_mean", "normal_mean"].iter().map(|s| (s.replace('_', " "), format!("{n}_{s}"))));
        specs.push(Spec { title: n.clone(), y_label: format!("{n} ({unit})"), lines });
    }
    let prefixed = |p: &str, s: &str| {
        cols.header.iter().filter(|h| h.starts_with(p) && h.ends_with(s)).cloned().collect::<Vec<_>>()
    };
    if cols.index("cells_total").is_some() {
        let mut lines = vec![("all live cells".to_string(), "cells_total".to_string())];
        let phenotypes = prefixed("cells_", "").into_iter().filter(|h| h != "cells_total");
        lines.extend(phenotypes.map(|h| (h["cells_".len()..].to_string(), h)));
        lines.push(("dead".into(), "dead_cells".into()));
        specs.push(Spec { title: "Tumour cells".into(), y_label: "cells (count)".into(), lines });
        let fractions = ["resistant_fraction", "hypoxic_fraction", "necrotic_fraction"];
        let lines = fractions.iter().map(|f| (f.replace('_', " "), f.to_string())).collect();
        specs.push(Spec { title: "Cell fractions".into(), y_label: "fraction (0-1)".into(), lines });
        let mut lines = vec![
            ("intracellular, mean".to_string(), "drug_intracellular_mean".to_string()),
            ("around cells, mean".to_string(), "drug_tumour_mean".to_string()),
        ];
        let per = prefixed("intracellular_", "_mean");
        lines.extend(per.into_iter().map(|h| (h["intracellular_".len()..h.len() - "_mean".len()].to_string(), h)));
        specs.push(Spec { title: "Drug in and around cells".into(), y_label: "drug (µM)".into(), lines });
    }
    specs
        .into_iter()
        .filter_map(|spec| {
            let series: Vec<Series> = spec
                .lines
                .iter()
                .filter_map(|(name, col)| Some(Series { name: name.clone(), points: cols.points(col, scale)? }))
                .filter(|s| !s.points.is_empty())
                .collect();
            if series.is_empty() {
                return None;
            }
            let positive = || series.iter().flat_map(|s| s.points.iter()).map(|p| p.1).filter(|&v| v > 0.0);
            let (lo, hi) = (positive().fold(f64::INFINITY, f64::min), positive().fold(0.0, f64::max));
            let log_y = spec.title == "Tumour cells" && hi > 100.0 * lo;
            let chart =
                Chart { title: spec.title.clone(), x_label: x_label.into(), y_label: spec.y_label, series, log_y };
            Some((spec.title, line_chart(&chart)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Columns, charts};

    #[test]
    fn columns_read_back_and_charts_follow_them() {
        let csv = "time_min,o_min,o_mean,o_max,o_total\n0,1,2,3,4\n1,,2.5,inf,5\n";
        let c = Columns::parse(csv);
        assert_eq!(c.last("o_mean"), Some(2.5));
        assert_eq!(c.last("o_max"), Some(3.0), "inf is undefined");
        assert_eq!(c.last("o_min"), Some(1.0));
        let got = charts(&c, &[("o".into(), "mmHg".into()), ("missing".into(), "µM".into())]);
        let titles: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["o"], "a species without columns gets no chart");
        let with_cells =
            "time_min,cells_total,cells_sensitive,dead_cells,resistant_fraction\n0,10,10,0,0\n60,12,12,1,0.1\n";
        let got = charts(&Columns::parse(with_cells), &[]);
        let titles: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(titles, ["Tumour cells", "Cell fractions"]);
    }
}
