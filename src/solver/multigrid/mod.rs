//! The one elliptic solver: geometric multigrid for a variable-coefficient
//! reaction–diffusion operator on the voxel grid, on the CPU or the GPU.
//! It serves the interstitial pressure (`solver::darcy`), the coupled
//! implicit transport steps and the quasi-steady species (`solver::coupled`).
//!
//! # The problem
//!
//! On the cell-centred voxel grid,
//!
//! ```text
//! −∇·(K ∇u) + a·u = b
//! ```
//!
//! with `K ≥ 0` a per-voxel conductivity (a face uses the harmonic mean of
//! its two voxels), `a ≥ 0` a per-voxel sink and `b` a per-voxel source,
//! per unit volume. For the pressure, `u = p` (mmHg), `K` the hydraulic
//! conductivity, `a = L_p·S/V + L_pL·S_L/V`, `b` the filtration at `p = 0`.
//! For a species step of backward Euler, `u = c`, `K = D`, `a = 1/h + λ +`
//! the linear loss rates, `b = c_old/h +` the gains (see `solver::coupled`).
//!
//! Boundaries, per face of the box: zero flux, or a Dirichlet value imposed
//! *on the face*, half a voxel from the outer voxel centres (ghost value
//! `2u_b − u`, face conductance `2K/dx`). Interior held voxels keep a given
//! value; the flux between a free voxel and a held one uses the face
//! conductivity like any other face, so a held voxel acts as a Dirichlet
//! value at its centre.
//!
//! # The discrete system
//!
//! Finite volumes, integrated over each voxel (conductance units, K·µm):
//! `Σ_faces T_f (u_i − u_nb) + S_i u_i = f_i`, with `T_f = K_f·dx` between
//! free voxels, boundary and held-neighbour conductances folded into `S_i`
//! and `f_i`, `S_i` containing `a_i·dx³`, `f_i` containing `b_i·dx³`. Held
//! voxels become identity rows. The reported residual is `‖f − A u‖₂ /
//! ‖f‖₂` over free voxels (the initial residual replaces `‖f‖₂` when
//! `f = 0`), the relative residual of the problem as stated.
//!
//! # The method
//!
//! Mixed-precision iterative refinement around one multigrid V-cycle per
//! iteration ("cycle"): the finest-level residual `f − A u` is evaluated
//! *exactly* in integer arithmetic from a solution carried as two f32 words
//! (`hi + lo`, about 48 significant bits), and the V-cycle solves for the
//! correction in f32. This is needed: the discrete operator magnifies the
//! f32 rounding of `u` by `|A|·|u| / |f|`, about `N²` for a diffusion-dominated
//! problem on `N` voxels a side, so no f32 vector has a relative residual
//! below ≈ 1e-4 on a 128³ grid; the returned f32 field is the refined
//! solution rounded once. See `exact.rs`.
//!
//! The V-cycle: red–black Gauss–Seidel smoothing (2 sweeps down, 2 up, the
//! up sweeps in the reverse colour order), residual restricted by summing
//! the 8 children (the 8-cell average in per-volume units), trilinear
//! (cell-centred) prolongation, coarse operators re-discretised from the
//! finer ones (see `levels.rs`), down to one voxel, which the smoother
//! solves exactly. CPU (`cpu.rs`) and GPU (`gpu.rs`, `shaders/multigrid.wgsl`)
//! run the same kernels in the same order; the exact residual is bitwise
//! identical on both, the f32 kernels agree to rounding (the GPU may fuse
//! multiply–adds and divides to within 2.5 ulp), so both converge to the
//! same discrete solution.
//!
//! A problem whose sink and right side change while its conductances stay
//! (each step of a species, each Newton iteration of a steady solve) keeps
//! its hierarchy: only the diagonals are rebuilt, by summing the new fine
//! sink over each coarse cell (`Hierarchy::set_sink`, the kernel
//! `mg_sink_restrict`).
//!
//! # Cost and limits
//!
//! About 10 V-cycles reach a relative residual of 1e-6 from zero
//! independently of the grid size (tests/pressure.rs: 32³, 64³, 128³), with
//! or without scattered held voxels; a warm start from the previous step
//! needs fewer. Sharp conductivity contrasts slow it: trilinear
//! interpolation ignores flux continuity across a jump (64³, a sphere of
//! contrast 1, 4, 16, 100 in uniform tissue: 6, 10, 18, 30 cycles);
//! operator-dependent interpolation or a Krylov outer iteration would fix
//! that. Memory: the finest level holds 36 bytes per voxel on the device
//! (coefficients 16, solution 8, right side, correction and residual 4 each),
//! the coarser levels a seventh more; one binding holds 16 bytes per voxel,
//! checked against the device's limits.

mod cpu;
mod cpu_inner;
mod cpu_rows;
mod cycle;
pub mod exact;
mod gpu;
mod levels;
mod wavefront;

pub use cpu::{CpuEngine, MIN_PARALLEL, min_chunks};
pub use cycle::{Engine, iterate, iterate_from, vcycle};
pub use gpu::GpuEngine;
pub use levels::{CLOSED, HELD, Hierarchy, Level};

use crate::grid::Grid;
use crate::solver::gpu::Gpu;
use crate::{Error, Result};

/// Boundary condition on one face of the box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaceBc {
    /// Nothing crosses the face.
    ZeroFlux,
    /// Value on the face, in the unknown's unit.
    Dirichlet(f64),
}

/// One steady reaction–diffusion problem `−∇·(K∇u) + a·u = b`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub grid: Grid,
    /// Conductivity `K` of each voxel, ≥ 0 (µm²/(mmHg·min) for the
    /// pressure, µm²/min for a species).
    pub conductivity: Vec<f32>,
    /// `a` of each voxel, ≥ 0: loss per unit volume and unit `u`, per min
    /// (per mmHg per min for the pressure).
    pub sink: Vec<f32>,
    /// `b` of each voxel: source per unit volume at `u = 0`, unit of `u`
    /// per min.
    pub source: Vec<f32>,
    /// x_min, x_max, y_min, y_max, z_min, z_max.
    pub faces: [FaceBc; 6],
    /// Held value of each voxel, or NaN where the voxel is free.
    pub held: Option<Vec<f32>>,
}

/// A converged field.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Value of each voxel (hi + lo rounded once to f32).
    pub field: Vec<f32>,
    /// Final `‖f − A u‖₂ / ‖f‖₂` over free voxels (the initial residual's
    /// norm replaces `‖f‖₂` when `f = 0`), of the refined solution before its
    /// rounding to f32.
    pub residual: f64,
    /// V-cycles done.
    pub cycles: usize,
}

impl Problem {
    /// A problem on `grid` with uniform `conductivity`, no sink, no source,
    /// zero-flux faces and no held voxels.
    pub fn uniform(grid: Grid, conductivity: f32) -> Problem {
        let n = grid.len();
        Problem {
            grid,
            conductivity: vec![conductivity; n],
            sink: vec![0.0; n],
            source: vec![0.0; n],
            faces: [FaceBc::ZeroFlux; 6],
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
            if let FaceBc::Dirichlet(v) = bc
                && !v.is_finite()
            {
                return Err(bad(format!("face {f} has value {v}")));
            }
        }
        Ok(())
    }
}

fn bad(msg: String) -> Error {
    Error::Numerical(format!("multigrid problem: {msg}"))
}

/// Solve on the CPU, starting from `initial` at free voxels (0 where
/// `None`; held values at held voxels), to a relative residual ≤
/// `tolerance` within `max_cycles` V-cycles; `what` names the problem in
/// errors.
pub fn solve_cpu(
    problem: &Problem,
    initial: Option<&[f32]>,
    tolerance: f64,
    max_cycles: usize,
    what: &str,
) -> Result<Solution> {
    problem.validate()?;
    let h = Hierarchy::build(problem, initial)?;
    let norm = h.rhs_norm;
    let mut engine = CpuEngine::new(h);
    let (cycles, residual) = iterate(&mut engine, norm, tolerance, max_cycles, what)?;
    Ok(Solution { field: engine.solution_f64_rounded(), residual, cycles })
}

/// Solve on the GPU; same algorithm, same arguments as [`solve_cpu`]. All
/// levels stay on the device; one 4-byte residual norm is read back per
/// V-cycle.
pub fn solve_gpu(
    gpu: &Gpu,
    problem: &Problem,
    initial: Option<&[f32]>,
    tolerance: f64,
    max_cycles: usize,
    what: &str,
) -> Result<Solution> {
    problem.validate()?;
    let h = Hierarchy::build(problem, initial)?;
    let mut engine = GpuEngine::new(gpu, &h)?;
    let (cycles, residual) = iterate(&mut engine, h.rhs_norm, tolerance, max_cycles, what)?;
    Ok(Solution { field: engine.solution_f64_rounded()?, residual, cycles })
}
