//! Checks of `[vessels]`, `[interstitium]`, `[species.plasma]` and
//! `[species.wall]`, each failure naming its key and the fix.

use super::transport::plasma_curve;
use super::validate::finite_at_least;
use super::{PlasmaSpec, Scene};
use crate::grid::{Grid, Tissue};
use crate::model::pk;
use crate::vessels::MAX_PRESSURE;
use crate::{Error, Result};

/// The most doses one plasma schedule may list (every dose is kept in the
/// schedule, whether or not it falls within the run).
pub const MAX_DOSES: u32 = 10_000;

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
        if v.pressure.abs() > MAX_PRESSURE {
            return Err(Error::scene(
                "vessels.pressure",
                format!("is {} mmHg, outside ±{MAX_PRESSURE} mmHg", v.pressure),
                "give the intravascular pressure in mmHg, e.g. 25",
            ));
        }
        // Everything generation asks of its parameters, here, so that a
        // scene `check` passes is one `run` can generate (an imported
        // network uses none of them).
        if v.file.is_none() {
            let s_grid = s.grid.shape.map(|n| n as usize);
            v.generate_params().validate_for_grid("vessels", &Grid::new(s_grid, s.grid.dx))?;
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
    if let Some(name) = &p.preset
        && pk::preset(name).is_none()
    {
        return Err(Error::scene(
            k("preset"),
            format!("unknown preset \"{name}\""),
            format!("use one of: {}", pk::PRESET_NAMES.join(", ")),
        ));
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
    if p.count > MAX_DOSES {
        return Err(Error::scene(
            k("count"),
            format!("is {}, more than {MAX_DOSES} doses", p.count),
            format!("give at most {MAX_DOSES} doses (only those within time.duration act)"),
        ));
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
