//! CPU twins of the `lod_tissue_*` sweeps of `shaders/lod.wgsl`: the
//! Thomas solve with per-voxel coefficients (see
//! `solver::lod_tissue`), in place, with the shader's arithmetic per
//! element. The x sweep advances all lines of a z-plane together, one x
//! position at a time; y sweeps run on whole rows, z sweeps on blocks of
//! columns, so the inner loop is over x. Each line is solved by one thread
//! in a fixed order: results do not depend on the thread count.

use super::columns::{block_width, for_each_block};
use super::lod::X_BLOCK;
use rayon::prelude::*;

/// Per-voxel coefficients of one sweep: `c'`, `1/den` and `sub`.
struct Coeffs<'a> {
    cp: &'a [f32],
    inv: &'a [f32],
    sub: &'a [f32],
}

/// One sweep along `axis` with coefficients `co = [c'(n), 1/den(n), sub(n)]`.
pub fn lod_sweep_tissue(field: &mut [f32], shape: [usize; 3], axis: usize, co: &[f32]) {
    let [nx, ny, nz] = shape;
    let n = field.len();
    let co = Coeffs { cp: &co[..n], inv: &co[n..2 * n], sub: &co[2 * n..3 * n] };
    let plane = nx * ny;
    match axis {
        0 => field.par_chunks_mut(plane).enumerate().for_each(|(k, f)| sweep_x(f, nx, k * plane, &co)),
        1 => field.par_chunks_mut(plane).enumerate().for_each(|(k, f)| {
            let o = k * plane;
            forward(&mut f[..nx], None, &co, o);
            for b in 1..ny {
                let (before, after) = f.split_at_mut(b * nx);
                forward(&mut after[..nx], Some(&before[(b - 1) * nx..]), &co, o + b * nx);
            }
            for b in (0..ny.saturating_sub(1)).rev() {
                let (before, after) = f.split_at_mut((b + 1) * nx);
                backward(&mut before[b * nx..], &after[..nx], &co, o + b * nx);
            }
        }),
        _ => for_each_block(field, plane, block_width(plane, nz), |mut c| {
            let o = c.start();
            forward(c.row(0), None, &co, o);
            for b in 1..nz {
                let (prev, cur) = c.pair(b - 1, b);
                forward(cur, Some(prev), &co, o + b * plane);
            }
            for b in (0..nz.saturating_sub(1)).rev() {
                let (next, cur) = c.pair(b + 1, b);
                backward(cur, next, &co, o + b * plane);
            }
        }),
    }
}

/// The x lines of one z-plane (flat offset `o`), advanced together in
/// blocks of `X_BLOCK` (see `lod::lod_sweep_x`: the block stays in the cache).
fn sweep_x(f: &mut [f32], nx: usize, o: usize, co: &Coeffs) {
    let lines = f.len() / nx;
    for j0 in (0..lines).step_by(X_BLOCK) {
        let block = j0..(j0 + X_BLOCK).min(lines);
        for i in 0..nx {
            for j in block.clone() {
                let (e, g) = (j * nx + i, o + j * nx + i);
                let prev = if i > 0 { f[e - 1] } else { 0.0 };
                f[e] = (f[e] + co.sub[g] * prev) * co.inv[g];
            }
        }
        for i in (0..nx.saturating_sub(1)).rev() {
            for j in block.clone() {
                let (e, g) = (j * nx + i, o + j * nx + i);
                f[e] -= co.cp[g] * f[e + 1];
            }
        }
    }
}

/// One row of the forward pass at flat offset `o`; `prev = 0` on the first.
fn forward(cur: &mut [f32], prev: Option<&[f32]>, co: &Coeffs, o: usize) {
    let (sub, inv) = (&co.sub[o..o + cur.len()], &co.inv[o..o + cur.len()]);
    match prev {
        Some(p) => {
            for (((c, &p), &s), &d) in cur.iter_mut().zip(p).zip(sub).zip(inv) {
                *c = (*c + s * p) * d;
            }
        }
        None => {
            for ((c, &s), &d) in cur.iter_mut().zip(sub).zip(inv) {
                *c = (*c + s * 0.0) * d;
            }
        }
    }
}

/// One row of the backward pass at flat offset `o`.
fn backward(cur: &mut [f32], next: &[f32], co: &Coeffs, o: usize) {
    let cps = &co.cp[o..o + cur.len()];
    for ((c, &n), &cp) in cur.iter_mut().zip(next).zip(cps) {
        *c -= cp * n;
    }
}
