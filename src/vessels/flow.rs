//! Blood flow through the network: Poiseuille conductances and Kirchhoff's
//! law, solved for the free node pressures with the fixed (inlet/outlet)
//! pressures as boundary values.
//!
//! Segment conductance `g = π r⁴ / (8 μ ℓ)` (µm³ min⁻¹ mmHg⁻¹ with r, ℓ in
//! µm and μ in mmHg·min), flow `Q = g (p_a − p_b)`. Blood is treated as a
//! Newtonian fluid of constant viscosity (no Fåhræus–Lindqvist effect, no
//! haematocrit split at branches). At every free node Σ Q = 0: a sparse
//! symmetric positive-definite system, solved in f64 by conjugate gradients
//! with a Jacobi preconditioner to a relative residual of 1e-13, in at most
//! 10·m + 100 iterations per restart (m free nodes) and a bounded amount of
//! work in all, so that no network makes the solve hang.

use super::Network;
use crate::{Error, Result};
use std::f64::consts::PI;

/// Pa → mmHg.
const MMHG_PER_PA: f64 = 1.0 / 133.322_387_415;
/// s → min.
const MIN_PER_S: f64 = 1.0 / 60.0;

/// Pressures and flows of a network.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// Blood pressure at each node, mmHg.
    pub node_pressure: Vec<f64>,
    /// Volume flow through each segment, µm³/min, positive from `a` to `b`.
    pub segment_flow: Vec<f64>,
}

impl Flow {
    /// Mean of the end pressures of segment `s`, mmHg.
    pub fn segment_pressure(&self, net: &Network, s: usize) -> f64 {
        let seg = &net.segments[s];
        0.5 * (self.node_pressure[seg.a] + self.node_pressure[seg.b])
    }

    /// Mean blood speed in segment `s`, µm/min (|Q| / πr²).
    pub fn segment_speed(&self, net: &Network, s: usize) -> f64 {
        self.segment_flow[s].abs() / (PI * net.segments[s].radius.powi(2))
    }
}

/// Every node at `pressure` (mmHg), no flow: for scenes that give one
/// intravascular pressure instead of solving the flow.
pub fn uniform(net: &Network, pressure: f64) -> Flow {
    Flow { node_pressure: vec![pressure; net.nodes.len()], segment_flow: vec![0.0; net.segments.len()] }
}

/// Poiseuille conductance of segment `s`, µm³ min⁻¹ mmHg⁻¹, for viscosity
/// `mu` in mmHg·min.
fn conductance(net: &Network, s: usize, mu: f64) -> f64 {
    PI * net.segments[s].radius.powi(4) / (8.0 * mu * net.length(s))
}

/// Solve Poiseuille flow with blood viscosity `viscosity` (Pa·s; whole
/// blood ≈ 3.5e-3). Fails when the network is invalid, when it has
/// segments but no fixed-pressure node, or when a connected piece with
/// segments has no fixed-pressure node (its pressure would be undefined;
/// [`Network::retain_perfused`] removes such pieces). Nodes that no segment
/// touches get the mean of the fixed pressures.
pub fn poiseuille(net: &Network, viscosity: f64) -> Result<Flow> {
    if !(viscosity.is_finite() && viscosity > 0.0) {
        return Err(Error::scene(
            "vessels.viscosity",
            format!("blood viscosity {viscosity} Pa·s is not positive"),
            "give the viscosity in Pa·s (whole blood ≈ 3.5e-3, plasma ≈ 1.2e-3)",
        ));
    }
    net.validate()?;
    let n = net.nodes.len();
    if net.segments.is_empty() {
        let fixed: Vec<f64> = net.nodes.iter().filter_map(|nd| nd.pressure).collect();
        let mean = if fixed.is_empty() { 0.0 } else { fixed.iter().sum::<f64>() / fixed.len() as f64 };
        return Ok(Flow {
            node_pressure: net.nodes.iter().map(|nd| nd.pressure.unwrap_or(mean)).collect(),
            segment_flow: Vec::new(),
        });
    }
    let fixed = net.fixed_nodes();
    if fixed.is_empty() {
        return Err(Error::scene(
            "vessels.pressure",
            format!("no node of the network ({n} nodes, {} segments) has a fixed pressure", net.segments.len()),
            "give the inlet and outlet nodes a \"pressure\" in mmHg",
        ));
    }
    let reach = net.reached_from_fixed();
    if let Some(seg) = net.segments.iter().position(|s| !reach[s.a]) {
        let s = &net.segments[seg];
        return Err(Error::scene(
            "vessels.pressure",
            format!(
                "segment {seg} (nodes {} and {}) lies in a piece of the network that has no fixed-pressure node, so its pressure is undefined",
                s.a, s.b
            ),
            "give a node of that piece a \"pressure\" in mmHg, join it to the rest, or remove it",
        ));
    }
    let mean_fixed = fixed.iter().map(|&i| net.nodes[i].pressure.unwrap_or(0.0)).sum::<f64>() / fixed.len() as f64;
    let mu = viscosity * MMHG_PER_PA * MIN_PER_S;
    let g: Vec<f64> = (0..net.segments.len()).map(|s| conductance(net, s, mu)).collect();

    // Unknowns: the free nodes that some segment touches.
    let mut touched = vec![false; n];
    for s in &net.segments {
        touched[s.a] = true;
        touched[s.b] = true;
    }
    let mut unknown = vec![usize::MAX; n];
    let mut free = Vec::new();
    for i in 0..n {
        if net.nodes[i].pressure.is_none() && touched[i] {
            unknown[i] = free.len();
            free.push(i);
        }
    }
    let mut p: Vec<f64> = net.nodes.iter().map(|nd| nd.pressure.unwrap_or(mean_fixed)).collect();
    if !free.is_empty() {
        let sys = System::new(net, &g, &unknown, free.len());
        let x = sys.solve(&p, mean_fixed)?;
        for (k, &i) in free.iter().enumerate() {
            p[i] = x[k];
        }
    }
    let segment_flow = net.segments.iter().zip(&g).map(|(s, g)| g * (p[s.a] - p[s.b])).collect();
    Ok(Flow { node_pressure: p, segment_flow })
}

/// Most multiply-adds the conjugate-gradient iterations of one flow solve
/// may take (a few seconds), whatever the network.
const MAX_FLOW_WORK: u64 = 4_000_000_000;

/// The reduced Kirchhoff system `A x = b` over the free nodes, in
/// compressed-row form.
struct System {
    row_start: Vec<usize>,
    col: Vec<usize>,
    val: Vec<f64>,
    diag: Vec<f64>,
    /// Per unknown: (fixed node, conductance) pairs feeding the right-hand side.
    boundary: Vec<Vec<(usize, f64)>>,
}

impl System {
    fn new(net: &Network, g: &[f64], unknown: &[usize], m: usize) -> System {
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
        let mut diag = vec![0.0; m];
        let mut boundary = vec![Vec::new(); m];
        for (s, seg) in net.segments.iter().enumerate() {
            let (ua, ub) = (unknown[seg.a], unknown[seg.b]);
            for (u, other, uo) in [(ua, seg.b, ub), (ub, seg.a, ua)] {
                if u == usize::MAX {
                    continue;
                }
                diag[u] += g[s];
                if uo == usize::MAX {
                    boundary[u].push((other, g[s]));
                } else {
                    rows[u].push((uo, -g[s]));
                }
            }
        }
        let mut row_start = vec![0];
        let (mut col, mut val) = (Vec::new(), Vec::new());
        for r in rows {
            for (c, v) in r {
                col.push(c);
                val.push(v);
            }
            row_start.push(col.len());
        }
        System { row_start, col, val, diag, boundary }
    }

    /// y = A x.
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        for (r, yr) in y.iter_mut().enumerate() {
            let mut s = self.diag[r] * x[r];
            for k in self.row_start[r]..self.row_start[r + 1] {
                s += self.val[k] * x[self.col[k]];
            }
            *yr = s;
        }
    }

    /// Solve, with the fixed pressures read from `p` (indexed by node),
    /// starting from `start` (mmHg) at every free node.
    fn solve(&self, p: &[f64], start: f64) -> Result<Vec<f64>> {
        let m = self.diag.len();
        let b: Vec<f64> = self.boundary.iter().map(|bs| bs.iter().map(|&(j, g)| g * p[j]).sum()).collect();
        let b_norm = norm(&b).max(f64::MIN_POSITIVE);
        let mut x = vec![start; m];
        let (mut r, mut z, mut d, mut q) = (vec![0.0; m], vec![0.0; m], vec![0.0; m], vec![0.0; m]);
        let tol = 1e-13;
        // Iterations in all, bounded by the work they take (a network whose
        // solve stagnates fails within seconds instead of 50·m² operations).
        let per_iteration = (m + self.col.len()).max(1) as u64;
        let mut budget = (MAX_FLOW_WORK / per_iteration).max(1000);
        // Restarts recompute the true residual, so recurrence drift cannot
        // fake convergence.
        for _restart in 0..5 {
            self.apply(&x, &mut q);
            for i in 0..m {
                r[i] = b[i] - q[i];
            }
            if norm(&r) <= tol * b_norm {
                return Ok(x);
            }
            for i in 0..m {
                z[i] = r[i] / self.diag[i];
                d[i] = z[i];
            }
            let mut rz = dot(&r, &z);
            for _ in 0..(10 * m as u64 + 100).min(budget) {
                budget -= 1;
                self.apply(&d, &mut q);
                let dq = dot(&d, &q);
                if dq.is_nan() || dq <= 0.0 {
                    break;
                }
                let alpha = rz / dq;
                for i in 0..m {
                    x[i] += alpha * d[i];
                    r[i] -= alpha * q[i];
                }
                if norm(&r) <= tol * b_norm {
                    break;
                }
                for i in 0..m {
                    z[i] = r[i] / self.diag[i];
                }
                let rz_new = dot(&r, &z);
                let beta = rz_new / rz;
                rz = rz_new;
                for i in 0..m {
                    d[i] = z[i] + beta * d[i];
                }
            }
        }
        self.apply(&x, &mut q);
        let res = (0..m).map(|i| (b[i] - q[i]).powi(2)).sum::<f64>().sqrt() / b_norm;
        if res <= 1e-10 && x.iter().all(|v| v.is_finite()) {
            Ok(x)
        } else {
            Err(Error::Numerical(format!(
                "vessel flow solve did not converge (relative residual {res:.1e} over {m} free nodes)"
            )))
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vessels::{Node, Segment, VesselKind};

    fn node(z: f64, p: Option<f64>) -> Node {
        Node { pos: [0.0, 0.0, z], pressure: p }
    }

    fn seg(a: usize, b: usize, r: f64) -> Segment {
        Segment { a, b, radius: r, kind: VesselKind::Normal, maturity: 1.0 }
    }

    #[test]
    fn units_of_the_conductance() {
        // r = 4 µm, ℓ = 100 µm, μ = 3.5e-3 Pa·s = 3.5e-3/133.322/60 mmHg·min.
        let net = Network { nodes: vec![node(0.0, Some(1.0)), node(100.0, Some(0.0))], segments: vec![seg(0, 1, 4.0)] };
        let f = poiseuille(&net, 3.5e-3).unwrap();
        let want = PI * 256.0 / (8.0 * 3.5e-3 / 133.322_387_415 / 60.0 * 100.0);
        assert!((f.segment_flow[0] / want - 1.0).abs() < 1e-12);
        // ≈ 2.3e6 µm³/min per mmHg: 0.2 mmHg drives ≈ 150 µm/s.
        assert!((f.segment_flow[0] - 2.2978e6).abs() < 1e3, "{}", f.segment_flow[0]);
    }

    #[test]
    fn floating_piece_is_an_error() {
        let net = Network {
            nodes: vec![node(0.0, Some(1.0)), node(10.0, Some(0.0)), node(20.0, None), node(30.0, None)],
            segments: vec![seg(0, 1, 4.0), seg(2, 3, 4.0)],
        };
        let e = poiseuille(&net, 3.5e-3).unwrap_err().to_string();
        assert!(e.contains("segment 1") && e.contains("no fixed-pressure node"), "{e}");
        let none = Network { nodes: vec![node(0.0, None), node(10.0, None)], segments: vec![seg(0, 1, 4.0)] };
        let e = poiseuille(&none, 3.5e-3).unwrap_err().to_string();
        assert!(e.contains("no node") && e.contains("fixed pressure"), "{e}");
    }
}
