//! The output directory (written in a staging folder, moved into place only
//! when the run succeeds: never half-written) and the recorder that turns
//! fields at output times into CSV rows, NPY dumps and PNG slices.

use super::cell_metrics::CellMetrics;
use super::metrics::Metrics;
use super::{maps, npy, png, slice, stats::FieldStats};
use crate::grid::Grid;
use crate::model::cells::Layout;
use crate::scene::{Axis, Scene};
use crate::world::World;
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A staging folder beside the final one; removed unless committed.
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

/// A folder is replaced only if it is empty or an earlier oncovox output.
fn replaceable(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none() || dir.join("summary.json").exists(),
        Err(_) => !dir.exists(),
    }
}

impl OutputDir {
    /// Check that `target` may be written, and create the staging folder.
    pub fn prepare(target: &Path) -> Result<OutputDir> {
        if target.exists() && (!target.is_dir() || !replaceable(target)) {
            return Err(Error::scene(
                "-o",
                format!("{} exists and is not an earlier oncovox output", target.display()),
                "choose another output directory, or empty this one",
            ));
        }
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(staging.join("slices")).map_err(|e| Error::io(&staging, e))?;
        Ok(OutputDir { target: target.to_path_buf(), staging, committed: false })
    }

    /// Where files are written until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Write a file into the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    }

    /// Move the finished outputs into place, replacing an earlier run's.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.target.exists() {
            std::fs::remove_dir_all(&self.target).map_err(|e| Error::io(&self.target, e))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// What a slice or dump shows: a species' field or a cell density.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Species(usize),
    /// A phenotype's live density (volume fraction).
    Phenotype(usize),
    /// All live cells.
    Live,
    Dead,
}

/// Resolve a validated slice or dump name (see `Scene::output_source`).
fn source(scene: &Scene, name: &str) -> Source {
    if let Some(i) = scene.species_index(name) {
        return Source::Species(i);
    }
    let c = scene.cells.as_ref();
    match c.and_then(|c| c.phenotypes.iter().position(|p| p.name == name)) {
        Some(k) => Source::Phenotype(k),
        None if name == "cells_dead" => Source::Dead,
        None => Source::Live,
    }
}

/// The values of `src`: a field, or cell densities from the state.
fn values<'a>(
    src: Source,
    fields: &'a [Vec<f32>],
    cells: &'a [f32],
    layout: Option<Layout>,
) -> std::borrow::Cow<'a, [f32]> {
    let n = fields.first().map_or(0, |f| f.len());
    let arr = |i: usize| &cells[i * n..(i + 1) * n];
    match (src, layout) {
        (Source::Species(s), _) => (&fields[s][..]).into(),
        (Source::Phenotype(k), Some(l)) => arr(l.density(k)).into(),
        (Source::Dead, Some(l)) => arr(l.dead()).into(),
        (Source::Live, Some(l)) => {
            let mut out = vec![0.0f32; n];
            for k in 0..l.phenotypes {
                for (o, &x) in out.iter_mut().zip(arr(l.density(k))) {
                    *o += x;
                }
            }
            out.into()
        }
        (_, None) => vec![0.0f32; n].into(),
    }
}

/// One requested slice and its images over time: (time, values).
struct SliceSeries {
    source: Source,
    name: String,
    unit: String,
    axis: Axis,
    index: usize,
    range: Option<[f64; 2]>,
    /// Vessels near the plane, drawn over the field.
    overlay: Vec<[f64; 4]>,
    frames: Vec<(f64, Vec<f32>)>,
    size: (usize, usize, &'static str, &'static str),
}

/// Collects what each output time produces.
pub struct Recorder {
    grid: Grid,
    names: Vec<String>,
    csv: String,
    slices: Vec<SliceSeries>,
    dump: Vec<(Source, String)>,
    dump_every: bool,
    pub metrics: Metrics,
    pub cells: Option<CellMetrics>,
    layout: Option<Layout>,
    /// Species solved by the coupled solver: their solve columns.
    coupled: Vec<usize>,
    /// Files written, relative to the output folder.
    pub files: Vec<String>,
}

/// One coupled species' solves up to a row: how many, their V-cycles and
/// linearisations in total, and the latest relative residual.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SolveColumns {
    pub solves: u64,
    pub cycles: u64,
    pub iterations: u64,
    pub residual: f64,
}

impl Recorder {
    /// A recorder for `scene`; `coupled` lists the species solved by the
    /// coupled solver, whose solves get columns of their own.
    pub fn new(scene: &Scene, world: &World, coupled: Vec<usize>) -> Recorder {
        let grid = world.grid;
        let names: Vec<String> = scene.species.iter().map(|s| s.name.clone()).collect();
        let metrics = Metrics::new(world);
        let cells = CellMetrics::new(scene, world);
        let mut csv = String::from("time_min");
        for n in &names {
            let _ = write!(csv, ",{n}_min,{n}_mean,{n}_max,{n}_total");
        }
        csv.push_str(&metrics.header(&names));
        if let Some(c) = &cells {
            csv.push_str(&c.header());
        }
        for &s in &coupled {
            let n = &names[s];
            let _ = write!(csv, ",{n}_solves,{n}_cycles,{n}_iterations,{n}_residual");
        }
        csv.push('\n');
        let slices = scene
            .output
            .slices
            .iter()
            .map(|s| SliceSeries {
                source: source(scene, &s.species),
                name: s.species.clone(),
                unit: match source(scene, &s.species) {
                    Source::Species(i) => scene.species[i].unit.clone(),
                    _ => "volume fraction".into(),
                },
                axis: s.axis,
                index: s.index.unwrap_or(0) as usize,
                range: s.range,
                overlay: match &world.vascular {
                    Some(v) => maps::overlay(&v.network, &grid, s.axis, s.index.unwrap_or(0) as usize),
                    None => Vec::new(),
                },
                frames: Vec::new(),
                size: (0, 0, "", ""),
            })
            .collect();
        Recorder {
            grid,
            dump: scene.output.fields.iter().map(|f| (source(scene, f), f.clone())).collect(),
            dump_every: scene.output.fields_every_output,
            metrics,
            cells,
            layout: world.cells.as_ref().map(|c| c.layout),
            names,
            csv,
            slices,
            coupled,
            files: Vec::new(),
        }
    }

    /// Write the static maps (S/V, pressure, speed, tissue) as PNG slices on
    /// every plane a slice series uses (the middle z plane if none) and as NPY.
    pub fn maps(&mut self, out: &OutputDir, world: &World) -> Result<()> {
        let maps = maps::maps(world);
        let Some(v) = &world.vascular else { return Ok(()) };
        let mut planes: Vec<(Axis, usize)> = Vec::new();
        for s in &self.slices {
            if !planes.contains(&(s.axis, s.index)) {
                planes.push((s.axis, s.index));
            }
        }
        if planes.is_empty() {
            planes.push((Axis::Z, self.grid.shape[2] / 2));
        }
        let dir = out.path().join("maps");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        for m in &maps {
            for &(axis, index) in &planes {
                // S/V shows the vessels already; the others carry them as lines.
                let overlay =
                    if m.name == "sv" { Vec::new() } else { maps::overlay(&v.network, &self.grid, axis, index) };
                let img = maps::render(m, &self.grid, axis, index, &overlay);
                let rel = format!("maps/{}_{}{index:03}.png", m.name, axis.name());
                png::save_png(&img, &out.path().join(&rel)).map_err(|e| Error::io(out.path().join(&rel), e))?;
                self.files.push(rel);
            }
            let rel = format!("maps/{}.npy", m.name);
            out.write(&rel, &maps::npy_bytes(m, &self.grid))?;
            self.files.push(rel);
        }
        out.write("maps/network.json", v.network.to_json().as_bytes())?;
        self.files.push("maps/network.json".into());
        Ok(())
    }

    /// A row of `timeseries.csv` at `time` (min): statistics, exposure and
    /// cell metrics (`cells`: the cell state, empty without cells), and the
    /// coupled species' solves (`solves`, per species). Fails on any
    /// non-finite value.
    pub fn sample(&mut self, time: f64, fields: &[Vec<f32>], cells: &[f32], solves: &[SolveColumns]) -> Result<()> {
        if cells.iter().any(|x| !x.is_finite()) {
            return Err(Error::Numerical(format!(
                "the cell state is not finite at t = {time} min; nothing was written. Reduce time.dt or cells.interval, or check the rates"
            )));
        }
        let _ = write!(self.csv, "{time}");
        for (s, f) in fields.iter().enumerate() {
            let st = FieldStats::of(f, self.grid.voxel_volume());
            if !st.finite {
                return Err(Error::Numerical(format!(
                    "{} is not finite at t = {time} min; nothing was written. Reduce time.dt or check the rates",
                    self.names[s]
                )));
            }
            let _ = write!(self.csv, ",{},{},{},{}", st.min, st.mean, st.max, st.total);
        }
        self.metrics.sample(time, fields);
        self.csv.push_str(&self.metrics.row());
        if let Some(c) = &mut self.cells {
            let row = c.sample(time, fields, cells);
            self.csv.push_str(&row);
        }
        for &s in &self.coupled {
            let c = solves.get(s).copied().unwrap_or_default();
            let _ = write!(self.csv, ",{},{},{},{:.3e}", c.solves, c.cycles, c.iterations, c.residual);
        }
        self.csv.push('\n');
        Ok(())
    }

    /// Slices (and field dumps where asked) at an output time.
    pub fn snapshot(
        &mut self,
        out: &OutputDir,
        time: f64,
        step: u64,
        last: bool,
        fields: &[Vec<f32>],
        cells: &[f32],
    ) -> Result<()> {
        for sl in &mut self.slices {
            let data = values(sl.source, fields, cells, self.layout);
            let (values, w, h, a, b) = slice::cut(&data, &self.grid, sl.axis, sl.index);
            sl.size = (w, h, a, b);
            sl.frames.push((time, values));
        }
        if last || self.dump_every {
            for (src, name) in &self.dump {
                let rel = format!("fields/{name}_step{step:08}.npy");
                out.write(&rel, &npy::encode_npy(&values(*src, fields, cells, self.layout), self.grid.shape))?;
                self.files.push(rel);
            }
        }
        Ok(())
    }

    /// Write `timeseries.csv` and every slice PNG, each slice series on one
    /// colour range (the scene's, or 0 … the series' maximum).
    pub fn finish(&mut self, out: &OutputDir) -> Result<()> {
        out.write("timeseries.csv", self.csv.as_bytes())?;
        self.files.push("timeseries.csv".into());
        for sl in &self.slices {
            let hi = sl.frames.iter().flat_map(|(_, v)| v.iter()).fold(0.0f32, |m, &v| m.max(v));
            let [vmin, vmax] = sl.range.map(|r| r.map(|v| v as f32)).unwrap_or([0.0, if hi > 0.0 { hi } else { 1.0 }]);
            let (w, h, a, b) = sl.size;
            let name = &sl.name;
            let title = format!(
                "{name}   {} = {:.0} µm (index {})",
                sl.axis.name(),
                (sl.index as f64 + 0.5) * self.grid.dx,
                sl.index
            );
            for (time, values) in &sl.frames {
                let img = png::render_slice(&png::SliceImage {
                    values,
                    width: w,
                    height: h,
                    dx_um: self.grid.dx,
                    vmin,
                    vmax,
                    title: &title,
                    unit: &sl.unit,
                    time_min: *time,
                    axes: (a, b),
                    overlay: &sl.overlay,
                });
                let rel = format!("slices/{}", slice::file_name(name, sl.axis, sl.index, *time));
                png::save_png(&img, &out.path().join(&rel)).map_err(|e| Error::io(out.path().join(&rel), e))?;
                self.files.push(rel);
            }
        }
        Ok(())
    }
}
