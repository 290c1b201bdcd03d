//! Vessel networks: generation, import, blood flow and voxelisation.
//!
//! A [`Network`] is a graph of straight cylindrical segments between nodes
//! (positions in µm, the grid's lower corner at the origin). It comes from
//! [`generate`] (a seeded capillary bed with chaotic tumour vessels where the
//! tissue is tumour) or from a file ([`Network::from_path`], formats in
//! `scenes/networks/README.md`). [`poiseuille`] gives the blood pressure at
//! every node from the fixed inlet/outlet pressures; [`voxelise`] turns the
//! network into per-voxel maps (wall area per volume by vessel kind, lumen
//! fraction, mean intravascular pressure) that the transport solver reads.
//!
//! Units: µm, min, mmHg; viscosity is given in Pa·s (converted inside).

mod flow;
mod generate;
mod io;
mod json;
mod rng;
mod voxelise;

pub use crate::grid::Tissue;
pub use flow::{Flow, poiseuille, uniform};
pub use generate::{GenerateParams, generate};
pub use rng::SplitMix64;
pub use voxelise::{VesselMaps, voxelise};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Least lumen radius of a segment, µm: 100 nm, far below any capillary
/// (≈ 2–4 µm), so that a radius given in mm instead of µm is refused.
pub const MIN_RADIUS: f64 = 0.1;
/// Greatest lumen radius of a segment, µm: 1 cm, the largest vessels of the
/// body. A network checked against a grid must also keep every radius
/// within the grid's largest extent.
pub const MAX_RADIUS: f64 = 1e4;
/// Greatest magnitude of a fixed blood pressure, mmHg: several times the
/// highest arterial pressure.
pub const MAX_PRESSURE: f64 = 1000.0;

/// What a vessel is: a normal (mature, tight-walled) vessel or a tumour
/// vessel (immature, dilated, leaky).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VesselKind {
    #[default]
    Normal,
    Tumour,
}

impl VesselKind {
    pub const ALL: [VesselKind; 2] = [VesselKind::Normal, VesselKind::Tumour];

    /// 0 for normal, 1 for tumour: the index into [`VesselMaps::sv`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in files: `normal` or `tumour`.
    pub fn name(self) -> &'static str {
        match self {
            VesselKind::Normal => "normal",
            VesselKind::Tumour => "tumour",
        }
    }

    /// Maturity used when a file gives none: 1 for normal, 0 for tumour.
    pub fn default_maturity(self) -> f64 {
        match self {
            VesselKind::Normal => 1.0,
            VesselKind::Tumour => 0.0,
        }
    }
}

/// A node of the network: a segment end or branch point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Position, µm, grid lower corner = origin.
    pub pos: [f64; 3],
    /// Fixed blood pressure (inlet or outlet), mmHg; `None` for a free node
    /// whose pressure the flow solve finds.
    pub pressure: Option<f64>,
}

/// A straight cylindrical vessel segment between nodes `a` and `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Node indices into [`Network::nodes`].
    pub a: usize,
    pub b: usize,
    /// Lumen radius, µm.
    pub radius: f64,
    pub kind: VesselKind,
    /// 0..1; 1 = mature (pericyte-covered), 0 = bare endothelium.
    pub maturity: f64,
}

/// A vessel network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub segments: Vec<Segment>,
}

impl Network {
    /// Length of segment `s`, µm.
    pub fn length(&self, s: usize) -> f64 {
        let seg = &self.segments[s];
        dist(self.nodes[seg.a].pos, self.nodes[seg.b].pos)
    }

    /// Total vessel wall area Σ 2πrℓ, µm².
    pub fn wall_area(&self) -> f64 {
        (0..self.segments.len()).map(|s| 2.0 * PI * self.segments[s].radius * self.length(s)).sum()
    }

    /// Wall area of the segments of one kind, µm².
    pub fn wall_area_of(&self, kind: VesselKind) -> f64 {
        (0..self.segments.len())
            .filter(|&s| self.segments[s].kind == kind)
            .map(|s| 2.0 * PI * self.segments[s].radius * self.length(s))
            .sum()
    }

    /// Total vessel length, µm.
    pub fn total_length(&self) -> f64 {
        (0..self.segments.len()).map(|s| self.length(s)).sum()
    }

    /// Total lumen volume Σ πr²ℓ, µm³.
    pub fn lumen_volume(&self) -> f64 {
        (0..self.segments.len()).map(|s| PI * self.segments[s].radius.powi(2) * self.length(s)).sum()
    }

    /// Number of segments of one kind.
    pub fn count(&self, kind: VesselKind) -> usize {
        self.segments.iter().filter(|s| s.kind == kind).count()
    }

    /// Indices of the nodes with a fixed pressure.
    pub fn fixed_nodes(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].pressure.is_some()).collect()
    }

    /// Check that every node position is finite and every fixed pressure
    /// within ±[`MAX_PRESSURE`], and that every segment joins two different
    /// existing nodes, has a radius within [`MIN_RADIUS`]…[`MAX_RADIUS`], a
    /// finite positive length and a maturity in 0..1. The error names the
    /// first bad node or segment by its index.
    pub fn validate(&self) -> Result<()> {
        self.validate_named("vessels", None, &|i| format!("node {i}"), &|s| format!("segment {s}"))
    }

    /// [`Network::validate`], and that the network fits the grid box
    /// `[0, extent]` (µm): every node within one grid extent of it per axis
    /// (−L … 2L) and every radius at most the box's largest extent.
    pub fn validate_within(&self, extent: [f64; 3]) -> Result<()> {
        self.validate_named("vessels", Some(extent), &|i| format!("node {i}"), &|s| format!("segment {s}"))
    }

    /// [`Network::validate`] (and with `extent`, [`Network::validate_within`])
    /// with the records named by the caller (a file's line or record), under
    /// the error key `key`. The one check of every network read from a file,
    /// whatever its format.
    pub(crate) fn validate_named(
        &self,
        key: &str,
        extent: Option<[f64; 3]>,
        node_name: &dyn Fn(usize) -> String,
        seg_name: &dyn Fn(usize) -> String,
    ) -> Result<()> {
        let err = |what: String, fix: &str| Err(Error::scene(key, what, fix));
        for (i, n) in self.nodes.iter().enumerate() {
            for (c, axis) in n.pos.iter().zip(["x", "y", "z"]) {
                if !c.is_finite() {
                    return err(
                        format!("{}: `{axis}` = {c} is not finite", node_name(i)),
                        "give every node finite x, y, z in µm",
                    );
                }
            }
            if let Some(p) = n.pressure.filter(|p| !(p.is_finite() && p.abs() <= MAX_PRESSURE)) {
                return err(
                    format!("{}: `pressure` = {p} mmHg is outside ±{MAX_PRESSURE} mmHg", node_name(i)),
                    "give the blood pressure in mmHg (arteriolar inlets ≈ 35, venular outlets ≈ 15), or none for a free node",
                );
            }
        }
        if let Some(ext) = extent {
            let inside = |p: [f64; 3]| (0..3).all(|d| inside_axis(p[d], ext[d]));
            if let Some(i) = self.nodes.iter().position(|n| !inside(n.pos)) {
                let p = self.nodes[i].pos;
                let d = (0..3).find(|&d| !inside_axis(p[d], ext[d])).unwrap_or(0);
                let axis = ["x", "y", "z"][d];
                let nm = self.nodes.iter().all(|n| inside(n.pos.map(|c| c / 1000.0)));
                let fix = if nm {
                    "every position fits the grid once divided by 1000: the file looks like it is in nm; \
                     positions and radii are in µm, so divide them all by 1000"
                        .to_string()
                } else {
                    format!(
                        "give positions in µm from the grid's lower corner (the grid spans 0 … {} µm along {axis}); \
                         move or remove the node, or enlarge the grid",
                        ext[d]
                    )
                };
                return err(
                    format!(
                        "{}: `{axis}` = {} µm is more than one grid extent outside the grid (allowed {} … {} µm)",
                        node_name(i),
                        p[d],
                        -ext[d],
                        2.0 * ext[d]
                    ),
                    &fix,
                );
            }
        }
        let max_radius = match extent {
            Some(e) => MAX_RADIUS.min(e[0].max(e[1]).max(e[2])),
            None => MAX_RADIUS,
        };
        for (s, seg) in self.segments.iter().enumerate() {
            for (end, id) in [("a", seg.a), ("b", seg.b)] {
                if id >= self.nodes.len() {
                    return err(
                        format!("{}: node `{end}` = {id} does not exist ({} nodes)", seg_name(s), self.nodes.len()),
                        "join segments only to nodes listed in the network",
                    );
                }
            }
            if seg.a == seg.b {
                return err(
                    format!("{}: both ends are node {}", seg_name(s), seg.a),
                    "join every segment to two different nodes",
                );
            }
            if !(seg.radius.is_finite() && seg.radius >= MIN_RADIUS && seg.radius <= max_radius) {
                let why = if extent.is_some() && max_radius < MAX_RADIUS { " (the grid's largest extent)" } else { "" };
                return err(
                    format!(
                        "{}: `radius` = {} µm is outside {MIN_RADIUS} … {max_radius} µm{why}",
                        seg_name(s),
                        seg.radius
                    ),
                    "give every segment its lumen radius in µm (capillaries ≈ 4, tumour vessels 6–15)",
                );
            }
            if !(seg.maturity.is_finite() && (0.0..=1.0).contains(&seg.maturity)) {
                return err(
                    format!("{}: maturity {} is outside 0..1", seg_name(s), seg.maturity),
                    "give maturity between 0 (bare) and 1 (mature), or leave it out",
                );
            }
            let len = self.length(s);
            if !len.is_finite() {
                return err(
                    format!("{}: length {len} µm is not finite", seg_name(s)),
                    "give the nodes positions in µm near the grid",
                );
            }
            if len <= 0.0 {
                return err(
                    format!("{}: nodes {} and {} are at the same position, length 0", seg_name(s), seg.a, seg.b),
                    "move one of the nodes or remove the segment",
                );
            }
        }
        Ok(())
    }

    /// Drop the segments not reachable from a fixed-pressure node, then the
    /// nodes no segment uses; renumber, keeping order.
    pub fn retain_perfused(&mut self) {
        let reach = self.reached_from_fixed();
        self.segments.retain(|s| reach[s.a]);
        self.drop_unused_nodes();
    }

    /// Per node: is it joined, through segments, to a fixed-pressure node?
    pub(crate) fn reached_from_fixed(&self) -> Vec<bool> {
        let adj = self.adjacency();
        let mut reach = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = self.fixed_nodes();
        for &i in &stack {
            reach[i] = true;
        }
        while let Some(i) = stack.pop() {
            for &(j, _) in &adj[i] {
                if !reach[j] {
                    reach[j] = true;
                    stack.push(j);
                }
            }
        }
        reach
    }

    /// Per node: (neighbour, segment) pairs, in segment order.
    pub(crate) fn adjacency(&self) -> Vec<Vec<(usize, usize)>> {
        let mut adj = vec![Vec::new(); self.nodes.len()];
        for (s, seg) in self.segments.iter().enumerate() {
            adj[seg.a].push((seg.b, s));
            adj[seg.b].push((seg.a, s));
        }
        adj
    }

    /// Remove nodes that no segment uses; renumber, keeping order.
    pub(crate) fn drop_unused_nodes(&mut self) {
        let mut used = vec![false; self.nodes.len()];
        for s in &self.segments {
            used[s.a] = true;
            used[s.b] = true;
        }
        let mut new_index = vec![usize::MAX; self.nodes.len()];
        let mut kept = Vec::with_capacity(self.nodes.len());
        for (i, n) in self.nodes.iter().enumerate() {
            if used[i] {
                new_index[i] = kept.len();
                kept.push(*n);
            }
        }
        self.nodes = kept;
        for s in &mut self.segments {
            s.a = new_index[s.a];
            s.b = new_index[s.b];
        }
    }
}

/// Whether a coordinate `c` lies within one grid extent `l` of `[0, l]`.
fn inside_axis(c: f64, l: f64) -> bool {
    c >= -l && c <= 2.0 * l
}

pub(crate) fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Two unit vectors perpendicular to the unit vector `t` and to each other.
pub(crate) fn perpendiculars(t: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    // Cross with the coordinate axis least aligned with t.
    let k = (0..3).min_by(|&i, &j| t[i].abs().total_cmp(&t[j].abs())).unwrap_or(0);
    let mut e = [0.0; 3];
    e[k] = 1.0;
    let u = normalise(cross(t, e));
    (u, cross(t, u))
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    a.map(|x| x / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tube(r: f64, len: f64) -> Network {
        Network {
            nodes: vec![
                Node { pos: [0.0, 0.0, 0.0], pressure: Some(20.0) },
                Node { pos: [0.0, 0.0, len], pressure: Some(10.0) },
            ],
            segments: vec![Segment { a: 0, b: 1, radius: r, kind: VesselKind::Normal, maturity: 1.0 }],
        }
    }

    #[test]
    fn wall_area_of_a_tube() {
        let n = tube(4.0, 100.0);
        assert!((n.wall_area() - 2.0 * PI * 400.0).abs() < 1e-9);
        assert_eq!(n.wall_area_of(VesselKind::Tumour), 0.0);
        assert!((n.lumen_volume() - PI * 1600.0).abs() < 1e-9);
        n.validate().unwrap();
    }

    #[test]
    fn validate_names_the_segment() {
        let mut n = tube(4.0, 100.0);
        n.segments[0].radius = -1.0;
        let e = n.validate().unwrap_err().to_string();
        assert!(e.contains("segment 0") && e.contains("radius"), "{e}");
        let mut n = tube(4.0, 0.0);
        let e = n.validate().unwrap_err().to_string();
        assert!(e.contains("length 0"), "{e}");
        n.segments[0].b = 5;
        let e = n.validate().unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn retain_perfused_drops_islands() {
        let mut n = tube(4.0, 100.0);
        n.nodes.push(Node { pos: [5.0, 0.0, 0.0], pressure: None });
        n.nodes.push(Node { pos: [5.0, 0.0, 9.0], pressure: None });
        n.segments.push(Segment { a: 2, b: 3, radius: 4.0, kind: VesselKind::Tumour, maturity: 0.0 });
        n.retain_perfused();
        assert_eq!(n, tube(4.0, 100.0));
    }
}
