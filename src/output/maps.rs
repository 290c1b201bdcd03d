//! Static maps of the vascular state — vessel wall area per volume (S/V),
//! interstitial fluid pressure, interstitial speed, tissue — as PNG slices
//! and NPY fields; and the vessel overlay drawn on concentration slices.

use super::{npy, png, slice};
use crate::grid::Grid;
use crate::scene::Axis;
use crate::vessels::Network;
use crate::world::World;

/// A map: file stem, title, unit and values.
pub struct Map {
    pub name: &'static str,
    pub title: &'static str,
    pub unit: &'static str,
    pub values: Vec<f32>,
}

/// The maps of a world with vessels (none without).
pub fn maps(world: &World) -> Vec<Map> {
    let Some(v) = &world.vascular else { return Vec::new() };
    let sv: Vec<f32> = v.maps.sv[0].iter().zip(&v.maps.sv[1]).map(|(a, b)| a + b).collect();
    let mut out = vec![
        Map { name: "sv", title: "vessel wall area per volume S/V", unit: "1/µm", values: sv },
        Map { name: "ifp", title: "interstitial fluid pressure", unit: "mmHg", values: v.pressure.clone() },
        Map {
            name: "tissue",
            title: "tissue: 0 normal, 1 tumour, 2 necrotic",
            unit: "",
            values: world.tissue.iter().map(|t| t.index() as f32).collect(),
        },
    ];
    if let Some(f) = &v.velocity {
        out.push(Map { name: "velocity", title: "interstitial speed |u|", unit: "µm/min", values: f.speed() });
    }
    out
}

/// A map as a PNG slice normal to `axis` at `index`, with the vessel overlay.
pub fn render(map: &Map, grid: &Grid, axis: Axis, index: usize, overlay: &[[f64; 4]]) -> image::RgbImage {
    let (values, w, h, a, b) = slice::cut(&map.values, grid, axis, index);
    let lo = values.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
    let hi = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let title = format!("{}   {} = {:.0} µm", map.title, axis.name(), (index as f64 + 0.5) * grid.dx);
    png::render_slice(&png::SliceImage {
        values: &values,
        width: w,
        height: h,
        dx_um: grid.dx,
        vmin: lo,
        vmax: hi,
        title: &title,
        unit: map.unit,
        time_min: 0.0,
        layout_time_min: 0.0,
        axes: (a, b),
        overlay,
    })
}

/// The map as an NPY file.
pub fn npy_bytes(map: &Map, grid: &Grid) -> Vec<u8> {
    npy::encode_npy(&map.values, grid.shape)
}

/// Vessel segments within one voxel of the slice plane, clipped to that
/// slab and projected onto the slice, in the slice's voxel units.
pub fn overlay(net: &Network, grid: &Grid, axis: Axis, index: usize) -> Vec<[f64; 4]> {
    let a = axis.index();
    let (u, v) = match axis {
        Axis::Z => (0, 1),
        Axis::Y => (0, 2),
        Axis::X => (1, 2),
    };
    let centre = (index as f64 + 0.5) * grid.dx;
    let mut out = Vec::new();
    for s in &net.segments {
        let (p, q) = (net.nodes[s.a].pos, net.nodes[s.b].pos);
        let half = 0.5 * grid.dx + s.radius;
        let (lo, hi) = (centre - half, centre + half);
        // Parameter range of the segment inside the slab lo ≤ x_a ≤ hi.
        let d = q[a] - p[a];
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        if d.abs() < 1e-12 {
            if p[a] < lo || p[a] > hi {
                continue;
            }
        } else {
            let (ta, tb) = ((lo - p[a]) / d, (hi - p[a]) / d);
            t0 = t0.max(ta.min(tb));
            t1 = t1.min(ta.max(tb));
            if t0 > t1 {
                continue;
            }
        }
        let at = |t: f64, k: usize| (p[k] + t * (q[k] - p[k])) / grid.dx;
        out.push([at(t0, u), at(t0, v), at(t1, u), at(t1, v)]);
    }
    out
}
