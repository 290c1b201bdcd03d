//! The host-side scheduler and the `Backend` trait.
//!
//! Per step of `dt`, per split species (LOD, explicit), in this order (both
//! backends):
//! 1. sources, sinks, vessel exchange and lymphatic drainage (implicit per
//!    voxel, never negative);
//! 2. advection with the interstitial flow (upwind sub-steps);
//! 3. diffusion–decay: LOD sweeps x, y, z, or explicit sub-steps;
//!    held (Dirichlet) voxels are re-applied after every sweep or sub-step;
//! 4. Michaelis–Menten consumption.
//!
//! A coupled species (`implicit`, `steady`) is advected by upwind sub-steps
//! and then solved in one piece (`coupled`): diffusion, decay, exchange,
//! lymphatics, supply, uptake and consumption together, with its own step.
//!
//! Then, every `cells.interval`, the cell kinetics (all species at once, per
//! voxel) and the spread of cells, after which steady species are solved
//! again; radiotherapy fractions are given at the start of their step.
//! `scheduler.rs` says when each species steps.

mod cells_plan;
pub mod coeffs;
pub mod coupled;
pub mod cpu;
pub mod darcy;
pub mod gpu;
pub mod lod_tissue;
pub mod multigrid;
mod plan;
pub mod schedule;
mod scheduler;
mod state;

pub use cells_plan::CellPlan;
pub use cells_plan::{interval_steps, kinetics_substeps, spread_substeps};
pub use coupled::SolveStats;
pub use plan::{
    AUTO_EXPLICIT_MAX_SUBSTEPS, LodCoeffs, MAX_SUBSTEPS, Method, Plan, STIFF, SpeciesPlan, advection_substeps,
    ceil_count, choose_method, explicit_load, explicit_substeps, stiffness, substeps_for,
};
pub use scheduler::{OperatorTime, Scheduler, SchedulerState, SolveLog, Timing};
pub use state::BackendState;

use crate::Result;

/// One implementation of every operator. Species are addressed by index in
/// the plan; parameters are fixed when the backend is built.
/// `Backend::sources_then_sweep_x` as two operators.
pub fn sources_then_sweep_x_apart<B: Backend + ?Sized>(b: &mut B, s: usize, exchange: bool) {
    if exchange {
        b.vessel_exchange(s);
    } else {
        b.apply_sources(s);
    }
    b.lod_sweep(s, 0);
}

pub trait Backend {
    /// "cpu" or "gpu".
    fn kind(&self) -> &'static str;
    /// Device name: the adapter, or the CPU thread count.
    fn device_name(&self) -> String;
    /// `c ← (c + add)·scale` where the species has sources.
    fn apply_sources(&mut self, species: usize);
    /// Vessel exchange with the source step: `c ← (c + add + c_p·dt·inflow)·scale`,
    /// `c_p` the plasma curve's mean over the current step.
    fn vessel_exchange(&mut self, species: usize);
    /// One upwind advection sub-step with the interstitial velocity.
    fn advect(&mut self, species: usize);
    /// The Courant factor of the species' advection sub-steps from now on
    /// (`dt_sub/(dx·retardation)`): a coupled species' step sets its own.
    fn set_advection_scale(&mut self, species: usize, scale: f32);
    /// Michaelis–Menten consumption, semi-implicit.
    fn consume(&mut self, species: usize);
    /// The step is over: advance the clock that indexes plasma curves.
    fn end_step(&mut self);
    /// One implicit LOD sweep along `axis` (0 = x): a Thomas solve per line.
    fn lod_sweep(&mut self, species: usize, axis: usize);
    /// One explicit 7-point sub-step with zero-flux faces.
    fn explicit_substep(&mut self, species: usize);
    /// Set held voxels to their values.
    fn apply_hold(&mut self, species: usize);
    /// One coupled backward-Euler step of a coupled species over the base
    /// steps `first..first + steps` (`steps·dt` min, the plasma curve's
    /// mean over them).
    fn implicit_step(&mut self, species: usize, first: u64, steps: u64) -> Result<SolveStats>;
    /// Solve a coupled species to its steady state with the plasma level of
    /// base step `at`.
    fn steady_solve(&mut self, species: usize, at: u64) -> Result<SolveStats>;
    /// Cell kinetics over one `cells.interval` in every voxel; `trigger_on`
    /// has bit c set while carrier c's trigger window is open.
    fn cell_kinetics(&mut self, trigger_on: u32);
    /// One sub-step of the pressure-driven spread of cells.
    fn cell_spread(&mut self);
    /// One radiotherapy fraction of `dose` Gy.
    fn irradiate(&mut self, dose: f32);
    /// Copy the cell state to the host (`Layout::state` arrays of voxels;
    /// empty without cells).
    fn read_cells(&mut self) -> Result<Vec<f32>>;
    /// Replace the cell state.
    fn write_cells(&mut self, data: &[f32]) -> Result<()>;
    /// Copy a field to the host (waits for queued work).
    fn read_field(&mut self, species: usize) -> Result<Vec<f32>>;
    /// Replace a field.
    fn write_field(&mut self, species: usize, data: &[f32]) -> Result<()>;
    /// Wait until all queued work is done.
    fn finish(&mut self) -> Result<()>;
    /// Everything that changes as the backend steps (for a checkpoint).
    fn save_state(&mut self) -> Result<BackendState>;
    /// Replace everything that changes as the backend steps by `state`
    /// (from a checkpoint of the same scene, on either backend).
    fn load_state(&mut self, state: &BackendState) -> Result<()>;
    /// The sources of species `s` (its vessel exchange with `exchange`),
    /// then its LOD sweep along x; a backend may run both in one pass.
    fn sources_then_sweep_x(&mut self, s: usize, exchange: bool) {
        sources_then_sweep_x_apart(self, s, exchange);
    }
    /// The LOD sweep of species `s` along z, then its consumption; a backend
    /// may run both in one pass.
    fn sweep_z_then_consume(&mut self, s: usize) {
        self.lod_sweep(s, 2);
        self.consume(s);
    }
    /// The GPU the backend runs on, for outputs rendered on the same device.
    fn gpu(&self) -> Option<&gpu::Gpu> {
        None
    }
    /// Time every kernel on the device from now on, where the device can
    /// (GPU timestamp queries); false where it cannot.
    fn time_kernels(&mut self) -> bool {
        false
    }
    /// Device time of the kernels run since timing started or this was last
    /// called, seconds (waits for them); `None` where kernels are not timed.
    fn kernel_seconds(&mut self) -> Result<Option<f64>> {
        Ok(None)
    }
}
