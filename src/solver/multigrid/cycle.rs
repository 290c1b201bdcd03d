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
/// The V-cycle calls the composite steps (`presmooth`, `postsmooth`,
/// `postsmooth_update`); their defaults run the single kernels in order,
/// and a backend may instead fuse them into fewer passes over memory when
/// every cell gets the same value.
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

    /// `e = 0` on `level`, `sweeps` sweeps (colours 0 then 1), then
    /// [`restrict`](Engine::restrict) when `restrict`.
    fn presmooth(&mut self, level: usize, sweeps: usize, restrict: bool) {
        self.clear(level);
        for _ in 0..sweeps {
            self.smooth(level, 0);
            self.smooth(level, 1);
        }
        if restrict {
            self.restrict(level);
        }
    }

    /// [`prolong`](Engine::prolong), then `sweeps` sweeps with the colours
    /// in reverse order (a symmetric cycle).
    fn postsmooth(&mut self, level: usize, sweeps: usize) {
        self.prolong(level);
        for _ in 0..sweeps {
            self.smooth(level, 1);
            self.smooth(level, 0);
        }
    }

    /// [`postsmooth`](Engine::postsmooth) of level 0, then
    /// [`correct`](Engine::correct) and [`residual`](Engine::residual).
    fn postsmooth_update(&mut self, sweeps: usize) -> Result<f64> {
        self.postsmooth(0, sweeps);
        self.correct();
        self.residual()
    }
}

/// One iteration: a V-cycle on the correction equation from `e = 0`,
/// then `u += e`; returns the new `‖f − A u‖₂²` (and leaves that residual
/// in `rhs[0]`).
pub fn vcycle(e: &mut impl Engine) -> Result<f64> {
    if e.levels() == 1 {
        e.presmooth(0, COARSEST_SWEEPS, false);
        e.correct();
        return e.residual();
    }
    e.presmooth(0, PRE_SWEEPS, true);
    coarse_cycle(e, 1);
    e.postsmooth_update(POST_SWEEPS)
}

/// The V-cycle from `level` (> 0) down, from `e = 0` on `level`.
fn coarse_cycle(e: &mut impl Engine, level: usize) {
    if level + 1 == e.levels() {
        e.presmooth(level, COARSEST_SWEEPS, false);
        return;
    }
    e.presmooth(level, PRE_SWEEPS, true);
    coarse_cycle(e, level + 1);
    e.postsmooth(level, POST_SWEEPS);
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
        rel = vcycle(e)?.sqrt() / denom;
        cycles += 1;
    }
}
