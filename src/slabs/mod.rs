//! The grid cut into slabs of z-planes, one per rank: the unit a run split
//! over MPI ranks gives each process. A rank holds its own (owned) planes
//! and, for 7-point stencils, one halo plane of each neighbouring rank
//! ([`halo`]); z recurrences run as a pipeline across ranks ([`lod_z`]);
//! sums over the grid add per-plane partial sums in plane order
//! ([`reduce`]). Every operator here gives each owned voxel, bit for bit,
//! the value the whole-grid operator gives it in one process, whatever the
//! number of ranks.
//!
//! The messages go through [`Link`]: one process alone ([`Lone`]), threads
//! of one process standing in for ranks ([`Team`], so that the splitting is
//! tested without MPI), or MPI ranks (`ranks::Mpi`, feature `mpi`).
//!
//! What is distributed so far: explicit diffusion–decay steps (uniform and
//! tissue-dependent `D`), upwind advection sub-steps, the cell spread, LOD
//! z sweeps, halo exchange, grid sums and the gather of a field at rank 0;
//! [`SlabBackend`] runs a whole scene on them, with the coupled solves at
//! rank 0 over the whole grid (the multigrid is not split yet;
//! ARCHITECTURE.md, "Slabs over ranks").

pub mod advection;
pub mod backend;
pub mod explicit;
pub mod halo;
pub mod link;
pub mod lod_z;
pub mod reduce;
pub mod spread;

pub use backend::SlabBackend;
pub use link::{Link, Lone, Team};

use crate::{Error, Result};
use std::ops::Range;

/// The z-planes of `size` ranks over `nz` planes: contiguous, in rank
/// order, the first `nz % size` ranks one plane more than the others.
pub fn partition(nz: usize, size: usize) -> Vec<Range<usize>> {
    let (base, extra) = (nz / size.max(1), nz % size.max(1));
    let mut start = 0;
    (0..size)
        .map(|r| {
            let len = base + usize::from(r < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// One rank's share of a grid of `shape` voxels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slab {
    /// The whole grid.
    pub shape: [usize; 3],
    /// The z-planes this rank owns.
    pub planes: Range<usize>,
    /// A rank below (at lower z) that owns planes.
    pub below: bool,
    /// A rank above.
    pub above: bool,
}

impl Slab {
    /// Rank `rank`'s slab of `size`; refused when a rank would own no plane.
    pub fn of(shape: [usize; 3], rank: usize, size: usize) -> Result<Slab> {
        let nz = shape[2];
        if size == 0 || size > nz || rank >= size {
            return Err(Error::Scene {
                key: "grid.shape".into(),
                message: format!("{nz} z-planes cannot be split over {size} ranks (each rank owns at least one plane)"),
                fix: format!("run on at most {nz} ranks, or give the grid more z-planes"),
            });
        }
        let planes = partition(nz, size).swap_remove(rank);
        Ok(Slab { shape, planes, below: rank > 0, above: rank + 1 < size })
    }

    /// Voxels per z-plane.
    pub fn plane(&self) -> usize {
        self.shape[0] * self.shape[1]
    }

    /// The planes held: owned ones and the halos.
    pub fn held(&self) -> Range<usize> {
        self.planes.start - usize::from(self.below)..self.planes.end + usize::from(self.above)
    }

    /// The shape of the held planes.
    pub fn held_shape(&self) -> [usize; 3] {
        [self.shape[0], self.shape[1], self.held().len()]
    }

    /// The owned voxels' range in the held array.
    pub fn owned(&self) -> Range<usize> {
        let first = usize::from(self.below) * self.plane();
        first..first + self.planes.len() * self.plane()
    }

    /// The held planes of a whole-grid `field`.
    pub fn cut(&self, field: &[f32]) -> Vec<f32> {
        let p = self.plane();
        field[self.held().start * p..self.held().end * p].to_vec()
    }
}

/// The whole field at rank 0, every rank's owned planes in rank order
/// (empty on the other ranks).
pub fn gather(link: &dyn Link, slab: &Slab, held: &[f32]) -> Vec<f32> {
    let owned = &held[slab.owned()];
    if link.rank() != 0 {
        link.send(0, bytemuck::cast_slice(owned));
        return Vec::new();
    }
    let p = slab.plane();
    let mut whole = vec![0.0f32; p * slab.shape[2]];
    whole[..owned.len()].copy_from_slice(owned);
    for (r, planes) in partition(slab.shape[2], link.size()).into_iter().enumerate().skip(1) {
        link.recv(r, bytemuck::cast_slice_mut(&mut whole[planes.start * p..planes.end * p]));
    }
    whole
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_covers_every_plane_once_in_order() {
        for (nz, size) in [(10, 1), (10, 3), (7, 7), (128, 4), (5, 2)] {
            let p = partition(nz, size);
            assert_eq!(p.len(), size);
            assert_eq!(p[0].start, 0);
            assert_eq!(p[size - 1].end, nz);
            assert!(p.windows(2).all(|w| w[0].end == w[1].start));
            let (min, max) = (p.iter().map(|r| r.len()).min().unwrap(), p.iter().map(|r| r.len()).max().unwrap());
            assert!(min >= 1 && max - min <= 1, "{p:?}");
        }
    }

    #[test]
    fn more_ranks_than_planes_are_refused_naming_the_grid() {
        let e = Slab::of([4, 4, 3], 0, 4).unwrap_err().to_string();
        assert!(e.contains("grid.shape") && e.contains("at most 3 ranks"), "{e}");
    }

    #[test]
    fn a_slab_holds_its_planes_and_one_halo_plane_per_neighbour() {
        let s = Slab::of([2, 3, 10], 1, 3).unwrap();
        assert_eq!(s.planes, 4..7);
        assert_eq!(s.held(), 3..8);
        assert_eq!(s.owned(), 6..24);
        let top = Slab::of([2, 3, 10], 2, 3).unwrap();
        assert_eq!((top.held(), top.held_shape()), (6..10, [2, 3, 4]));
    }
}
