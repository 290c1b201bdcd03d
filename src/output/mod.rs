//! Outputs: PNG slices, NPY fields, the time series CSV, the JSON summary.

pub mod colormap;
pub mod font;
pub mod maps;
pub mod metrics;
pub mod npy;
pub mod png;
pub mod slice;
pub mod stats;
mod writer;

pub use writer::{OutputDir, Recorder};
