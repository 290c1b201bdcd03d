//! CPU twin of `shaders/explicit.wgsl`: one explicit 7-point sub-step of
//! diffusion–decay with zero-flux faces (a missing neighbour contributes no
//! flux). Neighbours are summed in the shader's order: x−, x+, y−, y+, z−, z+.

use rayon::prelude::*;

/// `out = c + r·(Σ neighbours − count·c) − kd·c`, `r = D·dt_sub/dx²`,
/// `kd = λ·dt_sub`. Row by row: the neighbour sum is accumulated in the
/// output row one neighbour row at a time (vectorisable), in the shader's
/// order, then the update is applied.
pub fn explicit_substep(input: &[f32], out: &mut [f32], shape: [usize; 3], r: f32, kd: f32) {
    let [nx, ny, nz] = shape;
    let plane = nx * ny;
    out.par_chunks_mut(plane).enumerate().for_each(|(k, out_plane)| {
        for (j, acc) in out_plane.chunks_exact_mut(nx).enumerate() {
            let row = |jj: usize, kk: usize| &input[plane * kk + nx * jj..plane * kk + nx * (jj + 1)];
            let c = row(j, k);
            x_neighbour_sum(c, acc);
            let mut others = 0.0f32;
            for (present, jj, kk) in [
                (j > 0, j.wrapping_sub(1), k),
                (j + 1 < ny, j + 1, k),
                (k > 0, j, k.wrapping_sub(1)),
                (k + 1 < nz, j, k + 1),
            ] {
                if present {
                    acc.iter_mut().zip(row(jj, kk)).for_each(|(a, &n)| *a += n);
                    others += 1.0;
                }
            }
            for (i, (a, &ci)) in acc.iter_mut().zip(c).enumerate() {
                let count = (i > 0) as u32 as f32 + (i + 1 < nx) as u32 as f32 + others;
                *a = ci + r * (*a - count * ci) - kd * ci;
            }
        }
    });
}

/// `acc[i] = c[i−1] + c[i+1]`, missing neighbours left out (0 + x = x
/// exactly, as the shader's running sum starting at 0).
fn x_neighbour_sum(c: &[f32], acc: &mut [f32]) {
    let n = c.len();
    if n == 1 {
        acc[0] = 0.0;
        return;
    }
    acc[0] = c[1];
    acc[n - 1] = c[n - 2];
    for i in 1..n - 1 {
        acc[i] = c[i - 1] + c[i + 1];
    }
}

/// Harmonic mean of two voxels' `r`: the face coefficient that keeps the
/// flux continuous across a change of tissue.
#[inline]
fn face_r(a: f32, b: f32) -> f32 {
    let s = a + b;
    if s > 0.0 { 2.0 * a * b / s } else { 0.0 }
}

/// Explicit sub-step with per-voxel `r = D·dt_sub/dx²` (CPU twin of
/// `explicit_substep_tissue`): `out = c + Σ face_r·(c_nb − c) − kd·c`,
/// neighbours in the order x−, x+, y−, y+, z−, z+, one neighbour per pass
/// over each row (the shader's order for every voxel).
pub fn explicit_substep_tissue(input: &[f32], out: &mut [f32], rvox: &[f32], shape: [usize; 3], kd: f32) {
    let [nx, ny, nz] = shape;
    let plane = nx * ny;
    out.par_chunks_mut(plane).enumerate().for_each(|(k, out_plane)| {
        for (j, acc) in out_plane.chunks_exact_mut(nx).enumerate() {
            let at = |jj: usize, kk: usize| plane * kk + nx * jj;
            let o = at(j, k);
            let (c, r) = (&input[o..o + nx], &rvox[o..o + nx]);
            acc.fill(0.0);
            // x−, x+ within the row.
            for i in 1..nx {
                acc[i] += face_r(r[i], r[i - 1]) * (c[i - 1] - c[i]);
            }
            for i in 0..nx.saturating_sub(1) {
                acc[i] += face_r(r[i], r[i + 1]) * (c[i + 1] - c[i]);
            }
            for (present, jj, kk) in [
                (j > 0, j.wrapping_sub(1), k),
                (j + 1 < ny, j + 1, k),
                (k > 0, j, k.wrapping_sub(1)),
                (k + 1 < nz, j, k + 1),
            ] {
                if present {
                    let n = at(jj, kk);
                    let (cn, rn) = (&input[n..n + nx], &rvox[n..n + nx]);
                    for i in 0..nx {
                        acc[i] += face_r(r[i], rn[i]) * (cn[i] - c[i]);
                    }
                }
            }
            for i in 0..nx {
                acc[i] = c[i] + acc[i] - kd * c[i];
            }
        }
    });
}
