//! A 3D view as a figure: title and time, the picture with the grid's
//! edges and axis names, and the colour bar of the emission colours.

use super::ViewParams;
use crate::output::font;
use crate::output::png::{
    BLACK, CBAR_W, ColourRange, GAP, GREY, MARGIN, Rect, TEXT, TICK_LEN, WHITE, draw_colour_bar, frame, put, text,
    tick_labels,
};
use image::{Rgb, RgbImage};

/// Grid edges and axis names on the picture.
const EDGE: [u8; 3] = [170, 170, 170];

/// The figure around `picture` (rendered with `p`): `title`, the time,
/// and a colour bar 0 … `vmax` in `unit`.
pub fn render_figure(
    picture: &RgbImage,
    p: &ViewParams,
    title: &str,
    unit: &str,
    time_min: f64,
    vmax: f32,
) -> RgbImage {
    let line = font::text_height(TEXT);
    let tw = |t: &str| font::text_width(t, TEXT);
    let ticks = tick_labels(&ColourRange::new(0.0, vmax));
    let time = format!("t = {time_min:.2} min");
    let caption = "colour: emission at each value; red: vessels";
    let time_y = MARGIN + line + GAP / 2;
    let pic = Rect::new(MARGIN, time_y + line + 2 * GAP, picture.width(), picture.height());
    let cbar = Rect::new(pic.x + pic.w + 3 * GAP, pic.y, CBAR_W, pic.h);
    let tick_w = ticks.iter().map(|t| tw(t)).max().unwrap_or(0);
    let right = (cbar.x + CBAR_W + TICK_LEN + GAP + tick_w).max(cbar.x + tw(unit));
    let caption_y = pic.y + pic.h + 2 * GAP;
    let width = right.max(MARGIN + tw(title)).max(MARGIN + tw(caption)) + MARGIN;
    let height = caption_y + line + MARGIN;
    let mut img = RgbImage::from_pixel(width, height, Rgb(WHITE));
    text(&mut img, MARGIN, MARGIN, title, BLACK);
    text(&mut img, MARGIN, time_y, &time, GREY);
    text(&mut img, cbar.x, time_y, unit, BLACK);
    for (x, y, px) in picture.enumerate_pixels() {
        put(&mut img, pic.x + x, pic.y + y, px.0);
    }
    draw_edges(&mut img, p, pic);
    frame(&mut img, pic);
    draw_colour_bar(&mut img, cbar, &ticks);
    text(&mut img, MARGIN, caption_y, caption, GREY);
    img
}

/// The twelve edges of the grid's box, and the names of the axes at the
/// far ends of the three edges from the origin corner.
fn draw_edges(img: &mut RgbImage, p: &ViewParams, pic: Rect) {
    let n = [p.nx as f32, p.ny as f32, p.nz as f32];
    let corner = |c: usize| std::array::from_fn(|a| if c >> a & 1 == 1 { n[a] } else { 0.0 });
    let at = |q: [f32; 3]| {
        let (x, y) = p.project(q);
        (pic.x as f32 + x, pic.y as f32 + y)
    };
    for c in 0..8usize {
        for a in 0..3 {
            if c >> a & 1 == 0 {
                line(img, pic, at(corner(c)), at(corner(c | 1 << a)));
            }
        }
    }
    for (a, name) in ["x", "y", "z"].into_iter().enumerate() {
        let (x, y) = at(corner(1 << a));
        let (x0, y0) = at(corner(0));
        // A little beyond the edge's end, away from the origin corner.
        let (dx, dy) = (x - x0, y - y0);
        let l = (dx * dx + dy * dy).sqrt().max(1.0);
        let (tx, ty) = (x + 14.0 * dx / l - 4.0, y + 14.0 * dy / l - 6.0);
        if tx >= pic.x as f32 && ty >= pic.y as f32 {
            text(img, tx as u32, ty as u32, name, EDGE);
        }
    }
}

/// A one-pixel line from `a` to `b`, clipped to `r`.
fn line(img: &mut RgbImage, r: Rect, a: (f32, f32), b: (f32, f32)) {
    let n = (2.0 * (b.0 - a.0).abs().max((b.1 - a.1).abs())).ceil().clamp(1.0, 1e5) as usize;
    for i in 0..=n {
        let t = i as f32 / n as f32;
        let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
        if x >= r.x as f32 && y >= r.y as f32 && x < (r.x + r.w) as f32 && y < (r.y + r.h) as f32 {
            put(img, x as u32, y as u32, EDGE);
        }
    }
}
