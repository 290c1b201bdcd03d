//! Values at t = 0 given as one number or as a whole field read from an
//! NPY file (`initial = 5.0` or `initial = { npy = "o2.npy" }`), and the
//! tissue map read from an NPY file of integer codes (`grid.tissue`).
//! The files are read against the grid by `world::inputs`.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value at t = 0: one number everywhere, or one per voxel from an NPY
/// file (path relative to the scene file's folder).
#[derive(Debug, Clone, PartialEq)]
pub enum Initial {
    Value(f64),
    Npy(String),
}

impl Default for Initial {
    fn default() -> Self {
        Initial::Value(0.0)
    }
}

impl Initial {
    /// The number, or 0 for a field from a file.
    pub fn value(&self) -> f64 {
        match self {
            Initial::Value(v) => *v,
            Initial::Npy(_) => 0.0,
        }
    }

    /// The file's path as the scene gives it.
    pub fn npy(&self) -> Option<&str> {
        match self {
            Initial::Value(_) => None,
            Initial::Npy(p) => Some(p),
        }
    }
}

impl Serialize for Initial {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Initial::Value(v) => s.serialize_f64(*v),
            Initial::Npy(p) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("npy", p)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Initial {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(InitialVisitor)
    }
}

struct InitialVisitor;

impl<'de> Visitor<'de> for InitialVisitor {
    type Value = Initial;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number, or { npy = \"file.npy\" } (a path relative to the scene file)")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Initial, E> {
        Ok(Initial::Value(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Initial, E> {
        Ok(Initial::Value(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Initial, E> {
        Ok(Initial::Value(v as f64))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Initial, A::Error> {
        let mut path: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "npy" {
                return Err(de::Error::unknown_field(&key, &["npy"]));
            }
            if path.is_some() {
                return Err(de::Error::duplicate_field("npy"));
            }
            path = Some(map.next_value()?);
        }
        path.map(Initial::Npy).ok_or_else(|| de::Error::missing_field("npy"))
    }
}

/// `grid.tissue`: the tissue of every voxel from an NPY file of integer
/// codes (any integer dtype, or float32/64 holding whole numbers, as
/// `maps/tissue.npy` does), shape (nz, ny, nx).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TissueMapSpec {
    /// Path relative to the scene file's folder.
    pub npy: String,
    /// The code of each tissue. Default 0 normal, 1 tumour, 2 necrotic.
    #[serde(default)]
    pub codes: TissueCodes,
}

/// The integer that stands for each tissue kind in a tissue map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TissueCodes {
    #[serde(default = "code_normal")]
    pub normal: i64,
    #[serde(default = "code_tumour")]
    pub tumour: i64,
    #[serde(default = "code_necrotic")]
    pub necrotic: i64,
}

impl Default for TissueCodes {
    fn default() -> Self {
        TissueCodes { normal: 0, tumour: 1, necrotic: 2 }
    }
}

fn code_normal() -> i64 {
    0
}

fn code_tumour() -> i64 {
    1
}

fn code_necrotic() -> i64 {
    2
}

impl TissueCodes {
    /// `(code, tissue)` for every tissue kind.
    pub fn pairs(&self) -> [(i64, crate::grid::Tissue); 3] {
        use crate::grid::Tissue;
        [(self.normal, Tissue::Normal), (self.tumour, Tissue::Tumour), (self.necrotic, Tissue::Necrotic)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    struct T {
        initial: Initial,
    }

    #[test]
    fn a_number_or_a_file_reads_and_writes_back() {
        for (text, want) in [
            ("initial = 2.5", Initial::Value(2.5)),
            ("initial = 3", Initial::Value(3.0)),
            ("initial = { npy = \"a/b.npy\" }", Initial::Npy("a/b.npy".into())),
        ] {
            let t: T = toml::from_str(text).unwrap();
            assert_eq!(t.initial, want);
            let back: T = toml::from_str(&toml::to_string(&t).unwrap()).unwrap();
            assert_eq!(back.initial, want);
        }
        for bad in ["initial = \"x\"", "initial = { file = \"a.npy\" }", "initial = {}"] {
            let e = toml::from_str::<T>(bad).unwrap_err().to_string();
            assert!(e.contains("npy"), "{bad}: {e}");
        }
    }
}
