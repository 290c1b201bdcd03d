//! First-order upwind advection in flux form (CPU twin of
//! `shaders/advection.wgsl`): exactly conservative in the interior, and
//! non-negative when every voxel's outflow Courant number sums to ≤ 1.

use crate::grid::Grid;
use crate::solver::advection::FaceFlow;
use rayon::prelude::*;

/// One sub-step: `out = c + Σ_axes (φ_lower − φ_upper)` with the upwind
/// face flux `φ = max(w, 0)·c_below + min(w, 0)·c_above` and Courant
/// number `w = u·scale`; fluid entering through a domain face carries
/// nothing in.
pub fn advect(grid: &Grid, flow: &FaceFlow, scale: f32, c: &[f32], out: &mut [f32]) {
    let [nx, ny, nz] = grid.shape;
    out.par_chunks_mut(nx * ny).enumerate().for_each(|(k, plane)| {
        for j in 0..ny {
            for i in 0..nx {
                let me = grid.idx(i, j, k);
                let v = c[me];
                let mut acc = v;
                for a in 0..3 {
                    let p = [i, j, k];
                    let n = grid.shape[a];
                    let below = if p[a] > 0 { c[me - grid.stride(a)] } else { 0.0 };
                    let above = if p[a] + 1 < n { c[me + grid.stride(a)] } else { 0.0 };
                    let w_lo = flow.u[a][flow.idx(a, i, j, k)] * scale;
                    let mut hi = p;
                    hi[a] += 1;
                    let w_hi = flow.u[a][flow.idx(a, hi[0], hi[1], hi[2])] * scale;
                    let phi_lo = w_lo.max(0.0) * below + w_lo.min(0.0) * v;
                    let phi_hi = w_hi.max(0.0) * v + w_hi.min(0.0) * above;
                    acc += phi_lo - phi_hi;
                }
                plane[i + nx * j] = acc;
            }
        }
        let _ = nz;
    });
}
