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

/// The held voxels of a field as runs of consecutive indices, grouped by
/// z-plane: holding touches only them (a held outer layer is a few percent
/// of the grid), planes in parallel.
pub struct Held {
    plane: usize,
    /// `(first index, value offset, length)` of each run, in index order.
    runs: Vec<(usize, usize, usize)>,
    /// Index into `runs` of each plane's first run; one more entry at the end.
    plane_runs: Vec<usize>,
    values: Vec<f32>,
}

impl Held {
    /// From the dense form (`value ≥ 0` held, else free; see `world::apply_hold`).
    pub fn new(hold: &[f32], plane: usize) -> Held {
        let (mut runs, mut values, mut plane_runs) = (Vec::new(), Vec::new(), vec![0]);
        for (k, p) in hold.chunks(plane).enumerate() {
            let mut i = 0;
            while i < p.len() {
                if p[i] >= 0.0 {
                    let start = i;
                    while i < p.len() && p[i] >= 0.0 {
                        i += 1;
                    }
                    runs.push((k * plane + start, values.len(), i - start));
                    values.extend_from_slice(&p[start..i]);
                } else {
                    i += 1;
                }
            }
            plane_runs.push(runs.len());
        }
        Held { plane, runs, plane_runs, values }
    }

    /// Held voxels take their value; others are untouched.
    pub fn apply(&self, field: &mut [f32]) {
        field.par_chunks_mut(self.plane).enumerate().for_each(|(k, f)| {
            for &(start, v, len) in &self.runs[self.plane_runs[k]..self.plane_runs[k + 1]] {
                let o = start - k * self.plane;
                f[o..o + len].copy_from_slice(&self.values[v..v + len]);
            }
        });
    }
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

#[cfg(test)]
mod tests {
    use super::Held;

    #[test]
    fn runs_hold_what_the_dense_form_holds() {
        let plane = 12;
        let hold: Vec<f32> = (0..plane * 5).map(|i| if (i * 7) % 5 < 2 { i as f32 } else { -1.0 }).collect();
        let mut want: Vec<f32> = (0..hold.len()).map(|i| 1000.0 + i as f32).collect();
        let mut got = want.clone();
        crate::world::apply_hold(&mut want, &hold);
        Held::new(&hold, plane).apply(&mut got);
        assert_eq!(got, want);
    }
}
