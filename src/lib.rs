//! oncovox: 3D tumour-microenvironment transport on voxel grids, on the GPU
//! (WGSL compute through wgpu) or on the CPU (Rust + rayon), with the same
//! numerics on both.
//!
//! Data flows one way: [`scene`] (TOML) → [`scene::Validated`] →
//! [`solver::Plan`] (derived numbers) → [`world::World`] (grid, fields,
//! sources, held voxels) → [`solver::Scheduler`] stepping a
//! [`solver::Backend`] → [`output`] observers → [`report`] (`report.html`
//! from the files they wrote).

pub mod bench;
pub mod compare;
pub mod error;
pub mod grid;
pub mod import;
pub mod model;
pub mod output;
pub mod ranks;
pub mod report;
pub mod run;
pub mod scene;
pub mod slabs;
pub mod solver;
pub mod sweep;
pub mod vessels;
pub mod world;

pub use error::{Error, Result};
