//! Outputs: PNG slices, NPY fields, the time series CSV, the JSON summary,
//! line charts (`plot`).

pub mod cell_metrics;
pub mod colormap;
pub mod font;
pub mod maps;
pub mod metrics;
pub mod npy;
pub mod plot;
pub mod png;
pub mod slice;
pub mod stats;
mod writer;

pub use writer::{OutputDir, Recorder, SolveColumns};
