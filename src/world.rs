//! The world: per-species initial fields, per-voxel source terms and held
//! (Dirichlet) values, voxelised from a validated scene.

use crate::grid::{Grid, Shape};
use crate::scene::{Bc, Face, Validated};

/// Marks a voxel that is not held in [`SpeciesData::hold`]. Held values are
/// never negative, so any negative number means "free".
pub const FREE: f32 = -1.0;

/// Per-voxel arrays of one species (length = voxels).
#[derive(Debug, Clone)]
pub struct SpeciesData {
    /// Field at t = 0, species unit.
    pub initial: Vec<f32>,
    /// Implicit source step `c ← (c + add)·scale`: `add = dt·Σ S·T`.
    pub src_add: Option<Vec<f32>>,
    /// `scale = 1 / (1 + dt·Σ (S + U))`.
    pub src_scale: Option<Vec<f32>>,
    /// Held value, or [`FREE`].
    pub hold: Option<Vec<f32>>,
}

/// Grid and per-species data.
#[derive(Debug, Clone)]
pub struct World {
    pub grid: Grid,
    pub species: Vec<SpeciesData>,
}

impl World {
    pub fn new(v: &Validated) -> World {
        let grid = v.grid();
        let dt = v.scene.time.dt;
        let species = v
            .scene
            .species
            .iter()
            .map(|sp| {
                let hold = v.has_hold(&sp.name).then(|| hold_values(v, &grid, &sp.name));
                let (src_add, src_scale) = match v.has_sources(&sp.name) {
                    true => {
                        let (a, s) = source_terms(v, &grid, &sp.name, dt);
                        (Some(a), Some(s))
                    }
                    false => (None, None),
                };
                let mut initial = vec![sp.initial as f32; grid.len()];
                if let Some(h) = &hold {
                    apply_hold(&mut initial, h);
                }
                SpeciesData { initial, src_add, src_scale, hold }
            })
            .collect();
        World { grid, species }
    }
}

/// Set held voxels to their values (the CPU twin of `shaders/hold.wgsl`).
pub fn apply_hold(field: &mut [f32], hold: &[f32]) {
    for (c, &h) in field.iter_mut().zip(hold) {
        if h >= 0.0 {
            *c = h;
        }
    }
}

fn hold_values(v: &Validated, grid: &Grid, name: &str) -> Vec<f32> {
    let mut hold = vec![FREE; grid.len()];
    let sp = &v.scene.species[v.scene.species_index(name).expect("validated species")];
    let [nx, ny, nz] = grid.shape;
    for face in Face::ALL {
        let Bc::Dirichlet(value) = sp.boundary.face(face) else { continue };
        let a = face.axis();
        let layer = if face.is_max() { grid.shape[a] - 1 } else { 0 };
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    if [i, j, k][a] == layer {
                        hold[grid.idx(i, j, k)] = value as f32;
                    }
                }
            }
        }
    }
    for r in &v.scene.regions {
        if let (Some(&value), Some(shape)) = (r.hold.get(name), Shape::of(r)) {
            for i in grid.voxels_in(&shape) {
                hold[i] = value as f32;
            }
        }
    }
    hold
}

fn source_terms(v: &Validated, grid: &Grid, name: &str, dt: f64) -> (Vec<f32>, Vec<f32>) {
    let mut gain = vec![0.0f64; grid.len()];
    let mut loss = vec![0.0f64; grid.len()];
    for r in &v.scene.regions {
        let Some(shape) = Shape::of(r) else { continue };
        let supply = r.supply.get(name);
        let uptake = r.uptake.get(name);
        if supply.is_none() && uptake.is_none() {
            continue;
        }
        for i in grid.voxels_in(&shape) {
            if let Some(s) = supply {
                gain[i] += s.rate * s.target;
                loss[i] += s.rate;
            }
            if let Some(u) = uptake {
                loss[i] += u;
            }
        }
    }
    let add = gain.iter().map(|g| (dt * g) as f32).collect();
    let scale = loss.iter().map(|l| (1.0 / (1.0 + dt * l)) as f32).collect();
    (add, scale)
}
