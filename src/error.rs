//! The library's error type. Scene errors name the key and the fix; the
//! binary maps them to exit code 2, an interruption to 128 + the signal.

use std::path::PathBuf;

/// Everything that can go wrong in oncovox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scene asks for something invalid. `key` is the dotted path of the
    /// offending key (e.g. `species.oxygen.diffusion`).
    #[error("scene error at `{key}`: {message}\n  fix: {fix}")]
    Scene { key: String, message: String, fix: String },

    /// The TOML text could not be read into a scene (syntax, unknown key,
    /// wrong type). The message comes from the TOML parser and names the key.
    #[error("cannot read scene: {0}")]
    Parse(String),

    /// Another simulator's settings could not be imported: `at` names the
    /// element (`<domain><dx>`) or the argument (`-o`) at fault.
    #[error("cannot import {at}: {message}\n  fix: {fix}")]
    Import { at: String, message: String, fix: String },

    /// The scene is valid but does not fit the chosen device.
    #[error("does not fit the device: {0}")]
    TooLarge(String),

    /// No usable GPU adapter, or the device failed.
    #[error("GPU: {0}")]
    Gpu(String),

    /// The simulation produced a non-finite value: nothing is written.
    #[error("numerical failure: {0}")]
    Numerical(String),

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    /// A signal (SIGINT, SIGTERM, SIGHUP) stopped the run before it was
    /// committed: its staging folder is removed, `target` left as it was.
    /// `at` says where the run stood ("at step 40 of 100"). The binary
    /// exits with 128 + `signal`.
    #[error("interrupted by {}: stopped {at}; nothing written, {} untouched", signal_name(*.signal), .target.display())]
    Interrupted { signal: i32, at: String, target: PathBuf },

    /// The run finished but could not be moved into place (`cause`); its
    /// outputs are kept, complete, in `kept`.
    #[error("{cause}\n  the finished run is kept, complete, in {}", .kept.display())]
    Unsaved { kept: PathBuf, cause: Box<Error> },
}

/// `SIGINT` and the like, or `signal N`.
fn signal_name(signal: i32) -> String {
    match signal_hook::low_level::signal_name(signal) {
        Some(name) => name.to_string(),
        None => format!("signal {signal}"),
    }
}

impl Error {
    /// A scene error naming `key`, what is wrong and how to fix it.
    pub fn scene(key: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::Scene { key: key.into(), message: message.into(), fix: fix.into() }
    }

    /// An import error at `at` (an element or argument), what is wrong and how to fix it.
    pub fn import(at: impl Into<String>, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::Import { at: at.into(), message: message.into(), fix: fix.into() }
    }

    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// True for errors in the user's input (exit code 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            Error::Unsaved { cause, .. } => cause.is_input_error(),
            e => matches!(e, Error::Scene { .. } | Error::Parse(_) | Error::Import { .. } | Error::TooLarge(_)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
