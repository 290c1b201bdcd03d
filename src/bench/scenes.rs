//! The scenes `oncovox bench` measures: the operator scene (every
//! operator runs), the coupled scene (the multigrid rows), and the
//! reference scenes of the report.

use crate::Result;
use crate::scene::{Scene, Validated};

/// A bench scene: `lod` uses LOD, `tracer` explicit with tissue-dependent
/// diffusion; both cross the walls of a generated vessel network, are
/// advected by the interstitial flow, and have a source region and a held
/// face, so every operator runs.
/// `species` ≥ 3 transport species: beyond the three, LOD species like `lod`.
pub fn bench_scene(n: usize, species: usize) -> Result<Validated> {
    let e = n as f64 * 10.0;
    let extra: String = (3..species)
        .map(|i| {
            format!(
                "[[species]]\nname = \"extra{i}\"\ndiffusion = 1.0e5\ndecay = 0.1\nsolver = \"lod\"\n\
                 boundary = {{ x_min = 38.0 }}\n"
            )
        })
        .collect();
    let text = format!(
        r#"
[grid]
shape = [{n}, {n}, {n}]
dx = 10.0
[time]
dt = 0.01
duration = 0.01
[vessels]
[interstitium]
boundary_pressure = 0.0
[[species]]
name = "lod"
diffusion = 1.0e5
decay = 0.1
solver = "lod"
boundary = {{ x_min = 38.0 }}
plasma = {{ level = 40.0 }}
wall = {{ permeability = {{ normal = 3000.0, tumour = 3000.0 }} }}
[[species]]
name = "tracer"
diffusion = 100.0
diffusion_tumour = 50.0
solver = "explicit"
boundary = {{ x_min = 1.0 }}
plasma = {{ preset = "free_doxorubicin" }}
wall = {{ permeability = {{ normal = 21.0, tumour = 160.0 }} }}
[[species]]
name = "plain"
diffusion = 100.0
solver = "explicit"
[[regions]]
name = "source"
sphere = {{ center = [{c}, {c}, {c}], radius = {r} }}
supply = {{ lod = {{ rate = 1.0, target = 1.0 }}, tracer = {{ rate = 1.0, target = 1.0 }} }}
tissue = "tumour"
consumption = {{ lod = {{ rate = 100.0, half_saturation = 2.5 }} }}
[cells]
oxygen = "lod"
drug = "tracer"
o2_half_saturation = 2.5
[[cells.phenotype]]
name = "sensitive"
initial = 0.5
switch = {{ resistant = 1.0e-4 }}
[[cells.phenotype]]
name = "resistant"
initial = 0.1
pump_vmax = 0.5
[[cells.carrier]]
species = "plain"
class = "liposome"
"#,
        c = e / 2.0,
        r = e / 4.0
    ) + &extra;
    Validated::new(Scene::from_toml(&text)?)
}

/// A scene of one coupled implicit species (free doxorubicin from a
/// generated vessel network, tissue-dependent diffusion) and one steady
/// species (oxygen with Michaelis–Menten consumption in a tumour), for the
/// multigrid rows.
pub fn coupled_scene(n: usize) -> Result<Validated> {
    let e = n as f64 * 10.0;
    let text = format!(
        r#"
[grid]
shape = [{n}, {n}, {n}]
dx = 10.0
[time]
dt = 1.0
duration = 1.0
[vessels]
[[species]]
name = "drug"
diffusion = 7000.0
diffusion_tumour = 3500.0
solver = "implicit"
plasma = {{ preset = "free_doxorubicin" }}
wall = {{ permeability = {{ normal = 21.0, tumour = 160.0 }} }}
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 20.0
solver = "steady"
plasma = {{ level = 40.0 }}
wall = {{ permeability = {{ normal = 3000.0, tumour = 3000.0 }} }}
[[regions]]
name = "tumour"
sphere = {{ center = [{c}, {c}, {c}], radius = {r} }}
tissue = "tumour"
consumption = {{ oxygen = {{ rate = 400.0, half_saturation = 2.5 }} }}
"#,
        c = e / 2.0,
        r = e / 4.0
    );
    Validated::new(Scene::from_toml(&text)?)
}

/// A reference scene of the report: a shipped scene (embedded, so the
/// report runs from any folder) and the overrides that make it this one.
pub struct Reference {
    pub name: &'static str,
    pub what: &'static str,
    text: &'static str,
    shape: usize,
    dx: f64,
}

/// BioFVM's 100³ and 200³ LOD problems (the same 2 mm cube at 20 and 10
/// µm), the vascular tumour, and a therapy step with cells.
pub const REFERENCES: [Reference; 4] = [
    Reference {
        name: "biofvm_100",
        what: "BioFVM's LOD problem, 100³ voxels of 20 µm (scenes/biofvm_lod_100.toml)",
        text: include_str!("../../scenes/biofvm_lod_100.toml"),
        shape: 100,
        dx: 20.0,
    },
    Reference {
        name: "biofvm_200",
        what: "the same 2 mm cube at 200³ voxels of 10 µm",
        text: include_str!("../../scenes/biofvm_lod_100.toml"),
        shape: 200,
        dx: 10.0,
    },
    Reference {
        name: "vascular_tumour",
        what: "the vascular tumour, 128³ (scenes/vascular_tumour.toml)",
        text: include_str!("../../scenes/vascular_tumour.toml"),
        shape: 128,
        dx: 10.0,
    },
    Reference {
        name: "therapy_cells",
        what: "a therapy step with cells, 40³ (scenes/therapy_liposomal_doxorubicin.toml)",
        text: include_str!("../../scenes/therapy_liposomal_doxorubicin.toml"),
        shape: 40,
        dx: 32.0,
    },
];

impl Reference {
    /// Voxels per edge at `scale` (the same cube, coarser or finer).
    pub fn edge(&self, scale: f64) -> usize {
        ((self.shape as f64 * scale).round() as usize).max(4)
    }

    /// The scene with its grid at `scale` of its edge (the voxel edge
    /// grows to keep the cube).
    pub fn scene(&self, scale: f64) -> Result<Validated> {
        let n = self.edge(scale);
        let dx = self.dx * self.shape as f64 / n as f64;
        let sets = [format!("grid.shape=[{n}, {n}, {n}]"), format!("grid.dx={dx}")];
        Validated::new(Scene::from_toml_with(self.text, &sets)?)
    }
}
