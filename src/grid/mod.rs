//! Grid geometry: voxel indexing (x fastest), voxel centres, and region
//! shapes turned into voxel sets.

mod faces;
mod region;
mod tissue;

pub use faces::{FaceFlow, face_count, face_index};
pub use region::Shape;
pub use tissue::Tissue;

/// A cubic-voxel grid. Voxel `(i, j, k)` has its centre at
/// `((i + ½)·dx, (j + ½)·dx, (k + ½)·dx)` µm and linear index
/// `i + nx·(j + ny·k)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Voxels along x, y, z.
    pub shape: [usize; 3],
    /// Voxel edge, µm.
    pub dx: f64,
}

impl Grid {
    pub fn new(shape: [usize; 3], dx: f64) -> Self {
        Grid { shape, dx }
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.shape[0] * self.shape[1] * self.shape[2]
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Linear index of voxel `(i, j, k)`.
    #[inline]
    pub fn idx(&self, i: usize, j: usize, k: usize) -> usize {
        i + self.shape[0] * (j + self.shape[1] * k)
    }

    /// Memory stride of one step along `axis`.
    pub fn stride(&self, axis: usize) -> usize {
        match axis {
            0 => 1,
            1 => self.shape[0],
            _ => self.shape[0] * self.shape[1],
        }
    }

    /// Centre of voxel `(i, j, k)`, µm.
    pub fn center(&self, i: usize, j: usize, k: usize) -> [f64; 3] {
        [(i as f64 + 0.5) * self.dx, (j as f64 + 0.5) * self.dx, (k as f64 + 0.5) * self.dx]
    }

    /// Extent of the domain, µm.
    pub fn extent(&self) -> [f64; 3] {
        [self.shape[0] as f64 * self.dx, self.shape[1] as f64 * self.dx, self.shape[2] as f64 * self.dx]
    }

    /// Volume of one voxel, µm³.
    pub fn voxel_volume(&self) -> f64 {
        self.dx * self.dx * self.dx
    }

    /// Linear indices of the voxels whose centres lie inside `shape`.
    pub fn voxels_in(&self, shape: &Shape) -> Vec<usize> {
        let mut out = Vec::new();
        self.visit(shape, &mut |i| {
            out.push(i);
            true
        });
        out
    }

    /// Does any voxel centre lie inside `shape`? Stops at the first.
    pub fn has_voxel_in(&self, shape: &Shape) -> bool {
        let mut found = false;
        self.visit(shape, &mut |_| {
            found = true;
            false
        });
        found
    }

    /// Call `f` with the linear index of each voxel inside `shape`, within
    /// the shape's bounding box, until `f` returns false.
    fn visit(&self, shape: &Shape, f: &mut dyn FnMut(usize) -> bool) {
        let (lo, hi) = shape.bounds();
        let range = |a: usize| {
            let first = ((lo[a] / self.dx - 0.5).ceil() as i64).max(0);
            let last = ((hi[a] / self.dx - 0.5).floor() as i64).min(self.shape[a] as i64 - 1);
            first..=last
        };
        for k in range(2) {
            for j in range(1) {
                for i in range(0) {
                    let (i, j, k) = (i as usize, j as usize, k as usize);
                    if shape.contains(self.center(i, j, k)) && !f(self.idx(i, j, k)) {
                        return;
                    }
                }
            }
        }
    }
}
