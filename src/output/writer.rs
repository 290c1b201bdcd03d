//! The recorder that turns fields at output times into CSV rows, NPY dumps,
//! PNG slices (and their GIF animations), 3D views and VTK files, written into an [`OutputDir`].

use super::cell_metrics::{CellMetrics, CellSample};
use super::field_index::{self, Entry, FieldIndex};
use super::folder::OutputDir;
use super::metrics::{Exposure, Metrics};
use super::source::{Source, source, unit, values};
use super::view3d::{self, Renderer, ViewParams};
use super::{animation, maps, npy, png, slice, stats::FieldStats, vtk};
use crate::grid::Grid;
use crate::model::cells::Layout;
use crate::scene::{Axis, Scene};
use crate::solver::gpu::Gpu;
use crate::world::World;
use crate::{Error, Result};
use std::fmt::Write as _;

/// The index of the first field of a CSV row that is not a finite number
/// as Rust writes it (`inf`, `-inf`, `NaN`).
fn non_finite_column(row: &str) -> Option<usize> {
    row.split(',').position(|t| matches!(t.trim(), "inf" | "-inf" | "NaN"))
}

/// One requested field dump.
struct Dump {
    source: Source,
    name: String,
    unit: String,
}

/// One requested 3D view.
struct View {
    source: Source,
    name: String,
    unit: String,
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
    dump: Vec<Dump>,
    dump_every: bool,
    /// Each slice series also as an animated GIF.
    gif: bool,
    views: Vec<View>,
    /// Renders the views; `None` when none is asked for.
    renderer: Option<Renderer>,
    /// Every NPY file written, for `fields/index.json`.
    index: FieldIndex,
    /// The VTK files, with `output.vtk`.
    vtk: Option<vtk::Series>,
    pub metrics: Metrics,
    pub cells: Option<CellMetrics>,
    layout: Option<Layout>,
    /// Species solved by the coupled solver: their solve columns.
    coupled: Vec<usize>,
    /// Files written, relative to the output folder.
    pub files: Vec<String>,
}

/// What a recorder has gathered up to an output time, for a checkpoint:
/// the recorder of a resumed run takes it up and goes on.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecorderState {
    /// `timeseries.csv` so far, header included.
    pub csv: String,
    /// Per slice series, the time of each frame kept for its PNGs and GIF.
    pub frame_times: Vec<Vec<f64>>,
    /// Their values, frame by frame (kept out of the JSON: binary arrays).
    #[serde(skip)]
    pub frames: Vec<Vec<Vec<f32>>>,
    /// The NPY files listed for `fields/index.json`, and whether a dump is
    /// among them.
    pub index: (Vec<serde_json::Value>, bool),
    /// The VTK image files written: (time, min; name within `vtk/`).
    pub vtk: Vec<(f64, String)>,
    /// Per species the latest exposure sample and its time; whether any was taken.
    pub metrics: (Vec<(f64, Exposure)>, bool),
    /// The latest cell sample and its time.
    pub cells: Option<(f64, CellSample)>,
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
    /// coupled solver, whose solves get columns of their own. The 3D views
    /// are rendered on `gpu` when the run has one, else on the CPU.
    pub fn new(scene: &Scene, world: &World, coupled: Vec<usize>, gpu: Option<&Gpu>) -> Result<Recorder> {
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
                unit: unit(scene, source(scene, &s.species)),
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
        let views: Vec<View> = scene
            .output
            .view3d
            .iter()
            .map(|f| View { source: source(scene, f), name: f.clone(), unit: unit(scene, source(scene, f)) })
            .collect();
        let renderer = match views.is_empty() {
            true => None,
            false => Some(Renderer::new(grid.shape, view3d::vessel_mask(scene, world), gpu)?),
        };
        Ok(Recorder {
            grid,
            views,
            renderer,
            dump: scene
                .output
                .fields
                .iter()
                .map(|f| Dump { source: source(scene, f), name: f.clone(), unit: unit(scene, source(scene, f)) })
                .collect(),
            dump_every: scene.output.fields_every_output,
            gif: scene.output.gif,
            index: FieldIndex::new(grid),
            vtk: vtk::Series::new(scene, grid),
            metrics,
            cells,
            layout: world.cells.as_ref().map(|c| c.layout),
            names,
            csv,
            slices,
            coupled,
            files: Vec::new(),
        })
    }

    /// What has been gathered so far (see [`RecorderState`]).
    pub fn state(&self) -> RecorderState {
        RecorderState {
            csv: self.csv.clone(),
            frame_times: self.slices.iter().map(|s| s.frames.iter().map(|f| f.0).collect()).collect(),
            frames: self.slices.iter().map(|s| s.frames.iter().map(|f| f.1.clone()).collect()).collect(),
            index: self.index.state(),
            vtk: self.vtk.as_ref().map(|s| s.written().to_vec()).unwrap_or_default(),
            metrics: self.metrics.state(),
            cells: self.cells.as_ref().and_then(CellMetrics::state),
            files: self.files.clone(),
        }
    }

    /// Take up what the recorder of the same scene had gathered (after
    /// [`Recorder::maps`]); refuses a state of another scene.
    pub fn restore(&mut self, st: RecorderState) -> Result<()> {
        let frames_fit = st.frame_times.len() == self.slices.len()
            && st.frames.len() == self.slices.len()
            && st.frame_times.iter().zip(&st.frames).all(|(t, f)| t.len() == f.len());
        let header_fits = st.csv.lines().next() == self.csv.lines().next();
        if !frames_fit || !header_fits || st.cells.is_some() && self.cells.is_none() {
            return Err(Error::Numerical(
                "the checkpoint's outputs (time-series columns, slice series) are not this scene's; resume with the \
                 scene the checkpoint was written by"
                    .into(),
            ));
        }
        if !self.metrics.restore(st.metrics) {
            return Err(Error::Numerical("the checkpoint's exposure metrics are for other species".into()));
        }
        for (sl, (times, values)) in self.slices.iter_mut().zip(st.frame_times.into_iter().zip(st.frames)) {
            sl.frames = times.into_iter().zip(values).collect();
        }
        self.csv = st.csv;
        self.index.restore(st.index);
        if let Some(s) = &mut self.vtk {
            s.restore(st.vtk);
        }
        if let Some(c) = &mut self.cells {
            c.restore(st.cells);
        }
        self.files = st.files;
        Ok(())
    }

    /// Where the 3D views are rendered ("cpu" or "gpu"), when any are asked for.
    pub fn view_renderer(&self) -> Option<&'static str> {
        self.renderer.as_ref().map(Renderer::kind)
    }

    /// Write the static maps (S/V, pressure, speed, tissue) as PNG slices on
    /// every plane a slice series uses (the middle z plane if none) and as
    /// NPY; with VTK output, keep them for the image files and write the
    /// network.
    pub fn maps(&mut self, out: &OutputDir, world: &World) -> Result<()> {
        let maps = maps::maps(world);
        if let Some(s) = &mut self.vtk {
            self.files.extend(s.prepare(out, &maps, world.vascular.as_ref())?);
        }
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
            self.index.map(Entry { file: &rel, name: m.name, kind: "map", unit: m.unit, time_min: 0.0, step: 0 });
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
        let start = self.csv.len();
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
        // Values can be finite while a derived one (a total Σ c·V, an AUC)
        // overflows: no row with one is kept.
        if let Some(i) = non_finite_column(&self.csv[start..]) {
            let column = self.csv.lines().next().and_then(|h| h.split(',').nth(i)).unwrap_or("?").to_string();
            self.csv.truncate(start);
            return Err(Error::Numerical(format!(
                "{column} is not finite at t = {time} min; nothing was written. A value overflows: check grid.dx \
                 (µm) and the magnitudes of the rates and concentrations"
            )));
        }
        self.csv.push('\n');
        Ok(())
    }

    /// Slices, 3D views, VTK files and field dumps where asked, at an output time.
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
        if let Some(s) = &mut self.vtk {
            let layout = self.layout;
            self.files.push(s.write(out, time, |src| values(src, fields, cells, layout))?);
        }
        self.views(out, time, fields, cells)?;
        if last || self.dump_every {
            for d in &self.dump {
                let rel = format!("fields/{}_step{step:08}.npy", d.name);
                out.write(&rel, &npy::encode_npy(&values(d.source, fields, cells, self.layout), self.grid.shape))?;
                let kind = d.source.kind();
                self.index.dump(Entry { file: &rel, name: &d.name, kind, unit: &d.unit, time_min: time, step });
                self.files.push(rel);
            }
        }
        Ok(())
    }

    /// Each 3D view at `time`, coloured 0 … the field's maximum at that time
    /// (0 … 1 if that is ≤ 0).
    fn views(&mut self, out: &OutputDir, time: f64, fields: &[Vec<f32>], cells: &[f32]) -> Result<()> {
        let Some(renderer) = &mut self.renderer else { return Ok(()) };
        let dir = out.path().join("views");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let e = self.grid.extent();
        for v in &self.views {
            let data = values(v.source, fields, cells, self.layout);
            let hi = data.iter().fold(0.0f32, |m, &x| m.max(x));
            let vmax = if hi > 0.0 { hi } else { 1.0 };
            let p = ViewParams::new(self.grid.shape, view3d::SIZE, view3d::SIZE, vmax);
            let picture = view3d::to_rgb(&renderer.render(&p, &data)?, p.width, p.height);
            let title = format!("{} in 3D   {:.0} x {:.0} x {:.0} µm", v.name, e[0], e[1], e[2]);
            let img = view3d::render_figure(&picture, &p, &title, &v.unit, time, vmax);
            let rel = view3d::file_name(&v.name, time);
            png::save_png(&img, &out.path().join(&rel)).map_err(|e| Error::io(out.path().join(&rel), e))?;
            self.files.push(rel);
        }
        Ok(())
    }

    /// Write `timeseries.csv`, `fields/index.json` (when fields were dumped),
    /// `vtk/run.pvd` (with VTK output) and every slice PNG, each slice series
    /// on one colour range (the scene's, or 0 … the series' maximum), and
    /// with `output.gif` each series as one GIF of the same figures.
    pub fn finish(&mut self, out: &OutputDir) -> Result<()> {
        out.write("timeseries.csv", self.csv.as_bytes())?;
        self.files.push("timeseries.csv".into());
        if let Some(json) = self.index.to_json() {
            out.write(field_index::PATH, json.as_bytes())?;
            self.files.push(field_index::PATH.into());
        }
        if let Some(s) = &self.vtk {
            self.files.push(s.finish(out)?);
        }
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
            let latest = sl.frames.last().map_or(0.0, |f| f.0);
            let gif_rel = format!("slices/{}", slice::gif_name(name, sl.axis, sl.index));
            let gif_path = out.path().join(&gif_rel);
            let mut anim: Option<animation::Animation> = None;
            for (time, values) in &sl.frames {
                out.check_stop(|| "while writing the slices, after the last step".into())?;
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
                    layout_time_min: latest,
                    axes: (a, b),
                    overlay: &sl.overlay,
                });
                let rel = format!("slices/{}", slice::file_name(name, sl.axis, sl.index, *time));
                png::save_png(&img, &out.path().join(&rel)).map_err(|e| Error::io(out.path().join(&rel), e))?;
                self.files.push(rel);
                if self.gif {
                    let a = match &mut anim {
                        Some(a) => a,
                        None => anim.insert(
                            animation::Animation::create(&gif_path, img.width(), img.height())
                                .map_err(|e| Error::io(&gif_path, e))?,
                        ),
                    };
                    a.frame(&img).map_err(|e| Error::io(&gif_path, e))?;
                }
            }
            if let Some(a) = anim {
                a.finish().map_err(|e| Error::io(&gif_path, e))?;
                self.files.push(gif_rel);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::non_finite_column;

    #[test]
    fn a_row_with_an_overflowed_value_is_caught_at_its_column() {
        assert_eq!(non_finite_column("0,1.5,2e300,3"), None);
        assert_eq!(non_finite_column("0,1.5,inf,3"), Some(2));
        assert_eq!(non_finite_column("0,-inf,NaN"), Some(1));
        assert_eq!(non_finite_column(&format!("1,{},{}", 1.0, f64::NAN)), Some(2));
        assert_eq!(non_finite_column(&format!("1,{}", f64::INFINITY * 2.0)), Some(1));
    }
}
