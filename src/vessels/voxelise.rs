//! Voxelisation: a network's wall area, lumen volume and intravascular
//! pressure as per-voxel maps.
//!
//! Each segment's wall (area 2πrℓ) is sampled at `n_ℓ` points along its
//! axis (spacing ≤ dx/4) times `n_θ` azimuths around it (≥ 8 and spacing
//! ≤ dx/4 around the circumference when r > dx/4; one point on the axis
//! otherwise, when the whole cross-section is well inside a quarter voxel).
//! Every sample carries an equal share of the area and lands in the voxel
//! containing it, so the wall area inside the grid equals the network's
//! wall area up to the parts of segments that leave the grid. The lumen
//! volume πr²ℓ is spread the same way over the cross-section: at each axial
//! sample, a square lattice of pitch dx/4 centred on the axis, clipped to
//! the disc. The pressure of a sample is linear
//! along the segment between its end pressures; a voxel's pressure is the
//! wall-area-weighted mean of its samples.
//!
//! Deterministic: each segment's samples are summed per voxel in sample
//! order (in parallel, one segment per task), then added to the maps in
//! segment order, so the maps are bit-identical for any thread count.

use super::{Flow, Network, VesselKind, perpendiculars};
use crate::grid::Grid;
use rayon::prelude::*;
use std::f64::consts::PI;

/// Per-voxel vessel maps, one value per voxel in grid order (x fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct VesselMaps {
    /// Wall area per tissue volume, 1/µm, per [`VesselKind`] (index 0
    /// normal, 1 tumour).
    pub sv: [Vec<f32>; 2],
    /// Vessel lumen volume / voxel volume, clamped to 1.
    pub volume_fraction: Vec<f32>,
    /// Wall-area-weighted mean intravascular pressure, mmHg; 0 where a
    /// voxel has no wall.
    pub pressure: Vec<f32>,
}

impl VesselMaps {
    /// Wall area inside the grid, µm², per kind.
    pub fn wall_area(&self, grid: &Grid, kind: VesselKind) -> f64 {
        self.sv[kind.index()].iter().map(|&v| v as f64).sum::<f64>() * grid.voxel_volume()
    }
}

/// One segment's contribution to one voxel: (voxel, wall area µm², lumen
/// volume µm³, wall area × pressure µm²·mmHg).
type Share = (usize, f64, f64, f64);

/// Segments per parallel batch: bounds the memory held in shares.
const BATCH: usize = 4096;

/// The per-voxel maps of `net` on `grid`, with pressures from `flow`.
pub fn voxelise(net: &Network, flow: &Flow, grid: &Grid) -> VesselMaps {
    let n = grid.len();
    let mut sv = [vec![0.0f32; n], vec![0.0f32; n]];
    let mut volume = vec![0.0f32; n];
    // Σ sv·p first, divided by Σ sv at the end.
    let mut sv_p = vec![0.0f32; n];
    let inv_v = 1.0 / grid.voxel_volume();
    for lo in (0..net.segments.len()).step_by(BATCH) {
        let hi = (lo + BATCH).min(net.segments.len());
        let shares: Vec<Vec<Share>> = (lo..hi).into_par_iter().map(|s| segment_shares(net, flow, grid, s)).collect();
        for (s, list) in (lo..hi).zip(shares) {
            let k = net.segments[s].kind.index();
            for (i, area, vol, area_p) in list {
                sv[k][i] += (area * inv_v) as f32;
                volume[i] += (vol * inv_v) as f32;
                sv_p[i] += (area_p * inv_v) as f32;
            }
        }
    }
    for v in &mut volume {
        *v = v.min(1.0);
    }
    for i in 0..n {
        let total = sv[0][i] + sv[1][i];
        sv_p[i] = if total > 0.0 { sv_p[i] / total } else { 0.0 };
    }
    VesselMaps { sv, volume_fraction: volume, pressure: sv_p }
}

/// The samples of segment `s`, summed per voxel (voxels in increasing
/// order), leaving out samples outside the grid.
fn segment_shares(net: &Network, flow: &Flow, grid: &Grid, s: usize) -> Vec<Share> {
    let seg = &net.segments[s];
    let a = net.nodes[seg.a].pos;
    let b = net.nodes[seg.b].pos;
    let len = net.length(s);
    let (r, dx) = (seg.radius, grid.dx);
    let (pa, pb) = (flow.node_pressure[seg.a], flow.node_pressure[seg.b]);
    let step = dx / 4.0;
    let n_len = ((len / step).ceil() as usize).max(1);
    let n_az = if r > step { ((2.0 * PI * r / step).ceil() as usize).max(8) } else { 1 };
    let (u, v) = perpendiculars([(b[0] - a[0]) / len, (b[1] - a[1]) / len, (b[2] - a[2]) / len]);
    // Wall ring offsets; a single sample on the axis for a thin vessel.
    let ring: Vec<[f64; 3]> = if n_az == 1 {
        vec![[0.0; 3]]
    } else {
        (0..n_az)
            .map(|q| {
                let th = 2.0 * PI * (q as f64 + 0.5) / n_az as f64;
                let (c, sn) = (th.cos(), th.sin());
                std::array::from_fn(|d| r * (c * u[d] + sn * v[d]))
            })
            .collect()
    };
    // Lumen offsets: a square lattice of pitch dx/4 over the cross-section,
    // centred on the axis (which always carries one).
    let reach = (r / step).floor() as i64;
    let mut disc: Vec<[f64; 3]> = Vec::new();
    for a in -reach..=reach {
        for b in -reach..=reach {
            let (x, y) = (a as f64 * step, b as f64 * step);
            if x * x + y * y <= r * r {
                disc.push(std::array::from_fn(|d| x * u[d] + y * v[d]));
            }
        }
    }
    let area = 2.0 * PI * r * len / (n_len * ring.len()) as f64;
    let vol = PI * r * r * len / (n_len * disc.len()) as f64;
    let mut out: Vec<(usize, bool, f64)> = Vec::with_capacity(n_len * (ring.len() + disc.len()));
    for m in 0..n_len {
        let t = (m as f64 + 0.5) / n_len as f64;
        let c: [f64; 3] = std::array::from_fn(|d| a[d] + t * (b[d] - a[d]));
        let p = pa + t * (pb - pa);
        for off in &ring {
            if let Some(i) = voxel_of(grid, [c[0] + off[0], c[1] + off[1], c[2] + off[2]]) {
                out.push((i, true, p));
            }
        }
        for off in &disc {
            if let Some(i) = voxel_of(grid, [c[0] + off[0], c[1] + off[1], c[2] + off[2]]) {
                out.push((i, false, 0.0));
            }
        }
    }
    // Stable: equal voxels keep sample order, so sums are reproducible.
    out.sort_by_key(|e| e.0);
    let mut shares: Vec<Share> = Vec::new();
    for (i, wall, p) in out {
        if shares.last().is_none_or(|sh| sh.0 != i) {
            shares.push((i, 0.0, 0.0, 0.0));
        }
        let sh = shares.last_mut().expect("pushed above");
        if wall {
            sh.1 += area;
            sh.3 += area * p;
        } else {
            sh.2 += vol;
        }
    }
    shares
}

/// Linear index of the voxel containing `p`, if inside the grid.
fn voxel_of(grid: &Grid, p: [f64; 3]) -> Option<usize> {
    let mut ijk = [0usize; 3];
    for d in 0..3 {
        let f = (p[d] / grid.dx).floor();
        if !(f >= 0.0 && f < grid.shape[d] as f64) {
            return None;
        }
        ijk[d] = f as usize;
    }
    Some(grid.idx(ijk[0], ijk[1], ijk[2]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vessels::{Node, Segment, uniform};

    fn one(a: [f64; 3], b: [f64; 3], r: f64) -> Network {
        Network {
            nodes: vec![Node { pos: a, pressure: Some(30.0) }, Node { pos: b, pressure: Some(10.0) }],
            segments: vec![Segment { a: 0, b: 1, radius: r, kind: VesselKind::Tumour, maturity: 0.0 }],
        }
    }

    #[test]
    fn oblique_tube_area_volume_and_pressure() {
        let net = one([15.0, 17.0, 13.0], [80.0, 61.0, 77.0], 6.0);
        let grid = Grid::new([10, 10, 10], 10.0);
        let flow = crate::vessels::poiseuille(&net, 3.5e-3).unwrap();
        let m = voxelise(&net, &flow, &grid);
        let area = m.wall_area(&grid, VesselKind::Tumour);
        assert!((area / net.wall_area() - 1.0).abs() < 1e-5, "{area} vs {}", net.wall_area());
        assert_eq!(m.wall_area(&grid, VesselKind::Normal), 0.0);
        let vol: f64 = m.volume_fraction.iter().map(|&v| v as f64).sum::<f64>() * 1000.0;
        assert!((vol / net.lumen_volume() - 1.0).abs() < 1e-5);
        // Area-weighted mean pressure over the grid = mean along the tube.
        let mean: f64 = (0..grid.len()).map(|i| (m.sv[1][i] * m.pressure[i]) as f64).sum::<f64>()
            / m.sv[1].iter().map(|&v| v as f64).sum::<f64>();
        assert!((mean - 20.0).abs() < 1e-3, "{mean}");
        assert!(m.pressure.iter().all(|&p| p == 0.0 || (10.0..=30.0).contains(&p)));
    }

    #[test]
    fn thin_tube_on_the_axis_stays_in_its_voxel_column() {
        let net = one([15.0, 25.0, 0.0], [15.0, 25.0, 40.0], 1.0);
        let grid = Grid::new([4, 4, 4], 10.0);
        let m = voxelise(&net, &uniform(&net, 12.0), &grid);
        for k in 0..4 {
            let i = grid.idx(1, 2, k);
            assert!((m.sv[1][i] as f64 - 2.0 * PI * 10.0 / 1000.0).abs() < 1e-7);
            assert_eq!(m.pressure[i], 12.0);
        }
        assert_eq!(m.sv[1].iter().filter(|&&v| v > 0.0).count(), 4);
    }

    #[test]
    fn parts_outside_the_grid_are_dropped() {
        let net = one([5.0, 5.0, 5.0], [5.0, 5.0, 45.0], 1.0);
        let grid = Grid::new([1, 1, 2], 10.0);
        let m = voxelise(&net, &uniform(&net, 0.0), &grid);
        let kept = m.wall_area(&grid, VesselKind::Tumour) / net.wall_area();
        assert!((kept - 15.0 / 40.0).abs() < 1e-6, "{kept}");
    }
}
