//! Per-field statistics for `timeseries.csv`.

/// Minimum, mean, maximum and total amount of one field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldStats {
    pub min: f64,
    pub mean: f64,
    pub max: f64,
    /// Σ c·V over voxels: species unit × µm³.
    pub total: f64,
    /// False if any value is NaN or infinite.
    pub finite: bool,
}

impl FieldStats {
    /// Statistics of `field` on voxels of `voxel_volume` µm³ (sums in f64).
    pub fn of(field: &[f32], voxel_volume: f64) -> FieldStats {
        let mut s = FieldStats { min: f64::INFINITY, mean: 0.0, max: f64::NEG_INFINITY, total: 0.0, finite: true };
        let mut sum = 0.0f64;
        for &v in field {
            s.finite &= v.is_finite();
            let v = v as f64;
            s.min = s.min.min(v);
            s.max = s.max.max(v);
            sum += v;
        }
        s.mean = sum / field.len().max(1) as f64;
        s.total = sum * voxel_volume;
        s
    }
}
