//! First-order upwind advection in flux form (CPU twin of
//! `shaders/advection.wgsl`): exactly conservative in the interior, and
//! non-negative when every voxel's outflow Courant number sums to ≤ 1.

use crate::grid::Grid;
use crate::grid::{FaceFlow, face_index};
use rayon::prelude::*;

/// `φ_lo − φ_hi` of one axis for one voxel: the upwind face fluxes
/// `φ = max(w, 0)·c_below + min(w, 0)·c_above` through its lower and upper
/// faces (Courant numbers `w_lo`, `w_hi`).
#[inline(always)]
fn face_flux(w_lo: f32, w_hi: f32, below: f32, v: f32, above: f32) -> f32 {
    let phi_lo = w_lo.max(0.0) * below + w_lo.min(0.0) * v;
    let phi_hi = w_hi.max(0.0) * v + w_hi.min(0.0) * above;
    phi_lo - phi_hi
}

/// One sub-step: `out = c + Σ_axes (φ_lower − φ_upper)` along x, then y,
/// then z, with Courant number `w = u·scale`; fluid entering through a
/// domain face carries nothing in. Row by row, one axis per pass over the
/// row (the shader's order for every voxel). `zero` is a row of `nx` zeros
/// standing for the outside beyond a y or z face (kept by the caller, so
/// that a step allocates nothing).
pub fn advect(grid: &Grid, flow: &FaceFlow, scale: f32, c: &[f32], out: &mut [f32], zero: &[f32]) {
    let [nx, ny, _] = grid.shape;
    let plane = nx * ny;
    let zero = &zero[..nx];
    out.par_chunks_mut(plane).enumerate().for_each(|(k, out_plane)| {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU has AVX.
            return unsafe { avx::advect_plane(grid, flow, scale, c, out_plane, zero, k) };
        }
        advect_plane(grid, flow, scale, c, out_plane, zero, k)
    });
}

/// [`advect`] of plane `k` into `out_plane`, in the instructions the
/// caller's build allows.
#[inline(always)]
fn advect_plane(grid: &Grid, flow: &FaceFlow, scale: f32, c: &[f32], out_plane: &mut [f32], zero: &[f32], k: usize) {
    let [nx, ny, nz] = grid.shape;
    let plane = nx * ny;
    for (j, acc) in out_plane.chunks_exact_mut(nx).enumerate() {
        let row = |jj: usize, kk: usize| &c[plane * kk + nx * jj..plane * kk + nx * (jj + 1)];
        let v = row(j, k);
        acc.copy_from_slice(v);
        // x: the faces of this row are consecutive, nx + 1 of them.
        let fx = face_index(grid.shape, 0, 0, j, k);
        let ux = &flow.u[0][fx..fx + nx + 1];
        for i in 0..nx {
            let below = if i > 0 { v[i - 1] } else { 0.0 };
            let above = if i + 1 < nx { v[i + 1] } else { 0.0 };
            acc[i] += face_flux(ux[i] * scale, ux[i + 1] * scale, below, v[i], above);
        }
        // y and z: whole rows of lower and upper faces and neighbours.
        let fy = face_index(grid.shape, 1, 0, j, k);
        let fz = face_index(grid.shape, 2, 0, j, k);
        let fy_hi = face_index(grid.shape, 1, 0, j + 1, k);
        let fz_hi = face_index(grid.shape, 2, 0, j, k + 1);
        for (lo, hi, below, above) in [
            (
                &flow.u[1][fy..fy + nx],
                &flow.u[1][fy_hi..fy_hi + nx],
                if j > 0 { row(j - 1, k) } else { zero },
                if j + 1 < ny { row(j + 1, k) } else { zero },
            ),
            (
                &flow.u[2][fz..fz + nx],
                &flow.u[2][fz_hi..fz_hi + nx],
                if k > 0 { row(j, k - 1) } else { zero },
                if k + 1 < nz { row(j, k + 1) } else { zero },
            ),
        ] {
            for i in 0..nx {
                acc[i] += face_flux(lo[i] * scale, hi[i] * scale, below[i], v[i], above[i]);
            }
        }
    }
}

/// The plane kernel compiled for AVX: the same f32 operations in 256-bit
/// registers (no fused multiply-adds), so the values of the baseline build.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{FaceFlow, Grid};

    #[target_feature(enable = "avx")]
    pub fn advect_plane(
        grid: &Grid,
        flow: &FaceFlow,
        scale: f32,
        c: &[f32],
        out_plane: &mut [f32],
        zero: &[f32],
        k: usize,
    ) {
        super::advect_plane(grid, flow, scale, c, out_plane, zero, k)
    }
}
