//! What each species' transport keys turn into: diffusion per tissue, wall
//! permeability and reflection per vessel kind, the plasma curve; and the
//! checks of `[vessels]`, `[interstitium]`, `[species.plasma]` and
//! `[species.wall]`, each naming its key.

use super::validate::{finite_at_least, known_species};
use super::{InterstitiumSpec, PlasmaSpec, Scene, SpeciesSpec, WallSpec};
use crate::grid::Tissue;
use crate::model::particle::{self, PoreWall};
use crate::model::pk;
use crate::{Error, Result};

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

/// Check the vascular keys of a scene.
pub fn check(s: &Scene) -> Result<()> {
    if let Some(v) = &s.vessels {
        let f = |key: &str, x: f64, strict: bool, fix: &str| {
            finite_at_least(&format!("vessels.{key}"), x, 0.0, strict, fix)
        };
        f("spacing", v.spacing, true, "give the capillary spacing in µm, e.g. 100")?;
        f("capillary_radius", v.capillary_radius, true, "give the capillary radius in µm, e.g. 4")?;
        f("tumour_radius", v.tumour_radius[0], true, "give [min, max] radii in µm, e.g. [6, 15]")?;
        if v.tumour_radius[1] < v.tumour_radius[0] || !v.tumour_radius[1].is_finite() {
            return Err(Error::scene("vessels.tumour_radius", "max is below min", "give [min, max] with max ≥ min"));
        }
        f("tumour_density", v.tumour_density, false, "give a relative density ≥ 0, e.g. 1.5")?;
        f("viscosity", v.viscosity, true, "give the blood viscosity in Pa·s, e.g. 3.5e-3")?;
        for (key, x) in [
            ("inlet_pressure", v.inlet_pressure),
            ("outlet_pressure", v.outlet_pressure),
            ("pressure", v.pressure),
            ("plasma_oncotic", v.plasma_oncotic),
        ] {
            if !x.is_finite() {
                return Err(Error::scene(format!("vessels.{key}"), "is not finite", "give a pressure in mmHg"));
            }
        }
        for (name, w) in [("normal", &v.normal), ("tumour", &v.tumour)] {
            let k = |f: &str| format!("vessels.{name}.{f}");
            finite_at_least(
                &k("hydraulic_conductivity"),
                w.hydraulic_conductivity,
                0.0,
                false,
                "give L_p in µm/(mmHg·min), ≥ 0",
            )?;
            unit_interval(&k("oncotic_reflection"), w.oncotic_reflection)?;
            finite_at_least(&k("pore_radius"), w.pore_radius, 0.0, true, "give the pore radius in nm, > 0")?;
            finite_at_least(&k("pore_fraction"), w.pore_fraction, 0.0, false, "give ε/L in 1/µm, ≥ 0")?;
        }
    }
    if let Some(i) = &s.interstitium {
        if s.vessels.is_none() {
            return Err(Error::scene(
                "interstitium",
                "needs a vessel network",
                "add a [vessels] table, or remove [interstitium]",
            ));
        }
        for t in Tissue::ALL {
            let n = t.name();
            finite_at_least(
                &format!("interstitium.conductivity.{n}"),
                i.conductivity.get(t),
                0.0,
                true,
                "give K in µm²/(mmHg·min), > 0",
            )?;
            finite_at_least(
                &format!("interstitium.oncotic.{n}"),
                i.oncotic.get(t),
                0.0,
                false,
                "give π_i in mmHg, ≥ 0",
            )?;
            unit_interval(&format!("interstitium.fibre_fraction.{n}"), i.fibre_fraction.get(t))?;
        }
        finite_at_least(
            "interstitium.lymphatic_drainage",
            i.lymphatic_drainage,
            0.0,
            false,
            "give L_pL·S/V_L in 1/(mmHg·min), ≥ 0",
        )?;
        finite_at_least("interstitium.fibre_radius", i.fibre_radius, 0.0, true, "give the fibre radius in nm, > 0")?;
        finite_at_least("interstitium.tolerance", i.tolerance, 0.0, true, "give a relative residual, e.g. 1e-6")?;
        if !i.lymph_pressure.is_finite() || i.boundary_pressure.is_some_and(|p| !p.is_finite()) {
            return Err(Error::scene("interstitium.lymph_pressure", "is not finite", "give pressures in mmHg"));
        }
    }
    for sp in &s.species {
        let k = |f: &str| format!("species.{}.{f}", sp.name);
        if let Some(p) = &sp.plasma {
            if s.vessels.is_none() {
                return Err(Error::scene(
                    k("plasma"),
                    "needs a vessel network",
                    "add a [vessels] table, or remove the plasma table",
                ));
            }
            check_plasma(&k("plasma"), p)?;
        }
        for (key, g) in [("wall.permeability", sp.wall.permeability), ("wall.reflection", sp.wall.reflection)] {
            if let Some(g) = g {
                finite_at_least(&k(&format!("{key}.normal")), g.normal, 0.0, false, "give a value ≥ 0")?;
                finite_at_least(&k(&format!("{key}.tumour")), g.tumour, 0.0, false, "give a value ≥ 0")?;
            }
        }
        if let Some(g) = sp.wall.reflection {
            unit_interval(&k("wall.reflection.normal"), g.normal)?;
            unit_interval(&k("wall.reflection.tumour"), g.tumour)?;
        }
        if sp.plasma.is_some() && sp.radius.is_none() && sp.wall.permeability.is_none() {
            return Err(Error::scene(
                k("wall.permeability"),
                "is missing: the species crosses vessel walls but has no radius to derive it from",
                "give wall.permeability = { normal = …, tumour = … } in µm/min, or the particle radius in nm",
            ));
        }
    }
    let _ = known_species;
    Ok(())
}

fn unit_interval(key: &str, x: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&x) {
        return Err(Error::scene(key, format!("is {x}, must lie in [0, 1]"), "give a fraction between 0 and 1"));
    }
    Ok(())
}

fn check_plasma(key: &str, p: &PlasmaSpec) -> Result<()> {
    let k = |f: &str| format!("{key}.{f}");
    let given = [p.level.is_some(), p.preset.is_some(), p.half_lives.is_some(), p.rate_constants.is_some()];
    if given.iter().filter(|&&g| g).count() != 1 {
        return Err(Error::scene(
            key,
            "needs exactly one of level, preset, half_lives, rate_constants",
            "e.g. level = 38 for oxygen, or preset = \"liposomal_doxorubicin\"",
        ));
    }
    if let Some(l) = p.level {
        return finite_at_least(&k("level"), l, 0.0, false, "give the plasma level in the species' unit, ≥ 0");
    }
    if let Some(name) = &p.preset {
        if pk::preset(name).is_none() {
            return Err(Error::scene(
                k("preset"),
                format!("unknown preset \"{name}\""),
                format!("use one of: {}", pk::PRESET_NAMES.join(", ")),
            ));
        }
    }
    if p.half_lives.is_some() || p.rate_constants.is_some() {
        match p.dose {
            None => {
                return Err(Error::scene(
                    k("dose"),
                    "is missing",
                    "give the plasma concentration right after one bolus",
                ));
            }
            Some(d) => finite_at_least(&k("dose"), d, 0.0, false, "give a dose ≥ 0")?,
        }
    }
    if let Some(d) = p.dose {
        finite_at_least(&k("dose"), d, 0.0, false, "give a dose ≥ 0")?;
    }
    if let Some(v) = p.volume {
        finite_at_least(&k("volume"), v, 0.0, true, "give the central volume in L, > 0")?;
    }
    finite_at_least(&k("start"), p.start, 0.0, false, "give the first dose time in min, ≥ 0")?;
    finite_at_least(&k("infusion"), p.infusion, 0.0, false, "give the infusion time in min, ≥ 0 (0 = bolus)")?;
    if p.count == 0 {
        return Err(Error::scene(k("count"), "is 0", "give at least one dose"));
    }
    if p.count > 1 {
        let every = p.every.ok_or_else(|| {
            Error::scene(k("every"), "is missing for repeated doses", "give the interval between doses in min")
        })?;
        finite_at_least(&k("every"), every, 0.0, true, "give the interval in min, > 0")?;
        if p.infusion > every {
            return Err(Error::scene(
                k("infusion"),
                "is longer than the interval between doses",
                "shorten the infusion or lengthen every",
            ));
        }
    }
    plasma_curve(p).map(|_| ()).map_err(|e| Error::scene(key, e, "check the half-lives, fraction or rate constants"))
}
