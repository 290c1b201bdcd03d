//! The `[cells]` section: cancer-cell phenotypes as per-voxel densities,
//! their drug uptake and resistance, nanoparticle carriers, radiotherapy.
//!
//! Densities are volume fractions (0…1 of a voxel). Intracellular drug is in
//! µM of cell volume. Rates are per minute. Every key is documented for users
//! in `scenes/README.md`; the rate laws are in `src/model/cells.rs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Cells, their environment and their treatment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellsSpec {
    /// Species the cells consume and sense as oxygen, mmHg.
    pub oxygen: String,
    /// Cytotoxic drug species (extracellular), µM. Absent: no drug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug: Option<String>,
    /// Efflux-inhibitor species (e.g. tariquidar), µM. Absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inhibitor: Option<String>,
    /// Minutes between cell-kinetics updates, rounded to whole steps.
    /// Default: every step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
    /// Carrying capacity N_max: live plus dead volume fraction. Default 1.
    #[serde(default = "one")]
    pub max_density: f64,
    /// Volume of one cell, µm³, to turn densities into counts. Default 2494
    /// (PhysiCell's default cancer cell).
    #[serde(default = "default_cell_volume")]
    pub cell_volume: f64,
    /// Coefficient of the pressure-driven spread into neighbouring voxels,
    /// µm²/min. Default 2: with 1 division/day and oxygen to spare the front
    /// advances ≈ 20 µm/day (tests/cells_growth.rs), the linear growth phase
    /// of multicellular spheroids (≈ 10–20 µm/day, Freyer & Sutherland 1986).
    #[serde(default = "default_spread")]
    pub spread: f64,
    /// Fraction of `max_density` above which a voxel pushes cells into its
    /// neighbours. Default 0.8.
    #[serde(default = "default_spread_threshold")]
    pub spread_threshold: f64,
    /// Oxygen half-saturation of growth, mmHg. Default 5.
    #[serde(default = "default_growth_o2")]
    pub growth_o2: f64,
    /// Below this oxygen cells count as hypoxic (HIF-1α on), mmHg. Default 10
    /// (PhysiCell uses 15, Vaupel's hypoxic tumour fraction < 10).
    #[serde(default = "default_hypoxic_o2")]
    pub hypoxic_o2: f64,
    /// Below this oxygen cells die by necrosis, mmHg. Default 2.5
    /// (PhysiCell's threshold).
    #[serde(default = "default_necrosis_o2")]
    pub necrosis_o2: f64,
    /// Necrotic death rate at anoxia, 1/min. Default 0.001.
    #[serde(default = "default_necrosis_rate")]
    pub necrosis_rate: f64,
    /// Clearance of dead cells, 1/min. Default 1/(2 days).
    #[serde(default = "default_clearance")]
    pub clearance: f64,
    /// Oxygen consumption at full density, mmHg/min (Michaelis–Menten).
    /// Default 10 (BioFVM's 10/min at ≈ 38 mmHg would be larger; 10 keeps
    /// a diffusion length near 100 µm).
    #[serde(default = "default_o2_consumption")]
    pub o2_consumption: f64,
    /// Half-saturation of oxygen consumption, mmHg. Default 1.
    #[serde(default = "one")]
    pub o2_half_saturation: f64,
    /// Inhibitor concentration halving the pump rate, µM. Default 0.05
    /// (tariquidar's IC50 for P-gp is ≈ 40 nM).
    #[serde(default = "default_inhibitor_ki")]
    pub inhibitor_ki: f64,
    /// Intracellular siRNA (per unit of `sirna_load`) giving half knockdown of
    /// Bcl-2. Default 1.
    #[serde(default = "one")]
    pub sirna_half: f64,
    /// siRNA degradation in cells, 1/min. Default 1/(2 days).
    #[serde(default = "default_sirna_decay")]
    pub sirna_decay: f64,
    /// Phenotypes, at least one.
    #[serde(rename = "phenotype")]
    pub phenotypes: Vec<PhenotypeSpec>,
    /// Nanoparticle carriers: transport species that bind, enter cells and
    /// release payloads.
    #[serde(default, rename = "carrier", skip_serializing_if = "Vec::is_empty")]
    pub carriers: Vec<CarrierSpec>,
    /// Radiotherapy fractions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radiotherapy: Option<RadiotherapySpec>,
}

/// One phenotype: its growth, drug handling and resistance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhenotypeSpec {
    /// Unique name.
    pub name: String,
    /// Counted in `resistant_fraction`. Default false.
    #[serde(default)]
    pub resistant: bool,
    /// Initial volume fraction in tumour voxels (tissue "tumour"), or the
    /// density of every voxel from an NPY file (then `initial_necrotic`
    /// stays 0). Default 0.
    #[serde(default)]
    pub initial: super::Initial,
    /// Initial volume fraction in necrotic voxels. Default 0.
    #[serde(default)]
    pub initial_necrotic: f64,
    /// Growth rate with ample oxygen and room, 1/min. Default ln 2 / 24 h.
    #[serde(default = "default_growth")]
    pub growth: f64,
    /// Passive membrane permeation of drug, 1/min: influx
    /// `influx·(c_e − c_i)` per unit cell volume. Default 0.1.
    #[serde(default = "default_influx")]
    pub influx: f64,
    /// Saturable (carrier-mediated) influx, µM/min. Default 0.
    #[serde(default)]
    pub influx_vmax: f64,
    /// Half-saturation of the saturable influx, µM. Default 1.
    #[serde(default = "one")]
    pub influx_km: f64,
    /// P-glycoprotein efflux `V·c_i/(K_m + c_i)`, µM/min. Default 0.
    #[serde(default)]
    pub pump_vmax: f64,
    /// Efflux half-saturation K_m, µM. Default 1.
    #[serde(default = "one")]
    pub pump_km: f64,
    /// Drug deactivation in cells (e.g. glutathione conjugation), 1/min. Default 0.
    #[serde(default)]
    pub deactivation: f64,
    /// Maximum kill rate E_max, 1/min. Default 0.002.
    #[serde(default = "default_emax")]
    pub emax: f64,
    /// Intracellular EC50 without Bcl-2 overexpression, µM. Default 1.
    #[serde(default = "one")]
    pub ec50: f64,
    /// Hill coefficient. Default 2.
    #[serde(default = "two")]
    pub hill: f64,
    /// Bcl-2 fold rise of EC50 (≥ 1), undone by siRNA knockdown. Default 1.
    #[serde(default = "one")]
    pub bcl2: f64,
    /// Share of the kill that needs proliferating cells (0…1): hypoxic and
    /// quiescent cells escape that share. Default 0.8.
    #[serde(default = "default_cycle")]
    pub cycle_specificity: f64,
    /// Linear-quadratic radiosensitivity α, 1/Gy. Default 0.3.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// β, 1/Gy². Default 0.03.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// Switching into other phenotypes, name → 1/min.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub switch: BTreeMap<String, f64>,
    /// Extra switching at full drug effect (scaled by the Hill term), 1/min.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub switch_drug: BTreeMap<String, f64>,
    /// Extra switching under hypoxia (HIF-1α), 1/min.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub switch_hypoxia: BTreeMap<String, f64>,
}

/// A nanoparticle carrier: a transport species whose concentration counts
/// loaded particles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierSpec {
    /// The transport species holding the free particles.
    pub species: String,
    /// Class preset filling every key not given: liposome, polymeric,
    /// micelle, dendrimer, gold, iron_oxide, silica (src/model/nanoparticles.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Drug per unit of carrier (µM drug per carrier unit). Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug_load: Option<f64>,
    /// Inhibitor per unit of carrier, µM. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inhibitor_load: Option<f64>,
    /// siRNA per unit of carrier. Default 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sirna_load: Option<f64>,
    /// Binding to cell receptors per unit live density, 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<f64>,
    /// Unbinding, 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbinding: Option<f64>,
    /// Internalisation of bound particles, 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internalisation: Option<f64>,
    /// Payload release inside cells (endosomal escape), 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endosomal_release: Option<f64>,
    /// Payload release outside cells at normal pH, 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<f64>,
    /// Release outside cells at acidic (hypoxic) pH, 1/min.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_acidic: Option<f64>,
    /// Radiation dose enhancement at saturating particle load (gold), ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_enhancement: Option<f64>,
    /// Particle concentration giving half the dose enhancement, carrier unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enhancement_half: Option<f64>,
    /// Triggered release (heat, ultrasound, magnetic field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<TriggerSpec>,
}

/// Release switched on in a region over a time window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerSpec {
    /// Name of a `[[regions]]` entry.
    pub region: String,
    /// Window, min.
    pub start: f64,
    pub end: f64,
    /// Extra release rate inside the window and region, 1/min.
    pub release: f64,
}

/// Radiotherapy fractions, linear-quadratic with oxygen enhancement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadiotherapySpec {
    /// Times of the fractions, min.
    pub times: Vec<f64>,
    /// Dose per fraction, Gy.
    pub dose: f64,
    /// Maximum oxygen enhancement ratio m. Default 3 (Alper & Howard-Flanders).
    #[serde(default = "default_oer")]
    pub oer_max: f64,
    /// Oxygen at which the OER is half way, mmHg. Default 3.
    #[serde(default = "default_oer_k")]
    pub oer_k: f64,
}

fn one() -> f64 {
    1.0
}
fn two() -> f64 {
    2.0
}
fn default_cell_volume() -> f64 {
    2494.0
}
fn default_spread() -> f64 {
    2.0
}
fn default_spread_threshold() -> f64 {
    0.8
}
fn default_growth_o2() -> f64 {
    5.0
}
fn default_hypoxic_o2() -> f64 {
    10.0
}
fn default_necrosis_o2() -> f64 {
    2.5
}
fn default_necrosis_rate() -> f64 {
    0.001
}
fn default_clearance() -> f64 {
    1.0 / 2880.0
}
fn default_o2_consumption() -> f64 {
    10.0
}
fn default_inhibitor_ki() -> f64 {
    0.05
}
fn default_sirna_decay() -> f64 {
    1.0 / 2880.0
}
fn default_growth() -> f64 {
    std::f64::consts::LN_2 / 1440.0
}
fn default_influx() -> f64 {
    0.1
}
fn default_emax() -> f64 {
    0.002
}
fn default_cycle() -> f64 {
    0.8
}
fn default_alpha() -> f64 {
    0.3
}
fn default_beta() -> f64 {
    0.03
}
fn default_oer() -> f64 {
    3.0
}
fn default_oer_k() -> f64 {
    3.0
}
