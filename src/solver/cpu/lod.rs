//! CPU twins of `shaders/lod.wgsl`: one Thomas solve per grid line with
//! precomputed coefficients, in place. The arithmetic per element is
//! exactly the shader's: forward `d' = (d + sub·d'_prev)·inv_den`, backward
//! `x = d' − c'·x_next`. x lines are contiguous; y and z sweeps run the
//! same recurrence on whole rows and planes at once, so the inner loop is
//! over x (contiguous, vectorisable); the x sweep advances all lines of a
//! plane together. Each line is solved by one thread in a fixed order, so
//! results do not depend on the thread count.

use crate::solver::LodCoeffs;
use rayon::prelude::*;

/// Solve along x: per z-plane (in parallel), all `ny` lines of the plane
/// advance together one x position at a time, so the independent
/// recurrences overlap instead of waiting on each other's latency.
/// `scratch` holds one value per line (`ny·nz`), reused between calls.
pub fn lod_sweep_x(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs, scratch: &mut [f32]) {
    let [nx, ny, _] = shape;
    field.par_chunks_mut(nx * ny).zip(scratch.par_chunks_mut(ny)).for_each(|(plane, prev)| {
        prev.fill(0.0);
        for i in 0..nx {
            let (sub, inv) = (co.sub[i], co.inv_den[i]);
            for (line, p) in plane.chunks_exact_mut(nx).zip(prev.iter_mut()) {
                let v = (line[i] + sub * *p) * inv;
                line[i] = v;
                *p = v;
            }
        }
        for i in (0..nx.saturating_sub(1)).rev() {
            let cp = co.cprime[i];
            for line in plane.chunks_exact_mut(nx) {
                line[i] -= cp * line[i + 1];
            }
        }
    });
}

/// Solve along y: per z-plane (in parallel), rows of x at once.
pub fn lod_sweep_y(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs) {
    let [nx, ny, _] = shape;
    field.par_chunks_mut(nx * ny).for_each(|plane| sweep_blocks(plane, nx, ny, co, false));
}

/// Solve along z: the recurrence runs plane by plane, each plane in parallel.
pub fn lod_sweep_z(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs) {
    let [nx, ny, nz] = shape;
    sweep_blocks(field, nx * ny, nz, co, true);
}

/// The recurrence over `count` consecutive blocks of `len` values.
fn sweep_blocks(data: &mut [f32], len: usize, count: usize, co: &LodCoeffs, parallel: bool) {
    let (inv0, sub0) = (co.inv_den[0], co.sub[0]);
    // The first block: prev = 0, as in the shader.
    for v in &mut data[..len] {
        *v = (*v + sub0 * 0.0) * inv0;
    }
    for b in 1..count {
        let (before, after) = data.split_at_mut(b * len);
        let prev = &before[(b - 1) * len..];
        let cur = &mut after[..len];
        let (inv, r) = (co.inv_den[b], co.sub[b]);
        let f = |(c, &p): (&mut f32, &f32)| *c = (*c + r * p) * inv;
        if parallel {
            cur.par_chunks_mut(4096).zip(prev.par_chunks(4096)).for_each(|(c, p)| c.iter_mut().zip(p).for_each(f));
        } else {
            cur.iter_mut().zip(prev).for_each(f);
        }
    }
    for b in (0..count.saturating_sub(1)).rev() {
        let (before, after) = data.split_at_mut((b + 1) * len);
        let cur = &mut before[b * len..];
        let next = &after[..len];
        let cp = co.cprime[b];
        let f = |(c, &n): (&mut f32, &f32)| *c -= cp * n;
        if parallel {
            cur.par_chunks_mut(4096).zip(next.par_chunks(4096)).for_each(|(c, n)| c.iter_mut().zip(n).for_each(f));
        } else {
            cur.iter_mut().zip(next).for_each(f);
        }
    }
}
