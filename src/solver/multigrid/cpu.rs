//! CPU twins of the kernels in `shaders/multigrid.wgsl`: the same arithmetic in
//! the same order (the finest residual and update in f64 where the GPU
//! sums exactly in integers), planes in parallel (rayon). Results do not depend on the
//! thread count: every cell is computed independently, and the residual
//! norm adds per-plane partial sums in plane order.

use super::cycle::Engine;
use super::levels::Hierarchy;
use crate::Result;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// Cells below which a parallel loop runs on one thread: on small (coarse)
/// levels the work is smaller than the cost of waking another.
pub const MIN_PARALLEL: usize = 16_384;

/// The least number of chunks of `len` cells a parallel job takes.
#[inline]
pub fn min_chunks(len: usize) -> usize {
    (MIN_PARALLEL / len.max(1)).max(1)
}

/// A field as cells that threads may read and write concurrently (relaxed
/// atomics compile to plain loads and stores).
fn atomic_cells(e: &mut [f32]) -> &[AtomicU32] {
    // SAFETY: `AtomicU32` has the size and alignment of `u32`, and so of
    // `f32`; the exclusive borrow guarantees no other access for the
    // returned lifetime.
    unsafe { &*(e as *mut [f32] as *const [AtomicU32]) }
}

/// Gauss–Seidel update of one cell: `(rhs + Σ T e_nb) / (S + Σ T)`, faces
/// in the order x−, x+, y−, y+, z−, z+.
#[inline]
fn relax(
    coef: &[[f32; 4]],
    e: impl Fn(usize) -> f32,
    rhs: &[f32],
    shape: [usize; 3],
    idx: usize,
    [i, j, k]: [usize; 3],
) -> f32 {
    let [nx, ny, nz] = shape;
    let (sy, sz) = (nx, nx * ny);
    let c = coef[idx];
    let mut sum = rhs[idx];
    let mut diag = c[3];
    let mut face = |t: f32, nb: usize| {
        sum += t * e(nb);
        diag += t;
    };
    if i > 0 {
        face(coef[idx - 1][0], idx - 1);
    }
    if i + 1 < nx {
        face(c[0], idx + 1);
    }
    if j > 0 {
        face(coef[idx - sy][1], idx - sy);
    }
    if j + 1 < ny {
        face(c[1], idx + sy);
    }
    if k > 0 {
        face(coef[idx - sz][2], idx - sz);
    }
    if k + 1 < nz {
        face(c[2], idx + sz);
    }
    sum / diag
}

/// f32 residual `rhs − S e − Σ T (e − e_nb)` of one cell, same face order.
#[inline]
fn residual_f32(coef: &[[f32; 4]], e: &[f32], rhs: &[f32], shape: [usize; 3], [i, j, k]: [usize; 3]) -> f32 {
    let [nx, ny, nz] = shape;
    let idx = i + nx * (j + ny * k);
    let (sy, sz) = (nx, nx * ny);
    let c = coef[idx];
    let ei = e[idx];
    let mut r = rhs[idx] - c[3] * ei;
    if i > 0 {
        r -= coef[idx - 1][0] * (ei - e[idx - 1]);
    }
    if i + 1 < nx {
        r -= c[0] * (ei - e[idx + 1]);
    }
    if j > 0 {
        r -= coef[idx - sy][1] * (ei - e[idx - sy]);
    }
    if j + 1 < ny {
        r -= c[1] * (ei - e[idx + sy]);
    }
    if k > 0 {
        r -= coef[idx - sz][2] * (ei - e[idx - sz]);
    }
    if k + 1 < nz {
        r -= c[2] * (ei - e[idx + sz]);
    }
    r
}

/// Residual `f − S u − Σ T (u − u_nb)` of one plane `k` of finest cells,
/// `u = hi + lo`, in f64 (each `T·u` product of f32 words is exact in f64;
/// the sums round at 2⁻⁵³ of the largest term, far below the f32 correction
/// they drive). The GPU evaluates the same sum exactly in integers
/// (`exact.rs`); the two agree to the f32 rounding of the result. Returns
/// the plane's `Σ r²`.
fn residual_plane(coef: &[[f32; 4]], sol: &[[f32; 2]], f: &[f32], shape: [usize; 3], k: usize, out: &mut [f32]) -> f64 {
    let [nx, ny, nz] = shape;
    let (sy, sz) = (nx, nx * ny);
    let u = |idx: usize| sol[idx][0] as f64 + sol[idx][1] as f64;
    let mut sum = 0.0f64;
    for j in 0..ny {
        for i in 0..nx {
            let idx = i + nx * (j + ny * k);
            let c = coef[idx];
            let ui = u(idx);
            let mut r = f[idx] as f64 - c[3] as f64 * ui;
            if i > 0 {
                r -= coef[idx - 1][0] as f64 * (ui - u(idx - 1));
            }
            if i + 1 < nx {
                r -= c[0] as f64 * (ui - u(idx + 1));
            }
            if j > 0 {
                r -= coef[idx - sy][1] as f64 * (ui - u(idx - sy));
            }
            if j + 1 < ny {
                r -= c[1] as f64 * (ui - u(idx + sy));
            }
            if k > 0 {
                r -= coef[idx - sz][2] as f64 * (ui - u(idx - sz));
            }
            if k + 1 < nz {
                r -= c[2] as f64 * (ui - u(idx + sz));
            }
            let r = r as f32;
            out[i + nx * j] = r;
            sum += (r as f64) * (r as f64);
        }
    }
    sum
}

/// Trilinear weights along one axis for fine index `i`: the coarse cell
/// holding it and its weight (¾), the coarse neighbour on its side and its
/// weight (¼). At a domain face the neighbour is a ghost: the cell itself
/// with weight 0 at a zero-flux face (constant extrapolation), −¼ at a
/// Dirichlet face (the correction vanishes on the face). An odd axis'
/// single-child end cell, and an axis of one cell, take the coarse value.
/// `dirichlet` = (lower face, upper face) of this axis.
#[inline]
pub fn axis_weights(i: usize, nf: usize, nc: usize, dirichlet: (bool, bool)) -> (usize, usize, f32, f32) {
    let ghost = |d: bool| if d { -0.25 } else { 0.25 };
    if nf == 1 {
        return (0, 0, 1.0, 0.0);
    }
    let m = i / 2;
    if 2 * m + 1 >= nf {
        (m, m, 1.0, 0.0)
    } else if i.is_multiple_of(2) {
        if m > 0 { (m, m - 1, 0.75, 0.25) } else { (m, m, 0.75, ghost(dirichlet.0)) }
    } else if m + 1 < nc {
        (m, m + 1, 0.75, 0.25)
    } else {
        (m, m, 0.75, ghost(dirichlet.1))
    }
}

/// The multigrid kernels on the host, owning the hierarchy they solve on.
pub struct CpuEngine {
    h: Hierarchy,
    /// Correction per level.
    e: Vec<Vec<f32>>,
    /// Right side per level; level 0 holds the exact residual.
    rhs: Vec<Vec<f32>>,
    /// Finest solution `[hi, lo]`.
    sol: Vec<[f32; 2]>,
}

impl CpuEngine {
    pub fn new(h: Hierarchy) -> CpuEngine {
        let e: Vec<Vec<f32>> = h.levels.iter().map(|l| vec![0.0; l.len()]).collect();
        CpuEngine { rhs: e.clone(), e, sol: h.start.iter().map(|&p| [p, 0.0]).collect(), h }
    }

    pub fn hierarchy(&self) -> &Hierarchy {
        &self.h
    }

    /// The hierarchy, to change its finest right side or its sink.
    pub fn hierarchy_mut(&mut self) -> &mut Hierarchy {
        &mut self.h
    }

    /// The solution rounded once to f32 (`hi + lo` in f64), as the pressure
    /// solve returns it.
    pub fn solution_f64_rounded(&self) -> Vec<f32> {
        self.sol.iter().map(|&[hi, lo]| (hi as f64 + lo as f64) as f32).collect()
    }

    /// Solution words `[hi, lo]` of every finest cell.
    pub fn solution(&self) -> &[[f32; 2]] {
        &self.sol
    }

    /// Replace negative solution values by zero.
    pub fn clamp_solution(&mut self) {
        self.sol.par_iter_mut().with_min_len(MIN_PARALLEL).for_each(|p| {
            if p[0] as f64 + (p[1] as f64) < 0.0 {
                *p = [0.0, 0.0];
            }
        });
    }

    /// Start from `u` (`lo = 0`).
    pub fn set_solution(&mut self, u: &[f32]) {
        self.sol.par_iter_mut().zip(u.par_iter()).with_min_len(MIN_PARALLEL).for_each(|(s, &v)| *s = [v, 0.0]);
    }
}

impl Engine for CpuEngine {
    fn levels(&self) -> usize {
        self.h.levels.len()
    }

    fn smooth(&mut self, level: usize, colour: u32) {
        let lv = &self.h.levels[level];
        let shape = lv.shape;
        let [nx, ny, nz] = shape;
        let plane = nx * ny;
        let rhs = &self.rhs[level];
        let first = |j: usize, k: usize| (j + k + colour as usize) & 1;
        // Each cell of one colour reads only cells of the other, which this
        // pass does not write: the cells are updated in place, planes in
        // parallel, with the same result in any order.
        let e = atomic_cells(&mut self.e[level]);
        let load = |n: usize| f32::from_bits(e[n].load(Ordering::Relaxed));
        (0..nz).into_par_iter().with_min_len(min_chunks(plane)).for_each(|k| {
            for j in 0..ny {
                for i in (first(j, k)..nx).step_by(2) {
                    let idx = i + nx * (j + ny * k);
                    let v = relax(&lv.coef, load, rhs, shape, idx, [i, j, k]);
                    e[idx].store(v.to_bits(), Ordering::Relaxed);
                }
            }
        });
    }

    fn clear(&mut self, level: usize) {
        self.e[level].fill(0.0);
    }

    fn restrict(&mut self, level: usize) {
        let (fine, coarse) = (&self.h.levels[level], &self.h.levels[level + 1]);
        let (nf, nc) = (fine.shape, coarse.shape);
        let (e, (lo, hi)) = (&self.e[level], self.rhs.split_at_mut(level + 1));
        let rhs = &lo[level];
        let parent = |ax: usize, f: usize| if nf[ax] > 1 { f / 2 } else { f };
        let kids_z = |c: usize| if nf[2] > 1 { 2 * c..(2 * c + 2).min(nf[2]) } else { c..c + 1 };
        let min = min_chunks(nf[0] * nf[1] * 2);
        // The fine cells of each coarse plane in (k, j, i) order: every
        // coarse cell sums its children in that order from 0, as
        // `mg_restrict` does.
        hi[0].par_chunks_mut(nc[0] * nc[1]).with_min_len(min).enumerate().for_each(|(kc, out)| {
            out.fill(0.0);
            for k in kids_z(kc) {
                for j in 0..nf[1] {
                    let row = nc[0] * parent(1, j);
                    for i in 0..nf[0] {
                        out[row + parent(0, i)] += residual_f32(&fine.coef, e, rhs, nf, [i, j, k]);
                    }
                }
            }
        });
    }

    fn prolong(&mut self, level: usize) {
        let (nf, nc) = (self.h.levels[level].shape, self.h.levels[level + 1].shape);
        let (lo, hi) = self.e.split_at_mut(level + 1);
        let coarse = &hi[0];
        let d = self.h.dirichlet;
        lo[level].par_chunks_mut(nf[0] * nf[1]).with_min_len(min_chunks(nf[0] * nf[1])).enumerate().for_each(
            |(k, out)| {
                let (mz, bz, wz, vz) = axis_weights(k, nf[2], nc[2], (d[4], d[5]));
                for j in 0..nf[1] {
                    let (my, by, wy, vy) = axis_weights(j, nf[1], nc[1], (d[2], d[3]));
                    for i in 0..nf[0] {
                        let (mx, bx, wx, vx) = axis_weights(i, nf[0], nc[0], (d[0], d[1]));
                        let (zs, ys, xs) = ([mz, bz], [my, by], [mx, bx]);
                        let (zw, yw, xw) = ([wz, vz], [wy, vy], [wx, vx]);
                        let mut acc = 0.0f32;
                        for cz in 0..2 {
                            for cy in 0..2 {
                                for cx in 0..2 {
                                    let w = zw[cz] * yw[cy] * xw[cx];
                                    acc += w * coarse[xs[cx] + nc[0] * (ys[cy] + nc[1] * zs[cz])];
                                }
                            }
                        }
                        out[i + nf[0] * j] += acc;
                    }
                }
            },
        );
    }

    fn residual(&mut self) -> Result<f64> {
        let lv = &self.h.levels[0];
        let (sol, f) = (&self.sol, &self.h.rhs);
        let plane = lv.shape[0] * lv.shape[1];
        let partial: Vec<f64> = self.rhs[0]
            .par_chunks_mut(plane)
            .with_min_len(min_chunks(plane))
            .enumerate()
            .map(|(k, out)| residual_plane(&lv.coef, sol, f, lv.shape, k, out))
            .collect();
        Ok(partial.iter().sum())
    }

    fn correct(&mut self) {
        // `hi + lo + e` in f64 (exact: three f32 words within 2⁵³), split
        // into the nearest f32 and the rest.
        self.sol.par_iter_mut().zip(&self.e[0]).with_min_len(MIN_PARALLEL).for_each(|(p, &e)| {
            let s = p[0] as f64 + p[1] as f64 + e as f64;
            let hi = s as f32;
            *p = [hi, (s - hi as f64) as f32];
        });
    }
}

#[cfg(test)]
mod tests {
    use super::axis_weights;

    #[test]
    fn trilinear_weights_stay_inside_and_honour_dirichlet_faces() {
        for nf in 1..12usize {
            let nc = if nf > 1 { nf.div_ceil(2) } else { 1 };
            for i in 0..nf {
                let (m, b, w, v) = axis_weights(i, nf, nc, (false, false));
                assert!(m < nc && b < nc && w + v == 1.0);
                assert!(m.abs_diff(b) <= 1);
            }
        }
        assert_eq!(axis_weights(4, 8, 4, (true, true)), (2, 1, 0.75, 0.25));
        assert_eq!(axis_weights(5, 8, 4, (true, true)), (2, 3, 0.75, 0.25));
        assert_eq!(axis_weights(4, 5, 3, (true, true)), (2, 2, 1.0, 0.0));
        assert_eq!(axis_weights(0, 8, 4, (true, false)), (0, 0, 0.75, -0.25));
        assert_eq!(axis_weights(7, 8, 4, (true, false)), (3, 3, 0.75, 0.25));
    }
}
