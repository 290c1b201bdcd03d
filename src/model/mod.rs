//! Physics parameters and what is derived from them: pure functions with the
//! units in their docs. No grid, no GPU, no scene parsing.
//!
//! - [`pk`]: plasma input `c_p(t)`, two-compartment pharmacokinetics in
//!   closed form (boluses, infusions, repeated doses, presets).
//! - [`particle`]: particle radius → free diffusion (Stokes–Einstein),
//!   interstitial hindrance (Ogston fibre matrix) and vessel-wall transport
//!   (Renkin pore theory: permeability and reflection coefficient).
//! - [`exchange`]: Kedem–Katchalsky fluid and solute exchange between plasma
//!   and tissue per unit tissue volume.
//!
//! Units everywhere: µm, min, mmHg, µM; particle radii in nm.
//!
//! Functions that take numbers a user wrote (constructors of parameter sets)
//! return [`ParamError`] on bad input; scene code turns it into a
//! [`crate::Error`] naming the scene key with [`ParamError::into_scene_error`].
//! The other functions are total on a documented domain and never panic.

pub mod cells;
pub mod exchange;
pub mod nanoparticles;
pub mod particle;
pub mod pk;
mod presets;

/// A model parameter outside its domain: which parameter, what is wrong and
/// how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{param}: {message} (fix: {fix})")]
pub struct ParamError {
    /// The parameter's name as the model calls it (e.g. `half_life_alpha`).
    pub param: &'static str,
    pub message: String,
    pub fix: String,
}

impl ParamError {
    pub(crate) fn new(param: &'static str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        ParamError { param, message: message.into(), fix: fix.into() }
    }

    /// A scene error at key `{prefix}.{param}` (or `param` alone when
    /// `prefix` is empty).
    pub fn into_scene_error(self, prefix: &str) -> crate::Error {
        let key = if prefix.is_empty() { self.param.to_string() } else { format!("{prefix}.{}", self.param) };
        crate::Error::scene(key, self.message, self.fix)
    }
}

/// `Ok` when `x` is finite and > 0.
pub(crate) fn require_positive(param: &'static str, x: f64, unit: &str) -> Result<(), ParamError> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, format!("must be finite and > 0 ({unit}), got {x}"), format!("give {param} > 0")))
    }
}

/// `Ok` when `x` is finite and ≥ 0.
pub(crate) fn require_non_negative(param: &'static str, x: f64, unit: &str) -> Result<(), ParamError> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, format!("must be finite and ≥ 0 ({unit}), got {x}"), format!("give {param} ≥ 0")))
    }
}
