//! CPU twins of the per-voxel kernels in `shaders/pointwise.wgsl`.

use rayon::prelude::*;

/// Implicit source step `c ← (c + add)·scale` (see `world::SpeciesData`).
pub fn apply_sources(field: &mut [f32], add: &[f32], scale: &[f32]) {
    field.par_chunks_mut(4096).zip(add.par_chunks(4096)).zip(scale.par_chunks(4096)).for_each(|((c, a), s)| {
        for ((c, &a), &s) in c.iter_mut().zip(a).zip(s) {
            *c = (*c + a) * s;
        }
    });
}

/// Held voxels take their value; others are untouched.
pub fn apply_hold(field: &mut [f32], hold: &[f32]) {
    field.par_chunks_mut(4096).zip(hold.par_chunks(4096)).for_each(|(c, h)| crate::world::apply_hold(c, h));
}
