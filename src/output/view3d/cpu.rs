//! The CPU renderer, twin of `view3d_render` in shaders/view3d.wgsl: one
//! ray per pixel, the same ray setup, step count, trilinear sampling and
//! front-to-back compositing in f32, in the same order.

use super::{MIN_TRANSMITTANCE, ViewParams};
use rayon::prelude::*;

/// The picture of `field` (and the vessel mask `vessels`, 0 … 1 per voxel)
/// with `p` and the colour table `table`: RGBA per pixel, rows from the top.
pub fn render(p: &ViewParams, field: &[f32], vessels: &[f32], table: &[[f32; 4]]) -> Vec<[f32; 4]> {
    let (w, h) = (p.width as usize, p.height as usize);
    let mut out = vec![[0.0f32; 4]; w * h];
    out.par_chunks_mut(w.max(1)).enumerate().for_each(|(y, row)| {
        for (x, px) in row.iter_mut().enumerate() {
            *px = ray(p, field, vessels, table, x as u32, y as u32);
        }
    });
    out
}

/// The colour of the ray through pixel (`x`, `y`), alpha the opacity.
pub fn ray(p: &ViewParams, field: &[f32], vessels: &[f32], table: &[[f32; 4]], x: u32, y: u32) -> [f32; 4] {
    let s = (x as f32 + 0.5) - 0.5 * p.width as f32;
    let t = 0.5 * p.height as f32 - (y as f32 + 0.5);
    let o: [f32; 3] = std::array::from_fn(|a| p.origin[a] + s * p.right[a] + t * p.up[a]);
    let n = [p.nx as f32, p.ny as f32, p.nz as f32];
    let (mut near, mut far) = (f32::NEG_INFINITY, f32::INFINITY);
    for a in 0..3 {
        let t0 = (0.0 - o[a]) * p.inv_dir[a];
        let t1 = (n[a] - o[a]) * p.inv_dir[a];
        near = near.max(t0.min(t1));
        far = far.min(t0.max(t1));
    }
    let bg = p.background;
    if far <= near {
        return [bg[0], bg[1], bg[2], 0.0];
    }
    let steps = ((far - near) / p.step).ceil().max(1.0);
    let h = (far - near) / steps;
    let (mut c, mut tr) = ([0.0f32; 3], 1.0f32);
    let mut i = 0.0f32;
    while i < steps {
        let d = near + (i + 0.5) * h;
        let q: [f32; 3] = std::array::from_fn(|a| o[a] + d * p.dir[a]);
        let v = (sample(p, field, q) * p.inv_max).clamp(0.0, 1.0);
        let k_field = p.sigma_field * v;
        let k_vessel = p.sigma_vessel * sample(p, vessels, q);
        let k = k_field + k_vessel;
        if k > 0.0 {
            let alpha = 1.0 - (-k * h).exp();
            let e = colour(table, v);
            let weight = tr * alpha / k;
            for a in 0..3 {
                c[a] += weight * (k_field * e[a] + k_vessel * p.vessel[a]);
            }
            tr *= 1.0 - alpha;
            if tr < MIN_TRANSMITTANCE {
                break;
            }
        }
        i += 1.0;
    }
    [c[0] + tr * bg[0], c[1] + tr * bg[1], c[2] + tr * bg[2], 1.0 - tr]
}

/// Trilinear value of `f` at `q` (voxel edges; voxel centres at i + 0.5),
/// clamped to the outer voxels.
fn sample(p: &ViewParams, f: &[f32], q: [f32; 3]) -> f32 {
    let n = [p.nx, p.ny, p.nz];
    let mut lo = [0usize; 3];
    let mut hi = [0usize; 3];
    let mut w = [0.0f32; 3];
    for a in 0..3 {
        let g = q[a] - 0.5;
        let fl = g.floor();
        w[a] = g - fl;
        let top = (n[a] - 1) as f32;
        lo[a] = fl.clamp(0.0, top) as usize;
        hi[a] = (fl + 1.0).clamp(0.0, top) as usize;
    }
    let at = |i: usize, j: usize, k: usize| f[(k * p.ny as usize + j) * p.nx as usize + i];
    let x = |j: usize, k: usize| at(lo[0], j, k) + w[0] * (at(hi[0], j, k) - at(lo[0], j, k));
    let y = |k: usize| x(lo[1], k) + w[1] * (x(hi[1], k) - x(lo[1], k));
    y(lo[2]) + w[2] * (y(hi[2]) - y(lo[2]))
}

/// The table's colour at `v` (0 … 1), linear between entries.
fn colour(table: &[[f32; 4]], v: f32) -> [f32; 4] {
    let pos = v * (table.len() - 1) as f32;
    let i = (pos.floor() as usize).min(table.len() - 2);
    let f = pos - i as f32;
    let (a, b) = (table[i], table[i + 1]);
    std::array::from_fn(|c| a[c] + f * (b[c] - a[c]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::view3d::colour_table;

    /// A uniform cube at the top of the colour range: the ray through the
    /// picture's centre crosses the cube's centre, so its chord is
    /// L = n / max |d_a|, and its opacity 1 − exp(−σ·L) whatever the steps.
    #[test]
    fn a_uniform_cube_has_the_opacity_of_its_chord() {
        let n = 24usize;
        let field = vec![2.0f32; n * n * n];
        let none = vec![0.0f32; n * n * n];
        let mut p = ViewParams::new([n; 3], 64, 64, 2.0);
        p.sigma_field = 0.05;
        let table = colour_table();
        let top = table[255];
        let d = p.dir;
        let chord = n as f64 / d[..3].iter().fold(0.0f64, |m, &c| m.max(f64::from(c).abs()));
        let opacity = 1.0 - (-0.05 * chord).exp();
        let c = ray(&p, &field, &none, &table, 32, 32);
        // The pixel centre is half a pixel off the picture's centre; the
        // chord changes by less than 1e-3 of itself there.
        assert!((f64::from(c[3]) - opacity).abs() < 2e-3, "opacity {} vs {opacity}", c[3]);
        for a in 0..3 {
            let want = f64::from(top[a]) * opacity + f64::from(p.background[a]) * (1.0 - opacity);
            assert!((f64::from(c[a]) - want).abs() < 2e-3, "channel {a}: {} vs {want}", c[a]);
        }
        // Every ray through the cube: its opacity is that of its own chord,
        // from the box's faces in f64.
        for (x, y) in [(20u32, 25u32), (40, 30), (30, 44), (12, 33)] {
            let c = ray(&p, &field, &none, &table, x, y);
            let l = chord_through(&p, n as f64, x, y);
            assert!(l > 1.0, "pixel ({x}, {y}) should see the cube");
            let want = 1.0 - (-0.05 * l).exp();
            assert!((f64::from(c[3]) - want).abs() < 1e-4, "pixel ({x}, {y}): {} vs {want}", c[3]);
        }
        // A corner pixel misses the cube: background, fully transparent.
        let c = ray(&p, &field, &none, &table, 0, 0);
        assert_eq!(c, [p.background[0], p.background[1], p.background[2], 0.0]);
    }

    /// Chord length of pixel (x, y)'s ray through the cube [0, n]³, in f64.
    fn chord_through(p: &ViewParams, n: f64, x: u32, y: u32) -> f64 {
        let s = (f64::from(x) + 0.5) - 0.5 * f64::from(p.width);
        let t = 0.5 * f64::from(p.height) - (f64::from(y) + 0.5);
        let (mut near, mut far) = (f64::NEG_INFINITY, f64::INFINITY);
        for a in 0..3 {
            let o = f64::from(p.origin[a]) + s * f64::from(p.right[a]) + t * f64::from(p.up[a]);
            let d = f64::from(p.dir[a]);
            let (t0, t1) = (-o / d, (n - o) / d);
            near = near.max(t0.min(t1));
            far = far.min(t0.max(t1));
        }
        (far - near).max(0.0)
    }

    #[test]
    fn an_opaque_vessel_hides_what_lies_behind_it() {
        let n = 16usize;
        let field = vec![1.0f32; n * n * n];
        let vessels = vec![1.0f32; n * n * n];
        let p = ViewParams::new([n; 3], 32, 32, 1.0);
        let c = ray(&p, &field, &vessels, &colour_table(), 16, 16);
        assert!(c[3] > 1.0 - MIN_TRANSMITTANCE, "opacity {}", c[3]);
        assert!(c[0] > 0.6 && c[1] < 0.3, "red dominates: {c:?}");
    }
}
