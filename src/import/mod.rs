//! Importers of other simulators' settings into oncovox scene TOML.
//!
//! An importer reads a settings file, maps what has an oncovox equivalent
//! and lists everything else as warnings; [`write_new`] writes the scene
//! whole or not at all. The scene is validated before it is written, so an
//! imported file always loads in `oncovox run`.

mod file;
pub mod physicell;

pub use file::{read_settings_text, write_new};
