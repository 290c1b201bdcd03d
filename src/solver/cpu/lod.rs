//! CPU twins of `shaders/lod.wgsl`: one Thomas solve per grid line with
//! precomputed coefficients, in place. The arithmetic per element is
//! exactly the shader's: forward `d' = (d + sub·d'_prev)·inv_den`, backward
//! `x = d' − c'·x_next`. x lines are contiguous; y and z sweeps run the
//! same recurrence on whole rows (y) and on blocks of columns (z), so the
//! inner loop is over x (contiguous, vectorisable); the x sweep advances all lines of a
//! plane (in blocks of lines) together. Each line is solved by one thread in a fixed order, so
//! results do not depend on the thread count.

use super::columns::{block_width, for_each_block};
use crate::solver::LodCoeffs;
use rayon::prelude::*;

/// Lines of a plane the x sweep advances together.
pub(super) const X_BLOCK: usize = 8;

/// Solve along x: per z-plane (in parallel), blocks of [`X_BLOCK`] lines
/// advance together one x position at a time, so that the independent
/// recurrences overlap instead of waiting on each other's latency, while
/// the block's lines stay in the first-level cache. (Advancing all lines
/// of a plane together, as before, walked the plane at a stride of one
/// line: at nx = 256 those lines fell into a few cache sets and the sweep
/// ran 6× slower per voxel than at nx = 200.)
pub fn lod_sweep_x(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs) {
    let [nx, ny, _] = shape;
    field.par_chunks_mut(nx * ny).for_each(|plane| {
        for block in plane.chunks_mut(nx * X_BLOCK) {
            let mut prev = [0.0f32; X_BLOCK];
            for i in 0..nx {
                let (sub, inv) = (co.sub[i], co.inv_den[i]);
                for (line, p) in block.chunks_exact_mut(nx).zip(prev.iter_mut()) {
                    let v = (line[i] + sub * *p) * inv;
                    line[i] = v;
                    *p = v;
                }
            }
            for i in (0..nx.saturating_sub(1)).rev() {
                let cp = co.cprime[i];
                for line in block.chunks_exact_mut(nx) {
                    line[i] -= cp * line[i + 1];
                }
            }
        }
    });
}

/// Solve along y: per z-plane (in parallel), rows of x at once.
pub fn lod_sweep_y(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs) {
    let [nx, ny, _] = shape;
    field.par_chunks_mut(nx * ny).for_each(|plane| {
        first(&mut plane[..nx], co);
        for b in 1..ny {
            let (before, after) = plane.split_at_mut(b * nx);
            forward(&mut after[..nx], &before[(b - 1) * nx..], co, b);
        }
        for b in (0..ny.saturating_sub(1)).rev() {
            let (before, after) = plane.split_at_mut((b + 1) * nx);
            backward(&mut before[b * nx..], &after[..nx], co, b);
        }
    });
}

/// Solve along z: blocks of columns in parallel, each running the whole
/// recurrence over z (see `columns`).
pub fn lod_sweep_z(field: &mut [f32], shape: [usize; 3], co: &LodCoeffs) {
    let [nx, ny, nz] = shape;
    let plane = nx * ny;
    for_each_block(field, plane, block_width(plane, nz), |mut c| {
        first(c.row(0), co);
        for b in 1..nz {
            let (prev, cur) = c.pair(b - 1, b);
            forward(cur, prev, co, b);
        }
        for b in (0..nz.saturating_sub(1)).rev() {
            let (next, cur) = c.pair(b + 1, b);
            backward(cur, next, co, b);
        }
    });
}

/// The first row of a forward pass: `prev = 0`, as in the shader.
pub(crate) fn first(cur: &mut [f32], co: &LodCoeffs) {
    let (inv, sub) = (co.inv_den[0], co.sub[0]);
    cur.iter_mut().for_each(|v| *v = (*v + sub * 0.0) * inv);
}

/// Row `b` of the forward pass: `d' = (d + sub·d'_prev)·inv_den`.
pub(crate) fn forward(cur: &mut [f32], prev: &[f32], co: &LodCoeffs, b: usize) {
    let (inv, r) = (co.inv_den[b], co.sub[b]);
    cur.iter_mut().zip(prev).for_each(|(c, &p)| *c = (*c + r * p) * inv);
}

/// Row `b` of the backward pass: `x = d' − c'·x_next`.
pub(crate) fn backward(cur: &mut [f32], next: &[f32], co: &LodCoeffs, b: usize) {
    let cp = co.cprime[b];
    cur.iter_mut().zip(next).for_each(|(c, &n)| *c -= cp * n);
}
