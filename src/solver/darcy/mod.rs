//! Interstitial fluid pressure: steady Darcy flow with Starling sources
//! (Baxter & Jain 1989), solved by the multigrid of `solver::multigrid`
//! on the CPU or the GPU; face velocities for advection.
//!
//! On the voxel grid, `−∇·(K ∇p) + a·p = b` ([`Problem`]) with `p` the
//! interstitial fluid pressure (mmHg), `K` the hydraulic conductivity of
//! the interstitium (µm²/(mmHg·min), per voxel), `a = L_p·S/V + L_pL·S_L/V`
//! (1/(mmHg·min): vessel and lymphatic filtration per unit pressure) and
//! `b = L_p·S/V·(p_v − σ_T(π_v − π_i)) + L_pL·S_L/V·p_L` (1/min: fluid
//! volume filtered in per unit tissue volume when `p = 0`). `b − a·p` is
//! the net fluid source J_v/V − J_L/V. Interstitial (Darcy, superficial)
//! velocity `u = −K∇p`, µm/min. Boundaries: zero flux, or a pressure on
//! the face ([`FaceBc`]).

mod velocity;

pub use velocity::{FaceVelocities, face_velocities};

use crate::grid::{FaceFlow, Grid};
use crate::solver::gpu::Gpu;
use crate::solver::multigrid;
pub use crate::solver::multigrid::{FaceBc, Problem, Solution};
use crate::world::{Interstitium, Pressure};
use crate::{Error, Result};

/// Solve on the CPU from `p = 0` (held values at held voxels), to a
/// relative residual ≤ `tolerance` within `max_cycles` V-cycles.
pub fn solve_cpu(problem: &Problem, tolerance: f64, max_cycles: usize) -> Result<Solution> {
    multigrid::solve_cpu(problem, None, tolerance, max_cycles, "Darcy pressure")
}

/// The interstitial pressure of a world's draft, and the face velocities
/// when the flow advects: on `gpu` when given and the grid fits one
/// binding there (16 bytes per voxel), else on the CPU (the same
/// algorithm).
pub fn solve_interstitium(grid: &Grid, i: &Interstitium, gpu: Option<&Gpu>) -> Result<Pressure> {
    let face = match i.boundary_pressure {
        Some(p) => FaceBc::Dirichlet(p),
        None => FaceBc::ZeroFlux,
    };
    let problem = Problem {
        grid: *grid,
        conductivity: i.conductivity.clone(),
        sink: i.sink.clone(),
        source: i.source.clone(),
        faces: [face; 6],
        held: None,
    };
    let sol = match gpu.map(|g| solve_gpu(g, &problem, i.tolerance, 100)) {
        Some(Ok(sol)) => sol,
        Some(Err(Error::TooLarge(_))) | None => solve_cpu(&problem, i.tolerance, 100)?,
        Some(Err(e)) => return Err(e),
    };
    let velocity = i.advection.then(|| FaceFlow::from(&face_velocities(&problem, &sol.field)));
    Ok(Pressure { field: sol.field, residual: sol.residual, cycles: sol.cycles, velocity })
}

/// Solve on the GPU; same algorithm, same arguments as [`solve_cpu`].
pub fn solve_gpu(gpu: &Gpu, problem: &Problem, tolerance: f64, max_cycles: usize) -> Result<Solution> {
    multigrid::solve_gpu(gpu, problem, None, tolerance, max_cycles, "Darcy pressure")
}
