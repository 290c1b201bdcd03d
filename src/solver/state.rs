//! What a backend holds that changes as it steps: the state a checkpoint
//! saves and a resumed run loads, so that the run goes on bit for bit as
//! if it had never stopped. Everything else a backend holds is rebuilt
//! from the scene.

use crate::{Error, Result};

/// A backend's evolving state, in the same layout on both backends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackendState {
    /// Base steps taken: the clock that indexes the plasma curves.
    pub clock: u64,
    /// Every species' field, in plan order.
    pub fields: Vec<Vec<f32>>,
    /// The cell state (`Layout::state` arrays; empty without cells).
    pub cells: Vec<f32>,
    /// The cells' linked slots (`Layout::ext` arrays): a slot no species
    /// fills keeps its values from one cell update to the next.
    pub linked: Vec<f32>,
    /// The oxygen species' consumption per voxel, as the last cell update
    /// set it from the live density (empty without cells).
    pub oxygen_rate: Vec<f32>,
    /// Per species: the coupled solver's refined solution, `[hi, lo]` per
    /// voxel, once it has taken an implicit step (the start of the next).
    pub solutions: Vec<Option<Vec<f32>>>,
}

impl BackendState {
    /// Refuse a state whose sizes do not fit a grid of `voxels` with
    /// `species` species and the given cell arrays.
    pub fn check(&self, voxels: usize, species: usize, cells: usize, linked: usize, rate: usize) -> Result<()> {
        let bad = |what: &str, got: usize, want: usize| {
            Err(Error::Numerical(format!(
                "the checkpoint's {what} has {got} values where this scene has {want}; resume with the scene the \
                 checkpoint was written by"
            )))
        };
        if self.fields.len() != species {
            return bad("species list", self.fields.len(), species);
        }
        if let Some(f) = self.fields.iter().find(|f| f.len() != voxels) {
            return bad("field", f.len(), voxels);
        }
        for (what, got, want) in [
            ("cell state", self.cells.len(), cells),
            ("linked cell slots", self.linked.len(), linked),
            ("oxygen consumption", self.oxygen_rate.len(), rate),
        ] {
            if got != want {
                return bad(what, got, want);
            }
        }
        if self.solutions.len() != species {
            return bad("solver list", self.solutions.len(), species);
        }
        if let Some(s) = self.solutions.iter().flatten().find(|s| s.len() != 2 * voxels) {
            return bad("solver solution", s.len(), 2 * voxels);
        }
        Ok(())
    }
}
