//! The part of a world on a range of z-planes: what a rank of a run split
//! into slabs builds its backend from. Every per-voxel array keeps the
//! values of those planes; the vessel network and the plasma curves, which
//! are not per voxel, are kept whole.

use super::{CellData, Exchange, Sources, SpeciesData, Vascular, World};
use crate::grid::Grid;
use crate::vessels::VesselMaps;
use std::ops::Range;

/// The values of `planes` of a per-voxel array of planes of `plane` voxels.
fn cut<T: Clone>(a: &[T], plane: usize, planes: &Range<usize>) -> Vec<T> {
    a[planes.start * plane..planes.end * plane].to_vec()
}

/// Each of the arrays of `n` voxels that `a` holds one after the other, cut.
fn cut_each<T: Clone>(a: &[T], n: usize, plane: usize, planes: &Range<usize>) -> Vec<T> {
    if n == 0 {
        return Vec::new();
    }
    a.chunks_exact(n).flat_map(|var| cut(var, plane, planes)).collect()
}

impl World {
    /// This world on z-planes `planes` alone, as a world of its own (whose
    /// grid has those planes).
    pub fn planes(&self, planes: Range<usize>) -> World {
        let [nx, ny, _] = self.grid.shape;
        let (p, n) = (nx * ny, self.grid.len());
        let c = |a: &[f32]| cut(a, p, &planes);
        let c64 = |a: &[f64]| cut(a, p, &planes);
        let species = self
            .species
            .iter()
            .map(|s| SpeciesData {
                initial: c(&s.initial),
                sources: s.sources.as_ref().map(|x| Sources { gain: c64(&x.gain), loss: c64(&x.loss) }),
                hold: s.hold.as_deref().map(c),
                exchange: s.exchange.as_ref().map(|e| Exchange {
                    inflow: c(&e.inflow),
                    loss: c(&e.loss),
                    lymph: c(&e.lymph),
                    plasma: e.plasma.clone(),
                }),
                consumption: s.consumption.as_deref().map(c64),
                half_saturation: s.half_saturation,
                diffusion: s.diffusion.as_deref().map(c),
                transport: s.transport.clone(),
            })
            .collect();
        let vascular = self.vascular.as_ref().map(|v| Vascular {
            network: v.network.clone(),
            flow: v.flow.clone(),
            maps: VesselMaps {
                sv: v.maps.sv.each_ref().map(|a| c(a)),
                volume_fraction: c(&v.maps.volume_fraction),
                pressure: c(&v.maps.pressure),
            },
            pressure: c(&v.pressure),
            residual: v.residual,
            cycles: v.cycles,
            filtration: v.filtration.each_ref().map(|a| c(a)),
            lymph: c(&v.lymph),
            velocity: v.velocity.as_ref().map(|f| f.planes(planes.clone())),
        });
        let cells = self.cells.as_ref().map(|d| CellData {
            layout: d.layout,
            initial: cut_each(&d.initial, n, p, &planes),
            mask: d.mask.as_ref().map(|m| cut(m, p, &planes)),
            o2_base: c64(&d.o2_base),
        });
        World {
            grid: Grid::new([nx, ny, planes.len()], self.grid.dx),
            species,
            tissue: cut(&self.tissue, p, &planes),
            vascular,
            cells,
        }
    }
}
