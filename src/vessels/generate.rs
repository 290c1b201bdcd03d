//! Seeded generation of a vessel network for a box of tissue.
//!
//! 1. Capillary bed. A lattice of nodes, `spacing` apart, fills the box:
//!    planes at x = 0, h, 2h, …, L_x (the x faces included) and, in y and
//!    z, rows half a spacing in from the faces. Interior nodes are jittered
//!    by up to `jitter`·spacing per axis and joined to their lattice
//!    neighbours in x, y and z; a fraction `dropout` of the links is
//!    removed at random. Nodes on the x = 0 face are inlets
//!    (`inlet_pressure`), on the x = L_x face outlets (`outlet_pressure`);
//!    face nodes join only the next plane in, like feeding arterioles and
//!    draining venules entering the slab. Capillary nodes exist only where
//!    the tissue is normal, and links only where they stay in normal tissue.
//! 2. Tumour vessels. Where the tissue is tumour, branch points are
//!    scattered at random with a density that is highest at the tumour's
//!    outer edge and falls linearly (in the ratio d_necrotic/(d_necrotic +
//!    d_edge) of the distances to necrosis and to the tumour's edge, taken
//!    on a grid of spacing/2) to `necrotic_edge_density` of that next to
//!    necrosis; none in necrotic tissue. Each branch point joins its 4
//!    nearest neighbours within 1.5 spacings (only joins whose axis stays
//!    in tumour tissue and whose wall stays clear of necrosis), and each
//!    join is split into pieces ≈ spacing/5 long whose inner ends are
//!    kinked sideways by up to `tortuosity` of a piece length (kept
//!    straight where a kink would leave the tumour). Radii are drawn per
//!    join from `tumour_radius`, maturity from `tumour_maturity`.
//! 3. Connections. Half of the capillary nodes that lost a link to tumour
//!    tissue join the nearest of the (up to three) nearest tumour branch
//!    points within 1.5 spacings whose straight join crosses into the
//!    tumour once and meets no necrosis; the join is split where it
//!    crosses, the outer part a normal capillary, the inner part a tumour
//!    vessel.
//! 4. Everything not joined, through segments, to an inlet or outlet is
//!    dropped. Inlets and outlets exist only where the x faces are normal
//!    tissue: where a tumour covers an x face, that face has none.
//!
//! Randomness comes from [`SplitMix64`] streams of the seed, one per stage,
//! and the capillary bed draws the same numbers wherever the tumour is, so a
//! seed gives the same network on every platform and thread count (the
//! generation is sequential), and the same capillary bed outside the
//! tumour for any tumour.

use super::rng::SplitMix64;
use super::{MAX_PRESSURE, MAX_RADIUS, MIN_RADIUS, Network, Node, Segment, Tissue, VesselKind, dist, perpendiculars};
use crate::grid::Grid;
use crate::{Error, Result};

/// Parameters of [`generate`]. Defaults are typical of a well-perfused
/// tissue and a vascularised solid tumour.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateParams {
    /// Capillary bed spacing, µm. Default 100 (mean intercapillary
    /// distance in muscle and many tumours' host tissues is 50–100).
    pub spacing: f64,
    /// Capillary radius, µm (each link draws within ±10 %). Default 4.
    pub capillary_radius: f64,
    /// Least and greatest radius of tumour vessels, µm: dilated. Default
    /// [6, 15].
    pub tumour_radius: [f64; 2],
    /// Tumour vessel joins (branch point to branch point, before kinking)
    /// per unit volume at the tumour's outer edge, relative to the
    /// capillary bed's links per unit volume (3/spacing³). Default 1.5.
    pub tumour_density: f64,
    /// Blood pressure at the inlets (x = 0 face), mmHg. Default 35
    /// (arteriolar end of capillaries).
    pub inlet_pressure: f64,
    /// Blood pressure at the outlets (x = L_x face), mmHg. Default 15
    /// (venular end).
    pub outlet_pressure: f64,
    /// Fraction of capillary bed links removed at random, 0..0.5. Default
    /// 0.15.
    pub dropout: f64,
    /// Largest displacement of a capillary node per axis, fraction of
    /// `spacing`, 0..0.45. Default 0.2.
    pub jitter: f64,
    /// Largest sideways kink of a tumour vessel piece, fraction of the
    /// piece length, 0..1. Default 0.5.
    pub tortuosity: f64,
    /// Tumour vessel density next to necrosis, fraction of that at the
    /// tumour's outer edge, 0..1. Default 0.25.
    pub necrotic_edge_density: f64,
    /// Least and greatest maturity of tumour vessels, 0..1. Default
    /// [0, 0.3] (capillaries have 1).
    pub tumour_maturity: [f64; 2],
}

impl Default for GenerateParams {
    fn default() -> Self {
        GenerateParams {
            spacing: 100.0,
            capillary_radius: 4.0,
            tumour_radius: [6.0, 15.0],
            tumour_density: 1.5,
            inlet_pressure: 35.0,
            outlet_pressure: 15.0,
            dropout: 0.15,
            jitter: 0.2,
            tortuosity: 0.5,
            necrotic_edge_density: 0.25,
            tumour_maturity: [0.0, 0.3],
        }
    }
}

impl GenerateParams {
    /// Check every field; errors are scene errors at `{prefix}.{field}`.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let key = |f: &str| if prefix.is_empty() { f.to_string() } else { format!("{prefix}.{f}") };
        let check = |ok: bool, field: &str, what: String, fix: &str| -> Result<()> {
            if ok { Ok(()) } else { Err(Error::scene(key(field), what, fix)) }
        };
        let pos = |v: f64| v.is_finite() && v > 0.0;
        let radius = |v: f64| v.is_finite() && (MIN_RADIUS..=MAX_RADIUS).contains(&v);
        check(pos(self.spacing), "spacing", format!("spacing {} µm is not positive", self.spacing), "use ≈ 100 µm")?;
        check(
            radius(self.capillary_radius) && self.capillary_radius < 0.25 * self.spacing,
            "capillary_radius",
            format!(
                "capillary radius {} µm must lie within {MIN_RADIUS} … {MAX_RADIUS} µm and under spacing/4 ({} µm)",
                self.capillary_radius,
                0.25 * self.spacing
            ),
            "use ≈ 4 µm",
        )?;
        let [r0, r1] = self.tumour_radius;
        check(
            radius(r0) && radius(r1) && r1 >= r0 && r1 < 0.1 * self.spacing + 15.0,
            "tumour_radius",
            format!(
                "tumour radius range [{r0}, {r1}] µm must be increasing, within {MIN_RADIUS} … {MAX_RADIUS} µm and \
                 with max under spacing/10 + 15 µm ({} µm)",
                0.1 * self.spacing + 15.0
            ),
            "use e.g. [6, 15]",
        )?;
        check(
            self.tumour_density.is_finite() && (0.0..=20.0).contains(&self.tumour_density),
            "tumour_density",
            format!("tumour vessel density {} is outside 0..20", self.tumour_density),
            "use ≈ 1.5 (relative to the capillary bed)",
        )?;
        for (field, p) in [("inlet_pressure", self.inlet_pressure), ("outlet_pressure", self.outlet_pressure)] {
            check(
                p.is_finite() && p.abs() <= MAX_PRESSURE,
                field,
                format!("{field} {p} mmHg is outside ±{MAX_PRESSURE} mmHg"),
                "give the blood pressure in mmHg (inlets ≈ 35, outlets ≈ 15)",
            )?;
        }
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        check(
            within(self.dropout, 0.0, 0.5),
            "dropout",
            format!("dropout {} is outside 0..0.5", self.dropout),
            "use ≈ 0.15",
        )?;
        check(
            within(self.jitter, 0.0, 0.45),
            "jitter",
            format!("jitter {} is outside 0..0.45", self.jitter),
            "use ≈ 0.2",
        )?;
        check(
            within(self.tortuosity, 0.0, 1.0),
            "tortuosity",
            format!("tortuosity {} is outside 0..1", self.tortuosity),
            "use ≈ 0.5",
        )?;
        check(
            within(self.necrotic_edge_density, 0.0, 1.0),
            "necrotic_edge_density",
            format!("necrotic edge density {} is outside 0..1", self.necrotic_edge_density),
            "use ≈ 0.25",
        )?;
        let [m0, m1] = self.tumour_maturity;
        check(
            within(m0, 0.0, 1.0) && within(m1, m0, 1.0),
            "tumour_maturity",
            format!("tumour maturity range [{m0}, {m1}] must be increasing within 0..1"),
            "use e.g. [0, 0.3]",
        )
    }
}

impl GenerateParams {
    /// [`GenerateParams::validate`], and what the grid `grid` (the box the
    /// network is generated for) asks of the parameters: a spacing of at
    /// least half a voxel, so that the capillary bed has at most about 8
    /// nodes per voxel (and the tumour vessels, at most 20 times its
    /// density, proportionally many), and radii within the grid's largest
    /// extent, as for a network read from a file.
    pub fn validate_for_grid(&self, prefix: &str, grid: &Grid) -> Result<()> {
        let key = |f: &str| if prefix.is_empty() { f.to_string() } else { format!("{prefix}.{f}") };
        if self.spacing < 0.5 * grid.dx {
            return Err(Error::scene(
                key("spacing"),
                format!("spacing {} µm is under half a voxel ({} µm)", self.spacing, 0.5 * grid.dx),
                format!("give the capillary spacing in µm, ≥ {} (≈ 100 is typical)", 0.5 * grid.dx),
            ));
        }
        self.validate(prefix)?;
        let e = grid.extent();
        // The capillary bed's lattice, plus as many tumour branch points
        // again per unit of tumour_density at most: bounded before anything
        // is generated (a few hundred bytes each with flow and maps).
        let bed: f64 = e.iter().map(|x| x / self.spacing + 2.0).product();
        let nodes = bed * (1.0 + self.tumour_density);
        if nodes > MAX_GENERATED_NODES {
            return Err(Error::scene(
                key("spacing"),
                format!(
                    "spacing {} µm on this grid generates about {nodes:.3e} nodes, more than {MAX_GENERATED_NODES:e}",
                    self.spacing
                ),
                "give a larger capillary spacing (≈ 100 µm is typical), a smaller tumour_density, or a smaller grid",
            ));
        }
        let largest = e[0].max(e[1]).max(e[2]);
        for (field, r) in [("capillary_radius", self.capillary_radius), ("tumour_radius", self.tumour_radius[1])] {
            if r > largest {
                return Err(Error::scene(
                    key(field),
                    format!("radius {r} µm is wider than the grid's largest extent ({largest} µm)"),
                    "give vessel radii in µm (capillaries ≈ 4, tumour vessels 6–15)",
                ));
            }
        }
        Ok(())
    }
}

/// Nodes a generated network may have at most (a few GB with its flow).
pub const MAX_GENERATED_NODES: f64 = 2e7;

/// Expected tumour joins per branch point for 4-nearest-neighbour joining
/// of uniformly random points in 3D (≈ 2.46 measured in the bulk; mutual
/// nearest neighbours share a join), used to turn `tumour_density` into a
/// branch-point density.
const JOINS_PER_POINT: f64 = 2.5;
/// Nearest neighbours each tumour branch point joins.
const NEIGHBOURS: usize = 4;
/// Fraction of capillary nodes next to the tumour that join it.
const CONNECT_FRACTION: f64 = 0.5;

/// Random streams, one per stage.
const STREAM_BED: u64 = 0;
const STREAM_TUMOUR_POINTS: u64 = 1;
const STREAM_TUMOUR_JOINS: u64 = 2;
const STREAM_CONNECT: u64 = 3;

/// Generate a network for the box `[0, extent]` (µm) whose tissue at a
/// point is `tissue(point)`, from `seed`. Expects valid parameters (see
/// [`GenerateParams::validate`]) and panics otherwise.
pub fn generate(extent: [f64; 3], tissue: &dyn Fn([f64; 3]) -> Tissue, p: &GenerateParams, seed: u64) -> Network {
    if let Err(e) = p.validate("vessels") {
        panic!("generate: invalid parameters (call GenerateParams::validate first): {e}");
    }
    assert!(extent.iter().all(|e| e.is_finite() && *e > 0.0), "generate: box extent {extent:?} µm must be positive");
    let mut g = Gen { net: Network::default(), extent, tissue, p };
    let border = g.capillary_bed(seed);
    let tumour_nodes = g.tumour_points(seed);
    g.tumour_joins(&tumour_nodes, seed);
    g.connect(&border, &tumour_nodes, seed);
    g.net.retain_perfused();
    g.net
}

struct Gen<'a> {
    net: Network,
    extent: [f64; 3],
    tissue: &'a dyn Fn([f64; 3]) -> Tissue,
    p: &'a GenerateParams,
}

impl Gen<'_> {
    fn add_node(&mut self, pos: [f64; 3], pressure: Option<f64>) -> usize {
        self.net.nodes.push(Node { pos, pressure });
        self.net.nodes.len() - 1
    }

    fn add_segment(&mut self, a: usize, b: usize, radius: f64, kind: VesselKind, maturity: f64) {
        self.net.segments.push(Segment { a, b, radius, kind, maturity });
    }

    /// Tissue at `n` + 1 evenly spaced points from `a` to `b`, ends included.
    fn along(&self, a: [f64; 3], b: [f64; 3], n: usize) -> impl Iterator<Item = Tissue> + '_ {
        (0..=n).map(move |m| (self.tissue)(lerp(a, b, m as f64 / n as f64)))
    }

    /// Points along a[..b] to test a straight vessel with: every ≤ spacing/10.
    fn probes(&self, a: [f64; 3], b: [f64; 3]) -> usize {
        ((dist(a, b) / (0.1 * self.p.spacing)).ceil() as usize).max(2)
    }

    /// Does a tumour vessel of radius `r` from `a` to `b` fit: its axis in
    /// tumour tissue and its wall (probed at four points around the axis)
    /// clear of necrosis?
    fn fits_tumour(&self, a: [f64; 3], b: [f64; 3], r: f64) -> bool {
        let len = dist(a, b);
        if len.is_nan() || len <= 0.0 {
            return false;
        }
        let (u, v) = perpendiculars(std::array::from_fn(|d| (b[d] - a[d]) / len));
        let n = self.probes(a, b);
        (0..=n).all(|m| {
            let c = lerp(a, b, m as f64 / n as f64);
            (self.tissue)(c) == Tissue::Tumour
                && [u, v].iter().all(|w| {
                    [1.0, -1.0].iter().all(|&sgn| {
                        let q: [f64; 3] = std::array::from_fn(|d| c[d] + sgn * r * w[d]);
                        (self.tissue)(q) != Tissue::Necrotic
                    })
                })
        })
    }

    /// Stage 1: the capillary bed. Returns the capillary nodes that lost a
    /// link to tumour tissue.
    fn capillary_bed(&mut self, seed: u64) -> Vec<usize> {
        let p = self.p;
        let mut rng = SplitMix64::stream(seed, STREAM_BED);
        let n: [usize; 3] = std::array::from_fn(|d| ((self.extent[d] / p.spacing).round() as usize).max(1));
        let h: [f64; 3] = std::array::from_fn(|d| self.extent[d] / n[d] as f64);
        let (nx, ny, nz) = (n[0] + 1, n[1], n[2]);
        let lattice = |i: usize, j: usize, k: usize| i + nx * (j + ny * k);
        // Node positions and tissue, every lattice site (same draws always).
        let mut site: Vec<Option<usize>> = vec![None; nx * ny * nz];
        let mut site_tissue = vec![Tissue::Normal; nx * ny * nz];
        let j_max = p.jitter * p.spacing;
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let jit = [rng.range(-j_max, j_max), rng.range(-j_max, j_max), rng.range(-j_max, j_max)];
                    let face = i == 0 || i == n[0];
                    let mut pos = [i as f64 * h[0], (j as f64 + 0.5) * h[1], (k as f64 + 0.5) * h[2]];
                    for d in 0..3 {
                        if !(face && d == 0) {
                            pos[d] = (pos[d] + jit[d]).clamp(0.0, self.extent[d]);
                        }
                    }
                    let t = (self.tissue)(pos);
                    site_tissue[lattice(i, j, k)] = t;
                    if t == Tissue::Normal {
                        let pressure = match i {
                            0 => Some(p.inlet_pressure),
                            _ if i == n[0] => Some(p.outlet_pressure),
                            _ => None,
                        };
                        site[lattice(i, j, k)] = Some(self.add_node(pos, pressure));
                    }
                }
            }
        }
        let mut border = vec![false; self.net.nodes.len()];
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let here = lattice(i, j, k);
                    let face = i == 0 || i == n[0];
                    let next = [
                        (i + 1 < nx).then(|| lattice(i + 1, j, k)),
                        (j + 1 < ny && !face).then(|| lattice(i, j + 1, k)),
                        (k + 1 < nz && !face).then(|| lattice(i, j, k + 1)),
                    ];
                    for there in next {
                        // Draw for every possible link, so the bed is the same
                        // whatever the tissue.
                        let (keep, radius) = (!rng.chance(p.dropout), p.capillary_radius * rng.range(0.9, 1.1));
                        let Some(there) = there else { continue };
                        if !keep {
                            continue;
                        }
                        let (ta, tb) = (site_tissue[here], site_tissue[there]);
                        match (site[here], site[there]) {
                            (Some(a), Some(b)) => {
                                let (pa, pb) = (self.net.nodes[a].pos, self.net.nodes[b].pos);
                                let probes = self.probes(pa, pb);
                                if self.along(pa, pb, probes).all(|t| t == Tissue::Normal) {
                                    self.add_segment(a, b, radius, VesselKind::Normal, 1.0);
                                } else if self.along(pa, pb, probes).any(|t| t == Tissue::Tumour) {
                                    border[a] = true;
                                    border[b] = true;
                                }
                            }
                            (Some(a), None) if tb == Tissue::Tumour => border[a] = true,
                            (None, Some(b)) if ta == Tissue::Tumour => border[b] = true,
                            _ => {}
                        }
                    }
                }
            }
        }
        (0..border.len()).filter(|&i| border[i]).collect()
    }

    /// Stage 2a: tumour branch points.
    fn tumour_points(&mut self, seed: u64) -> Vec<usize> {
        let p = self.p;
        if p.tumour_density == 0.0 {
            return Vec::new();
        }
        let mut rng = SplitMix64::stream(seed, STREAM_TUMOUR_POINTS);
        let coarse = Coarse::new(self.extent, 0.5 * p.spacing, self.tissue);
        if !coarse.tissue.contains(&Tissue::Tumour) {
            return Vec::new();
        }
        let weight = coarse.tumour_weight(p.necrotic_edge_density);
        let density = p.tumour_density * 3.0 / p.spacing.powi(3) / JOINS_PER_POINT;
        let cell_volume = coarse.h.iter().product::<f64>();
        let mut out = Vec::new();
        for (c, &w) in weight.iter().enumerate() {
            if coarse.tissue[c] != Tissue::Tumour {
                continue;
            }
            let count = rng.poisson(density * w * cell_volume);
            let lo = coarse.corner(c);
            for _ in 0..count {
                for _try in 0..3 {
                    let pos: [f64; 3] = std::array::from_fn(|d| lo[d] + coarse.h[d] * rng.next_f64());
                    if (self.tissue)(pos) == Tissue::Tumour {
                        out.push(self.add_node(pos, None));
                        break;
                    }
                }
            }
        }
        out
    }

    /// Stage 2b: join tumour branch points to their nearest neighbours,
    /// with kinked, dilated, immature vessels.
    fn tumour_joins(&mut self, points: &[usize], seed: u64) {
        let p = self.p;
        let mut rng = SplitMix64::stream(seed, STREAM_TUMOUR_JOINS);
        let max_len = 1.5 * p.spacing;
        let pos: Vec<[f64; 3]> = points.iter().map(|&i| self.net.nodes[i].pos).collect();
        let hash = SpatialHash::new(&pos, max_len);
        let mut joins: Vec<(usize, usize)> = Vec::new();
        for (i, &pi) in pos.iter().enumerate() {
            let mut near = hash.within(&pos, pi, max_len);
            near.retain(|&(j, _)| j != i);
            near.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
            for &(j, _) in near.iter().take(NEIGHBOURS) {
                joins.push((i.min(j), i.max(j)));
            }
        }
        joins.sort_unstable();
        joins.dedup();
        let piece = 0.2 * p.spacing;
        for (i, j) in joins {
            let (a, b) = (pos[i], pos[j]);
            let radius = rng.range(p.tumour_radius[0], p.tumour_radius[1]);
            let maturity = rng.range(p.tumour_maturity[0], p.tumour_maturity[1]);
            if !self.fits_tumour(a, b, radius) {
                continue;
            }
            let len = dist(a, b);
            let m = ((len / piece).round() as usize).max(1);
            let axis = a.iter().zip(&b).map(|(x, y)| (y - x) / len).collect::<Vec<_>>();
            // Kinked inner points; straight if any piece would leave the tumour.
            let mut path: Vec<[f64; 3]> = vec![a];
            for q in 1..m {
                let base = lerp(a, b, q as f64 / m as f64);
                let r = rng.unit_vector();
                let along = r[0] * axis[0] + r[1] * axis[1] + r[2] * axis[2];
                let side: [f64; 3] = std::array::from_fn(|d| r[d] - along * axis[d]);
                let amp = p.tortuosity * (len / m as f64) * rng.next_f64();
                path.push(std::array::from_fn(|d| (base[d] + amp * side[d]).clamp(0.0, self.extent[d])));
            }
            path.push(b);
            let ok = path.windows(2).all(|w| self.fits_tumour(w[0], w[1], radius));
            if !ok {
                path = (0..=m).map(|q| lerp(a, b, q as f64 / m as f64)).collect();
            }
            let mut prev = points[i];
            for (q, &pt) in path.iter().enumerate().skip(1) {
                let node = if q == m { points[j] } else { self.add_node(pt, None) };
                self.add_segment(prev, node, radius, VesselKind::Tumour, maturity);
                prev = node;
            }
        }
    }

    /// Stage 3: join capillary nodes at the tumour's edge to tumour branch
    /// points, split where the join enters the tumour.
    fn connect(&mut self, border: &[usize], points: &[usize], seed: u64) {
        let p = self.p;
        let mut rng = SplitMix64::stream(seed, STREAM_CONNECT);
        if points.is_empty() {
            return;
        }
        let max_len = 1.5 * p.spacing;
        let pos: Vec<[f64; 3]> = points.iter().map(|&i| self.net.nodes[i].pos).collect();
        let hash = SpatialHash::new(&pos, max_len);
        for &cap in border {
            let (go, radius) = (rng.chance(CONNECT_FRACTION), rng.range(p.tumour_radius[0], p.tumour_radius[1]));
            let maturity = rng.range(p.tumour_maturity[0], p.tumour_maturity[1]);
            let cap_radius = p.capillary_radius * rng.range(0.9, 1.1);
            if !go {
                continue;
            }
            let from = self.net.nodes[cap].pos;
            let mut near = hash.within(&pos, from, max_len);
            near.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
            for &(t, _) in near.iter().take(3) {
                let to = pos[t];
                let probes = self.probes(from, to);
                let seq: Vec<Tissue> = self.along(from, to, probes).collect();
                // Normal … normal, then tumour … tumour: one crossing, no necrosis.
                let cross = seq.iter().position(|&t| t != Tissue::Normal).unwrap_or(seq.len());
                if cross == 0 || cross == seq.len() || seq[cross..].iter().any(|&t| t != Tissue::Tumour) {
                    continue;
                }
                // Bisect the crossing: `lo` normal, `hi` tumour.
                let (mut lo, mut hi) = ((cross - 1) as f64 / probes as f64, cross as f64 / probes as f64);
                for _ in 0..30 {
                    let mid = 0.5 * (lo + hi);
                    if (self.tissue)(lerp(from, to, mid)) == Tissue::Tumour {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                let len = dist(from, to);
                let split = lerp(from, to, hi);
                let (outer, inner) = (hi * len, (1.0 - hi) * len);
                if inner >= 1.0 && !self.fits_tumour(split, to, radius) {
                    continue;
                }
                if inner < 1.0 {
                    self.add_segment(cap, points[t], cap_radius, VesselKind::Normal, 1.0);
                } else if outer < 1.0 {
                    self.add_segment(cap, points[t], radius, VesselKind::Tumour, maturity);
                } else {
                    let mid = self.add_node(split, None);
                    self.add_segment(cap, mid, cap_radius, VesselKind::Normal, 1.0);
                    self.add_segment(mid, points[t], radius, VesselKind::Tumour, maturity);
                }
                break;
            }
        }
    }
}

fn lerp(a: [f64; 3], b: [f64; 3], t: f64) -> [f64; 3] {
    std::array::from_fn(|d| a[d] + t * (b[d] - a[d]))
}

/// The tissue sampled on a coarse grid of cells, for the tumour vessel
/// density.
struct Coarse {
    n: [usize; 3],
    h: [f64; 3],
    tissue: Vec<Tissue>,
}

impl Coarse {
    fn new(extent: [f64; 3], cell: f64, tissue: &dyn Fn([f64; 3]) -> Tissue) -> Coarse {
        let n: [usize; 3] = std::array::from_fn(|d| ((extent[d] / cell).ceil() as usize).max(1));
        let h: [f64; 3] = std::array::from_fn(|d| extent[d] / n[d] as f64);
        let mut c = Coarse { n, h, tissue: Vec::with_capacity(n[0] * n[1] * n[2]) };
        for k in 0..n[2] {
            for j in 0..n[1] {
                for i in 0..n[0] {
                    let centre = [(i as f64 + 0.5) * h[0], (j as f64 + 0.5) * h[1], (k as f64 + 0.5) * h[2]];
                    c.tissue.push(tissue(centre));
                }
            }
        }
        c
    }

    fn ijk(&self, c: usize) -> [usize; 3] {
        [c % self.n[0], (c / self.n[0]) % self.n[1], c / (self.n[0] * self.n[1])]
    }

    fn corner(&self, c: usize) -> [f64; 3] {
        let ijk = self.ijk(c);
        std::array::from_fn(|d| ijk[d] as f64 * self.h[d])
    }

    /// Per cell: relative tumour vessel density, from `edge` next to
    /// necrosis to 1 at the tumour's outer edge (normal tissue or the box
    /// face).
    fn tumour_weight(&self, edge: f64) -> Vec<f64> {
        let d_nec = self.distance(|c| if self.tissue[c] == Tissue::Necrotic { 0.0 } else { f64::INFINITY });
        let d_out = self.distance(|c| {
            if self.tissue[c] == Tissue::Normal {
                return 0.0;
            }
            // Distance from the cell centre to the nearest box face.
            let ijk = self.ijk(c);
            (0..3)
                .map(|d| {
                    ((ijk[d] as f64 + 0.5) * self.h[d]).min((self.n[d] - ijk[d]) as f64 * self.h[d] - 0.5 * self.h[d])
                })
                .fold(f64::INFINITY, f64::min)
        });
        (0..self.tissue.len())
            .map(|c| {
                let ratio = if d_nec[c].is_infinite() { 1.0 } else { d_nec[c] / (d_nec[c] + d_out[c]).max(1e-9) };
                edge + (1.0 - edge) * ratio.clamp(0.0, 1.0)
            })
            .collect()
    }

    /// Chamfer distance (26 neighbours, Euclidean steps; within a few % of
    /// the true distance) from the cells where `init` is 0, starting from
    /// `init` elsewhere.
    fn distance(&self, init: impl Fn(usize) -> f64) -> Vec<f64> {
        let [nx, ny, nz] = self.n;
        let mut d: Vec<f64> = (0..self.tissue.len()).map(init).collect();
        let mut offsets = Vec::new();
        for dk in -1i64..=1 {
            for dj in -1i64..=1 {
                for di in -1i64..=1 {
                    let w = ((di as f64 * self.h[0]).powi(2)
                        + (dj as f64 * self.h[1]).powi(2)
                        + (dk as f64 * self.h[2]).powi(2))
                    .sqrt();
                    // Neighbours earlier in memory order, for the forward pass.
                    if (dk, dj, di) < (0, 0, 0) {
                        offsets.push(([di, dj, dk], w));
                    }
                }
            }
        }
        let cells = nx * ny * nz;
        for pass in 0..2 {
            for step in 0..cells {
                let c = if pass == 0 { step } else { cells - 1 - step };
                let [i, j, k] = self.ijk(c).map(|v| v as i64);
                let sign = if pass == 0 { 1 } else { -1 };
                let mut best = d[c];
                for &([di, dj, dk], w) in &offsets {
                    let (a, b, e) = (i + sign * di, j + sign * dj, k + sign * dk);
                    if a < 0 || b < 0 || e < 0 || a >= nx as i64 || b >= ny as i64 || e >= nz as i64 {
                        continue;
                    }
                    best = best.min(d[a as usize + nx * (b as usize + ny * e as usize)] + w);
                }
                d[c] = best;
            }
        }
        d
    }
}

/// Points bucketed in cubic cells, for neighbour searches.
struct SpatialHash {
    cell: f64,
    n: [usize; 3],
    start: Vec<usize>,
    items: Vec<usize>,
}

impl SpatialHash {
    fn new(pos: &[[f64; 3]], cell: f64) -> SpatialHash {
        let hi = pos.iter().fold([0.0f64; 3], |m, p| std::array::from_fn(|d| m[d].max(p[d])));
        let n: [usize; 3] = std::array::from_fn(|d| (hi[d] / cell).floor() as usize + 1);
        let key = |p: &[f64; 3]| {
            let c: [usize; 3] = std::array::from_fn(|d| ((p[d] / cell).floor().max(0.0) as usize).min(n[d] - 1));
            c[0] + n[0] * (c[1] + n[1] * c[2])
        };
        let mut count = vec![0usize; n[0] * n[1] * n[2] + 1];
        for p in pos {
            count[key(p) + 1] += 1;
        }
        for c in 1..count.len() {
            count[c] += count[c - 1];
        }
        let mut fill = count.clone();
        let mut items = vec![0; pos.len()];
        for (i, p) in pos.iter().enumerate() {
            let k = key(p);
            items[fill[k]] = i;
            fill[k] += 1;
        }
        SpatialHash { cell, n, start: count, items }
    }

    /// (index, distance) of the points within `r` of `q` (r ≤ cell size).
    fn within(&self, pos: &[[f64; 3]], q: [f64; 3], r: f64) -> Vec<(usize, f64)> {
        let c: [i64; 3] = std::array::from_fn(|d| (q[d] / self.cell).floor() as i64);
        let mut out = Vec::new();
        for dk in -1..=1 {
            for dj in -1..=1 {
                for di in -1..=1 {
                    let (a, b, e) = (c[0] + di, c[1] + dj, c[2] + dk);
                    if a < 0
                        || b < 0
                        || e < 0
                        || a >= self.n[0] as i64
                        || b >= self.n[1] as i64
                        || e >= self.n[2] as i64
                    {
                        continue;
                    }
                    let k = a as usize + self.n[0] * (b as usize + self.n[1] * e as usize);
                    for &i in &self.items[self.start[k]..self.start[k + 1]] {
                        let d = dist(pos[i], q);
                        if d <= r {
                            out.push((i, d));
                        }
                    }
                }
            }
        }
        out
    }
}
