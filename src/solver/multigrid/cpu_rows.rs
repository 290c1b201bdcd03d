//! Row kernels of the CPU multigrid (`cpu.rs`): one row `(j, k)` of a
//! level at a time, the arithmetic of `shaders/multigrid.wgsl` in the same
//! order. A row's two end cells (and every cell of a level under 3 cells
//! along x) run here as scalar code testing which of their six faces
//! exist; its inner cells run as vectorised loops (`cpu_inner.rs`).

use super::cpu_inner::{self as inner, Split};

/// The cells of a field that the tasks of one pass read and write
/// concurrently, each cell written by at most one task and read by no task
/// running at the same time as its writer (see `wavefront.rs`).
#[derive(Clone, Copy)]
pub struct Cells<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: `Cells` is a pointer to cells of `T: Send`; the passes that share
// it between threads write disjoint cells that no concurrent task reads.
unsafe impl<T: Send> Send for Cells<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for Cells<T> {}

impl<T: Copy> Cells<T> {
    /// The cells of `v`, valid while the exclusive borrow it came from is
    /// unused otherwise.
    pub fn new(v: &mut [T]) -> Cells<T> {
        Cells { ptr: v.as_mut_ptr(), len: v.len() }
    }

    /// # Safety
    /// `idx` in bounds; no concurrent write of the cell.
    #[inline(always)]
    pub unsafe fn get(self, idx: usize) -> T {
        debug_assert!(idx < self.len);
        // SAFETY: the caller's contract.
        unsafe { *self.ptr.add(idx) }
    }

    /// The cells `start..start + len` as a slice.
    ///
    /// # Safety
    /// In bounds; none of them written while the slice lives.
    #[inline(always)]
    pub unsafe fn slice<'a>(self, start: usize, len: usize) -> &'a [T] {
        debug_assert!(start + len <= self.len);
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(self.ptr.add(start), len) }
    }

    /// The cells `start..start + len` as a mutable slice.
    ///
    /// # Safety
    /// In bounds; none of them accessed otherwise while the slice lives.
    #[inline(always)]
    pub unsafe fn slice_mut<'a>(self, start: usize, len: usize) -> &'a mut [T] {
        debug_assert!(start + len <= self.len);
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }

    /// # Safety
    /// `idx` in bounds; no concurrent access to the cell.
    #[inline(always)]
    pub unsafe fn set(self, idx: usize, v: T) {
        debug_assert!(idx < self.len);
        // SAFETY: the caller's contract.
        unsafe { *self.ptr.add(idx) = v }
    }
}

/// Is the level too thin along x for inner cells (all but a row's ends)?
#[inline]
fn thin([nx, ..]: [usize; 3]) -> bool {
    nx < 3
}

/// Calls `face(T, neighbour)` for each face of cell `[i, j, k]` (index
/// `idx`) that exists, in the order x−, x+, y−, y+, z−, z+. `INNER`: the
/// caller knows that all six do, and no face is tested.
#[inline(always)]
fn faces<const INNER: bool>(
    sp: &Split,
    [nx, ny, nz]: [usize; 3],
    [i, j, k]: [usize; 3],
    idx: usize,
    mut face: impl FnMut(f32, usize),
) {
    let (sy, sz) = (nx, nx * ny);
    let t = &sp.t;
    if INNER || i > 0 {
        face(t[0][idx - 1], idx - 1);
    }
    if INNER || i + 1 < nx {
        face(t[0][idx], idx + 1);
    }
    if INNER || j > 0 {
        face(t[1][idx - sy], idx - sy);
    }
    if INNER || j + 1 < ny {
        face(t[1][idx], idx + sy);
    }
    if INNER || k > 0 {
        face(t[2][idx - sz], idx - sz);
    }
    if INNER || k + 1 < nz {
        face(t[2][idx], idx + sz);
    }
}

/// Gauss–Seidel update of one cell: `(b + Σ T e_nb) / (S + Σ T)`.
#[inline(always)]
fn relax<const INNER: bool>(
    sp: &Split,
    e: impl Fn(usize) -> f32,
    b: f32,
    shape: [usize; 3],
    ijk: [usize; 3],
    idx: usize,
) -> f32 {
    let mut sum = b;
    faces::<INNER>(sp, shape, ijk, idx, |t, nb| sum += t * e(nb));
    sum / sp.diag[idx]
}

/// One row `(j, k)` of a Gauss–Seidel half-sweep: the cells of `colour`
/// updated in place; `from_zero`: as if `e` were 0 before, and the other
/// colour's cells set to 0 (the first sweep after clearing `e`).
///
/// # Safety
/// `sp`, `rhs` and `e` hold the level of `shape`; no concurrent
/// task writes the cells of the other colour in rows `(j, k)`, `(j ± 1, k)`,
/// `(j, k ± 1)` (none reads them when `from_zero`), nor accesses row `(j, k)`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn smooth_row(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    colour: u32,
    from_zero: bool,
    tmp: &mut Vec<f32>,
) {
    let [nx, ny, _] = shape;
    let row = nx * (j + ny * k);
    let first = (j + k + colour as usize) & 1;
    // SAFETY (all blocks): the caller's contract; the cells are in the level.
    let load = |n: usize| if from_zero { 0.0 } else { unsafe { e.get(n) } };
    let cell = |i: usize| unsafe {
        if i % 2 == first {
            e.set(row + i, relax::<false>(sp, load, rhs.get(row + i), shape, [i, j, k], row + i));
        } else if from_zero {
            e.set(row + i, 0.0);
        }
    };
    if thin(shape) {
        (0..nx).for_each(cell);
    } else {
        cell(0);
        cell(nx - 1);
        unsafe { inner::smooth(sp, rhs, e, shape, [j, k], first, from_zero, tmp) };
    }
}

/// f32 residual `b − S e − Σ T (e − e_nb)` of one cell.
#[inline(always)]
fn residual<const INNER: bool>(
    sp: &Split,
    e: impl Fn(usize) -> f32,
    b: f32,
    shape: [usize; 3],
    ijk: [usize; 3],
    idx: usize,
) -> f32 {
    let ei = e(idx);
    let mut r = b - sp.s[idx] * ei;
    faces::<INNER>(sp, shape, ijk, idx, |t, nb| r -= t * (ei - e(nb)));
    r
}

/// Add the residual of each cell of row `(j, k)` to its parent in the
/// coarse row starting at `out` of `coarse` (cell `i` to `i / 2`), in the
/// order of `i`.
///
/// # Safety
/// `sp`, `rhs` and `e` hold the level of `shape`, `out + nx / 2` is
/// in `coarse`; no concurrent task writes row `(j, k)` or its four
/// neighbour rows, or accesses the coarse row.
#[allow(clippy::too_many_arguments)]
pub unsafe fn restrict_row(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    coarse: Cells<f32>,
    out: usize,
    tmp: &mut Vec<f32>,
) {
    let [nx, ny, _] = shape;
    let row = nx * (j + ny * k);
    // SAFETY (all blocks): the caller's contract; the cells are in the level.
    let r = |i: usize| unsafe { residual::<false>(sp, |n| e.get(n), rhs.get(row + i), shape, [i, j, k], row + i) };
    let add = |i: usize, r: f32| unsafe { coarse.set(out + i / 2, coarse.get(out + i / 2) + r) };
    if thin(shape) {
        (0..nx).for_each(|i| add(i, r(i)));
        return;
    }
    unsafe { inner::residual(sp, rhs, e, shape, [j, k], tmp) };
    add(0, r(0));
    for (i, &v) in tmp.iter().enumerate() {
        add(i + 1, v);
    }
    add(nx - 1, r(nx - 1));
}

/// Residual `f − S u − Σ T (u − u_nb)` of one finest cell, `u = hi + lo`,
/// in f64 (each `T·u` product of f32 words is exact in f64; the sums round
/// at 2⁻⁵³ of the largest term, far below the f32 correction they drive).
/// The GPU evaluates the same sum exactly in integers (`exact.rs`); the two
/// agree to the f32 rounding of the result.
#[inline(always)]
fn residual_exact<const INNER: bool>(
    sp: &Split,
    u: impl Fn(usize) -> f64,
    f: f32,
    shape: [usize; 3],
    ijk: [usize; 3],
    idx: usize,
) -> f32 {
    let ui = u(idx);
    let mut r = f as f64 - sp.s[idx] as f64 * ui;
    faces::<INNER>(sp, shape, ijk, idx, |t, nb| r -= t as f64 * (ui - u(nb)));
    r as f32
}

/// The exact residual of the finest row `(j, k)` into `out`, adding each
/// `r²` to `sum` in the order of `i`.
///
/// # Safety
/// `sp`, `sol`, `f` and `out` hold the level of `shape`; no
/// concurrent task writes `sol` in row `(j, k)` or its four neighbour rows,
/// or accesses row `(j, k)` of `out`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn residual_exact_row(
    sp: &Split,
    sol: Cells<[f32; 2]>,
    f: &[f32],
    shape: [usize; 3],
    [j, k]: [usize; 2],
    out: Cells<f32>,
    sum: &mut f64,
) {
    let [nx, ny, _] = shape;
    let row = nx * (j + ny * k);
    // SAFETY (all blocks): the caller's contract; the cells are in the level.
    let u = |n: usize| {
        let [hi, lo] = unsafe { sol.get(n) };
        hi as f64 + lo as f64
    };
    let edge =
        |i: usize| unsafe { out.set(row + i, residual_exact::<false>(sp, u, f[row + i], shape, [i, j, k], row + i)) };
    if thin(shape) {
        (0..nx).for_each(edge);
    } else {
        edge(0);
        edge(nx - 1);
        unsafe { inner::residual_exact(sp, sol, f, shape, [j, k], out) };
    }
    for &r in unsafe { out.slice(row, nx) } {
        *sum += (r as f64) * (r as f64);
    }
}

/// `u += e` of one finest cell: `hi + lo + e` in f64 (exact: three f32
/// words within 2⁵³), split into the nearest f32 and the rest.
#[inline]
pub fn correct_cell([hi, lo]: [f32; 2], e: f32) -> [f32; 2] {
    let s = hi as f64 + lo as f64 + e as f64;
    let h = s as f32;
    [h, (s - h as f64) as f32]
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

/// [`axis_weights`] of every fine index, per axis.
pub type Weights = [Vec<(usize, usize, f32, f32)>; 3];

/// The prolongation weights from the level of `nc` cells to that of `nf`,
/// with Dirichlet faces `d` (x_min, x_max, …).
pub fn weights(nf: [usize; 3], nc: [usize; 3], d: [bool; 6]) -> Weights {
    std::array::from_fn(|ax| (0..nf[ax]).map(|i| axis_weights(i, nf[ax], nc[ax], (d[2 * ax], d[2 * ax + 1]))).collect())
}

/// `e += P e_coarse` on fine row `(j, k)`: each cell sums its 8 coarse
/// cells in the order (z, y, x), the cell's own first on each axis. The
/// inner cells of a row of at least four (whose x weights are ¾ and ¼: odd
/// cell `2m + 1` from coarse `m` and `m + 1`, even cell `2m` from `m` and
/// `m − 1`) run as loops the compiler vectorises, into `tmp`, with the same
/// products and sums in the same order as the row's two ends.
///
/// # Safety
/// `e` holds the fine level of `nf`; no concurrent task accesses row `(j, k)`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn prolong_row(
    coarse: &[f32],
    nf: [usize; 3],
    nc: [usize; 3],
    w: &Weights,
    e: Cells<f32>,
    j: usize,
    k: usize,
    tmp: &mut Vec<f32>,
) {
    let (mz, bz, wz, vz) = w[2][k];
    let (my, by, wy, vy) = w[1][j];
    let row = |y: usize, z: usize| &coarse[nc[0] * (y + nc[1] * z)..][..nc[0]];
    let rows = [row(my, mz), row(by, mz), row(my, bz), row(by, bz)];
    let wzy = [wz * wy, wz * vy, vz * wy, vz * vy];
    let base = nf[0] * (j + nf[1] * k);
    let cell = |(mx, bx, wx, vx): (usize, usize, f32, f32)| {
        let mut acc = 0.0f32;
        for (r, w) in rows.iter().zip(wzy) {
            acc += w * wx * r[mx];
            acc += w * vx * r[bx];
        }
        acc
    };
    let n = nf[0];
    if n < 4 || nc[0] != n.div_ceil(2) {
        for (i, &x) in w[0].iter().enumerate() {
            // SAFETY: the caller's contract; `base + i` is in the level.
            unsafe { e.set(base + i, e.get(base + i) + cell(x)) };
        }
        return;
    }
    // Inner cells 1 ..= n − 2: odd ones 2m + 1 for m in 0..odd, even ones
    // 2m for m in 1..=even.
    let (odd, even) = ((n - 1) / 2, (n - 2) / 2);
    let (a, b) = (wzy.map(|w| w * 0.75), wzy.map(|w| w * 0.25));
    tmp.resize(odd + even, 0.0);
    let (to, te) = tmp.split_at_mut(odd);
    for m in 0..odd {
        let mut acc = 0.0f32;
        for r in 0..4 {
            acc += a[r] * rows[r][m];
            acc += b[r] * rows[r][m + 1];
        }
        to[m] = acc;
    }
    for m in 0..even {
        let mut acc = 0.0f32;
        for r in 0..4 {
            acc += a[r] * rows[r][m + 1];
            acc += b[r] * rows[r][m];
        }
        te[m] = acc;
    }
    // SAFETY (all blocks): the caller's contract; the cells are in row `(j, k)`.
    unsafe {
        e.set(base, e.get(base) + cell(w[0][0]));
        e.set(base + n - 1, e.get(base + n - 1) + cell(w[0][n - 1]));
        for (m, &v) in to.iter().enumerate() {
            let i = base + 2 * m + 1;
            e.set(i, e.get(i) + v);
        }
        for (m, &v) in te.iter().enumerate() {
            let i = base + 2 * m + 2;
            e.set(i, e.get(i) + v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cells, axis_weights, prolong_row, weights};

    #[test]
    fn prolongation_of_inner_cells_is_that_of_every_cell_alone() {
        // Each fine cell as the sum over its 8 coarse cells in the stated
        // order gives it, bit for bit, on even and odd rows, with and
        // without Dirichlet faces.
        for nx in [1usize, 2, 3, 4, 5, 8, 9, 16, 17] {
            for d in [[false; 6], [true; 6], [true, false, false, true, true, false]] {
                let nf = [nx, 6, 5];
                let nc = nf.map(|n| if n > 1 { n.div_ceil(2) } else { 1 });
                let w = weights(nf, nc, d);
                let coarse: Vec<f32> =
                    (0..nc.iter().product::<usize>()).map(|i| ((i * 7919 % 113) as f32 - 50.0) / 7.0).collect();
                let mut e: Vec<f32> = (0..nf.iter().product::<usize>()).map(|i| (i % 13) as f32 * 0.1).collect();
                let mut want = e.clone();
                let mut tmp = Vec::new();
                for k in 0..nf[2] {
                    for j in 0..nf[1] {
                        // SAFETY: `e` holds the fine level; one task.
                        unsafe { prolong_row(&coarse, nf, nc, &w, Cells::new(&mut e), j, k, &mut tmp) };
                        let (mz, bz, wz, vz) = w[2][k];
                        let (my, by, wy, vy) = w[1][j];
                        for (i, &(mx, bx, wx, vx)) in w[0].iter().enumerate() {
                            let at = |x: usize, y: usize, z: usize| coarse[x + nc[0] * (y + nc[1] * z)];
                            let mut acc = 0.0f32;
                            for ((y, z), wr) in [(my, mz), (by, mz), (my, bz), (by, bz)].into_iter().zip([
                                wz * wy,
                                wz * vy,
                                vz * wy,
                                vz * vy,
                            ]) {
                                acc += wr * wx * at(mx, y, z);
                                acc += wr * vx * at(bx, y, z);
                            }
                            want[i + nf[0] * (j + nf[1] * k)] += acc;
                        }
                    }
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&e), bits(&want), "nx {nx}, faces {d:?}");
            }
        }
    }

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
