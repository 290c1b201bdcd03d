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
//! Only the samples that land in the grid are visited: each segment is
//! clipped to the axial range whose cross-sections can reach the grid box
//! (the axis within r of it, the cross-section's plane crossing it), and
//! each lattice row of a cross-section to its stretch inside the box. So a
//! segment's work and memory are bounded by the voxels it touches and the
//! grid's extent, never by its length or by the parts of its disc outside
//! the grid, and segments are batched by the voxels they may touch. (For a
//! radius beyond the grid's largest extent, which no checked network has,
//! the pitch grows to r/(4·the largest shape) to keep rings and discs
//! bounded.)
//!
//! Deterministic: each segment's samples are summed per voxel in sample
//! order (in parallel, one segment per task), then added to the maps in
//! segment order, so the maps are bit-identical for any thread count.

use super::{Flow, Network, VesselKind, perpendiculars};
use crate::grid::Grid;
use rayon::prelude::*;
use std::collections::HashMap;
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

/// Voxels a parallel batch of segments may touch in all: bounds the memory
/// held in shares (besides one segment, which touches at most the grid).
const BATCH_VOXELS: usize = 1 << 22;

/// Samples a segment may take per voxel it can touch (its clipped bounding
/// box), beyond [`MIN_SAMPLES`]; realistic vessels take tens.
const SAMPLES_PER_VOXEL: f64 = 1024.0;
const MIN_SAMPLES: f64 = 1e6;

/// The per-voxel maps of `net` on `grid`, with pressures from `flow`.
pub fn voxelise(net: &Network, flow: &Flow, grid: &Grid) -> VesselMaps {
    let n = grid.len();
    let mut sv = [vec![0.0f32; n], vec![0.0f32; n]];
    let mut volume = vec![0.0f32; n];
    // Σ sv·p first, divided by Σ sv at the end.
    let mut sv_p = vec![0.0f32; n];
    let inv_v = 1.0 / grid.voxel_volume();
    let mut lo = 0;
    while lo < net.segments.len() {
        // A batch ends once the voxels its segments may touch reach the budget.
        let mut hi = lo;
        let mut touched = 0usize;
        while hi < net.segments.len() && (hi == lo || touched < BATCH_VOXELS) {
            touched = touched.saturating_add(Sampling::of(net, grid, hi).map_or(0, |s| s.voxels));
            hi += 1;
        }
        let shares: Vec<Vec<Share>> = (lo..hi).into_par_iter().map(|s| segment_shares(net, flow, grid, s)).collect();
        for (s, list) in (lo..hi).zip(shares) {
            let k = net.segments[s].kind.index();
            for (i, area, vol, area_p) in list {
                sv[k][i] += (area * inv_v) as f32;
                volume[i] += (vol * inv_v) as f32;
                sv_p[i] += (area_p * inv_v) as f32;
            }
        }
        lo = hi;
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

/// How segment `s` is sampled, and the part of it that can reach the grid.
struct Sampling {
    a: [f64; 3],
    b: [f64; 3],
    len: f64,
    /// Sample pitch, µm.
    step: f64,
    /// Axial samples over the whole segment (as f64: a segment far longer
    /// than the grid is never sampled whole).
    n_len: f64,
    /// First axial sample that can reach the grid, and how many can.
    first: f64,
    count: u64,
    /// An upper bound on the voxels the segment touches.
    voxels: usize,
}

impl Sampling {
    /// `None` when no sample of segment `s` can land in the grid (or the
    /// segment is not finite).
    fn of(net: &Network, grid: &Grid, s: usize) -> Option<Sampling> {
        let seg = &net.segments[s];
        let (a, b) = (net.nodes[seg.a].pos, net.nodes[seg.b].pos);
        let (r, dx) = (seg.radius, grid.dx);
        let len = net.length(s);
        if !(len.is_finite() && len > 0.0 && r.is_finite() && r > 0.0) || a.iter().chain(&b).any(|c| !c.is_finite()) {
            return None;
        }
        let ext = grid.extent();
        let largest = ext[0].max(ext[1]).max(ext[2]);
        // A quarter voxel; coarser only for a radius beyond the grid's
        // largest extent (which no checked network has), so that the rings
        // and discs stay within ≈ 8π and 16π·(largest extent / dx)² samples.
        let cells = grid.shape[0].max(grid.shape[1]).max(grid.shape[2]) as f64;
        let mut step = if r > largest { r / (4.0 * cells) } else { dx / 4.0 };
        // The axial range [t0, t1] (fractions of the segment) whose samples
        // can land in the grid: the axis within r of the box (a voxel of
        // margin for rounding), and the cross-section's plane crossing the
        // box.
        let margin = r + dx;
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for d in 0..3 {
            let (lo, hi) = (-margin, ext[d] + margin);
            let dd = b[d] - a[d];
            if dd == 0.0 {
                if a[d] < lo || a[d] > hi {
                    return None;
                }
            } else {
                let (u, v) = ((lo - a[d]) / dd, (hi - a[d]) / dd);
                t0 = t0.max(u.min(v));
                t1 = t1.min(u.max(v));
            }
        }
        let dir: [f64; 3] = std::array::from_fn(|d| (b[d] - a[d]) / len);
        let (mut p0, mut p1) = (f64::INFINITY, f64::NEG_INFINITY);
        for corner in 0..8 {
            let c: [f64; 3] = std::array::from_fn(|d| if corner >> d & 1 == 1 { ext[d] } else { 0.0 });
            let p = (0..3).map(|d| (c[d] - a[d]) * dir[d]).sum::<f64>();
            p0 = p0.min(p);
            p1 = p1.max(p);
        }
        t0 = t0.max((p0 - dx) / len);
        t1 = t1.min((p1 + dx) / len);
        if t0.is_nan() || t1.is_nan() || t0 > t1 {
            return None;
        }
        // Voxels of the bounding box of the clipped part, grown by r.
        let mut voxels = 1usize;
        for d in 0..3 {
            let (ca, cb) = (a[d] + t0 * (b[d] - a[d]), a[d] + t1 * (b[d] - a[d]));
            let lo = ((ca.min(cb) - margin) / dx).floor().max(0.0);
            let hi = ((ca.max(cb) + margin) / dx).floor().min(grid.shape[d] as f64 - 1.0);
            voxels = voxels.saturating_mul(if hi >= lo { (hi - lo) as usize + 1 } else { 0 });
        }
        // The samples visited (axial samples × ring and disc points, an
        // upper bound) are kept within SAMPLES_PER_VOXEL per voxel touched:
        // a segment far wider than a thin grid is sampled coarser (finite
        // maps, bounded work), never one of a checked network on a grid
        // whose every axis is wider than it.
        let budget = SAMPLES_PER_VOXEL * voxels as f64 + MIN_SAMPLES;
        loop {
            let n_len = (len / step).ceil().max(1.0);
            // Samples m at t = (m + 0.5) / n_len within [t0, t1], one more each side.
            let first = ((t0 * n_len - 0.5).floor() - 1.0).max(0.0);
            let last = ((t1 * n_len - 0.5).ceil() + 1.0).min(n_len - 1.0);
            if first.is_nan() || last.is_nan() || first > last {
                return None;
            }
            let count = (last - first) as u64 + 1;
            let across = r / step;
            let per_sample = 2.0 * PI * across + 8.0 + (2.0 * across + 1.0) * (2.0 * across + 3.0);
            if count as f64 * per_sample <= budget || !step.is_finite() {
                return Some(Sampling { a, b, len, step, n_len, first, count, voxels });
            }
            step *= 2.0;
        }
    }
}

/// The samples of segment `s` that land in the grid, summed per voxel
/// (voxels in increasing order). Only the axial samples of the part of the
/// segment that can reach the grid are visited, and per axial sample only
/// the lattice rows' stretches inside the box, so the work is bounded by
/// the voxels the segment touches (and the grid's extent), not by its
/// length or radius.
fn segment_shares(net: &Network, flow: &Flow, grid: &Grid, s: usize) -> Vec<Share> {
    let Some(sm) = Sampling::of(net, grid, s) else { return Vec::new() };
    let seg = &net.segments[s];
    let Sampling { a, b, len, step, n_len, .. } = sm;
    let r = seg.radius;
    let (pa, pb) = (flow.node_pressure[seg.a], flow.node_pressure[seg.b]);
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
    // Lumen offsets: a square lattice of pitch `step` over the
    // cross-section, centred on the axis (which always carries one): per
    // row `i`, the columns |j| ≤ half[i].
    let reach = (r / step).floor() as i64;
    let half: Vec<i64> = (-reach..=reach).map(|i| disc_half_width(i, reach, step, r)).collect();
    let disc_len: u64 = half.iter().map(|&h| (2 * h + 1).max(0) as u64).sum();
    let area = 2.0 * PI * r * len / (n_len * ring.len() as f64);
    let vol = PI * r * r * len / (n_len * disc_len as f64);
    let ext = grid.extent();
    let mut sums: HashMap<usize, Share> = HashMap::new();
    let mut add = |i: usize, wall: bool, p: f64| {
        let sh = sums.entry(i).or_insert((i, 0.0, 0.0, 0.0));
        if wall {
            sh.1 += area;
            sh.3 += area * p;
        } else {
            sh.2 += vol;
        }
    };
    for k in 0..sm.count {
        let m = sm.first + k as f64;
        let t = (m + 0.5) / n_len;
        let c: [f64; 3] = std::array::from_fn(|d| a[d] + t * (b[d] - a[d]));
        let p = pa + t * (pb - pa);
        for off in &ring {
            if let Some(i) = voxel_of(grid, [c[0] + off[0], c[1] + off[1], c[2] + off[2]]) {
                add(i, true, p);
            }
        }
        for (row, &h) in (-reach..=reach).zip(&half) {
            let x = row as f64 * step;
            // Columns whose point can be in the box (a voxel of margin).
            let (mut lo, mut hi) = (-h, h);
            for d in 0..3 {
                let base = c[d] + x * u[d];
                let (below, above) = (-grid.dx - base, ext[d] + grid.dx - base);
                if v[d].abs() * r < 1e-9 * grid.dx {
                    if below > 0.0 || above < 0.0 {
                        hi = lo - 1;
                    }
                } else {
                    let (y0, y1) = (below / v[d], above / v[d]);
                    let (y0, y1) = (y0.min(y1) / step, y0.max(y1) / step);
                    lo = lo.max((y0.floor() - 1.0).max(-h as f64) as i64);
                    hi = hi.min((y1.ceil() + 1.0).min(h as f64) as i64);
                }
            }
            for col in lo..=hi {
                let y = col as f64 * step;
                let off: [f64; 3] = std::array::from_fn(|d| x * u[d] + y * v[d]);
                if let Some(i) = voxel_of(grid, [c[0] + off[0], c[1] + off[1], c[2] + off[2]]) {
                    add(i, false, 0.0);
                }
            }
        }
    }
    let mut shares: Vec<Share> = sums.into_values().collect();
    shares.sort_unstable_by_key(|sh| sh.0);
    shares
}

/// The largest column `j` ≤ `reach` of lattice row `i` (pitch `step`)
/// whose point lies in the disc of radius `r` (every |j| ≤ it does, as the
/// test `x² + y² ≤ r²` is monotone in |j|); −1 when none does.
fn disc_half_width(i: i64, reach: i64, step: f64, r: f64) -> i64 {
    let x = i as f64 * step;
    let inside = |j: i64| {
        let y = j as f64 * step;
        x * x + y * y <= r * r
    };
    if !inside(0) {
        return -1;
    }
    let guess = ((r * r - x * x).max(0.0).sqrt() / step).floor() as i64;
    let mut j = guess.clamp(0, reach);
    while j < reach && inside(j + 1) {
        j += 1;
    }
    while j > 0 && !inside(j) {
        j -= 1;
    }
    j
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

    /// Every sample of the whole segment, as sampled before clipping: the
    /// in-grid ones summed per voxel in sample order.
    fn unclipped(net: &Network, flow: &Flow, grid: &Grid) -> Vec<Share> {
        let seg = &net.segments[0];
        let (a, b, len, r) = (net.nodes[0].pos, net.nodes[1].pos, net.length(0), seg.radius);
        let (pa, pb) = (flow.node_pressure[0], flow.node_pressure[1]);
        let step = grid.dx / 4.0;
        let n_len = ((len / step).ceil() as usize).max(1);
        let n_az = if r > step { ((2.0 * PI * r / step).ceil() as usize).max(8) } else { 1 };
        let (u, v) = perpendiculars([(b[0] - a[0]) / len, (b[1] - a[1]) / len, (b[2] - a[2]) / len]);
        let ring: Vec<[f64; 3]> = if n_az == 1 {
            vec![[0.0; 3]]
        } else {
            (0..n_az)
                .map(|q| {
                    let th = 2.0 * PI * (q as f64 + 0.5) / n_az as f64;
                    std::array::from_fn(|d| r * (th.cos() * u[d] + th.sin() * v[d]))
                })
                .collect()
        };
        let reach = (r / step).floor() as i64;
        let mut disc: Vec<[f64; 3]> = Vec::new();
        for i in -reach..=reach {
            for j in -reach..=reach {
                let (x, y) = (i as f64 * step, j as f64 * step);
                if x * x + y * y <= r * r {
                    disc.push(std::array::from_fn(|d| x * u[d] + y * v[d]));
                }
            }
        }
        let area = 2.0 * PI * r * len / (n_len * ring.len()) as f64;
        let vol = PI * r * r * len / (n_len * disc.len()) as f64;
        let mut out: Vec<(usize, bool, f64)> = Vec::new();
        for m in 0..n_len {
            let t = (m as f64 + 0.5) / n_len as f64;
            let c: [f64; 3] = std::array::from_fn(|d| a[d] + t * (b[d] - a[d]));
            let p = pa + t * (pb - pa);
            for (off, wall) in ring.iter().map(|o| (o, true)).chain(disc.iter().map(|o| (o, false))) {
                if let Some(i) = voxel_of(grid, [c[0] + off[0], c[1] + off[1], c[2] + off[2]]) {
                    out.push((i, wall, if wall { p } else { 0.0 }));
                }
            }
        }
        out.sort_by_key(|e| e.0);
        let mut shares: Vec<Share> = Vec::new();
        for (i, wall, p) in out {
            if shares.last().is_none_or(|sh| sh.0 != i) {
                shares.push((i, 0.0, 0.0, 0.0));
            }
            let sh = shares.last_mut().unwrap();
            if wall {
                sh.1 += area;
                sh.3 += area * p;
            } else {
                sh.2 += vol;
            }
        }
        shares
    }

    #[test]
    fn clipping_keeps_every_sample_in_the_grid_bit_for_bit() {
        let grid = Grid::new([12, 9, 7], 10.0);
        let cases = [
            ([15.0, 17.0, 13.0], [80.0, 61.0, 67.0], 6.0),
            ([-90.0, 40.0, 30.0], [210.0, 50.0, 40.0], 9.0),
            ([60.0, -50.0, 35.0], [61.0, 140.0, 36.0], 25.0),
            ([-100.0, -80.0, -60.0], [220.0, 170.0, 130.0], 1.5),
            ([50.0, 45.0, -70.0], [50.0, 45.0, 140.0], 40.0),
            ([130.0, 45.0, 35.0], [200.0, 45.0, 35.0], 12.0),
            ([119.9, 89.9, 69.9], [300.0, 300.0, 300.0], 3.0),
        ];
        for (a, b, r) in cases {
            let net = one(a, b, r);
            let flow = crate::vessels::poiseuille(&net, 3.5e-3).unwrap();
            assert_eq!(segment_shares(&net, &flow, &grid, 0), unclipped(&net, &flow, &grid), "{a:?} → {b:?}, r {r}");
        }
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
