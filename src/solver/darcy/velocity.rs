//! Interstitial (Darcy) velocities on voxel faces, laid out so that an
//! upwind finite-volume advection conserves mass exactly: every face has one
//! velocity, which the two voxels sharing it use with opposite signs.

use super::{FaceBc, Problem};
use crate::grid::{FaceFlow, Grid, face_index};

/// Face-normal Darcy velocities `u = −K ∂p/∂n`, µm/min, positive along
/// `+axis` on every face (so inflow through a lower domain face is positive,
/// outflow through an upper one is positive).
///
/// - `upper[axis][idx]`: the face between voxel `idx` and
///   `idx + grid.stride(axis)`; at the last voxel along `axis`, the upper
///   domain face (0 where it is zero-flux).
/// - `lower[axis][plane]`: the lower domain face of the first voxel along
///   `axis`, indexed over the other two axes, the first of them fastest:
///   `j + ny·k` for x, `i + nx·k` for y, `i + nx·j` for z
///   (see [`FaceVelocities::lower_plane_index`]).
///
/// Interior faces use the harmonic-mean conductivity and the two centre
/// pressures; a Dirichlet face uses the voxel's own `K` over half a voxel.
/// A face next to a held voxel is an ordinary face, so the flux a held
/// voxel injects is accounted for. The volume flux through a face is
/// `u·dx²` µm³/min.
#[derive(Debug, Clone)]
pub struct FaceVelocities {
    pub grid: Grid,
    pub upper: [Vec<f32>; 3],
    pub lower: [Vec<f32>; 3],
}

impl FaceVelocities {
    /// Index into `lower[axis]` of the voxel `idx` (whose coordinate along
    /// `axis` is 0 for a boundary face).
    pub fn lower_plane_index(&self, axis: usize, idx: usize) -> usize {
        let [nx, ny, _] = self.grid.shape;
        let (i, j, k) = (idx % nx, (idx / nx) % ny, idx / (nx * ny));
        match axis {
            0 => j + ny * k,
            1 => i + nx * k,
            _ => i + nx * j,
        }
    }

    /// Velocity through the lower face of voxel `idx` along `axis`
    /// (positive along `+axis`): the neighbour's upper face, or the domain face.
    pub fn lower_face(&self, axis: usize, idx: usize) -> f32 {
        let s = self.grid.stride(axis);
        let c = (idx / s) % self.grid.shape[axis];
        if c > 0 { self.upper[axis][idx - s] } else { self.lower[axis][self.lower_plane_index(axis, idx)] }
    }

    /// Net volume outflow of voxel `idx` through its six faces, µm³/min.
    /// At steady state this equals `(b − a·p)·dx³` at a free voxel.
    pub fn net_outflow(&self, idx: usize) -> f64 {
        let area = self.grid.dx * self.grid.dx;
        (0..3).map(|ax| (self.upper[ax][idx] as f64 - self.lower_face(ax, idx) as f64) * area).sum()
    }

    /// Net volume outflow through the six domain faces, µm³/min.
    pub fn boundary_outflow(&self) -> f64 {
        let g = self.grid;
        let area = g.dx * g.dx;
        let mut total = 0.0;
        for ax in 0..3 {
            let s = g.stride(ax);
            let last = g.shape[ax] - 1;
            for idx in (0..g.len()).filter(|&i| (i / s) % g.shape[ax] == last) {
                total += self.upper[ax][idx] as f64 * area;
            }
            total -= self.lower[ax].iter().map(|&u| u as f64 * area).sum::<f64>();
        }
        total
    }
}

/// Face velocities of `pressure` (mmHg) in `problem`, µm/min.
pub fn face_velocities(problem: &Problem, pressure: &[f32]) -> FaceVelocities {
    let g = problem.grid;
    let [nx, ny, nz] = g.shape;
    let n = g.len();
    assert_eq!(pressure.len(), n, "one pressure per voxel");
    let k = |i: usize| problem.conductivity[i] as f64;
    let p = |i: usize| pressure[i] as f64;
    let dx = g.dx;
    let plane_len = [ny * nz, nx * nz, nx * ny];
    let mut out = FaceVelocities {
        grid: g,
        upper: std::array::from_fn(|_| vec![0.0; n]),
        lower: std::array::from_fn(|ax| vec![0.0; plane_len[ax]]),
    };
    for ax in 0..3 {
        let s = g.stride(ax);
        let len = g.shape[ax];
        for (i, u) in out.upper[ax].iter_mut().enumerate() {
            *u = if (i / s) % len + 1 < len {
                let (a, b) = (k(i), k(i + s));
                let kf = if a > 0.0 && b > 0.0 { 2.0 * a * b / (a + b) } else { 0.0 };
                (-kf * (p(i + s) - p(i)) / dx) as f32
            } else {
                match problem.faces[2 * ax + 1] {
                    FaceBc::ZeroFlux => 0.0,
                    FaceBc::Dirichlet(pb) => (-2.0 * k(i) * (pb - p(i)) / dx) as f32,
                }
            };
        }
        if let FaceBc::Dirichlet(pb) = problem.faces[2 * ax] {
            // The voxels with coordinate 0 along `ax`: runs of `s` every `s·len`.
            for i in (0..n).step_by(s * len).flat_map(|start| start..start + s) {
                let at = out.lower_plane_index(ax, i);
                out.lower[ax][at] = (-2.0 * k(i) * (p(i) - pb) / dx) as f32;
            }
        }
    }
    out
}

impl From<&FaceVelocities> for FaceFlow {
    /// Re-lays the Darcy solver's face velocities (upper face per voxel plus
    /// the lower domain faces) as `shape[a] + 1` faces per line.
    fn from(v: &FaceVelocities) -> FaceFlow {
        let shape = v.grid.shape;
        let mut f = FaceFlow::zero(shape);
        let [nx, ny, nz] = shape;
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let idx = v.grid.idx(i, j, k);
                    for a in 0..3 {
                        let p = [i, j, k];
                        let mut hi = p;
                        hi[a] += 1;
                        let up = face_index(shape, a, hi[0], hi[1], hi[2]);
                        f.u[a][up] = v.upper[a][idx];
                        if p[a] == 0 {
                            f.u[a][face_index(shape, a, i, j, k)] = v.lower_face(a, idx);
                        }
                    }
                }
            }
        }
        f
    }
}
