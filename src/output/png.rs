//! PNG figures of 2D field slices.
//!
//! Owns the layout of one slice figure (colour-mapped field, title and time,
//! colour bar with ticks and unit, scale bar, axis labels) and writing it to
//! disk. Rendering never panics, whatever the values or colour range.

use std::io;
use std::path::Path;

use image::{ImageError, ImageFormat, Rgb, RgbImage};

use super::colormap::viridis;
use super::font::{self, CAP_HEIGHT};

/// What one PNG slice shows.
pub struct SliceImage<'a> {
    /// Row-major 2D values, `width` fastest; row 0 is the lowest coordinate of the vertical axis.
    pub values: &'a [f32],
    pub width: usize,
    pub height: usize,
    /// Voxel edge, µm (for the scale bar).
    pub dx_um: f64,
    /// Colour range; values are clamped into it.
    pub vmin: f32,
    pub vmax: f32,
    /// e.g. "oxygen  z = 205 µm (index 20)"
    pub title: &'a str,
    /// e.g. "mmHg"
    pub unit: &'a str,
    /// Simulated time, min.
    pub time_min: f64,
    /// The latest time of the series, min: its label, the widest, sets the
    /// layout, so that every figure of a series has one size and its colour
    /// bar one place.
    pub layout_time_min: f64,
    /// Axis names for the horizontal and vertical image axes, e.g. ("x", "y").
    pub axes: (&'a str, &'a str),
    /// Line segments drawn over the field in white (vessels), `[u0, v0, u1, v1]`
    /// in voxel units of the slice (0 … width, 0 … height).
    pub overlay: &'a [[f64; 4]],
}

/// Colours, text scale and spacing shared by every figure (slices, plots).
pub(super) const WHITE: [u8; 3] = [255, 255, 255];
pub(super) const BLACK: [u8; 3] = [0, 0, 0];
pub(super) const GREY: [u8; 3] = [90, 90, 90];
/// Font scale for all text.
pub(super) const TEXT: u32 = 2;
/// Outer margin and the small gap between parts, px.
pub(super) const MARGIN: u32 = 16;
pub(super) const GAP: u32 = 8;
/// Preferred bounds on the field's longer side, px.
const FIELD_MIN: usize = 480;
const FIELD_MAX: usize = 1024;
/// Colour bar width, minimum height and tick length, px; number of ticks.
pub(super) const CBAR_W: u32 = 20;
const CBAR_MIN_H: u32 = 160;
pub(super) const TICK_LEN: u32 = 5;
const N_TICKS: u32 = 5;
/// Scale bar thickness, px.
const BAR_THICK: u32 = 6;

/// Axis-aligned pixel rectangle.
#[derive(Clone, Copy)]
pub(super) struct Rect {
    pub(super) x: u32,
    pub(super) y: u32,
    pub(super) w: u32,
    pub(super) h: u32,
}

impl Rect {
    pub(super) const fn new(x: u32, y: u32, w: u32, h: u32) -> Self {
        Self { x, y, w, h }
    }
}

/// Colour range actually used; `uniform` when the requested one was empty.
pub(super) struct ColourRange {
    lo: f32,
    hi: f32,
    uniform: bool,
}

impl ColourRange {
    pub(super) fn new(vmin: f32, vmax: f32) -> Self {
        let lo = if vmin.is_finite() { vmin } else { 0.0 };
        let ok = vmax.is_finite() && vmax > lo;
        Self { lo, hi: if ok { vmax } else { lo + 1.0 }, uniform: !ok }
    }

    /// Colour of one value; non-finite values get the lowest colour.
    fn colour(&self, v: f32) -> [u8; 3] {
        if self.uniform || !v.is_finite() {
            return viridis(0.0);
        }
        viridis((v - self.lo) / (self.hi - self.lo))
    }

    /// Value at fraction `f` of the range.
    fn at(&self, f: f64) -> f64 {
        f64::from(self.lo) + f * (f64::from(self.hi) - f64::from(self.lo))
    }
}

/// The figure's text, prepared before layout.
struct Labels {
    ticks: Vec<String>,
    time: String,
    /// The label of the series' latest time, which the layout makes room for.
    widest_time: String,
    xlabel: String,
    ylabel: String,
    /// Scale bar length, px, and its label.
    bar: Option<(u32, String)>,
}

/// Pixel positions of the figure's parts (title at `field.x`, `MARGIN`).
struct Layout {
    field: Rect,
    cbar: Rect,
    time_y: u32,
    xlabel_y: u32,
    scale_y: u32,
    width: u32,
    height: u32,
}

/// Renders one slice as a figure: field, labels, colour bar and scale bar.
pub fn render_slice(s: &SliceImage) -> RgbImage {
    compose(s).0
}

/// Writes `img` as a PNG file at `path`.
pub fn save_png(img: &RgbImage, path: &Path) -> io::Result<()> {
    img.save_with_format(path, ImageFormat::Png).map_err(|e| match e {
        ImageError::IoError(err) => err,
        other => io::Error::other(other),
    })
}

/// `img` encoded as PNG bytes.
pub fn png_bytes(img: &RgbImage) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    img.write_to(&mut io::Cursor::new(&mut bytes), ImageFormat::Png).map_err(io::Error::other)?;
    Ok(bytes)
}

/// Renders the figure and returns it with its layout.
fn compose(s: &SliceImage) -> (RgbImage, Layout) {
    let range = ColourRange::new(s.vmin, s.vmax);
    let l = Labels {
        ticks: tick_labels(&range),
        time: time_label(s.time_min),
        widest_time: time_label(s.layout_time_min.max(s.time_min)),
        xlabel: format!("{} →", s.axes.0),
        ylabel: format!("{} ↑", s.axes.1),
        bar: scale_bar(s),
    };
    let lay = layout(s, &l);
    let (f, half_cap) = (lay.field, CAP_HEIGHT * TEXT / 2);
    let mut img = RgbImage::from_pixel(lay.width, lay.height, Rgb(WHITE));
    text(&mut img, f.x, MARGIN, s.title, BLACK);
    text(&mut img, f.x, lay.time_y, &l.time, GREY);
    draw_field(&mut img, s, f, &range);
    draw_overlay(&mut img, s, f);
    draw_colour_bar(&mut img, lay.cbar, &l.ticks);
    text(&mut img, lay.cbar.x, lay.time_y, s.unit, BLACK);
    let xl_x = (f.x + f.w / 2).saturating_sub(font::text_width(&l.xlabel, TEXT) / 2);
    text(&mut img, xl_x, lay.xlabel_y, &l.xlabel, GREY);
    let yl_y = (f.y + f.h / 2).saturating_sub(half_cap);
    text(&mut img, MARGIN, yl_y, &l.ylabel, GREY);
    if let Some((px, label)) = &l.bar {
        let bar_y = (lay.scale_y + half_cap).saturating_sub(BAR_THICK / 2);
        fill(&mut img, Rect::new(f.x, bar_y, *px, BAR_THICK), BLACK);
        text(&mut img, f.x + px + GAP, lay.scale_y, label, BLACK);
    }
    (img, lay)
}

fn time_label(t: f64) -> String {
    format!("t = {t:.2} min")
}

/// Field size on screen, px: integer upscaling to at least [`FIELD_MIN`] on
/// the longer side, or integer downsampling to at most [`FIELD_MAX`].
fn field_size(width: usize, height: usize) -> (u32, u32) {
    let (w, h) = (width.max(1), height.max(1));
    let long = w.max(h);
    let (w, h) = if long > FIELD_MAX {
        let d = long.div_ceil(FIELD_MAX);
        (w.div_ceil(d), h.div_ceil(d))
    } else {
        let k = FIELD_MIN.div_ceil(long);
        (w * k, h * k)
    };
    // Both sides are at most FIELD_MAX here.
    (w as u32, h as u32)
}

/// Places the parts: title and time rows, then the field with the vertical
/// axis label on its left and the colour bar on its right, then the
/// horizontal axis label and scale bar rows under the field.
fn layout(s: &SliceImage, l: &Labels) -> Layout {
    let line = font::text_height(TEXT);
    let tw = |t: &str| font::text_width(t, TEXT);
    let (fw, fh) = field_size(s.width, s.height);
    let time_y = MARGIN + line + GAP / 2;
    let field = Rect::new(MARGIN + tw(&l.ylabel) + 2 * GAP, time_y + line + 2 * GAP, fw, fh);
    // The unit sits above the colour bar on the time row, so keep clear of the time.
    let cbar_x = field.x + fw.max(tw(&l.time).max(tw(&l.widest_time)) + GAP) + 3 * GAP;
    let cbar = Rect::new(cbar_x, field.y, CBAR_W, fh.max(CBAR_MIN_H));
    let tick_w = l.ticks.iter().map(|t| tw(t)).max().unwrap_or(0);
    let right = (cbar_x + CBAR_W + TICK_LEN + GAP + tick_w).max(cbar_x + tw(s.unit));
    let bar_w = l.bar.as_ref().map_or(0, |(px, label)| px + GAP + tw(label));
    // A field shorter than the colour bar is wide, so these rows stay clear of it.
    let xlabel_y = field.y + fh + 2 * GAP;
    let scale_y = xlabel_y + line + GAP;
    let width = right.max(field.x + bar_w.max(tw(s.title))) + MARGIN;
    let height = (scale_y + line).max(cbar.y + cbar.h + line) + MARGIN;
    Layout { field, cbar, time_y, xlabel_y, scale_y, width, height }
}

/// Draws the overlay segments as white lines clipped to the field.
fn draw_overlay(img: &mut RgbImage, s: &SliceImage, r: Rect) {
    let (w, h) = (s.width.max(1) as f64, s.height.max(1) as f64);
    for &[u0, v0, u1, v1] in s.overlay {
        let to_px = |u: f64, v: f64| (r.x as f64 + u / w * r.w as f64, r.y as f64 + r.h as f64 - v / h * r.h as f64);
        let (x0, y0) = to_px(u0, v0);
        let (x1, y1) = to_px(u1, v1);
        let n = (2.0 * (x1 - x0).abs().max((y1 - y0).abs())).ceil().clamp(1.0, 1e5) as usize;
        for i in 0..=n {
            let t = i as f64 / n as f64;
            let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
            if x >= r.x as f64 && y >= r.y as f64 && x < (r.x + r.w) as f64 && y < (r.y + r.h) as f64 {
                put(img, x as u32, y as u32, WHITE);
            }
        }
    }
}

/// Draws the colour-mapped field, nearest neighbour, lowest row at the bottom.
fn draw_field(img: &mut RgbImage, s: &SliceImage, r: Rect, range: &ColourRange) {
    let (w, h) = (s.width.max(1), s.height.max(1));
    for py in 0..r.h {
        let row = h - 1 - (py as usize * h / r.h as usize).min(h - 1);
        for px in 0..r.w {
            let col = (px as usize * w / r.w as usize).min(w - 1);
            let v = s.values.get(row * s.width + col).copied();
            put(img, r.x + px, r.y + py, range.colour(v.unwrap_or(f32::NAN)));
        }
    }
    frame(img, r);
}

/// Draws the vertical colour bar with its tick marks and labels.
pub(super) fn draw_colour_bar(img: &mut RgbImage, r: Rect, ticks: &[String]) {
    let span = r.h.saturating_sub(1).max(1);
    for py in 0..r.h {
        let t = 1.0 - py as f32 / span as f32;
        fill(img, Rect::new(r.x, r.y + py, r.w, 1), viridis(t));
    }
    frame(img, r);
    let n = (ticks.len() as u32).saturating_sub(1).max(1);
    for (i, label) in (0u32..).zip(ticks) {
        let y = r.y + span - i * span / n;
        fill(img, Rect::new(r.x + r.w, y.saturating_sub(1), TICK_LEN, 2), BLACK);
        let ty = y.saturating_sub(CAP_HEIGHT * TEXT / 2);
        text(img, r.x + r.w + TICK_LEN + GAP, ty, label, BLACK);
    }
}

/// Scale bar length in px and its label, about a fifth of the field width;
/// `None` when the voxel size is not a positive finite number.
fn scale_bar(s: &SliceImage) -> Option<(u32, String)> {
    let field_um = s.width.max(1) as f64 * s.dx_um;
    let len_um = nice_length(field_um / 5.0)?;
    let (fw, _) = field_size(s.width, s.height);
    let px = (len_um / field_um * f64::from(fw)).round().max(1.0) as u32;
    Some((px, length_label(len_um)))
}

/// Largest 1, 2 or 5 times a power of ten not above `target` (µm).
fn nice_length(target: f64) -> Option<f64> {
    if !(target.is_finite() && target > 0.0) {
        return None;
    }
    let p = 10f64.powf(target.log10().floor());
    let m = [5.0, 2.0, 1.0].into_iter().find(|m| m * p <= target * (1.0 + 1e-9));
    Some(m.unwrap_or(1.0) * p)
}

/// Length in µm as text in mm, µm or nm, whichever reads best.
fn length_label(um: f64) -> String {
    let (v, unit) = match um {
        _ if um >= 1000.0 => (um / 1000.0, "mm"),
        _ if um >= 1.0 => (um, "µm"),
        _ => (um * 1000.0, "nm"),
    };
    format!("{} {unit}", fmt_num(v, needs_sci(v.abs())))
}

/// Colour bar tick labels, evenly spaced, in one notation for the whole set.
pub(super) fn tick_labels(range: &ColourRange) -> Vec<String> {
    let last = f64::from(N_TICKS - 1);
    let values: Vec<f64> = (0..N_TICKS).map(|i| range.at(f64::from(i) / last)).collect();
    let sci = needs_sci(values.iter().fold(0.0, |m: f64, v| m.max(v.abs())));
    values.into_iter().map(|v| fmt_num(v, sci)).collect()
}

/// Whether numbers of magnitude `a` read better in scientific notation.
fn needs_sci(a: f64) -> bool {
    !(1e-2..1e4).contains(&a)
}

/// Compact number: `0`, `9.5`, `38`, or with `sci` `1.2e-3`, `4.0e5`;
/// fixed notation keeps about three significant digits.
fn fmt_num(v: f64, sci: bool) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if sci || !v.is_finite() {
        return format!("{v:.1e}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 4) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".into() } else { s.into() }
}

/// Draws `t` with its top-left corner at `(x, y)` in the figure font.
pub(super) fn text(img: &mut RgbImage, x: u32, y: u32, t: &str, color: [u8; 3]) {
    font::draw_text(img, x as i32, y as i32, t, TEXT, color);
}

/// Sets one pixel if it lies inside the image.
pub(super) fn put(img: &mut RgbImage, x: u32, y: u32, color: [u8; 3]) {
    if x < img.width() && y < img.height() {
        img.put_pixel(x, y, Rgb(color));
    }
}

/// Fills `r`, clipped to the image.
fn fill(img: &mut RgbImage, r: Rect, color: [u8; 3]) {
    for y in r.y..r.y + r.h {
        for x in r.x..r.x + r.w {
            put(img, x, y, color);
        }
    }
}

/// One-pixel black frame just outside `r`.
pub(super) fn frame(img: &mut RgbImage, r: Rect) {
    let (x0, y0) = (r.x.saturating_sub(1), r.y.saturating_sub(1));
    let (w, h) = (r.x + r.w + 1 - x0, r.y + r.h + 1 - y0);
    let sides = [
        Rect::new(x0, y0, w, 1),
        Rect::new(x0, r.y + r.h, w, 1),
        Rect::new(x0, y0, 1, h),
        Rect::new(r.x + r.w, y0, 1, h),
    ];
    for side in sides {
        fill(img, side, BLACK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(values: &[f32], width: usize, height: usize, vmin: f32, vmax: f32) -> SliceImage<'_> {
        let (title, unit, axes) = ("oxygen  z = 205 µm (index 20)", "mmHg", ("x", "y"));
        let dx_um = 10.0;
        let (time_min, layout_time_min) = (12.5, 12.5);
        SliceImage {
            values,
            width,
            height,
            dx_um,
            vmin,
            vmax,
            title,
            unit,
            time_min,
            layout_time_min,
            axes,
            overlay: &[],
        }
    }

    fn px(img: &RgbImage, x: u32, y: u32) -> [u8; 3] {
        img.get_pixel(x, y).0
    }

    #[test]
    fn gradient_runs_left_to_right_and_row_zero_is_at_the_bottom() {
        let (w, h) = (120, 80);
        // Increases along x; the lowest row (row 0) is set to the maximum.
        let mut v: Vec<f32> = (0..w * h).map(|i| (i % w) as f32 / (w - 1) as f32).collect();
        v[..w].fill(1.0);
        let (img, lay) = compose(&slice(&v, w, h, 0.0, 1.0));
        let (f, mid) = (lay.field, lay.field.y + lay.field.h / 2);
        assert_eq!((f.w, f.h), (480, 320));
        assert_eq!(px(&img, f.x, mid), viridis(0.0));
        assert_eq!(px(&img, f.x + f.w - 1, mid), viridis(1.0));
        assert_ne!(px(&img, f.x, mid), px(&img, f.x + f.w - 1, mid));
        assert_eq!(px(&img, f.x, f.y + f.h - 1), viridis(1.0), "row 0 belongs at the bottom");
        assert_eq!(px(&img, f.x, f.y), viridis(0.0));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let ranges = [(0.0, 1.0), (2.0, 2.0), (5.0, 1.0), (f32::NAN, f32::INFINITY), (1e30, 1e30)];
        for (vmin, vmax) in ranges {
            let img = render_slice(&slice(&[3.0], 1, 1, vmin, vmax));
            assert!(img.width() >= 480 && img.height() >= 480);
        }
        // Fewer values than width * height, no usable voxel size, empty text.
        let odd = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        let mut s = slice(&odd, 1000, 3, 0.0, 1.0);
        (s.dx_um, s.title, s.unit, s.axes) = (f64::NAN, "", "", ("", ""));
        render_slice(&s);
        (s.dx_um, s.width) = (0.0, 3000);
        assert!(render_slice(&s).width() < 1400, "downsampled to at most {FIELD_MAX} px");
    }

    #[test]
    fn every_figure_of_a_series_has_the_size_of_its_latest() {
        // A tall, narrow field (24 px wide) and no title: the time label
        // is the widest part above the field.
        let v = [1.0f32; 2 * 40];
        let fig = |time_min: f64, layout_time_min: f64| {
            compose(&SliceImage { time_min, layout_time_min, title: "", ..slice(&v, 2, 40, 0.0, 1.0) })
        };
        let (late, lay_late) = fig(123456.0, 123456.0);
        let (early, lay_early) = fig(0.0, 123456.0);
        assert_eq!(early.dimensions(), late.dimensions());
        assert_eq!(lay_early.cbar.x, lay_late.cbar.x, "the colour bar stays in place");
        let (alone, _) = fig(0.0, 0.0);
        assert!(alone.width() < late.width(), "the room was made for the later label");
    }

    #[test]
    fn empty_range_draws_a_uniform_field() {
        let v: Vec<f32> = (0..20).map(|i| i as f32).collect();
        let (img, lay) = compose(&slice(&v, 5, 4, 7.0, 7.0));
        let f = lay.field;
        let first = px(&img, f.x, f.y);
        assert!((0..f.h).all(|y| (0..f.w).all(|x| px(&img, f.x + x, f.y + y) == first)));
    }

    #[test]
    fn field_is_scaled_into_bounds() {
        assert_eq!(field_size(1, 1), (480, 480));
        assert_eq!(field_size(120, 80), (480, 320));
        assert_eq!(field_size(600, 10), (600, 10));
        let (w, h) = field_size(5000, 2000);
        assert!((512..=1024).contains(&w) && h >= 1);
    }

    #[test]
    fn numbers_are_compact() {
        let auto = |v: f64| fmt_num(v, needs_sci(v.abs()));
        let cases = [(0.0, "0"), (-0.0, "0"), (9.5, "9.5"), (38.0, "38"), (0.25, "0.25")];
        for (v, s) in cases.into_iter().chain([(1.2e-3, "1.2e-3"), (4.0e5, "4.0e5"), (-12.0, "-12")]) {
            assert_eq!(auto(v), s);
        }
        let labels = |lo, hi| tick_labels(&ColourRange::new(lo, hi));
        assert_eq!(labels(0.0, 38.0), ["0", "9.5", "19", "28.5", "38"]);
        assert_eq!(labels(0.0, 0.02), ["0", "0.005", "0.01", "0.015", "0.02"]);
        assert_eq!(labels(0.0, 4e-3), ["0", "1.0e-3", "2.0e-3", "3.0e-3", "4.0e-3"]);
        assert_eq!(labels(2.0, 2.0), ["2", "2.25", "2.5", "2.75", "3"]);
    }

    #[test]
    fn scale_bar_is_a_round_fifth_of_the_field() {
        assert_eq!(nice_length(240.0), Some(200.0));
        assert_eq!(nice_length(99.0), Some(50.0));
        assert_eq!(nice_length(0.0), None);
        assert_eq!(length_label(1000.0), "1 mm");
        assert_eq!(length_label(0.5), "500 nm");
        // 1200 µm drawn 480 px wide: 200 µm is 80 px.
        let bar = scale_bar(&slice(&[0.0; 120 * 80], 120, 80, 0.0, 1.0));
        assert_eq!(bar, Some((80, "200 µm".to_string())));
    }

    #[test]
    fn save_png_round_trips_and_reports_io_errors() {
        let img = render_slice(&slice(&[1.0, 2.0], 2, 1, 0.0, 2.0));
        let path = std::env::temp_dir().join(format!("oncovox_png_{}.png", std::process::id()));
        save_png(&img, &path).expect("write png");
        let back = image::open(&path).expect("read png").to_rgb8();
        std::fs::remove_file(&path).ok();
        assert_eq!(back.dimensions(), img.dimensions());
        assert!(save_png(&img, Path::new("/nonexistent-oncovox-dir/x.png")).is_err());
    }
}
