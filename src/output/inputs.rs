//! The scene's NPY inputs as the run used them, copied into `initial/` of
//! the output folder, and `scene.resolved.toml` pointed at the copies, so
//! that the folder reruns on its own.

use super::npy::encode_npy;
use crate::scene::{Initial, Scene, TissueCodes};
use crate::world::World;

fn species_file(name: &str) -> String {
    format!("initial/species_{name}.npy")
}

fn phenotype_file(name: &str) -> String {
    format!("initial/phenotype_{name}.npy")
}

const TISSUE_FILE: &str = "initial/tissue.npy";

/// `(path in the output folder, NPY bytes)` of every input the scene reads
/// from a file: species fields at t = 0 (held voxels at their values),
/// phenotype densities, and the tissue map (regions painted in) in codes
/// 0 normal, 1 tumour, 2 necrotic.
pub fn files(scene: &Scene, world: &World) -> Vec<(String, Vec<u8>)> {
    let shape = world.grid.shape;
    let mut out = Vec::new();
    for (sp, data) in scene.species.iter().zip(&world.species) {
        if sp.initial.npy().is_some() {
            out.push((species_file(&sp.name), encode_npy(&data.initial, shape)));
        }
    }
    if let (Some(c), Some(cells)) = (&scene.cells, &world.cells) {
        let n = world.grid.len();
        for (k, ph) in c.phenotypes.iter().enumerate() {
            if ph.initial.npy().is_some() {
                let at = cells.layout.density(k) * n;
                out.push((phenotype_file(&ph.name), encode_npy(&cells.initial[at..at + n], shape)));
            }
        }
    }
    if scene.grid.tissue.is_some() {
        let codes: Vec<f32> = world.tissue.iter().map(|t| t.index() as f32).collect();
        out.push((TISSUE_FILE.into(), encode_npy(&codes, shape)));
    }
    out
}

/// Point every NPY input of `scene` at its copy written by [`files`].
pub fn resolve(scene: &mut Scene) {
    for sp in &mut scene.species {
        if sp.initial.npy().is_some() {
            sp.initial = Initial::Npy(species_file(&sp.name));
        }
    }
    if let Some(c) = &mut scene.cells {
        for ph in &mut c.phenotypes {
            if ph.initial.npy().is_some() {
                ph.initial = Initial::Npy(phenotype_file(&ph.name));
            }
        }
    }
    if let Some(t) = &mut scene.grid.tissue {
        t.npy = TISSUE_FILE.into();
        t.codes = TissueCodes::default();
    }
}
