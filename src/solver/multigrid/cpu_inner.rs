//! The inner cells of a row (all but its two ends) for the CPU multigrid
//! kernels (`cpu_rows.rs`): they all have their x faces and the same y and
//! z faces, so they run as loops over the row that the compiler vectorises,
//! one compiled per combination of faces. They read the coefficients from
//! [`Split`], one contiguous array per component, so that the neighbours
//! along a row are neighbours in memory. A half-sweep computes every inner
//! cell and stores those of its colour: twice the arithmetic, in vector
//! lanes, instead of strided scalar code.

use super::Level;
use super::cpu::{MIN_PARALLEL, min_chunks};
use super::cpu_rows::Cells;
use rayon::prelude::*;

/// A level's coefficients as one array per component: `t[axis]` the
/// upper-face conductances, `s` the sink, and `diag` each cell's divisor
/// in the Gauss–Seidel update, `S + Σ T` summed in the order of `cpu_rows.rs`.
pub struct Split {
    pub t: [Vec<f32>; 3],
    pub s: Vec<f32>,
    pub diag: Vec<f32>,
}

impl Split {
    pub fn new(lv: &Level) -> Split {
        let mut sp = Split { t: Default::default(), s: Vec::new(), diag: Vec::new() };
        sp.refresh(lv);
        sp
    }

    /// Take `lv`'s coefficients again, in place.
    pub fn refresh(&mut self, lv: &Level) {
        let [nx, ny, nz] = lv.shape;
        let (plane, coef) = (nx * ny, &lv.coef[..]);
        let [t0, t1, t2] = &mut self.t;
        for v in [&mut *t0, t1, t2, &mut self.s, &mut self.diag] {
            v.resize(lv.len(), 0.0);
        }
        let comps = t0.par_iter_mut().zip(t1.par_iter_mut()).zip(t2.par_iter_mut()).zip(self.s.par_iter_mut());
        comps.zip(coef.par_iter()).with_min_len(MIN_PARALLEL).for_each(|((((x, y), z), s), c)| {
            [*x, *y, *z, *s] = *c;
        });
        self.diag.par_chunks_mut(plane).with_min_len(min_chunks(plane)).enumerate().for_each(|(k, out)| {
            for j in 0..ny {
                for i in 0..nx {
                    let idx = i + nx * (j + ny * k);
                    let mut d = coef[idx][3];
                    // Faces x−, x+, y−, y+, z−, z+: (present, axis, offset back to the cell holding it).
                    let faces = [
                        (i > 0, 0, 1),
                        (i + 1 < nx, 0, 0),
                        (j > 0, 1, nx),
                        (j + 1 < ny, 1, 0),
                        (k > 0, 2, plane),
                        (k + 1 < nz, 2, 0),
                    ];
                    for (has, ax, back) in faces {
                        if has {
                            d += coef[idx - back][ax];
                        }
                    }
                    out[i + nx * j] = d;
                }
            }
        });
    }
}

/// Which of the faces y−, y+, z−, z+ the cells of row `(j, k)` have, as
/// bits 0 to 3 (the x faces of its inner cells all exist).
#[inline]
pub fn row_faces([_, ny, nz]: [usize; 3], j: usize, k: usize) -> u8 {
    (j > 0) as u8 | ((j + 1 < ny) as u8) << 1 | ((k > 0) as u8) << 2 | ((k + 1 < nz) as u8) << 3
}

/// Does a cell of a row with faces `F` have face `q` (x−, x+, y−, y+, z−, z+)?
#[inline(always)]
const fn has<const F: u8>(q: usize) -> bool {
    q < 2 || F & (1 << (q - 2)) != 0
}

/// `$kernel::<F>(args)` with the const `F` equal to the run-time `faces`:
/// one loop compiled per combination of faces present.
macro_rules! with_faces {
    ($faces:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $faces {
            0 => $kernel::<0>($($arg),*),
            1 => $kernel::<1>($($arg),*),
            2 => $kernel::<2>($($arg),*),
            3 => $kernel::<3>($($arg),*),
            4 => $kernel::<4>($($arg),*),
            5 => $kernel::<5>($($arg),*),
            6 => $kernel::<6>($($arg),*),
            7 => $kernel::<7>($($arg),*),
            8 => $kernel::<8>($($arg),*),
            9 => $kernel::<9>($($arg),*),
            10 => $kernel::<10>($($arg),*),
            11 => $kernel::<11>($($arg),*),
            12 => $kernel::<12>($($arg),*),
            13 => $kernel::<13>($($arg),*),
            14 => $kernel::<14>($($arg),*),
            _ => $kernel::<15>($($arg),*),
        }
    };
}

/// `$body` for each face `$q` (x−, x+, y−, y+, z−, z+) that the cells of a
/// row with faces `$f` have, in that order: written out rather than a loop
/// over the faces, so that the loop over cells around it vectorises
/// whatever instructions the build allows.
macro_rules! each_face {
    ($f:ident, $q:ident => $body:expr) => {{
        each_face!(@ $f, $q, 0, $body);
        each_face!(@ $f, $q, 1, $body);
        each_face!(@ $f, $q, 2, $body);
        each_face!(@ $f, $q, 3, $body);
        each_face!(@ $f, $q, 4, $body);
        each_face!(@ $f, $q, 5, $body);
    }};
    (@ $f:ident, $q:ident, $n:literal, $body:expr) => {
        if has::<$f>($n) {
            let $q = $n;
            $body;
        }
    };
}

/// The conductances of the faces `F` has along `n` cells from `c`, in the
/// order x−, x+, y−, y+, z−, z+ (empty where absent).
#[inline(always)]
fn conductances<const F: u8>(sp: &Split, c: usize, n: usize, sy: usize, sz: usize) -> [&[f32]; 6] {
    let at = |q: usize, ax: usize, start: usize| if has::<F>(q) { &sp.t[ax][start..][..n] } else { &[][..] };
    [at(0, 0, c - 1), at(1, 0, c), at(2, 1, c.wrapping_sub(sy)), at(3, 1, c), at(4, 2, c.wrapping_sub(sz)), at(5, 2, c)]
}

/// The neighbours' values across the faces `F` has along `n` cells from
/// `c`, same order.
///
/// # Safety
/// In bounds, not written while the slices live.
#[inline(always)]
unsafe fn neighbours<'a, const F: u8, T: Copy>(v: Cells<T>, c: usize, n: usize, sy: usize, sz: usize) -> [&'a [T]; 6] {
    // SAFETY: the caller's contract.
    let at = |q: usize, start: usize| if has::<F>(q) { unsafe { v.slice(start, n) } } else { &[][..] };
    [at(0, c - 1), at(1, c + 1), at(2, c.wrapping_sub(sy)), at(3, c + sy), at(4, c.wrapping_sub(sz)), at(5, c + sz)]
}

/// The half-sweep of `cpu_rows::smooth_row` on the inner cells of row `(j, k)`
/// (all but its two ends): all computed into `tmp`, those of the colour
/// (the first one's parity `first`) stored.
///
/// # Safety
/// As `smooth_row`, and `nx ≥ 3`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn smooth(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    first: usize,
    from_zero: bool,
    tmp: &mut Vec<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX; the caller's contract.
        return unsafe { avx::smooth(sp, rhs, e, shape, [j, k], first, from_zero, tmp) };
    }
    // SAFETY: the caller's contract.
    unsafe { smooth_any(sp, rhs, e, shape, [j, k], first, from_zero, tmp) }
}

/// [`smooth`] in the instructions the caller's build allows.
///
/// # Safety
/// As [`smooth`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn smooth_any(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    first: usize,
    from_zero: bool,
    tmp: &mut Vec<f32>,
) {
    // SAFETY: the caller's contract.
    unsafe { with_faces!(row_faces(shape, j, k), smooth_faces(sp, rhs, e, shape, [j, k], first, from_zero, tmp)) }
}

/// [`smooth`] of a row whose cells have the faces `F`.
///
/// # Safety
/// As [`smooth`].
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn smooth_faces<const F: u8>(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    [nx, ny, _]: [usize; 3],
    [j, k]: [usize; 2],
    first: usize,
    from_zero: bool,
    tmp: &mut Vec<f32>,
) {
    let (sy, sz) = (nx, nx * ny);
    let (c, n) = (1 + nx * (j + ny * k), nx - 2);
    let t = conductances::<F>(sp, c, n, sy, sz);
    let d = &sp.diag[c..][..n];
    tmp.resize(n, 0.0);
    let out = &mut tmp[..n];
    // SAFETY (all blocks): the caller's contract.
    let b = unsafe { rhs.slice(c, n) };
    if from_zero {
        for i in 0..n {
            let mut sum = b[i];
            each_face!(F, q => sum += t[q][i] * 0.0);
            out[i] = sum / d[i];
        }
    } else {
        let v = unsafe { neighbours::<F, f32>(e, c, n, sy, sz) };
        for i in 0..n {
            let mut sum = b[i];
            each_face!(F, q => sum += t[q][i] * v[q][i]);
            out[i] = sum / d[i];
        }
    }
    let dst = unsafe { e.slice_mut(c, n) };
    // Local cell `i` is cell `i + 1` of the row.
    let keep = 1 - first;
    for i in 0..n {
        dst[i] = if i & 1 == keep {
            out[i]
        } else if from_zero {
            0.0
        } else {
            dst[i]
        };
    }
}

/// The f32 residual of the inner cells of row `(j, k)` into `out`.
///
/// # Safety
/// As `restrict_row`, and `nx ≥ 3`.
pub unsafe fn residual(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    out: &mut Vec<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX; the caller's contract.
        return unsafe { avx::residual(sp, rhs, e, shape, [j, k], out) };
    }
    // SAFETY: the caller's contract.
    unsafe { residual_any(sp, rhs, e, shape, [j, k], out) }
}

/// [`residual`] in the instructions the caller's build allows.
///
/// # Safety
/// As [`residual`].
#[inline(always)]
unsafe fn residual_any(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    shape: [usize; 3],
    [j, k]: [usize; 2],
    out: &mut Vec<f32>,
) {
    // SAFETY: the caller's contract.
    unsafe { with_faces!(row_faces(shape, j, k), residual_faces(sp, rhs, e, shape, [j, k], out)) }
}

/// [`residual`] of a row whose cells have the faces `F`.
///
/// # Safety
/// As [`residual`].
#[inline(always)]
unsafe fn residual_faces<const F: u8>(
    sp: &Split,
    rhs: Cells<f32>,
    e: Cells<f32>,
    [nx, ny, _]: [usize; 3],
    [j, k]: [usize; 2],
    out: &mut Vec<f32>,
) {
    let (sy, sz) = (nx, nx * ny);
    let (c, n) = (1 + nx * (j + ny * k), nx - 2);
    let t = conductances::<F>(sp, c, n, sy, sz);
    let s = &sp.s[c..][..n];
    out.resize(n, 0.0);
    let out = &mut out[..n];
    // SAFETY: the caller's contract.
    let (b, e0, v) = unsafe { (rhs.slice(c, n), e.slice(c, n), neighbours::<F, f32>(e, c, n, sy, sz)) };
    for i in 0..n {
        let ei = e0[i];
        let mut r = b[i] - s[i] * ei;
        each_face!(F, q => r -= t[q][i] * (ei - v[q][i]));
        out[i] = r;
    }
}

/// The exact residual of the inner cells of finest row `(j, k)` into `out`.
///
/// # Safety
/// As `residual_exact_row`, and `nx ≥ 3`.
pub unsafe fn residual_exact(
    sp: &Split,
    sol: Cells<[f32; 2]>,
    f: &[f32],
    shape: [usize; 3],
    [j, k]: [usize; 2],
    out: Cells<f32>,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX; the caller's contract.
        return unsafe { avx::residual_exact(sp, sol, f, shape, [j, k], out) };
    }
    // SAFETY: the caller's contract.
    unsafe { residual_exact_any(sp, sol, f, shape, [j, k], out) }
}

/// [`residual_exact`] in the instructions the caller's build allows.
///
/// # Safety
/// As [`residual_exact`].
#[inline(always)]
unsafe fn residual_exact_any(
    sp: &Split,
    sol: Cells<[f32; 2]>,
    f: &[f32],
    shape: [usize; 3],
    [j, k]: [usize; 2],
    out: Cells<f32>,
) {
    // SAFETY: the caller's contract.
    unsafe { with_faces!(row_faces(shape, j, k), residual_exact_faces(sp, sol, f, shape, [j, k], out)) }
}

/// [`residual_exact`] of a row whose cells have the faces `F`.
///
/// # Safety
/// As [`residual_exact`].
#[inline(always)]
unsafe fn residual_exact_faces<const F: u8>(
    sp: &Split,
    sol: Cells<[f32; 2]>,
    f: &[f32],
    [nx, ny, _]: [usize; 3],
    [j, k]: [usize; 2],
    out: Cells<f32>,
) {
    let (sy, sz) = (nx, nx * ny);
    let (c, n) = (1 + nx * (j + ny * k), nx - 2);
    let t = conductances::<F>(sp, c, n, sy, sz);
    let (s, f) = (&sp.s[c..][..n], &f[c..][..n]);
    let u = |[hi, lo]: [f32; 2]| hi as f64 + lo as f64;
    // SAFETY: the caller's contract.
    let (u0, v, out) = unsafe { (sol.slice(c, n), neighbours::<F, [f32; 2]>(sol, c, n, sy, sz), out.slice_mut(c, n)) };
    for i in 0..n {
        let ui = u(u0[i]);
        let mut r = f[i] as f64 - s[i] as f64 * ui;
        each_face!(F, q => r -= t[q][i] as f64 * (ui - u(v[q][i])));
        out[i] = r as f32;
    }
}

/// The row kernels compiled for AVX: the same f32 and f64 operations in
/// 256-bit registers (no fused multiply-adds), so the values of the
/// baseline build.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{Cells, Split};

    /// # Safety
    /// As [`super::smooth`], on a CPU with AVX.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx")]
    pub unsafe fn smooth(
        sp: &Split,
        rhs: Cells<f32>,
        e: Cells<f32>,
        shape: [usize; 3],
        jk: [usize; 2],
        first: usize,
        from_zero: bool,
        tmp: &mut Vec<f32>,
    ) {
        // SAFETY: the caller's contract.
        unsafe { super::smooth_any(sp, rhs, e, shape, jk, first, from_zero, tmp) }
    }

    /// # Safety
    /// As [`super::residual`], on a CPU with AVX.
    #[target_feature(enable = "avx")]
    pub unsafe fn residual(
        sp: &Split,
        rhs: Cells<f32>,
        e: Cells<f32>,
        shape: [usize; 3],
        jk: [usize; 2],
        out: &mut Vec<f32>,
    ) {
        // SAFETY: the caller's contract.
        unsafe { super::residual_any(sp, rhs, e, shape, jk, out) }
    }

    /// # Safety
    /// As [`super::residual_exact`], on a CPU with AVX.
    #[target_feature(enable = "avx")]
    pub unsafe fn residual_exact(
        sp: &Split,
        sol: Cells<[f32; 2]>,
        f: &[f32],
        shape: [usize; 3],
        jk: [usize; 2],
        out: Cells<f32>,
    ) {
        // SAFETY: the caller's contract.
        unsafe { super::residual_exact_any(sp, sol, f, shape, jk, out) }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::super::{FaceBc, Hierarchy, Problem};
    use super::*;
    use crate::grid::Grid;

    #[test]
    fn avx_kernels_give_the_baseline_values_bit_for_bit() {
        if !std::arch::is_x86_feature_detected!("avx") {
            eprintln!("SKIPPED: this CPU has no AVX, so there is no AVX kernel to compare");
            return;
        }
        let shape = [29, 6, 5];
        let n: usize = shape.iter().product();
        let mut p = Problem::uniform(Grid::new(shape, 10.0), 700.0);
        for i in 0..n {
            p.conductivity[i] = if (i * 7) % 11 < 4 { 350.0 } else { 700.0 };
            p.sink[i] = ((i * 13) % 5) as f32 * 0.3;
            p.source[i] = ((i * 104_729) % 17) as f32 - 8.0;
        }
        p.faces[0] = FaceBc::Dirichlet(1.0);
        let h = Hierarchy::build(&p, None).unwrap();
        let sp = Split::new(&h.levels[0]);
        let wave = |i: usize, s: f32| (i as f32 * s).sin();
        let mut rhs: Vec<f32> = (0..n).map(|i| wave(i, 0.37)).collect();
        let mut sol: Vec<[f32; 2]> = (0..n).map(|i| [wave(i, 0.11), wave(i, 0.53) * 1e-8]).collect();
        let [_, ny, nz] = shape;
        for (first, from_zero) in [(0, false), (1, false), (0, true)] {
            for k in 0..nz {
                for j in 0..ny {
                    let mut e: [Vec<f32>; 2] = std::array::from_fn(|_| (0..n).map(|i| wave(i, 0.71)).collect());
                    let (mut t0, mut t1) = (Vec::new(), Vec::new());
                    let (mut r0, mut r1) = (Vec::new(), Vec::new());
                    let (mut x0, mut x1) = (vec![0.0f32; n], vec![0.0f32; n]);
                    let rhs = Cells::new(&mut rhs);
                    let sol = Cells::new(&mut sol);
                    // SAFETY: one thread, every index in bounds, nothing read while written.
                    unsafe {
                        let [e0, e1] = &mut e;
                        let (e0, e1) = (Cells::new(e0), Cells::new(e1));
                        smooth_any(&sp, rhs, e0, shape, [j, k], first, from_zero, &mut t0);
                        avx::smooth(&sp, rhs, e1, shape, [j, k], first, from_zero, &mut t1);
                        residual_any(&sp, rhs, e0, shape, [j, k], &mut r0);
                        avx::residual(&sp, rhs, e1, shape, [j, k], &mut r1);
                        residual_exact_any(&sp, sol, &h.rhs, shape, [j, k], Cells::new(&mut x0));
                        avx::residual_exact(&sp, sol, &h.rhs, shape, [j, k], Cells::new(&mut x1));
                    }
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&e[0]), bits(&e[1]), "smooth, row {j} {k}");
                    assert!(e[0].iter().enumerate().any(|(i, &v)| v != wave(i, 0.71)), "the sweep changed nothing");
                    assert_eq!(bits(&r0), bits(&r1), "residual, row {j} {k}");
                    assert_eq!(bits(&x0), bits(&x1), "exact residual, row {j} {k}");
                    assert!(r0.iter().any(|&r| r != 0.0) && x0.iter().any(|&r| r != 0.0));
                }
            }
        }
    }
}
