//! `fields/index.json`: the grid geometry and, per NPY file the run wrote,
//! what it holds (name, kind, unit, time, step, dtype, shape), so that
//! `numpy.load` plus this index is all a reader outside oncovox needs.

use crate::grid::Grid;
use serde_json::{Value, json};

/// Where the index is written, relative to the output folder.
pub const PATH: &str = "fields/index.json";

/// How the NPY index relates to the grid's axes.
const AXIS_ORDER: &str = "NPY arrays are indexed [k, j, i] = [z, y, x] (x varies fastest); \
                          voxel (i, j, k) has its centre at origin_um + ((i, j, k) + 0.5)·dx_um";

/// The NPY files written so far, in the order they were written.
pub struct FieldIndex {
    grid: Grid,
    files: Vec<Value>,
    /// Whether a field dump (not only a static map) was listed: the index
    /// goes with the dumps in `fields/`.
    dumped: bool,
}

/// One NPY file: its path relative to the output folder, the field's name,
/// what kind of field it is, its unit and when it was taken.
pub struct Entry<'a> {
    pub file: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub unit: &'a str,
    pub time_min: f64,
    pub step: u64,
}

impl FieldIndex {
    pub fn new(grid: Grid) -> FieldIndex {
        FieldIndex { grid, files: Vec::new(), dumped: false }
    }

    /// List a field dump under `fields/`.
    pub fn dump(&mut self, e: Entry) {
        self.dumped = true;
        self.push(e);
    }

    /// List a static map under `maps/` (written before the first step).
    pub fn map(&mut self, e: Entry) {
        self.push(e);
    }

    fn push(&mut self, e: Entry) {
        let [nx, ny, nz] = self.grid.shape;
        self.files.push(json!({
            "file": e.file,
            "name": e.name,
            "kind": e.kind,
            "unit": e.unit,
            "time_min": e.time_min,
            "step": e.step,
            "dtype": "<f4",
            "shape": [nz, ny, nx],
        }));
    }

    /// The files listed so far and whether a dump is among them (for a
    /// checkpoint).
    pub fn state(&self) -> (Vec<Value>, bool) {
        (self.files.clone(), self.dumped)
    }

    /// Take up what [`FieldIndex::state`] gave.
    pub fn restore(&mut self, (files, dumped): (Vec<Value>, bool)) {
        (self.files, self.dumped) = (files, dumped);
    }

    /// The index as pretty JSON, or `None` when no field was dumped.
    pub fn to_json(&self) -> Option<String> {
        if !self.dumped {
            return None;
        }
        let [nx, ny, nz] = self.grid.shape;
        let index = json!({
            "shape": [nx, ny, nz],
            "npy_shape": [nz, ny, nx],
            "dx_um": self.grid.dx,
            // The grid has no origin of its own: its lower corner is at 0.
            "origin_um": [0.0, 0.0, 0.0],
            "axis_order": AXIS_ORDER,
            "files": self.files,
        });
        Some(serde_json::to_string_pretty(&index).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_index_without_a_dump_and_geometry_with_one() {
        let mut ix = FieldIndex::new(Grid::new([4, 3, 2], 15.0));
        let e = |file| Entry { file, name: "sv", kind: "map", unit: "1/µm", time_min: 0.0, step: 0 };
        ix.map(e("maps/sv.npy"));
        assert!(ix.to_json().is_none());
        ix.dump(Entry {
            file: "fields/o_step00000002.npy",
            name: "o",
            kind: "species",
            unit: "mmHg",
            time_min: 0.5,
            step: 2,
        });
        let j: Value = serde_json::from_str(&ix.to_json().unwrap()).unwrap();
        assert_eq!(j["shape"], json!([4, 3, 2]));
        assert_eq!(j["npy_shape"], json!([2, 3, 4]));
        assert_eq!(j["dx_um"], json!(15.0));
        assert_eq!(j["files"][1]["shape"], json!([2, 3, 4]));
        assert_eq!(j["files"][1]["unit"], json!("mmHg"));
        assert_eq!(j["files"].as_array().unwrap().len(), 2);
    }
}
