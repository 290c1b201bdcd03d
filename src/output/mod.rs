//! Outputs: PNG slices and their GIF animations, 3D views (`view3d`), NPY fields, the time series
//! CSV, the JSON summary and its provenance (`provenance`), line charts (`plot`), and the output
//! folder (`folder`).

pub mod animation;
pub mod cell_metrics;
pub mod checkpoint;
pub mod colormap;
mod field_index;
mod folder;
pub mod font;
pub mod inputs;
pub mod maps;
pub mod metrics;
pub mod npy;
pub mod number;
pub mod plot;
pub mod png;
pub mod provenance;
pub mod slice;
mod source;
pub mod stats;
pub mod view3d;
mod vtk;
mod writer;

pub use folder::{OutputDir, stop_flag};
pub use writer::{Recorder, RecorderState, SolveColumns};
