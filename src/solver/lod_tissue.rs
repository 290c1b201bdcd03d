//! Thomas coefficients of LOD sweeps whose diffusion coefficient differs
//! from voxel to voxel (tissue-dependent diffusion). The face between two
//! voxels carries the harmonic mean of their coefficients (flux continuity
//! across a change of tissue), so every line has its own tridiagonal
//! system; as the coefficients do not change, they are computed once, in
//! f64, and stored per voxel. Both backends read these same f32 values.

use crate::grid::Grid;

/// Per-voxel coefficients of one sweep axis: `[c'(n), 1/den(n), sub(n)]`
/// indexed by voxel (not by position along the line), with the conventions
/// of [`super::LodCoeffs`]: forward `d' = (d + sub·d'_prev)·inv_den`,
/// backward `x = d' − c'·x_next`.
pub fn lod_tissue_coeffs(grid: &Grid, axis: usize, d: &[f32], dt: f64, decay: f64, held: [bool; 2]) -> Vec<f32> {
    let n = grid.len();
    let len = grid.shape[axis];
    let stride = grid.stride(axis);
    let k = dt / (grid.dx * grid.dx);
    let decay_third = decay * dt / 3.0;
    let face = |a: f32, b: f32| {
        let (a, b) = (a as f64, b as f64);
        if a + b > 0.0 { k * 2.0 * a * b / (a + b) } else { 0.0 }
    };
    let mut out = vec![0.0f32; 3 * n];
    let [nx, ny, nz] = grid.shape;
    for kk in 0..nz {
        for jj in 0..ny {
            for ii in 0..nx {
                if [ii, jj, kk][axis] != 0 {
                    continue;
                }
                let start = grid.idx(ii, jj, kk);
                let mut prev = 0.0f64;
                for i in 0..len {
                    let idx = start + i * stride;
                    let held_row = (i == 0 && held[0]) || (i + 1 == len && held[1]);
                    let (lower, b, upper) = if held_row {
                        (0.0, 1.0, 0.0)
                    } else {
                        let lower = if i > 0 { face(d[idx - stride], d[idx]) } else { 0.0 };
                        let upper = if i + 1 < len { face(d[idx], d[idx + stride]) } else { 0.0 };
                        (lower, 1.0 + lower + upper + decay_third, upper)
                    };
                    let den = b + lower * prev;
                    let c = -upper / den;
                    out[idx] = c as f32;
                    out[n + idx] = (1.0 / den) as f32;
                    out[2 * n + idx] = lower as f32;
                    prev = c;
                }
            }
        }
    }
    out
}
