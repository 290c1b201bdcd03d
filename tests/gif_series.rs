//! The animated GIF of a slice series: one frame per output time, each the
//! figure of its PNG, on one colour scale for the whole series, so that a
//! value keeps its colour from frame to frame and the colour bar stays put.

mod common;
use common::cli::{oncovox, stderr, write_scene};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One plane (nz = 1, so the slice is the whole field): a block at low x
/// held at 8, a block at high x supplied towards 20, which passes 8 during
/// the run. At t = 0 the held block is the maximum; at the end it is not.
const SCENE: &str = r#"
[grid]
shape = [20, 12, 1]
dx = 10.0
[time]
dt = 0.05
duration = 1.0
output_interval = 0.25
[[species]]
name = "tracer"
diffusion = 10.0
solver = "explicit"
[[regions]]
name = "held"
box = { min = [0.0, 0.0, 0.0], max = [60.0, 120.0, 10.0] }
hold = { tracer = 8.0 }
[[regions]]
name = "source"
box = { min = [140.0, 0.0, 0.0], max = [200.0, 120.0, 10.0] }
supply = { tracer = { rate = 2.0, target = 20.0 } }
[[output.slices]]
species = "tracer"
"#;

const TIMES: [&str; 5] = ["00000.00", "00000.25", "00000.50", "00000.75", "00001.00"];

struct Gif {
    width: usize,
    palette: Vec<[u8; 3]>,
    /// Palette indices, row by row.
    frames: Vec<Vec<u8>>,
}

fn decode(path: &Path) -> Gif {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut d = gif::DecodeOptions::new().read_info(file).unwrap();
    let palette = d.global_palette().expect("one global palette").chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
    let width = d.width() as usize;
    let mut frames = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        assert!(f.palette.is_none(), "no frame has a palette of its own");
        assert_eq!((f.left, f.top, f.width as usize), (0, 0, width), "every frame covers the whole canvas");
        frames.push(f.buffer.to_vec());
    }
    Gif { width, palette, frames }
}

fn run(dir: &Path, text: &str) -> std::path::PathBuf {
    let scene = write_scene(dir, "s.toml", text);
    let out = dir.join("out");
    let o = oncovox(
        &["run", scene.to_str().unwrap(), "--backend", "cpu", "-o", out.to_str().unwrap()],
        &[("RAYON_NUM_THREADS", "2")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

fn distance(a: [u8; 3], b: [u8; 3]) -> i32 {
    (0..3).map(|k| (i32::from(a[k]) - i32::from(b[k])).abs()).max().unwrap()
}

#[test]
fn the_gif_has_a_frame_per_output_time_on_one_colour_scale() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), SCENE);
    let g = decode(&out.join("slices/tracer_z000.gif"));
    assert_eq!(g.frames.len(), TIMES.len(), "one frame per output time");

    // Each frame is its PNG, up to the palette (≤ 256 colours: the nearest
    // entry is at most a few units off in each channel of viridis).
    let pngs: Vec<image::RgbImage> = TIMES
        .iter()
        .map(|t| image::open(out.join(format!("slices/tracer_z000_t{t}min.png"))).unwrap().to_rgb8())
        .collect();
    for (k, (png, frame)) in pngs.iter().zip(&g.frames).enumerate() {
        assert_eq!((png.width() as usize, png.height() as usize), (g.width, frame.len() / g.width), "frame {k}");
        let worst = png.pixels().zip(frame).map(|(p, &i)| distance(p.0, g.palette[i as usize])).max().unwrap();
        assert!(worst <= 3, "frame {k}: a pixel is {worst} off its PNG");
    }

    // The colour bar: the column of frame 0 with the most colours (the
    // field has at most a few at t = 0) is the same in every frame.
    let column = |f: &[u8], x: usize| -> Vec<u8> { f.iter().skip(x).step_by(g.width).copied().collect() };
    let distinct = |c: &[u8]| c.iter().collect::<BTreeSet<_>>().len();
    let bar = (0..g.width).max_by_key(|&x| distinct(&column(&g.frames[0], x))).unwrap();
    assert!(distinct(&column(&g.frames[0], bar)) > 100, "the colour bar shows the whole ramp");
    for (k, f) in g.frames.iter().enumerate() {
        assert_eq!(column(f, bar), column(&g.frames[0], bar), "frame {k}: the colour bar moved or changed");
    }

    // The held block (8 at every time) is the most common colour of the
    // t = 0 PNG after the field's zero: it keeps its colour in every frame.
    let zero = oncovox::output::colormap::viridis(0.0);
    let mut counts: BTreeMap<[u8; 3], usize> = BTreeMap::new();
    for p in pngs[0].pixels().filter(|p| ![[255, 255, 255], [0, 0, 0], [90, 90, 90], zero].contains(&p.0)) {
        *counts.entry(p.0).or_default() += 1;
    }
    let (&held, &n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(n > 10_000, "the held block covers a large part of the field ({n} px)");
    let at: Vec<usize> = pngs[0].pixels().enumerate().filter(|(_, p)| p.0 == held).map(|(i, _)| i).collect();
    for (k, f) in g.frames.iter().enumerate() {
        let colours: BTreeSet<u8> = at.iter().map(|&i| f[i]).collect();
        assert_eq!(colours.len(), 1, "frame {k}: the held value keeps one colour");
        assert_eq!(f[at[0]], g.frames[0][at[0]], "frame {k}: the held value keeps its colour");
    }
    // On the series' scale 8 is not the top colour, although it is the
    // maximum at t = 0 (a figure scaled to its own maximum would show it
    // yellow there), and the supplied block does change colour.
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let last: Vec<f64> = csv.lines().last().unwrap().split(',').map(|x| x.parse().unwrap()).collect();
    let series_max = last[3]; // time, tracer_min, tracer_mean, tracer_max
    assert!(series_max > 12.0, "the supplied block passes the held value ({series_max})");
    let expected = oncovox::output::colormap::viridis((8.0 / series_max) as f32);
    assert!(distance(g.palette[g.frames[0][at[0]] as usize], expected) <= 3, "8 of {series_max} on the bar");
    let top = oncovox::output::colormap::viridis(1.0);
    assert!(distance(g.palette[g.frames[0][at[0]] as usize], top) > 40, "the held value is not the top colour");
    let changed = g.frames[0].iter().zip(g.frames.last().unwrap()).filter(|(a, b)| a != b).count();
    assert!(changed > 10_000, "the supplied block changes colour ({changed} px)");
}

#[test]
fn output_gif_false_writes_no_animation_and_the_pngs_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), &SCENE.replace("[[output.slices]]", "[output]\ngif = false\n[[output.slices]]"));
    let names: Vec<String> = std::fs::read_dir(out.join("slices"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(names.iter().filter(|n| n.ends_with(".png")).count(), TIMES.len(), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".gif")), "{names:?}");
}
