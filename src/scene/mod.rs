//! The TOML scene: serde types with documented units and defaults,
//! `--set` overrides, and validation with errors that name the key.
//!
//! Every key is documented for users in `scenes/README.md`; keep both in
//! sync. Coordinates are µm from the grid's lower corner: voxel `(i, j, k)`
//! spans `[i·dx, (i+1)·dx)` along x and its centre is at `(i + ½)·dx`.

mod arity;
mod boundary;
mod cells;
mod cells_checks;
mod initial;
mod overrides;
mod ranges;
mod transport;
mod validate;
mod vascular;
mod vascular_checks;
mod vtk_checks;

use serde::{Deserialize, Serialize};

pub use boundary::{Bc, Boundary, Face, HeldLayer};
pub use cells::{CarrierSpec, CellsSpec, PhenotypeSpec, RadiotherapySpec, TriggerSpec};
pub use cells_checks::initial_total;
pub use initial::{Initial, TissueCodes, TissueMapSpec};
pub use overrides::apply_overrides;
pub use ranges::{MAX_DIFFUSION, MAX_MAGNITUDE};
pub use transport::{PlasmaCurve, SpeciesTransport, Wall, plasma_curve, transport_of};
pub use validate::Validated;
pub use vascular::{
    FlowMode, InterstitiumSpec, PerTissue, PerVessel, PlasmaSpec, VesselSpec, WallSpec, WallTransportSpec,
};

use crate::{Error, Result};

/// The scene embedded in the binary (`scenes/default.toml`).
pub const DEFAULT_SCENE: &str = include_str!("../../scenes/default.toml");

/// A whole simulation as the user wrote it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    /// Free text shown in outputs.
    #[serde(default)]
    pub title: String,
    /// Seed for every random choice; recorded in the outputs. Default 1.
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub grid: GridSpec,
    pub time: TimeSpec,
    pub species: Vec<SpeciesSpec>,
    #[serde(default)]
    pub regions: Vec<RegionSpec>,
    /// The vessel network; absent: no vessels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessels: Option<VesselSpec>,
    /// Interstitial pressure, flow and lymphatics (needs `vessels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interstitium: Option<InterstitiumSpec>,
    /// Cancer cells, their resistance and their treatment; absent: no cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<CellsSpec>,
    /// Therapy arms run by `oncovox compare` on this scene.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<ArmSpec>,
    #[serde(default)]
    pub output: OutputSpec,
}

/// One therapy arm: a name and `--set` overrides applied to the scene.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmSpec {
    pub name: String,
    /// `key=value` overrides, as `--set` takes them.
    #[serde(default)]
    pub set: Vec<String>,
}

fn default_seed() -> u64 {
    1
}

/// The voxel grid.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Voxels along x, y, z (x varies fastest in memory).
    #[serde(deserialize_with = "arity::exactly")]
    pub shape: [u32; 3],
    /// Voxel edge, µm.
    pub dx: f64,
    /// Tissue of every voxel from an NPY file of integer codes; regions
    /// with `tissue` paint over it. Absent: normal where no region says
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tissue: Option<TissueMapSpec>,
}

/// Time stepping, all in minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    /// Step of the operator splitting, min.
    pub dt: f64,
    /// Simulated time, min.
    pub duration: f64,
    /// Interval between outputs (time series rows, slices, dumps), min,
    /// rounded to a whole number of steps. Default: duration / 10.
    #[serde(default)]
    pub output_interval: Option<f64>,
}

/// Which transport solver a species uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SolverChoice {
    /// `implicit` when a rate of the species is stiff at its step (vessel
    /// exchange, uptake, supply or consumption with rate·step > 0.1), else
    /// the cheaper of `explicit` and `lod`.
    #[default]
    Auto,
    /// Implicit locally one-dimensional (BioFVM scheme); any step is stable.
    Lod,
    /// Explicit 7-point with sub-steps.
    Explicit,
    /// Coupled backward Euler: diffusion, decay, exchange, lymphatics,
    /// supply, uptake and consumption in one multigrid solve per step.
    Implicit,
    /// Quasi-steady: the steady problem, solved at the start, after every
    /// cell update and every `dt` of the species when one is given.
    Steady,
}

impl SolverChoice {
    /// The coupled (multigrid) solvers.
    pub fn is_coupled(self) -> bool {
        matches!(self, SolverChoice::Implicit | SolverChoice::Steady)
    }
}

/// One diffusing species.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeciesSpec {
    /// Unique name: letters, digits, `_` or `-`.
    pub name: String,
    /// Concentration unit, shown on outputs. Default "µM".
    #[serde(default = "default_unit")]
    pub unit: String,
    /// Diffusion coefficient in normal tissue, µm²/min (≥ 0). Required
    /// unless `radius` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion: Option<f64>,
    /// Diffusion coefficients in tumour and necrotic tissue, µm²/min.
    /// Default: `diffusion` (or, with `radius`, the matrix hindrance of each tissue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion_tumour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion_necrotic: Option<f64>,
    /// Hydrodynamic radius, nm: diffusion from Stokes–Einstein and matrix
    /// hindrance, wall permeability and reflection from pore theory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<f64>,
    /// Retardation factor of advection (≥ 1): the species moves with the
    /// interstitial flow at u / retardation. Default 1.
    #[serde(default = "one_f64")]
    pub retardation: f64,
    /// Plasma concentration in the vessels; absent: the species does not
    /// cross vessel walls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plasma: Option<PlasmaSpec>,
    /// Wall permeability and reflection (override pore theory).
    #[serde(default)]
    pub wall: WallTransportSpec,
    /// First-order decay rate λ, 1/min (≥ 0). Default 0.
    #[serde(default)]
    pub decay: f64,
    /// Value at t = 0, in `unit` (≥ 0): one number everywhere, or a field
    /// from an NPY file. Held voxels start at their held value. Default 0.
    #[serde(default)]
    pub initial: Initial,
    /// `auto`, `lod`, `explicit`, `implicit` or `steady`. Default `auto`.
    #[serde(default)]
    pub solver: SolverChoice,
    /// Step of a coupled species (`implicit`), min: a whole multiple of
    /// `time.dt`; for `steady`, the interval between re-solves besides those
    /// at the start and after cell updates. Default: `time.dt` (`implicit`),
    /// none (`steady`). Steps end early at cell updates, outputs and
    /// radiotherapy fractions, so these fall on step boundaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dt: Option<f64>,
    /// Relative residual `‖f − A c‖/‖f‖` each coupled solve reaches (a
    /// step's linear solve; a steady solve's nonlinear residual). Default 1e-6.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Allow the explicit solver to split a step into stable sub-steps.
    /// Default true.
    #[serde(default = "default_true")]
    pub substepping: bool,
    /// Boundary condition per face. Default zero-flux everywhere.
    #[serde(default)]
    pub boundary: Boundary,
}

fn default_unit() -> String {
    "µM".into()
}

fn one_f64() -> f64 {
    1.0
}

fn default_tolerance() -> f64 {
    1e-6
}

fn default_true() -> bool {
    true
}

/// A region shape; exactly one per region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sphere {
    /// Centre, µm.
    #[serde(deserialize_with = "arity::exactly")]
    pub center: [f64; 3],
    /// Radius, µm.
    pub radius: f64,
}

/// An axis-aligned box, µm.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BoxShape {
    #[serde(deserialize_with = "arity::exactly")]
    pub min: [f64; 3],
    #[serde(deserialize_with = "arity::exactly")]
    pub max: [f64; 3],
}

/// A finite cylinder of any orientation (a capillary), µm.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cylinder {
    /// Centre of one end cap.
    #[serde(deserialize_with = "arity::exactly")]
    pub start: [f64; 3],
    /// Centre of the other end cap.
    #[serde(deserialize_with = "arity::exactly")]
    pub end: [f64; 3],
    pub radius: f64,
}

/// BioFVM-style source: `dc/dt = S·(T − c)` inside the region.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Supply {
    /// Supply rate S, 1/min (≥ 0).
    pub rate: f64,
    /// Target value T, in the species' unit (≥ 0).
    pub target: f64,
}

/// A set of voxels (those whose centres lie inside the shape) and what
/// happens there, per species.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    /// Unique name, used in error messages.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sphere: Option<Sphere>,
    #[serde(default, rename = "box", skip_serializing_if = "Option::is_none")]
    pub box_: Option<BoxShape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cylinder: Option<Cylinder>,
    /// Interior Dirichlet: species name → held value.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub hold: std::collections::BTreeMap<String, f64>,
    /// Species name → supply `S·(T − c)`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub supply: std::collections::BTreeMap<String, Supply>,
    /// Species name → uptake rate U, 1/min: `dc/dt = −U·c`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub uptake: std::collections::BTreeMap<String, f64>,
    /// Species name → Michaelis–Menten consumption `dc/dt = −V·c/(K + c)`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub consumption: std::collections::BTreeMap<String, Consumption>,
    /// Tissue of the region's voxels (later regions win). Default: unchanged
    /// (normal everywhere no region says otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tissue: Option<crate::grid::Tissue>,
}

/// Michaelis–Menten consumption `dc/dt = −V·c/(K + c)`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Consumption {
    /// Maximum rate V, species unit per min (≥ 0).
    pub rate: f64,
    /// Half-saturation K, species unit (≥ 0; 0 = zero order).
    #[serde(default)]
    pub half_saturation: f64,
}

/// Which axis a slice is normal to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    X,
    Y,
    Z,
}

impl Axis {
    pub fn index(self) -> usize {
        match self {
            Axis::X => 0,
            Axis::Y => 1,
            Axis::Z => 2,
        }
    }
    pub fn name(self) -> &'static str {
        ["x", "y", "z"][self.index()]
    }
}

/// A PNG slice written at every output time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SliceSpec {
    pub species: String,
    /// Axis normal to the slice. Default z.
    #[serde(default = "default_axis")]
    pub axis: Axis,
    /// Voxel index along `axis`. Default: the middle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// Colour range in the species' unit. Default: 0 … the maximum of this
    /// slice over the whole run, the same for every image of the series.
    #[serde(default, deserialize_with = "arity::exactly_opt", skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

fn default_axis() -> Axis {
    Axis::Z
}

/// What the run writes besides `timeseries.csv` and `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// PNG slices, each written at every output time.
    #[serde(default)]
    pub slices: Vec<SliceSpec>,
    /// Species whose whole fields are written as
    /// `fields/<name>_step<8-digit step>.npy`.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Dump fields at every output time (true) or only at the end (false).
    /// Default false.
    #[serde(default)]
    pub fields_every_output: bool,
    /// Also write each slice series as one animated GIF,
    /// `slices/<name>_<axis><index>.gif`, on the series' colour range.
    /// Default true.
    #[serde(default = "default_true")]
    pub gif: bool,
    /// ParaView output in `vtk/`: one image file per output time, the
    /// collection `run.pvd`, and the network as `vessels.vtp`. Default false.
    #[serde(default)]
    pub vtk: bool,
    /// What the image files hold: species, phenotypes, `cells_live`,
    /// `cells_dead` and the static maps (`sv`, `ifp`, `tissue`, `velocity`).
    /// Default (resolved when `vtk` is on): every one the run has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtk_fields: Option<Vec<String>>,
    /// How the arrays of the VTK files are stored. Default zlib.
    #[serde(default)]
    pub vtk_compression: VtkCompression,
    /// Fields rendered in 3D as `views/<name>_t<time>min.png` at every
    /// output time (the names `fields` takes). Default none.
    #[serde(default)]
    pub view3d: Vec<String>,
    /// Write the run's complete state into `checkpoints/t<time>min/` every
    /// this many min (rounded to a whole number of output intervals, at
    /// least one) and at the end; `oncovox run --resume` goes on from the
    /// latest. Default: no checkpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_interval: Option<f64>,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            slices: Vec::new(),
            fields: Vec::new(),
            fields_every_output: false,
            gif: true,
            vtk: false,
            vtk_fields: None,
            vtk_compression: VtkCompression::default(),
            view3d: Vec::new(),
            checkpoint_interval: None,
        }
    }
}

/// The storage of the arrays in the VTK files: raw binary, or compressed
/// with zlib in blocks (VTK's `vtkZLibDataCompressor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VtkCompression {
    None,
    #[default]
    Zlib,
}

impl Scene {
    /// Parse TOML text. Unknown keys and wrong types are errors naming the key.
    pub fn from_toml(text: &str) -> Result<Scene> {
        toml::from_str(text).map_err(|e| Error::Parse(parse_message(&e.to_string())))
    }

    /// Parse TOML text, then apply `key=value` overrides (dotted keys).
    pub fn from_toml_with(text: &str, sets: &[String]) -> Result<Scene> {
        if sets.is_empty() {
            return Scene::from_toml(text);
        }
        let mut table: toml::Table = toml::from_str(text).map_err(|e| Error::Parse(parse_message(&e.to_string())))?;
        apply_overrides(&mut table, sets)?;
        Scene::deserialize(toml::Value::Table(table))
            .map_err(|e| Error::Parse(format!("{} (after --set overrides)", parse_message(&e.to_string()))))
    }

    /// The scene as TOML, every default written out.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# could not serialise scene: {e}\n"))
    }

    /// Index of the species called `name`.
    pub fn species_index(&self, name: &str) -> Option<usize> {
        self.species.iter().position(|s| s.name == name)
    }
}

fn parse_message(raw: &str) -> String {
    format!("{}\n  fix: correct the key above; every key is documented in scenes/README.md", raw.trim_end())
}
