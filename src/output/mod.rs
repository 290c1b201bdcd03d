//! Outputs: PNG slices, 3D views (`view3d`), NPY fields, the time series CSV, the JSON summary,
//! line charts (`plot`), and the output folder (`folder`).

pub mod cell_metrics;
pub mod colormap;
mod field_index;
mod folder;
pub mod font;
pub mod maps;
pub mod metrics;
pub mod npy;
pub mod plot;
pub mod png;
pub mod slice;
pub mod stats;
pub mod view3d;
mod writer;

pub use folder::{OutputDir, stop_flag};
pub use writer::{Recorder, SolveColumns};
