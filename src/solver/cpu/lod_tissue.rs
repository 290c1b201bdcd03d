//! CPU twins of the `lod_tissue_*` sweeps of `shaders/lod.wgsl`: the
//! Thomas solve with per-voxel coefficients (see
//! `solver::lod_tissue`), in place, with the shader's arithmetic per
//! element. x lines one at a time per z-plane; y and z sweeps on whole rows
//! and planes, the inner loop over x.

use rayon::prelude::*;

/// One sweep along `axis` with coefficients `co = [c'(n), 1/den(n), sub(n)]`.
pub fn lod_sweep_tissue(field: &mut [f32], shape: [usize; 3], axis: usize, co: &[f32]) {
    let [nx, ny, nz] = shape;
    let n = field.len();
    let (cp, inv, sub) = (&co[..n], &co[n..2 * n], &co[2 * n..3 * n]);
    let plane = nx * ny;
    match axis {
        0 => field.par_chunks_mut(plane).enumerate().for_each(|(k, f)| {
            for j in 0..ny {
                let o = k * plane + j * nx;
                let r = o..o + nx;
                solve_blocks(&mut f[j * nx..(j + 1) * nx], &cp[r.clone()], &inv[r.clone()], &sub[r], 1, nx);
            }
        }),
        1 => field.par_chunks_mut(plane).enumerate().for_each(|(k, f)| {
            let r = k * plane..(k + 1) * plane;
            solve_blocks(f, &cp[r.clone()], &inv[r.clone()], &sub[r], nx, ny);
        }),
        _ => solve_blocks(field, cp, inv, sub, plane, nz),
    }
}

/// The recurrence over `count` consecutive blocks of `len` values, each
/// value with its own coefficients.
fn solve_blocks(data: &mut [f32], cp: &[f32], inv: &[f32], sub: &[f32], len: usize, count: usize) {
    for e in 0..len {
        data[e] = (data[e] + sub[e] * 0.0) * inv[e];
    }
    for b in 1..count {
        let (before, after) = data.split_at_mut(b * len);
        let prev = &before[(b - 1) * len..];
        let o = b * len;
        for e in 0..len {
            after[e] = (after[e] + sub[o + e] * prev[e]) * inv[o + e];
        }
    }
    for b in (0..count.saturating_sub(1)).rev() {
        let (before, after) = data.split_at_mut((b + 1) * len);
        let o = b * len;
        for e in 0..len {
            before[o + e] -= cp[o + e] * after[e];
        }
    }
}
