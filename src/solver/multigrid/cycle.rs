//! The iteration both backends run: exact finest-level residual, one
//! V-cycle on the correction equation, exact update; the kernels behind
//! [`Engine`] are the CPU twins in `cpu.rs` or the shaders in `multigrid.wgsl`.

use crate::{Error, Result};

/// Red–black Gauss–Seidel sweeps before the coarse-grid correction.
pub const PRE_SWEEPS: usize = 2;
/// Sweeps after it (colours in reverse order: a symmetric cycle).
pub const POST_SWEEPS: usize = 2;
/// Sweeps on the coarsest level (one cell: the first sweep is exact).
pub const COARSEST_SWEEPS: usize = 4;

/// The kernels of one backend. Level 0 is the finest; `e` is a level's
/// correction, `rhs` its right side; `u = hi + lo` the finest solution.
pub trait Engine {
    fn levels(&self) -> usize;
    /// One Gauss–Seidel half-sweep over the cells with `(i + j + k) % 2 == colour`.
    fn smooth(&mut self, level: usize, colour: u32);
    /// `e = 0` on `level`.
    fn clear(&mut self, level: usize);
    /// `rhs[level + 1]` = sum over each coarse cell's children of `rhs − A e`.
    fn restrict(&mut self, level: usize);
    /// `e[level] += P e[level + 1]` (trilinear).
    fn prolong(&mut self, level: usize);
    /// `rhs[0] = f − A u` exactly; returns `‖rhs[0]‖₂²`.
    fn residual(&mut self) -> Result<f64>;
    /// `u += e[0]`.
    fn correct(&mut self);
}

fn sweeps(e: &mut impl Engine, level: usize, count: usize, colours: [u32; 2]) {
    for _ in 0..count {
        for c in colours {
            e.smooth(level, c);
        }
    }
}

/// One V-cycle from `level` down on the correction equation of `level`.
pub fn vcycle(e: &mut impl Engine, level: usize) {
    if level + 1 == e.levels() {
        sweeps(e, level, COARSEST_SWEEPS, [0, 1]);
        return;
    }
    sweeps(e, level, PRE_SWEEPS, [0, 1]);
    e.restrict(level);
    e.clear(level + 1);
    vcycle(e, level + 1);
    e.prolong(level);
    sweeps(e, level, POST_SWEEPS, [1, 0]);
}

/// Cycle until `‖f − A u‖ / ‖f‖ ≤ tolerance`; returns (cycles, relative
/// residual). `rhs_norm` is `‖f‖₂` over free voxels; when it is 0 the
/// initial residual norm takes its place. `what` names the problem in errors.
pub fn iterate(
    e: &mut impl Engine,
    rhs_norm: f64,
    tolerance: f64,
    max_cycles: usize,
    what: &str,
) -> Result<(usize, f64)> {
    let r0 = e.residual()?.sqrt();
    iterate_from(e, r0, rhs_norm, tolerance, max_cycles, what)
}

/// As [`iterate`], with the residual already in `rhs[0]` and its norm `r0`.
pub fn iterate_from(
    e: &mut impl Engine,
    r0: f64,
    rhs_norm: f64,
    tolerance: f64,
    max_cycles: usize,
    what: &str,
) -> Result<(usize, f64)> {
    let denom = if rhs_norm > 0.0 { rhs_norm } else { r0 };
    if denom == 0.0 {
        return Ok((0, 0.0));
    }
    let mut rel = r0 / denom;
    let mut cycles = 0;
    loop {
        if !rel.is_finite() {
            return Err(Error::Numerical(format!(
                "{what}: the residual became {rel} after {cycles} V-cycles (overflow or a singular problem)"
            )));
        }
        if rel <= tolerance {
            return Ok((cycles, rel));
        }
        if cycles >= max_cycles {
            return Err(Error::Numerical(format!(
                "{what} did not converge: relative residual {rel:.3e} after {cycles} V-cycles, \
                 above the tolerance {tolerance:.1e}; allow more cycles, loosen the tolerance, or check for \
                 regions with no sink and no Dirichlet contact (a singular problem)"
            )));
        }
        e.clear(0);
        vcycle(e, 0);
        e.correct();
        cycles += 1;
        rel = e.residual()?.sqrt() / denom;
    }
}
