//! Interstitial fluid pressure: steady Darcy flow with Starling sources
//! (Baxter & Jain 1989), solved by geometric multigrid on the CPU or the GPU.
//!
//! # The problem
//!
//! On the cell-centred voxel grid,
//!
//! ```text
//! −∇·(K ∇p) + a·p = b
//! ```
//!
//! with `p` the interstitial fluid pressure (mmHg), `K` the hydraulic
//! conductivity of the interstitium (µm²/(mmHg·min), per voxel; a face uses
//! the harmonic mean of its two voxels), `a = L_p·S/V + L_pL·S_L/V`
//! (1/(mmHg·min): vessel and lymphatic filtration per unit pressure) and
//! `b = L_p·S/V·(p_v − σ_T(π_v − π_i)) + L_pL·S_L/V·p_L` (1/min: fluid
//! volume filtered in per unit tissue volume when `p = 0`). `b − a·p` is the
//! net fluid source J_v/V − J_L/V. Interstitial (Darcy, superficial)
//! velocity `u = −K∇p`, µm/min.
//!
//! Boundaries, per face of the box: zero flux, or a Dirichlet value imposed
//! *on the face*, half a voxel from the outer voxel centres (ghost value
//! `2p_b − p`, face conductance `2K/dx`). Interior held voxels keep a given
//! pressure; the flux between a free voxel and a held one uses the face
//! conductivity like any other face, so a held voxel acts as a Dirichlet
//! value at its centre.
//!
//! # The discrete system
//!
//! Finite volumes, integrated over each voxel (conductance units,
//! µm³/(mmHg·min)): `Σ_faces T_f (p_i − p_nb) + S_i p_i = f_i`, with
//! `T_f = K_f·dx` between free voxels, boundary and held-neighbour
//! conductances folded into `S_i` and `f_i`, `S_i` containing `a_i·dx³`,
//! `f_i` containing `b_i·dx³`. Held voxels become identity rows. The
//! reported residual is `‖f − A p‖₂ / ‖f‖₂` over free voxels (the initial
//! residual replaces `‖f‖₂` when `f = 0`), the relative residual of the
//! problem as stated.
//!
//! # The method
//!
//! Mixed-precision iterative refinement around one multigrid V-cycle per
//! iteration ("cycle"): the finest-level residual `f − A p` is evaluated
//! *exactly* in integer arithmetic from a solution carried as two f32 words
//! (`hi + lo`, about 48 significant bits), and the V-cycle solves for the
//! correction in f32. This is needed: the discrete operator magnifies the
//! f32 rounding of `p` by `|A|·|p| / |f|`, about `N²` for a diffusion-dominated
//! problem on `N` voxels a side, so no f32 vector has a relative residual
//! below ≈ 1e-4 on a 128³ grid; the returned f32 pressure is the refined
//! solution rounded once. See `exact.rs`.
//!
//! The V-cycle: red–black Gauss–Seidel smoothing (2 sweeps down, 2 up, the
//! up sweeps in the reverse colour order), residual restricted by summing
//! the 8 children (the 8-cell average in per-volume units), trilinear
//! (cell-centred) prolongation, coarse operators re-discretised from the
//! finer ones (see `levels.rs`), down to one voxel, which the smoother
//! solves exactly. CPU (`cpu.rs`) and GPU (`gpu.rs`, `shaders/darcy.wgsl`)
//! run the same kernels in the same order; the exact residual is bitwise
//! identical on both, the f32 kernels agree to rounding (the GPU may fuse
//! multiply–adds and divides to within 2.5 ulp), so both converge to the
//! same discrete solution.
//!
//! # Cost and limits
//!
//! About 10 V-cycles reach a relative residual of 1e-6 independently of the
//! grid size (tests/pressure.rs: 32³, 64³, 128³), with or without scattered
//! held voxels. Sharp conductivity contrasts slow it: trilinear
//! interpolation ignores flux continuity across a jump (64³, a sphere of
//! contrast 1, 4, 16, 100 in uniform tissue: 6, 10, 18, 30 cycles);
//! operator-dependent interpolation or a Krylov outer iteration would fix
//! that. Memory: the finest level holds 36 bytes per voxel on the device
//! (coefficients 16, solution 8, right side, correction and residual 4 each),
//! the coarser levels a seventh more; one binding holds 16 bytes per voxel,
//! checked against the device's limits.

mod cpu;
mod cycle;
mod exact;
mod gpu;
mod levels;
mod velocity;

pub use velocity::{FaceVelocities, face_velocities};

use crate::grid::Grid;
use crate::solver::gpu::Gpu;
use crate::{Error, Result};

/// Boundary condition on one face of the box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PressureBc {
    /// No fluid crosses the face.
    ZeroFlux,
    /// Pressure on the face, mmHg.
    Dirichlet(f64),
}

/// One steady interstitial-pressure problem.
#[derive(Debug, Clone)]
pub struct DarcyProblem {
    pub grid: Grid,
    /// Hydraulic conductivity `K` of each voxel, µm²/(mmHg·min), ≥ 0.
    pub conductivity: Vec<f32>,
    /// `a` of each voxel, 1/(mmHg·min), ≥ 0: fluid filtered out per unit
    /// tissue volume and unit pressure (vessel `L_p·S/V` plus lymphatics).
    pub sink: Vec<f32>,
    /// `b` of each voxel, 1/min: net fluid source per unit tissue volume at
    /// `p = 0`.
    pub source: Vec<f32>,
    /// x_min, x_max, y_min, y_max, z_min, z_max.
    pub faces: [PressureBc; 6],
    /// Held pressure of each voxel, mmHg, or NaN where the voxel is free.
    pub held: Option<Vec<f32>>,
}

/// A converged pressure field.
#[derive(Debug, Clone)]
pub struct DarcySolution {
    /// Pressure of each voxel, mmHg.
    pub pressure: Vec<f32>,
    /// Final `‖f − A p‖₂ / ‖f‖₂` over free voxels (the initial residual's
    /// norm replaces `‖f‖₂` when `f = 0`), of the refined solution before its
    /// rounding to f32.
    pub residual: f64,
    /// V-cycles done.
    pub cycles: usize,
}

impl DarcyProblem {
    /// A problem on `grid` with uniform `conductivity`, no sink, no source,
    /// zero-flux faces and no held voxels.
    pub fn uniform(grid: Grid, conductivity: f32) -> DarcyProblem {
        let n = grid.len();
        DarcyProblem {
            grid,
            conductivity: vec![conductivity; n],
            sink: vec![0.0; n],
            source: vec![0.0; n],
            faces: [PressureBc::ZeroFlux; 6],
            held: None,
        }
    }

    /// Is voxel `idx` held?
    pub fn is_held(&self, idx: usize) -> bool {
        self.held.as_ref().is_some_and(|h| !h[idx].is_nan())
    }

    /// Check sizes and signs; every field finite, `K`, `a` ≥ 0.
    pub fn validate(&self) -> Result<()> {
        let n = self.grid.len();
        if n == 0 || !(self.grid.dx.is_finite() && self.grid.dx > 0.0) {
            return Err(bad(format!("grid {:?} with dx {} µm has no volume", self.grid.shape, self.grid.dx)));
        }
        if n > u32::MAX as usize / 2 {
            return Err(bad(format!("grid of {n} voxels is too large")));
        }
        let fields: [(&str, &[f32], bool); 3] =
            [("conductivity", &self.conductivity, true), ("sink", &self.sink, true), ("source", &self.source, false)];
        for (name, v, non_negative) in fields {
            if v.len() != n {
                return Err(bad(format!("{name} has {} values for a grid of {n} voxels", v.len())));
            }
            if let Some(i) = v.iter().position(|&x| !x.is_finite() || (non_negative && x < 0.0)) {
                let need = if non_negative { "finite and ≥ 0" } else { "finite" };
                return Err(bad(format!("{name} at voxel {i} is {}; it must be {need}", v[i])));
            }
        }
        if let Some(h) = &self.held {
            if h.len() != n {
                return Err(bad(format!("held has {} values for a grid of {n} voxels", h.len())));
            }
            if let Some(i) = h.iter().position(|x| x.is_infinite()) {
                return Err(bad(format!("held value at voxel {i} is {}", h[i])));
            }
        }
        for (f, bc) in self.faces.iter().enumerate() {
            if let PressureBc::Dirichlet(v) = bc {
                if !v.is_finite() {
                    return Err(bad(format!("face {f} has pressure {v}")));
                }
            }
        }
        Ok(())
    }
}

fn bad(msg: String) -> Error {
    Error::Numerical(format!("Darcy pressure problem: {msg}"))
}

/// Solve on the CPU from `p = 0` (held values at held voxels), to a
/// relative residual ≤ `tolerance` within `max_cycles` V-cycles.
pub fn solve_cpu(problem: &DarcyProblem, tolerance: f64, max_cycles: usize) -> Result<DarcySolution> {
    solve_cpu_from(problem, None, tolerance, max_cycles)
}

/// As [`solve_cpu`], starting from `initial` (e.g. the previous solution)
/// at free voxels.
pub fn solve_cpu_from(
    problem: &DarcyProblem,
    initial: Option<&[f32]>,
    tolerance: f64,
    max_cycles: usize,
) -> Result<DarcySolution> {
    problem.validate()?;
    let h = levels::Hierarchy::build(problem, initial)?;
    let mut engine = cpu::CpuEngine::new(&h);
    let (cycles, residual) = cycle::iterate(&mut engine, h.rhs_norm, tolerance, max_cycles)?;
    Ok(DarcySolution { pressure: engine.pressure(), residual, cycles })
}

/// Solve on the GPU; same algorithm, same arguments as [`solve_cpu`]. All
/// levels stay on the device; one 4-byte residual norm is read back per
/// V-cycle.
pub fn solve_gpu(gpu: &Gpu, problem: &DarcyProblem, tolerance: f64, max_cycles: usize) -> Result<DarcySolution> {
    solve_gpu_from(gpu, problem, None, tolerance, max_cycles)
}

/// As [`solve_gpu`], starting from `initial` at free voxels.
pub fn solve_gpu_from(
    gpu: &Gpu,
    problem: &DarcyProblem,
    initial: Option<&[f32]>,
    tolerance: f64,
    max_cycles: usize,
) -> Result<DarcySolution> {
    problem.validate()?;
    let h = levels::Hierarchy::build(problem, initial)?;
    let mut engine = gpu::GpuEngine::new(gpu, &h)?;
    let (cycles, residual) = cycle::iterate(&mut engine, h.rhs_norm, tolerance, max_cycles)?;
    Ok(DarcySolution { pressure: engine.pressure()?, residual, cycles })
}
