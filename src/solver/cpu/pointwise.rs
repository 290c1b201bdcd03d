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

/// Vessel exchange with the implicit source step (CPU twin of
/// `vessel_exchange`): `c ← (c + add + plasma·inflow)·scale`.
pub fn vessel_exchange(field: &mut [f32], add: &[f32], scale: &[f32], inflow: &[f32], plasma: f32) {
    field.par_chunks_mut(4096).enumerate().for_each(|(b, c)| {
        let o = b * 4096;
        for (i, c) in c.iter_mut().enumerate() {
            *c = (*c + add[o + i] + plasma * inflow[o + i]) * scale[o + i];
        }
    });
}

/// Semi-implicit Michaelis–Menten step `c ← c·(K + c)/(K + c + dt·V)` (CPU
/// twin of `consume`); `rate` holds `dt·V`.
pub fn consume(field: &mut [f32], rate: &[f32], half_saturation: f32) {
    field.par_chunks_mut(4096).zip(rate.par_chunks(4096)).for_each(|(c, r)| {
        for (c, &v) in c.iter_mut().zip(r) {
            if v > 0.0 {
                let kc = half_saturation + *c;
                *c = *c * kc / (kc + v);
            }
        }
    });
}
