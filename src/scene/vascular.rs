//! Scene types of the vascular transport: the vessel network and its walls
//! (`[vessels]`), the interstitium (`[interstitium]`), and per species how it
//! reaches the blood and crosses vessel walls (`[species.plasma]`,
//! `[species.wall]`). Units: µm, min, mmHg, µM; documented per key in
//! `scenes/README.md`.

use crate::vessels::GenerateParams;
use serde::{Deserialize, Serialize};

/// Where the vessel network comes from and how blood flows in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VesselSpec {
    /// A `.json` / `.csv` network file (formats: `scenes/networks/README.md`),
    /// relative to the scene file. Absent: the network is generated, seeded
    /// by the scene's `seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Generated capillary bed spacing, µm. Default 100.
    #[serde(default = "default_spacing")]
    pub spacing: f64,
    /// Generated capillary radius, µm. Default 4.
    #[serde(default = "default_capillary_radius")]
    pub capillary_radius: f64,
    /// Radius range of generated tumour vessels, µm. Default [6, 15].
    #[serde(default = "default_tumour_radius", deserialize_with = "super::arity::exactly")]
    pub tumour_radius: [f64; 2],
    /// Density of generated tumour vessels relative to the capillary bed. Default 1.5.
    #[serde(default = "default_tumour_density")]
    pub tumour_density: f64,
    /// `"poiseuille"` (flow from inlet to outlet pressures) or `"uniform"`
    /// (every vessel at `pressure`). Default "poiseuille".
    #[serde(default)]
    pub flow: FlowMode,
    /// Blood pressure at generated inlets (x = 0 face), mmHg. Default 35.
    #[serde(default = "default_inlet")]
    pub inlet_pressure: f64,
    /// Blood pressure at generated outlets (x = max face), mmHg. Default 15.
    #[serde(default = "default_outlet")]
    pub outlet_pressure: f64,
    /// Intravascular pressure of `flow = "uniform"`, mmHg. Default 25.
    #[serde(default = "default_pressure")]
    pub pressure: f64,
    /// Apparent blood viscosity, Pa·s. Default 3.5e-3.
    #[serde(default = "default_viscosity")]
    pub viscosity: f64,
    /// Plasma oncotic pressure π_v, mmHg. Default 20.
    #[serde(default = "default_plasma_oncotic")]
    pub plasma_oncotic: f64,
    /// Walls of normal vessels. Defaults: Baxter & Jain 1989 normal tissue.
    #[serde(default = "WallSpec::normal")]
    pub normal: WallSpec,
    /// Walls of tumour vessels. Defaults: Baxter & Jain 1989 tumour.
    #[serde(default = "WallSpec::tumour")]
    pub tumour: WallSpec,
}

impl VesselSpec {
    /// The parameters of the generated network (the others at their defaults).
    pub fn generate_params(&self) -> GenerateParams {
        GenerateParams {
            spacing: self.spacing,
            capillary_radius: self.capillary_radius,
            tumour_radius: self.tumour_radius,
            tumour_density: self.tumour_density,
            inlet_pressure: self.inlet_pressure,
            outlet_pressure: self.outlet_pressure,
            ..GenerateParams::default()
        }
    }
}

/// How intravascular pressure is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowMode {
    #[default]
    Poiseuille,
    Uniform,
}

/// Fluid and pore properties of one kind of vessel wall.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WallSpec {
    /// Hydraulic conductivity L_p, µm/(mmHg·min).
    pub hydraulic_conductivity: f64,
    /// Oncotic reflection coefficient σ_T of plasma proteins, 0…1.
    pub oncotic_reflection: f64,
    /// Pore radius, nm (pore theory for species given by `radius`).
    pub pore_radius: f64,
    /// Pore area fraction per wall thickness ε/L, 1/µm.
    pub pore_fraction: f64,
}

impl WallSpec {
    /// Normal vessels: L_p = 0.36e-7 cm/(mmHg·s), σ_T = 0.91 (Baxter & Jain
    /// 1989); pores 6 nm.
    pub fn normal() -> WallSpec {
        WallSpec {
            hydraulic_conductivity: 0.36e-7 * 1e4 * 60.0,
            oncotic_reflection: 0.91,
            pore_radius: 6.0,
            pore_fraction: crate::model::particle::NORMAL_WALL.pore_fraction_per_length,
        }
    }

    /// Tumour vessels: L_p = 2.8e-7 cm/(mmHg·s), σ_T = 0.82 (Baxter & Jain
    /// 1989); pores 200 nm.
    pub fn tumour() -> WallSpec {
        WallSpec {
            hydraulic_conductivity: 2.8e-7 * 1e4 * 60.0,
            oncotic_reflection: 0.82,
            pore_radius: 200.0,
            pore_fraction: crate::model::particle::TUMOUR_WALL.pore_fraction_per_length,
        }
    }
}

/// A value per tissue kind.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerTissue {
    pub normal: f64,
    pub tumour: f64,
    pub necrotic: f64,
}

impl PerTissue {
    pub fn get(&self, t: crate::grid::Tissue) -> f64 {
        [self.normal, self.tumour, self.necrotic][t.index()]
    }
}

/// A value per vessel kind.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PerVessel {
    pub normal: f64,
    pub tumour: f64,
}

/// Interstitial fluid: pressure, flow and lymphatic drainage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterstitiumSpec {
    /// Solve the interstitial fluid pressure (steady Darcy). When false the
    /// interstitial pressure is 0 everywhere. Default true.
    #[serde(default = "yes")]
    pub pressure: bool,
    /// Advect solutes with the interstitial flow. Default true.
    #[serde(default = "yes")]
    pub advection: bool,
    /// Hydraulic conductivity K, µm²/(mmHg·min). Defaults: Baxter & Jain
    /// 1989, normal 8.53e-9 and tumour 4.13e-8 cm²/(mmHg·s) (necrotic as tumour).
    #[serde(default = "default_conductivity")]
    pub conductivity: PerTissue,
    /// Interstitial oncotic pressure π_i, mmHg. Defaults 10, 15, 15.
    #[serde(default = "default_oncotic")]
    pub oncotic: PerTissue,
    /// Lymphatic drainage L_pL·S/V_L in normal tissue, 1/(mmHg·min). Tumours
    /// have no working lymphatics. Default 0.01.
    #[serde(default = "default_lymph")]
    pub lymphatic_drainage: f64,
    /// Lymphatic pressure p_L, mmHg. Default 0.
    #[serde(default)]
    pub lymph_pressure: f64,
    /// Pressure held on the domain faces, mmHg; absent: no flow through
    /// the faces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary_pressure: Option<f64>,
    /// Relative residual at which the pressure solve stops. Default 1e-6.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// Fibre volume fraction of the matrix (Ogston hindrance of particles).
    /// Defaults 0.01, 0.05 (collagen-rich tumour matrix), 0.01.
    #[serde(default = "default_fibre_fraction")]
    pub fibre_fraction: PerTissue,
    /// Fibre radius of the matrix, nm. Default 20 (collagen fibres, which
    /// dominate the hindrance of large particles in tumours: Pluen et al. 2001).
    #[serde(default = "default_fibre_radius")]
    pub fibre_radius: f64,
}

impl Default for InterstitiumSpec {
    fn default() -> Self {
        toml::from_str("").expect("every interstitium key has a default")
    }
}

/// The plasma concentration a species sees in the vessels.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlasmaSpec {
    /// Constant plasma level (e.g. vessel pO₂ 38 mmHg), in the species' unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f64>,
    /// Pharmacokinetics preset: `free_doxorubicin`, `liposomal_doxorubicin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Fast and slow half-lives, min (instead of a preset).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::arity::exactly_opt")]
    pub half_lives: Option<[f64; 2]>,
    /// Fraction of the fast phase, 0…1 (with `half_lives`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast_fraction: Option<f64>,
    /// Rate constants k10, k12, k21, 1/min (instead of half-lives).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::arity::exactly_opt")]
    pub rate_constants: Option<[f64; 3]>,
    /// Plasma concentration right after one bolus (dose / central volume),
    /// in the species' unit; for an infusion the same amount is spread over
    /// `infusion` minutes. Default: the preset's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<f64>,
    /// Central volume, L (for percent of injected dose). Default: the preset's, else 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Time of the first dose, min. Default 0.
    #[serde(default)]
    pub start: f64,
    /// Number of doses. Default 1.
    #[serde(default = "one")]
    pub count: u32,
    /// Interval between doses, min (needed when `count` > 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<f64>,
    /// Infusion time of each dose, min; 0 = bolus. Default 0.
    #[serde(default)]
    pub infusion: f64,
}

/// How a species crosses vessel walls. Given values override those derived
/// from the species' `radius` by pore theory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WallTransportSpec {
    /// Vascular permeability P, µm/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permeability: Option<PerVessel>,
    /// Solvent-drag reflection coefficient σ, 0…1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflection: Option<PerVessel>,
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn default_spacing() -> f64 {
    100.0
}
fn default_capillary_radius() -> f64 {
    4.0
}
fn default_tumour_radius() -> [f64; 2] {
    [6.0, 15.0]
}
fn default_tumour_density() -> f64 {
    1.5
}
fn default_inlet() -> f64 {
    35.0
}
fn default_outlet() -> f64 {
    15.0
}
fn default_pressure() -> f64 {
    25.0
}
fn default_viscosity() -> f64 {
    3.5e-3
}
fn default_plasma_oncotic() -> f64 {
    20.0
}
fn default_conductivity() -> PerTissue {
    let c = 1e8 * 60.0;
    PerTissue { normal: 8.53e-9 * c, tumour: 4.13e-8 * c, necrotic: 4.13e-8 * c }
}
fn default_oncotic() -> PerTissue {
    PerTissue { normal: 10.0, tumour: 15.0, necrotic: 15.0 }
}
fn default_lymph() -> f64 {
    0.01
}
fn default_tolerance() -> f64 {
    1e-6
}
fn default_fibre_fraction() -> PerTissue {
    PerTissue { normal: 0.01, tumour: 0.05, necrotic: 0.01 }
}
fn default_fibre_radius() -> f64 {
    20.0
}
