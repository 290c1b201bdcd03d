//! What each species' transport keys turn into: diffusion per tissue, wall
//! permeability and reflection per vessel kind, the plasma curve. Their
//! checks are in `vascular_checks.rs`.

use super::{InterstitiumSpec, PlasmaSpec, Scene, SpeciesSpec, WallSpec};
use crate::grid::Tissue;
use crate::model::particle::{self, PoreWall};
use crate::model::pk;

/// The plasma concentration a species sees, in its unit.
#[derive(Debug, Clone)]
pub enum PlasmaCurve {
    /// Constant (oxygen: vessel pO₂).
    Level(f64),
    /// Two-compartment pharmacokinetics.
    Pk(pk::Plasma),
}

impl PlasmaCurve {
    /// Mean over `[t0, t1]`, min.
    pub fn mean(&self, t0: f64, t1: f64) -> f64 {
        match self {
            PlasmaCurve::Level(c) => *c,
            PlasmaCurve::Pk(p) => p.integral(t0, t1) / (t1 - t0),
        }
    }

    /// Value at `t`, min.
    pub fn at(&self, t: f64) -> f64 {
        match self {
            PlasmaCurve::Level(c) => *c,
            PlasmaCurve::Pk(p) => p.concentration(t),
        }
    }

    /// Dosed so far (central concentration equivalent); 0 for a level.
    pub fn injected(&self, t: f64) -> f64 {
        match self {
            PlasmaCurve::Level(_) => 0.0,
            PlasmaCurve::Pk(p) => p.injected(t),
        }
    }
}

/// Wall transport of one species through one vessel kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wall {
    /// Permeability P, µm/min.
    pub permeability: f64,
    /// Solvent-drag reflection σ.
    pub reflection: f64,
}

/// Derived transport numbers of one species.
#[derive(Debug, Clone)]
pub struct SpeciesTransport {
    /// Diffusion coefficient per tissue (normal, tumour, necrotic), µm²/min.
    pub diffusion: [f64; 3],
    /// Free diffusion coefficient (Stokes–Einstein) when a radius is given.
    pub free_diffusion: Option<f64>,
    /// Normal and tumour walls; `None` when the species has no plasma.
    pub wall: Option<[Wall; 2]>,
    pub plasma: Option<PlasmaCurve>,
    /// Central volume, L (percent of injected dose).
    pub volume_l: f64,
    pub retardation: f64,
}

impl SpeciesTransport {
    /// Diffusion differs between tissues.
    pub fn is_heterogeneous(&self) -> bool {
        self.diffusion.iter().any(|&d| d != self.diffusion[0])
    }
}

fn interstitium(s: &Scene) -> InterstitiumSpec {
    s.interstitium.clone().unwrap_or_default()
}

/// Diffusion per tissue (normal, tumour, necrotic), µm²/min.
pub fn diffusion(s: &Scene, sp: &SpeciesSpec) -> [f64; 3] {
    let base = |t: Tissue| match (sp.diffusion, sp.radius) {
        (Some(d), _) => d,
        (None, Some(r)) => {
            let i = interstitium(s);
            particle::free_diffusion(r, particle::BODY_TEMPERATURE, particle::INTERSTITIAL_VISCOSITY)
                * particle::ogston_hindrance(r, i.fibre_fraction.get(t), i.fibre_radius)
        }
        (None, None) => 0.0,
    };
    let d_normal = base(Tissue::Normal);
    let given = |v: Option<f64>, t| v.unwrap_or(if sp.diffusion.is_some() { d_normal } else { base(t) });
    [d_normal, given(sp.diffusion_tumour, Tissue::Tumour), given(sp.diffusion_necrotic, Tissue::Necrotic)]
}

/// Derived transport of species `i` of a validated scene.
pub fn transport_of(s: &Scene, i: usize) -> SpeciesTransport {
    let sp = &s.species[i];
    let free =
        sp.radius.map(|r| particle::free_diffusion(r, particle::BODY_TEMPERATURE, particle::INTERSTITIAL_VISCOSITY));
    let plasma = sp.plasma.as_ref().map(|p| plasma_curve(p).expect("validated plasma"));
    let wall = match (&s.vessels, &plasma) {
        (Some(v), Some(_)) => Some([(&v.normal, 0), (&v.tumour, 1)].map(|(w, k)| wall_of(sp, w, k, free))),
        _ => None,
    };
    let volume_l =
        sp.plasma.as_ref().and_then(|p| p.volume).or_else(|| preset_of(sp).map(|p| p.volume_l)).unwrap_or(3.0);
    SpeciesTransport {
        diffusion: diffusion(s, sp),
        free_diffusion: free,
        wall,
        plasma,
        volume_l,
        retardation: sp.retardation,
    }
}

fn preset_of(sp: &SpeciesSpec) -> Option<pk::Preset> {
    sp.plasma.as_ref().and_then(|p| p.preset.as_deref()).and_then(pk::preset)
}

fn wall_of(sp: &SpeciesSpec, w: &WallSpec, kind: usize, free: Option<f64>) -> Wall {
    let derived = match (sp.radius, free) {
        (Some(r), Some(d)) => {
            let t = particle::wall_transport(
                r,
                d,
                &PoreWall { pore_radius_nm: w.pore_radius, pore_fraction_per_length: w.pore_fraction },
            );
            Wall { permeability: t.permeability, reflection: t.reflection }
        }
        _ => Wall { permeability: 0.0, reflection: 0.0 },
    };
    let pick = |given: Option<super::PerVessel>, d: f64| given.map(|g| [g.normal, g.tumour][kind]).unwrap_or(d);
    Wall {
        permeability: pick(sp.wall.permeability, derived.permeability),
        reflection: pick(sp.wall.reflection, derived.reflection),
    }
}

/// The plasma curve of a `[species.plasma]` table.
pub fn plasma_curve(p: &PlasmaSpec) -> std::result::Result<PlasmaCurve, String> {
    if let Some(level) = p.level {
        return Ok(PlasmaCurve::Level(level));
    }
    let preset = p.preset.as_deref().and_then(pk::preset);
    let kinetics = match (&preset, p.half_lives, p.rate_constants) {
        (Some(pr), None, None) => pr.pk,
        (None, Some([a, b]), None) => {
            pk::Pk::from_half_lives(a, b, p.fast_fraction.unwrap_or(0.5)).map_err(|e| format!("{e}"))?
        }
        (None, None, Some([k10, k12, k21])) => {
            pk::Pk::from_rate_constants(k10, k12, k21).map_err(|e| format!("{e}"))?
        }
        _ => return Err("give exactly one of level, preset, half_lives or rate_constants".into()),
    };
    let c0 = p.dose.or(preset.as_ref().map(|pr| pr.c0_per_dose)).ok_or("dose is missing")?;
    let every = p.every.unwrap_or(0.0);
    let doses = (0..p.count)
        .map(|n| {
            let t = p.start + n as f64 * every;
            if p.infusion > 0.0 {
                pk::Dose::Infusion { start: t, duration: p.infusion, rate: c0 / p.infusion }
            } else {
                pk::Dose::Bolus { time: t, c0 }
            }
        })
        .collect();
    let schedule = pk::Schedule::new(doses).map_err(|e| format!("{e}"))?;
    Ok(PlasmaCurve::Pk(pk::Plasma::new(kinetics, schedule)))
}
