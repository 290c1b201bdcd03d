//! The cells' initial state and trigger-region mask, from `[cells]`.

use crate::grid::{Grid, Shape, Tissue};
use crate::model::cells::Layout;

use crate::scene::{CellsSpec, Validated};

/// Per-voxel cell data at t = 0.
#[derive(Debug, Clone)]
pub struct CellData {
    pub layout: Layout,
    /// `layout.state()` arrays of `n`: densities from each phenotype's
    /// NPY file, or its `initial` (tumour voxels) and `initial_necrotic`;
    /// everything else 0.
    pub initial: Vec<f32>,
    /// Bit c set where carrier c's trigger region covers the voxel; `None`
    /// without triggers.
    pub mask: Option<Vec<u32>>,
    /// The regions' oxygen consumption V per voxel, mmHg/min; the cells'
    /// own is added to it by every kinetics call.
    pub o2_base: Vec<f64>,
}

impl CellData {
    /// `files`: per phenotype, its densities from an NPY file (every voxel,
    /// whatever the tissue), when it has one.
    pub fn new(
        v: &Validated,
        c: &CellsSpec,
        grid: &Grid,
        tissue: &[Tissue],
        files: &[Option<Vec<f32>>],
        o2_base: Vec<f64>,
    ) -> CellData {
        let layout = Layout { phenotypes: c.phenotypes.len(), carriers: c.carriers.len() };
        let n = grid.len();
        let mut initial = vec![0.0f32; layout.state() * n];
        for (k, ph) in c.phenotypes.iter().enumerate() {
            let out = &mut initial[layout.density(k) * n..(layout.density(k) + 1) * n];
            if let Some(Some(f)) = files.get(k) {
                out.copy_from_slice(f);
                continue;
            }
            for (x, t) in out.iter_mut().zip(tissue) {
                *x = match t {
                    Tissue::Tumour => ph.initial.value() as f32,
                    Tissue::Necrotic => ph.initial_necrotic as f32,
                    Tissue::Normal => 0.0,
                };
            }
        }
        let mask = c.carriers.iter().any(|cr| cr.trigger.is_some()).then(|| {
            let mut mask = vec![0u32; n];
            for (ci, cr) in c.carriers.iter().enumerate() {
                let Some(t) = &cr.trigger else { continue };
                let region = v.scene.regions.iter().find(|r| r.name == t.region);
                if let Some(shape) = region.and_then(Shape::of) {
                    for i in grid.voxels_in(&shape) {
                        mask[i] |= 1 << ci;
                    }
                }
            }
            mask
        });
        CellData { layout, initial, mask, o2_base }
    }
}
