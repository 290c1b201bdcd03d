//! Velocities on voxel faces, in the layout the advection kernels read
//! (`shaders/advection.wgsl`, `solver/cpu/advection.rs`).

/// Face-normal velocities, µm/min, positive towards +axis. Along axis `a`
/// there are `shape[a] + 1` faces per line: face `f` is the lower face of
/// voxel `f` (and the upper face of voxel `f − 1`); faces `0` and
/// `shape[a]` are the domain's. Index of face `(i, j, k)`: x-fastest over the
/// face-extended shape, e.g. `i + (nx + 1)·(j + ny·k)` along x.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceFlow {
    pub shape: [usize; 3],
    pub u: [Vec<f32>; 3],
}

impl FaceFlow {
    /// Zero velocity everywhere.
    pub fn zero(shape: [usize; 3]) -> FaceFlow {
        FaceFlow { shape, u: [0, 1, 2].map(|a| vec![0.0; face_count(shape, a)]) }
    }

    /// The faces of z-planes `planes` alone: the x and y faces of each plane
    /// and the z faces from below the first to above the last.
    pub fn planes(&self, planes: std::ops::Range<usize>) -> FaceFlow {
        let [nx, ny, _] = self.shape;
        let per_plane = [(nx + 1) * ny, nx * (ny + 1), nx * ny];
        let u = [0, 1, 2].map(|a| {
            let end = planes.end + usize::from(a == 2);
            self.u[a][planes.start * per_plane[a]..end * per_plane[a]].to_vec()
        });
        FaceFlow { shape: [nx, ny, planes.len()], u }
    }

    /// Index of face `(i, j, k)` of axis `a` (`[i, j, k][a]` may equal `shape[a]`).
    #[inline]
    pub fn idx(&self, a: usize, i: usize, j: usize, k: usize) -> usize {
        face_index(self.shape, a, i, j, k)
    }

    /// Largest total outflow velocity of any voxel, µm/min: the advection
    /// sub-step bound.
    pub fn max_outflow(&self) -> f64 {
        let [nx, ny, nz] = self.shape;
        let mut worst = 0.0f64;
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let mut out = 0.0f64;
                    for a in 0..3 {
                        let mut hi = [i, j, k];
                        hi[a] += 1;
                        out += (self.u[a][self.idx(a, i, j, k)] as f64).min(0.0).abs();
                        out += (self.u[a][self.idx(a, hi[0], hi[1], hi[2])] as f64).max(0.0);
                    }
                    worst = worst.max(out);
                }
            }
        }
        worst
    }

    /// Speed at voxel centres, µm/min: the magnitude of the mean of each
    /// axis' two face velocities.
    pub fn speed(&self) -> Vec<f32> {
        let [nx, ny, nz] = self.shape;
        let mut out = Vec::with_capacity(nx * ny * nz);
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let mut s2 = 0.0f64;
                    for a in 0..3 {
                        let mut hi = [i, j, k];
                        hi[a] += 1;
                        let m = 0.5
                            * (self.u[a][self.idx(a, i, j, k)] as f64
                                + self.u[a][self.idx(a, hi[0], hi[1], hi[2])] as f64);
                        s2 += m * m;
                    }
                    out.push(s2.sqrt() as f32);
                }
            }
        }
        out
    }
}

/// Faces along axis `a` of a grid of `shape`.
pub fn face_count(shape: [usize; 3], a: usize) -> usize {
    let mut s = shape;
    s[a] += 1;
    s[0] * s[1] * s[2]
}

#[inline]
pub fn face_index(shape: [usize; 3], a: usize, i: usize, j: usize, k: usize) -> usize {
    let mut s = shape;
    s[a] += 1;
    i + s[0] * (j + s[1] * k)
}
