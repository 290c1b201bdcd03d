//! Line charts of time series as PNG-ready RGB images.
//!
//! Owns the layout of one chart (title, y-axis label above the axis, axes
//! with "nice" ticks and grid lines, x-axis label, a legend box to the right)
//! and its colours: the Okabe–Ito palette, which colour-blind readers can
//! tell apart; from the eighth series on, colours repeat with dashed lines.
//! Non-finite points (and non-positive ones on a log axis) are skipped and
//! break the line. Rendering never panics, whatever the data.

use image::{Rgb, RgbImage};

use super::font::{self, CAP_HEIGHT};

/// One line: its legend name and its (x, y) points in drawing order.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// What one chart shows. Labels carry their units, e.g. "time (h)".
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Logarithmic y axis (decade ticks); non-positive values are skipped.
    pub log_y: bool,
}

/// Image size, px.
pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 560;
/// Okabe–Ito colours (yellow left out: it barely shows on white).
const PALETTE: [[u8; 3]; 7] =
    [[0, 114, 178], [213, 94, 0], [0, 158, 115], [230, 159, 0], [204, 121, 167], [86, 180, 233], [0, 0, 0]];
use super::png::{BLACK, GAP, GREY, MARGIN, TEXT, WHITE};

const GRID: [u8; 3] = [228, 228, 228];
/// Font scale of the title (other text: the slices' scale).
const TITLE: u32 = 3;
/// Tick length, legend padding and swatch length, px.
const TICK: u32 = 5;
const PAD: u32 = 8;
const SWATCH: u32 = 28;
/// Longest legend name drawn, characters.
const NAME_MAX: usize = 30;
/// Dash and gap length of dashed lines, px.
const DASH: f64 = 8.0;

/// Colour of series `i`.
pub fn series_colour(i: usize) -> [u8; 3] {
    PALETTE[i % PALETTE.len()]
}

/// Axis-aligned pixel rectangle.
#[derive(Clone, Copy)]
struct Rect {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

/// An axis: its drawn range (in log10 units on a log axis) and tick values.
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    labels: Vec<String>,
}

impl Axis {
    fn new(values: impl Iterator<Item = f64>, log: bool) -> Axis {
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if log {
            let ticks = decade_ticks(lo, hi);
            let labels = decade_labels(&ticks);
            let (lo, hi) = (ticks[0].log10(), ticks[ticks.len() - 1].log10());
            return Axis { lo, hi, log, ticks, labels };
        }
        let ticks = nice_ticks(lo, hi, 6);
        let labels = tick_labels(&ticks);
        Axis { lo: ticks[0], hi: ticks[ticks.len() - 1], log, ticks, labels }
    }

    /// Where `v` lies along the axis, 0 … 1 inside the range.
    fn frac(&self, v: f64) -> f64 {
        let v = if self.log { v.log10() } else { v };
        (v - self.lo) / (self.hi - self.lo)
    }

    fn drawable(&self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }
}

/// Evenly spaced "nice" values (1, 2, 2.5 or 5 × 10^k apart), about `target`
/// of them, whose first is ≤ every finite value in `lo … hi` and whose last
/// is ≥ them. An empty or zero-width range gets a small range around it.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) if hi >= lo => (lo, hi),
        _ => (0.0, 1.0),
    };
    let mid = 0.5 * lo + 0.5 * hi;
    let (lo, hi) = if hi - lo > mid.abs() * 1e-9 {
        (lo, hi)
    } else if mid == 0.0 {
        (0.0, 1.0)
    } else {
        (mid - 0.1 * mid.abs(), mid + 0.1 * mid.abs())
    };
    let raw = (hi - lo) / target.saturating_sub(1).max(1) as f64;
    if !raw.is_finite() || raw <= 0.0 {
        return vec![lo, hi];
    }
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * p).find(|s| *s >= raw * (1.0 - 1e-12));
    let step = step.unwrap_or(10.0 * p);
    let (first, last) = ((lo / step).floor(), (hi / step).ceil());
    if !(last - first).is_finite() || last - first > 100.0 {
        return vec![lo, hi];
    }
    (first as i64..=last as i64).map(|i| i as f64 * step).collect()
}

/// Powers of ten from the decade at or below the smallest positive value to
/// the one at or above the largest, at least two, at most about ten.
fn decade_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = if lo > 0.0 && hi.is_finite() && hi >= lo { (lo, hi) } else { (1.0, 10.0) };
    let (a, mut b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    if b <= a {
        b = a + 1;
    }
    let every = ((b - a) as usize).div_ceil(10).max(1) as i32;
    let b = a + (b - a + every - 1) / every * every;
    (a..=b).step_by(every as usize).map(|k| 10f64.powi(k)).collect()
}

/// `0.01` … `10000` when every decade is in that range, else `1e-3`, `1e5`, ….
fn decade_labels(ticks: &[f64]) -> Vec<String> {
    let k = |v: &f64| v.log10().round() as i32;
    if ticks.iter().all(|v| (-2..=4).contains(&k(v))) {
        return ticks.iter().map(|v| tick_labels(&[*v]).remove(0)).collect();
    }
    ticks.iter().map(|v| format!("1e{}", k(v))).collect()
}

/// Labels for evenly spaced ticks, with just enough digits for the step.
fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let step = if ticks.len() > 1 { (ticks[1] - ticks[0]).abs() } else { ticks.first().map_or(1.0, |t| t.abs()) };
    let big = ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    if big >= 1e5 || (big > 0.0 && big < 1e-3) || step < 1e-4 {
        let digits = if step > 0.0 { (big / step).log10().ceil().clamp(0.0, 6.0) as usize } else { 2 };
        return ticks.iter().map(|t| if *t == 0.0 { "0".into() } else { format!("{t:.digits$e}") }).collect();
    }
    let decimals = (0..=6).find(|&d| ((step * 10f64.powi(d)).round() - step * 10f64.powi(d)).abs() < 1e-6);
    let d = decimals.unwrap_or(6) as usize;
    let unsign = |s: String| match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    };
    ticks.iter().map(|t| unsign(format!("{t:.d$}"))).collect()
}

/// Renders the chart as a [`WIDTH`] × [`HEIGHT`] image.
pub fn line_chart(c: &Chart) -> RgbImage {
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb(WHITE));
    let pts = || c.series.iter().flat_map(|s| s.points.iter());
    let xa = Axis::new(pts().filter(|p| p.0.is_finite() && p.1.is_finite()).map(|p| p.0), false);
    let ya = Axis::new(
        pts().filter(|p| p.0.is_finite()).map(|p| p.1).filter(|&y| y.is_finite() && (!c.log_y || y > 0.0)),
        c.log_y,
    );
    let line = font::text_height(TEXT);
    let tw = |t: &str| font::text_width(t, TEXT);
    let title_scale = if font::text_width(&c.title, TITLE) + 2 * MARGIN <= WIDTH { TITLE } else { TEXT };
    text(&mut img, MARGIN, MARGIN, &c.title, BLACK, title_scale);
    let ylabel_y = MARGIN + font::text_height(title_scale) + GAP;
    text(&mut img, MARGIN, ylabel_y, &c.y_label, GREY, TEXT);
    let names: Vec<String> = c.series.iter().map(|s| shorten(&s.name)).collect();
    let legend_w = names.iter().map(|n| tw(n)).max().map_or(0, |w| 2 * PAD + SWATCH + GAP + w);
    let left = MARGIN + ya.labels.iter().map(|l| tw(l)).max().unwrap_or(0) + GAP + TICK;
    let top = ylabel_y + line + 2 * GAP;
    let right = WIDTH - MARGIN - if legend_w > 0 { legend_w + 2 * GAP } else { 0 };
    let bottom = HEIGHT - MARGIN - 2 * line - 2 * GAP - TICK;
    let plot = Rect { x: left, y: top, w: right.saturating_sub(left).max(1), h: bottom.saturating_sub(top).max(1) };
    let to_px = |x: f64, y: f64| {
        let px = f64::from(plot.x) + xa.frac(x) * f64::from(plot.w - 1);
        (px, f64::from(plot.y + plot.h - 1) - ya.frac(y) * f64::from(plot.h - 1))
    };
    draw_axes(&mut img, plot, &xa, &ya);
    let xl_x = (plot.x + plot.w / 2).saturating_sub(tw(&c.x_label) / 2);
    text(&mut img, xl_x, HEIGHT - MARGIN - line, &c.x_label, GREY, TEXT);
    if c.series.iter().all(|s| s.points.iter().all(|p| !(p.0.is_finite() && ya.drawable(p.1)))) {
        let msg = "no data";
        text(&mut img, plot.x + plot.w / 2 - tw(msg) / 2, plot.y + plot.h / 2, msg, GREY, TEXT);
    }
    for (i, s) in c.series.iter().enumerate() {
        let ok = |p: &(f64, f64)| p.0.is_finite() && ya.drawable(p.1);
        let dashed = i >= PALETTE.len();
        for run in s.points.split(|p| !ok(p)).filter(|r| !r.is_empty()) {
            let px: Vec<(f64, f64)> = run.iter().map(|&(x, y)| to_px(x, y)).collect();
            if px.len() == 1 {
                marker(&mut img, plot, px[0], series_colour(i));
            }
            let mut dist = 0.0;
            for w in px.windows(2) {
                dist = segment(&mut img, plot, w[0], w[1], series_colour(i), dashed.then_some(dist));
            }
        }
    }
    if legend_w > 0 {
        let lg =
            Rect { x: WIDTH - MARGIN - legend_w, y: top, w: legend_w, h: 2 * PAD + names.len() as u32 * (line + 4) };
        draw_legend(&mut img, lg, &names);
    }
    img
}

/// A legend name cut to [`NAME_MAX`] characters.
fn shorten(name: &str) -> String {
    if name.chars().count() <= NAME_MAX {
        return name.into();
    }
    name.chars().take(NAME_MAX - 2).chain("..".chars()).collect()
}

/// Grid lines, the frame, ticks and tick labels of both axes.
fn draw_axes(img: &mut RgbImage, r: Rect, xa: &Axis, ya: &Axis) {
    let half_cap = CAP_HEIGHT * TEXT / 2;
    for (t, label) in xa.ticks.iter().zip(&xa.labels) {
        let x = r.x + (xa.frac(*t) * f64::from(r.w - 1)).round().clamp(0.0, f64::from(r.w - 1)) as u32;
        fill(img, Rect { x, y: r.y, w: 1, h: r.h }, GRID);
        fill(img, Rect { x, y: r.y + r.h, w: 1, h: TICK }, BLACK);
        let lx = x.saturating_sub(font::text_width(label, TEXT) / 2);
        text(img, lx, r.y + r.h + TICK + GAP / 2, label, BLACK, TEXT);
    }
    for (t, label) in ya.ticks.iter().zip(&ya.labels) {
        let y = r.y + r.h - 1 - (ya.frac(*t) * f64::from(r.h - 1)).round().clamp(0.0, f64::from(r.h - 1)) as u32;
        fill(img, Rect { x: r.x, y, w: r.w, h: 1 }, GRID);
        fill(img, Rect { x: r.x.saturating_sub(TICK + 1), y, w: TICK, h: 1 }, BLACK);
        let lx = r.x.saturating_sub(TICK + GAP + font::text_width(label, TEXT));
        text(img, lx, y.saturating_sub(half_cap), label, BLACK, TEXT);
    }
    frame(img, r);
}

/// The legend: a framed box with one line sample and name per series.
fn draw_legend(img: &mut RgbImage, r: Rect, names: &[String]) {
    fill(img, r, WHITE);
    frame(img, r);
    let line = font::text_height(TEXT) + 4;
    for (i, name) in names.iter().enumerate() {
        let y = r.y + PAD + i as u32 * line;
        let mid = f64::from(y + CAP_HEIGHT * TEXT / 2);
        let (a, b) = ((f64::from(r.x + PAD), mid), (f64::from(r.x + PAD + SWATCH), mid));
        segment(img, r, a, b, series_colour(i), (i >= PALETTE.len()).then_some(0.0));
        text(img, r.x + PAD + SWATCH + GAP, y, name, BLACK, TEXT);
    }
}

/// A 2 px line from `a` to `b` (px), clipped to `clip`. `dash` is the
/// distance already drawn along a dashed line; returns it advanced.
fn segment(img: &mut RgbImage, clip: Rect, a: (f64, f64), b: (f64, f64), c: [u8; 3], dash: Option<f64>) -> f64 {
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    let n = (2.0 * len).ceil().clamp(1.0, 1e5) as usize;
    let start = dash.unwrap_or(0.0);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        if dash.is_some() && ((start + t * len) / DASH) as u64 % 2 == 1 {
            continue;
        }
        let (x, y) = (a.0 + t * (b.0 - a.0) - 0.5, a.1 + t * (b.1 - a.1) - 0.5);
        block(img, clip, x.round(), y.round(), 2, c);
    }
    start + len
}

/// A 6 px square marking a point with no neighbour to join.
fn marker(img: &mut RgbImage, clip: Rect, p: (f64, f64), c: [u8; 3]) {
    block(img, clip, (p.0 - 3.0).round(), (p.1 - 3.0).round(), 6, c);
}

/// An `s` × `s` block at `(x, y)`, clipped to `clip`.
fn block(img: &mut RgbImage, clip: Rect, x: f64, y: f64, s: u32, c: [u8; 3]) {
    let (x0, y0) = (f64::from(clip.x), f64::from(clip.y));
    let (x1, y1) = (x0 + f64::from(clip.w), y0 + f64::from(clip.h));
    for dy in 0..s {
        for dx in 0..s {
            let (px, py) = (x + f64::from(dx), y + f64::from(dy));
            if px >= x0 && px < x1 && py >= y0 && py < y1 {
                put(img, px as u32, py as u32, c);
            }
        }
    }
}

fn text(img: &mut RgbImage, x: u32, y: u32, t: &str, c: [u8; 3], scale: u32) {
    font::draw_text(img, x as i32, y as i32, t, scale, c);
}

fn put(img: &mut RgbImage, x: u32, y: u32, c: [u8; 3]) {
    if x < img.width() && y < img.height() {
        img.put_pixel(x, y, Rgb(c));
    }
}

fn fill(img: &mut RgbImage, r: Rect, c: [u8; 3]) {
    for y in r.y..r.y.saturating_add(r.h) {
        for x in r.x..r.x.saturating_add(r.w) {
            put(img, x, y, c);
        }
    }
}

/// One-pixel black frame just outside `r`.
fn frame(img: &mut RgbImage, r: Rect) {
    let (x0, y0) = (r.x.saturating_sub(1), r.y.saturating_sub(1));
    let (x1, y1) = (r.x + r.w, r.y + r.h);
    fill(img, Rect { x: x0, y: y0, w: x1 + 1 - x0, h: 1 }, BLACK);
    fill(img, Rect { x: x0, y: y1, w: x1 + 1 - x0, h: 1 }, BLACK);
    fill(img, Rect { x: x0, y: y0, w: 1, h: y1 + 1 - y0 }, BLACK);
    fill(img, Rect { x: x1, y: y0, w: 1, h: y1 + 1 - y0 }, BLACK);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(series: Vec<Series>, log_y: bool) -> Chart {
        let (title, x_label, y_label) = ("Live tumour cells".into(), "time (h)".into(), "cells (count)".into());
        Chart { title, x_label, y_label, series, log_y }
    }

    fn series(name: &str, points: Vec<(f64, f64)>) -> Series {
        Series { name: name.into(), points }
    }

    fn count(img: &RgbImage, c: [u8; 3]) -> usize {
        img.pixels().filter(|p| p.0 == c).count()
    }

    #[test]
    fn nice_ticks_cover_the_data_range() {
        let cases =
            [(0.0, 1.0), (0.13, 0.87), (-3.2, 17.9), (1e5, 3.7e6), (2e-7, 9e-7), (5.0, 5.0), (0.0, 0.0), (-1e-3, 0.0)];
        for (lo, hi) in cases {
            let t = nice_ticks(lo, hi, 6);
            assert!(t.len() >= 2 && t.len() <= 12, "{lo}..{hi}: {t:?}");
            assert!(t[0] <= lo && *t.last().unwrap() >= hi, "{lo}..{hi}: {t:?}");
            let step = t[1] - t[0];
            let m = step / 10f64.powf(step.log10().floor());
            assert!([1.0, 2.0, 2.5, 5.0].iter().any(|n| (m - n).abs() < 1e-9), "step {step} is not nice");
        }
        assert_eq!(nice_ticks(0.0, 10.0, 6), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(tick_labels(&nice_ticks(0.0, 1.0, 6)), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let d = decade_ticks(3.0, 4.2e4);
        assert_eq!(d, [1.0, 10.0, 100.0, 1e3, 1e4, 1e5]);
        assert_eq!(decade_labels(&d), ["1e0", "1e1", "1e2", "1e3", "1e4", "1e5"]);
        assert_eq!(decade_labels(&[0.01, 1.0, 100.0]), ["0.01", "1", "100"]);
    }

    #[test]
    fn distinct_series_get_distinct_colours() {
        let lines: Vec<Series> = (0..3)
            .map(|i| series(&format!("arm {i}"), (0..50).map(|t| (t as f64, (i * 10 + t) as f64)).collect()))
            .collect();
        let img = line_chart(&chart(lines, false));
        assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
        for i in 0..3 {
            assert!(count(&img, series_colour(i)) > 100, "series {i} is hardly drawn");
            assert!((0..i).all(|j| series_colour(i) != series_colour(j)));
        }
        assert_eq!(count(&img, series_colour(3)), 0, "no fourth colour without a fourth series");
    }

    #[test]
    fn degenerate_data_does_not_panic() {
        let nan = f64::NAN;
        let cases = vec![
            vec![],
            vec![series("empty", vec![])],
            vec![series("constant", vec![(0.0, 7.0), (1.0, 7.0), (2.0, 7.0)])],
            vec![series("one point", vec![(3.0, 1e30)])],
            vec![series("odd", vec![(nan, 1.0), (1.0, f64::INFINITY), (2.0, -0.0), (2.0, 5.0), (f64::MAX, 1.0)])],
            vec![series("same x", vec![(1.0, 1.0), (1.0, 2.0)]), series("", vec![(0.0, f64::MIN), (1.0, f64::MAX)])],
        ];
        for s in cases {
            for log_y in [false, true] {
                let img = line_chart(&chart(s.iter().map(|x| series(&x.name, x.points.clone())).collect(), log_y));
                assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
            }
        }
        let img = line_chart(&chart(vec![series("constant", vec![(0.0, 7.0), (1.0, 7.0)])], false));
        assert!(count(&img, series_colour(0)) > 100, "a constant line is drawn");
        let many: Vec<Series> = (0..12).map(|i| series(&"x".repeat(40), vec![(0.0, i as f64), (1.0, 0.0)])).collect();
        line_chart(&chart(many, true));
    }
}
