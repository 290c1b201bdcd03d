//! ParaView output (`output.vtk`): in `vtk/`, one VTK XML ImageData file
//! per output time, `fields_t<time>min.vti`, with the chosen fields as cell
//! data (a voxel is a cell of the image: the extent spans the voxels'
//! corners, nx + 1 points along x; origin at the grid's lower corner,
//! spacing dx, both in µm); the collection `run.pvd` that lists them with
//! their times (min), so ParaView opens the run as a time series; and the
//! vessel network as PolyData, `vessels.vtp` (`network.rs`).

mod appended;
mod network;

use super::folder::OutputDir;
use super::maps::Map;
use super::source::{self, Source};
use crate::grid::Grid;
use crate::scene::{Scene, VtkCompression};
use crate::world::Vascular;
use crate::{Error, Result};
use appended::{Writer, encode};
use std::borrow::Cow;
use std::fmt::Write as _;

/// The folder of the VTK files, relative to the output folder.
pub const DIR: &str = "vtk";

/// One array of the image files.
enum Item {
    /// A species or cell density, new at every output time.
    Field { source: Source, name: String },
    /// A static map, encoded once (`None` until the maps are known).
    Map { name: String, block: Option<Vec<u8>> },
}

/// The image files of a run, written at its output times.
pub struct Series {
    grid: Grid,
    compression: VtkCompression,
    /// Decimals of the time in file names.
    decimals: usize,
    items: Vec<Item>,
    /// The files written: (time, min; name within `vtk/`).
    written: Vec<(f64, String)>,
}

/// Decimals that keep the names of output times apart: 2, or more where
/// the step is shorter than 0.01 min (output times differ by a step at
/// least).
pub(super) fn decimals(dt: f64) -> usize {
    (2..12).find(|&d| 10f64.powi(-(d as i32)) <= dt * (1.0 + 1e-9)).unwrap_or(12)
}

/// The image file at `time` (min), e.g. `fields_t00001.50min.vti`.
fn file_name(time: f64, decimals: usize) -> String {
    format!("fields_t{time:0w$.decimals$}min.vti", w = 6 + decimals)
}

impl Series {
    /// The image files written so far (for a checkpoint).
    pub fn written(&self) -> &[(f64, String)] {
        &self.written
    }

    /// Take up what [`Series::written`] gave.
    pub fn restore(&mut self, written: Vec<(f64, String)>) {
        self.written = written;
    }

    /// The series of `scene` (validated, `output.vtk` on), or `None` when off.
    pub fn new(scene: &Scene, grid: Grid) -> Option<Series> {
        let fields = scene.output.vtk_fields.as_ref().filter(|_| scene.output.vtk)?;
        let maps = scene.map_names();
        // A name is a species, phenotype or cell density before it is a map
        // (validation keeps both from being written).
        let cells = scene.cells.as_ref();
        let field = |f: &str| {
            scene.species_index(f).is_some()
                || cells
                    .is_some_and(|c| f == "cells_live" || f == "cells_dead" || c.phenotypes.iter().any(|p| p.name == f))
        };
        let items = fields
            .iter()
            .map(|f| {
                if maps.contains(&f.as_str()) && !field(f) {
                    Item::Map { name: f.clone(), block: None }
                } else {
                    Item::Field { source: source::source(scene, f), name: f.clone() }
                }
            })
            .collect();
        let (compression, decimals) = (scene.output.vtk_compression, decimals(scene.time.dt));
        Some(Series { grid, compression, decimals, items, written: Vec::new() })
    }

    /// Encode the static maps the files hold, and write `vessels.vtp` where
    /// there is a network. Returns the files written.
    pub fn prepare(&mut self, out: &OutputDir, maps: &[Map], vascular: Option<&Vascular>) -> Result<Vec<String>> {
        let dir = out.path().join(DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        for (i, item) in self.items.iter_mut().enumerate() {
            let Item::Map { name, block } = item else { continue };
            let Some(m) = maps.iter().find(|m| m.name == name) else {
                return Err(Error::scene(
                    format!("output.vtk_fields.{i}"),
                    format!("this run has no map {name}"),
                    "leave the map out of output.vtk_fields",
                ));
            };
            *block = Some(encode(&m.values, self.compression).map_err(|e| Error::io(&dir, e))?);
        }
        let Some(v) = vascular else { return Ok(Vec::new()) };
        if v.flow.node_pressure.iter().chain(&v.flow.segment_flow).any(|x| !x.is_finite()) {
            return Err(Error::Numerical(
                "the blood flow is not finite; nothing was written. Check the vessel radii and [vessels] pressures"
                    .into(),
            ));
        }
        let rel = format!("{DIR}/{}", network::FILE);
        let path = out.path().join(&rel);
        network::write(&path, &v.network, &v.flow, self.compression).map_err(|e| Error::io(&path, e))?;
        Ok(vec![rel])
    }

    /// Write the image file of output time `time` (min); `values` gives the
    /// values of a field. Returns the file written.
    pub fn write<'a>(
        &mut self,
        out: &OutputDir,
        time: f64,
        values: impl Fn(Source) -> Cow<'a, [f32]>,
    ) -> Result<String> {
        let name = file_name(time, self.decimals);
        let rel = format!("{DIR}/{name}");
        let path = out.path().join(&rel);
        self.image(&path, time, values).map_err(|e| Error::io(&path, e))?;
        self.written.push((time, name));
        Ok(rel)
    }

    fn image<'a>(
        &self,
        path: &std::path::Path,
        time: f64,
        values: impl Fn(Source) -> Cow<'a, [f32]>,
    ) -> std::io::Result<()> {
        let [nx, ny, nz] = self.grid.shape;
        let dx = self.grid.dx;
        let extent = format!("0 {nx} 0 {ny} 0 {nz}");
        let mut w = Writer::create(path)?;
        w.xml(&appended::file_tag("ImageData", self.compression))?;
        // The grid's lower corner is at the origin.
        w.xml(&format!("  <ImageData WholeExtent=\"{extent}\" Origin=\"0 0 0\" Spacing=\"{dx} {dx} {dx}\">\n"))?;
        w.xml(&format!(
            "    <FieldData>\n      <DataArray type=\"Float64\" Name=\"TimeValue\" NumberOfTuples=\"1\" \
             format=\"ascii\">{time}</DataArray>\n    </FieldData>\n"
        ))?;
        w.xml(&format!("    <Piece Extent=\"{extent}\">\n      <PointData>\n      </PointData>\n"))?;
        let first = self.items.first().map(|i| match i {
            Item::Field { name, .. } | Item::Map { name, .. } => appended::attr(name),
        });
        w.xml(&format!("      <CellData Scalars=\"{}\">\n", first.unwrap_or_default()))?;
        for item in &self.items {
            let (Item::Field { name, .. } | Item::Map { name, .. }) = item;
            w.array::<f32>("        ", name, 1)?;
        }
        w.xml("      </CellData>\n    </Piece>\n  </ImageData>\n")?;
        for item in &self.items {
            match item {
                Item::Field { source, .. } => w.block(&encode(&values(*source), self.compression)?)?,
                Item::Map { block: Some(b), .. } => w.block(b)?,
                Item::Map { name, block: None } => {
                    return Err(std::io::Error::other(format!("the map {name} was not prepared")));
                }
            }
        }
        w.finish()
    }

    /// Write `run.pvd`, the collection of the image files with their times.
    /// Returns the file written.
    pub fn finish(&self, out: &OutputDir) -> Result<String> {
        let mut s =
            String::from("<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"1.0\">\n  <Collection>\n");
        for (time, file) in &self.written {
            let _ = writeln!(
                s,
                "    <DataSet timestep=\"{time}\" group=\"\" part=\"0\" file=\"{}\"/>",
                appended::attr(file)
            );
        }
        s.push_str("  </Collection>\n</VTKFile>\n");
        let rel = format!("{DIR}/run.pvd");
        out.write(&rel, s.as_bytes())?;
        Ok(rel)
    }
}

#[cfg(test)]
mod tests;
