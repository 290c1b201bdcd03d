//! Tissue kinds: what a voxel is made of, set by the scene's regions.

use serde::{Deserialize, Serialize};

/// The tissue a voxel belongs to. Normal tissue has working lymphatics;
/// tumour tissue has none; necrotic tissue has neither vessels nor cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tissue {
    #[default]
    Normal,
    Tumour,
    Necrotic,
}

impl Tissue {
    pub const ALL: [Tissue; 3] = [Tissue::Normal, Tissue::Tumour, Tissue::Necrotic];

    pub fn name(self) -> &'static str {
        match self {
            Tissue::Normal => "normal",
            Tissue::Tumour => "tumour",
            Tissue::Necrotic => "necrotic",
        }
    }

    /// Index 0, 1, 2 in [`Tissue::ALL`] order (the GPU's encoding).
    pub fn index(self) -> usize {
        self as usize
    }
}
