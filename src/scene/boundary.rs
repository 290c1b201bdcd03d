//! Boundary conditions per face.
//!
//! The Dirichlet rule (one rule, everywhere): a Dirichlet value holds the
//! *outermost voxel layer* of that face at the value, after every diffusion
//! sweep or sub-step. This is BioFVM's convention, and the same rule holds
//! voxels inside `hold` regions. A zero-flux face lets nothing cross it.
//!
//! Inside an LOD sweep normal to a held face, the held layer is by default a
//! known value of the implicit solve (`lod_held_layer = "fixed"`). With
//! `"reset"` it is solved like any voxel and then reset, exactly as BioFVM's
//! LOD solver does; that costs an O(dt) error next to the face.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The condition on one face.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Bc {
    /// Nothing crosses the face.
    #[default]
    ZeroFlux,
    /// The outermost voxel layer is held at this value (species unit).
    Dirichlet(f64),
}

impl Serialize for Bc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Bc::ZeroFlux => s.serialize_str("zero_flux"),
            Bc::Dirichlet(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for Bc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Int(i64),
            Word(String),
        }
        match Raw::deserialize(d)
            .map_err(|_| serde::de::Error::custom("a boundary is \"zero_flux\" or a number (the held value)"))?
        {
            Raw::Num(v) => Ok(Bc::Dirichlet(v)),
            Raw::Int(v) => Ok(Bc::Dirichlet(v as f64)),
            Raw::Word(w) if w == "zero_flux" => Ok(Bc::ZeroFlux),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "unknown boundary \"{w}\": write \"zero_flux\" or a number (the held value)"
            ))),
        }
    }
}

/// One of the six faces of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    XMin,
    XMax,
    YMin,
    YMax,
    ZMin,
    ZMax,
}

impl Face {
    pub const ALL: [Face; 6] = [Face::XMin, Face::XMax, Face::YMin, Face::YMax, Face::ZMin, Face::ZMax];

    /// The axis (0 = x) the face is normal to.
    pub fn axis(self) -> usize {
        self as usize / 2
    }

    /// True for the face at the upper end of its axis.
    pub fn is_max(self) -> bool {
        self as usize % 2 == 1
    }

    pub fn key(self) -> &'static str {
        ["x_min", "x_max", "y_min", "y_max", "z_min", "z_max"][self as usize]
    }
}

/// How an LOD sweep treats a layer held by a Dirichlet face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldLayer {
    /// An identity row of the implicit solve: neighbours see the held value.
    #[default]
    Fixed,
    /// Solved as an unknown, then reset to the held value (BioFVM's LOD).
    Reset,
}

/// Per-face conditions of one species. `all` sets every face not named.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// LOD treatment of held face layers. Default `fixed`.
    #[serde(default)]
    pub lod_held_layer: HeldLayer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_min: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_max: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_min: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y_max: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_min: Option<Bc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_max: Option<Bc>,
}

impl Boundary {
    /// The condition in force on `face`.
    pub fn face(&self, face: Face) -> Bc {
        let named = [self.x_min, self.x_max, self.y_min, self.y_max, self.z_min, self.z_max][face as usize];
        named.or(self.all).unwrap_or_default()
    }
}
