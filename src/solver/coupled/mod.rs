//! The coupled solver of one species: diffusion (tissue-dependent D),
//! decay, vessel exchange (Kedem–Katchalsky), lymphatic drainage, supply,
//! uptake and Michaelis–Menten consumption solved together, by the
//! multigrid of `solver::multigrid`, with nothing split between them.
//!
//! # A step
//!
//! Backward Euler over `h` min, from `c⁰` to `c`, per voxel:
//!
//! ```text
//! (c − c⁰)/h = ∇·(D∇c) − (λ + L)·c − m·c + G + I·c̄_p
//! ```
//!
//! with `L` the linear losses (supply rate, uptake, the exchange's loss
//! `P·S/V·Pe/(e^Pe − 1)`, lymphatics), `G` the supply gains `Σ S·T`, `I`
//! the exchange's inflow per unit plasma level and `c̄_p` the plasma
//! curve's exact mean over the step, so the supply over the step is exact.
//! Consumption `V·c/(K + c)` is linearised about `c⁰` (Picard: `m =
//! V/(K + c⁰)`), which keeps every coefficient non-negative: the solution
//! is non-negative and the step conserves mass exactly (up to the solve's
//! residual). One linear solve per step, first order in `h`, L-stable: a
//! stiff exchange (`k·h ≫ 1`) relaxes to its quasi-steady balance with
//! diffusion instead of being capped near `1/h` as a split step is.
//!
//! The V-cycles of a step start from the previous step's refined solution
//! (`hi + lo`), not from the field as advection and the cells have left
//! it: the field is moved between solves by a whole step of advection (half
//! after one solve, half before the next), and the diffusion operator
//! magnifies that displacement by `D·h/dx²` in the initial residual, while
//! against the previous solution it enters only as `δ/h`. On the 21-day
//! course (64³) the initial relative residual falls from 15–30 to 0.2–1
//! and the V-cycles per step by about 28 %. The first step starts from the
//! field.
//!
//! # Steady
//!
//! `0 = ∇·(D∇c) − (λ + L)·c − V·c/(K + c) + G + I·c_p`, by Newton's method
//! on the consumption (`m = V·K/(K + c*)²` and `V·c*²/(K + c*)²` moved to
//! the right side; Picard where `K = 0`), warm-started from the current
//! field, clamped at zero after each iteration. Each iteration rebuilds the
//! diagonals (`Hierarchy::set_sink`) and runs V-cycles until the linear
//! residual is a tenth of the nonlinear one; the nonlinear residual of an
//! iterate is the linear residual of the next linearisation at it, so it
//! costs nothing extra. Converged when it is below the tolerance.
//!
//! Held voxels (Dirichlet faces, hold regions) are identity rows; the
//! faces of the box are zero-flux otherwise. Advection is not part of the
//! operator: a transient coupled species is advected by explicit upwind
//! sub-steps, half before its solve and half after; a steady one is not
//! advected.

pub mod cpu;
pub mod gpu;

pub use cpu::CoupledCpu;
pub use gpu::CoupledGpu;

use super::multigrid::{CLOSED, FaceBc, HELD, Problem};
use crate::grid::Grid;
use crate::world::{FREE, SpeciesData};

/// Below this `K + c`, a Picard consumption coefficient uses it instead
/// (a zero-order consumption at zero concentration: a very large sink, not
/// a division by zero).
pub const TINY: f32 = 1e-20;

/// Static per-voxel rates of a coupled species, 1/min and unit/min, in
/// f32 as both backends read them.
#[derive(Debug, Clone)]
pub struct Rates {
    /// `λ + L` (decay, supply rate, uptake, exchange loss, lymphatics).
    pub sink: Vec<f32>,
    /// `G = Σ S·T`.
    pub gain: Vec<f32>,
    /// `I`, per unit plasma level; empty without vessel exchange.
    pub inflow: Vec<f32>,
}

impl Rates {
    pub fn new(data: &SpeciesData, decay: f64, n: usize) -> Rates {
        let (sink, gain) = match &data.sources {
            Some(s) => {
                (s.loss.iter().map(|l| (decay + l) as f32).collect(), s.gain.iter().map(|&g| g as f32).collect())
            }
            None => (vec![decay as f32; n], vec![0.0; n]),
        };
        let inflow = data.exchange.as_ref().map(|e| e.inflow.clone()).unwrap_or_default();
        Rates { sink, gain, inflow }
    }
}

/// The conductances and holds of a species' operator: `K = D` per voxel,
/// zero-flux faces, held voxels from the world (the sink and source are
/// set per step).
pub fn problem(grid: &Grid, data: &SpeciesData) -> Problem {
    let n = grid.len();
    let d = data.transport.diffusion[0] as f32;
    Problem {
        grid: *grid,
        conductivity: data.diffusion.clone().unwrap_or_else(|| vec![d; n]),
        sink: vec![0.0; n],
        source: vec![0.0; n],
        faces: [FaceBc::ZeroFlux; 6],
        held: data.hold.as_ref().map(|h| h.iter().map(|&v| if v == FREE || v < 0.0 { f32::NAN } else { v }).collect()),
    }
}

/// What one linearisation uses besides the voxel's own rates. Keep in sync
/// with `Linearise` in `shaders/coupled.wgsl`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linearisation {
    /// `1/h`, or 0 for the steady problem.
    pub alpha: f32,
    /// Plasma level (the step's mean), species unit.
    pub plasma: f32,
    /// Half-saturation K of the consumption.
    pub half_saturation: f32,
    /// Voxel volume, µm³.
    pub volume: f32,
    /// Newton (steady) rather than Picard (a step) on the consumption.
    pub newton: bool,
}

/// One finest row's inputs: the field value `c` (the step's start, or the
/// steady iterate), the voxel's rates, and its entries of `Level::fixed`
/// and `Hierarchy::rhs_fixed`.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub c: f32,
    pub sink: f32,
    pub gain: f32,
    pub inflow: f32,
    pub vmax: f32,
    pub fixed: f32,
    pub rhs_fixed: f32,
}

/// One finest row's sink `a·V` (0 on identity rows) and right side `f`.
/// Twin of `linearise` in `shaders/coupled.wgsl`.
#[inline]
pub fn linearise(r: Row, p: &Linearisation) -> (f32, f32) {
    if r.fixed == HELD {
        return (0.0, r.rhs_fixed);
    }
    let cs = r.c.max(0.0);
    let k = p.half_saturation;
    let (mut m, mut q) = (0.0f32, 0.0f32);
    if r.vmax > 0.0 {
        let d = k + cs;
        if p.newton && k > 0.0 {
            m = r.vmax * k / (d * d);
            q = r.vmax * cs * cs / (d * d);
        } else {
            m = r.vmax / d.max(TINY);
        }
    }
    let a = (p.alpha + r.sink + m) * p.volume;
    let b = (p.alpha * r.c + r.gain + r.inflow * p.plasma - q) * p.volume;
    if r.fixed == CLOSED && a == 0.0 {
        return (0.0, r.c);
    }
    (a, b + r.rhs_fixed)
}

/// What one solve did.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SolveStats {
    /// V-cycles, over all iterations.
    pub cycles: usize,
    /// Linearisations (1 for a step; Newton iterations for a steady solve).
    pub iterations: usize,
    /// Final relative residual `‖f − A c‖/‖f‖` (of the last linear solve
    /// for a step, of the nonlinear problem for a steady solve).
    pub residual: f64,
}

/// Limits of one solve.
#[derive(Debug, Clone, Copy)]
pub struct SolveLimits {
    /// Relative residual to reach.
    pub tolerance: f64,
    /// V-cycles per linear solve.
    pub max_cycles: usize,
    /// Newton iterations of a steady solve.
    pub max_iterations: usize,
}

impl SolveLimits {
    pub fn new(tolerance: f64) -> SolveLimits {
        SolveLimits { tolerance, max_cycles: 60, max_iterations: 40 }
    }
}

/// A Newton iteration's linear solve stops at this fraction of the
/// nonlinear residual it starts from (or at the tolerance).
pub const FORCING: f64 = 0.1;

/// The outer loop of a steady solve, shared by both drivers: after each
/// linearisation, given its norm `‖f‖` and initial residual, says whether
/// the solve has converged (`Ok(Some(target))` asks for V-cycles down to
/// `target`; `Ok(None)`: done), or fails naming why.
#[derive(Debug, Clone)]
pub struct Newton {
    pub stats: SolveStats,
    stalled: u32,
    previous: f64,
    limits: SolveLimits,
}

impl Newton {
    pub fn new(limits: SolveLimits) -> Newton {
        Newton { stats: SolveStats::default(), stalled: 0, previous: f64::INFINITY, limits }
    }

    /// Whether to start the solution at the field (the first iteration).
    pub fn first(&self) -> bool {
        self.stats.iterations == 0
    }

    pub fn next(&mut self, norm: f64, r0: f64, what: &str) -> crate::Result<Option<f64>> {
        let denom = if norm > 0.0 { norm } else { r0 };
        let rel = if denom > 0.0 { r0 / denom } else { 0.0 };
        self.stats.residual = rel;
        if rel <= self.limits.tolerance {
            return Ok(None);
        }
        // Three iterations that do not halve the residual: it has met the
        // floor that the f32 coefficients of the linearisation set.
        self.stalled = if rel > 0.5 * self.previous { self.stalled + 1 } else { 0 };
        self.previous = self.previous.min(rel);
        if self.stats.iterations >= self.limits.max_iterations || self.stalled >= 3 {
            return Err(crate::Error::Numerical(format!(
                "{what}: the steady solve did not converge: relative residual {rel:.3e} after {} Newton \
                 iterations, above the tolerance {:.1e}{}",
                self.stats.iterations,
                self.limits.tolerance,
                if self.stalled >= 3 {
                    "; it stopped falling (f32 coefficients allow about 1e-9): loosen the tolerance"
                } else {
                    "; loosen the tolerance or check the rates"
                }
            )));
        }
        Ok(Some(self.limits.tolerance.max(FORCING * rel)))
    }

    /// An iteration's V-cycles are done.
    pub fn done(&mut self, cycles: usize) {
        self.stats.cycles += cycles;
        self.stats.iterations += 1;
    }
}
