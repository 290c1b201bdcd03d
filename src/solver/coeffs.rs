//! Per-voxel coefficients that both backends build from the world's rates
//! (per minute) for the steps they take: the split scheme's implicit
//! source step and consumption per step of `dt`, and the rates the coupled
//! solver reads (`factor` 1). Nothing here depends on a backend.

use super::{Plan, SpeciesPlan};
use crate::world::{CellData, Sources, World};

/// The split scheme's implicit source step over `dt` min,
/// `c ← (c + add [+ c_p·dt·inflow])·scale`: `add = dt·gain`,
/// `scale = 1/(1 + dt·loss)`.
pub fn source_step(s: &Sources, dt: f64) -> (Vec<f32>, Vec<f32>) {
    let add = s.gain.iter().map(|g| (dt * g) as f32).collect();
    let scale = s.loss.iter().map(|l| (1.0 / (1.0 + dt * l)) as f32).collect();
    (add, scale)
}

/// Michaelis–Menten maximum rates times `factor`: `dt·V` for the split
/// scheme's consumption step, `V` (factor 1) for the coupled solver.
pub fn consumption(rate: &[f64], factor: f64) -> Vec<f32> {
    rate.iter().map(|v| (factor * v) as f32).collect()
}

/// The oxygen consumption at t = 0 with cells, times `factor`: the
/// regions' (`base`, already scaled) plus `factor·V_O` times the initial
/// live density (the kinetics kernels update it the same way).
pub fn oxygen_consumption(cells: &CellData, base: &[f32], scaled_rate: f32) -> Vec<f32> {
    let n = base.len();
    let l = cells.layout;
    (0..n)
        .map(|v| {
            let live: f32 = (0..l.phenotypes).map(|k| cells.initial[l.density(k) * n + v]).sum();
            base[v] + scaled_rate * live
        })
        .collect()
}

/// The regions' oxygen consumption per voxel in the units the cell kernels
/// add to (`dt·V` for a split oxygen species, `V` for a coupled one).
pub fn oxygen_base(plan: &Plan, cells: &CellData) -> Vec<f32> {
    let o2 = plan.cells.as_ref().and_then(|c| c.ext_species[0]);
    consumption(&cells.o2_base, o2.map_or(plan.dt, |s| plan.rate_factor(s)))
}

/// The consumption array of species `s` as its solver reads it (see
/// [`consumption`]; with cells, the oxygen species' includes the cells'
/// initial rate). `None` when nothing consumes it.
pub fn species_consumption(plan: &Plan, world: &World, s: usize) -> Option<Vec<f32>> {
    let factor = plan.rate_factor(s);
    let oxygen = plan.cells.as_ref().and_then(|c| c.ext_species[0]);
    match (&world.cells, oxygen == Some(s)) {
        (Some(cells), true) => {
            let rate = plan.cells.as_ref().map_or(0.0, |c| c.o2_dt_rate);
            Some(oxygen_consumption(cells, &oxygen_base(plan, cells), rate))
        }
        _ => world.species[s].consumption.as_ref().map(|v| consumption(v, factor)),
    }
}

/// The plasma curve's mean over base steps `first..first + steps`, from the
/// table of per-step means (the last entry repeats past its end).
pub fn plasma_mean(table: &[f32], first: u64, steps: u64) -> f32 {
    if table.is_empty() || steps == 0 {
        return 0.0;
    }
    let last = table.len() - 1;
    let sum: f64 = (first..first + steps).map(|k| table[(k as usize).min(last)] as f64).sum();
    (sum / steps as f64) as f32
}

/// Per-voxel Thomas coefficients of a LOD species with tissue-dependent
/// diffusion, per axis.
pub fn lod_tissue(d: &[f32], plan: &Plan, sp: &SpeciesPlan) -> [Vec<f32>; 3] {
    [0, 1, 2].map(|a| super::lod_tissue::lod_tissue_coeffs(&plan.grid, a, d, plan.dt, sp.decay, sp.lod_held[a]))
}

/// Per-voxel `r = D·dt_sub/dx²` of an explicit species with
/// tissue-dependent diffusion.
pub fn rvox(d: &[f32], plan: &Plan, sp: &SpeciesPlan) -> Vec<f32> {
    let k = plan.dt / sp.substeps() as f64 / (plan.grid.dx * plan.grid.dx);
    d.iter().map(|&d| (d as f64 * k) as f32).collect()
}
