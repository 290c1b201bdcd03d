//! Ranges every number of a scene must lie in, checked in one walk over the
//! whole scene (so no key is forgotten), and the sub-step caps of the cell
//! operators. Each failure names the dotted key, as `--set` spells it.

use super::Scene;
use crate::model::cells::{Kinetics, STIFFNESS_STEP};
use crate::solver::{MAX_SUBSTEPS, interval_steps, kinetics_substeps, spread_substeps};
use crate::{Error, Result};

/// Largest magnitude of any number in a scene. The kernels compute in f32
/// (largest value 3.4e38): below 1e15 the product of any two scene values
/// stays finite, and no quantity of a tissue model (µm, min, µM, mmHg,
/// 1/min) comes near it.
pub const MAX_MAGNITUDE: f64 = 1e15;

/// Largest diffusion coefficient (and cell spread coefficient), µm²/min:
/// 1e9 µm²/min ≈ 0.17 cm²/s, a gas in air. Oxygen in tissue is ≈ 1e5.
pub const MAX_DIFFUSION: f64 = 1e9;

/// Which numbers [`check`] refuses: finite ones beyond their bound, or the
/// non-finite ones the checks of each key have let through.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    Magnitude,
    Finite,
}

/// Check every floating-point number of the scene.
pub(super) fn check(s: &Scene, pass: Pass) -> Result<()> {
    let mut plain = s.clone();
    // A seed above i64::MAX has no TOML form; it is no float anyway.
    plain.seed = 0;
    let value = toml::Value::try_from(&plain)
        .map_err(|e| Error::Parse(format!("the scene's numbers could not be checked ({e})")))?;
    walk(&value, &mut Vec::new(), pass)
}

fn walk(v: &toml::Value, path: &mut Vec<String>, pass: Pass) -> Result<()> {
    match v {
        toml::Value::Float(x) => number(&path.join("."), path.last().map_or("", String::as_str), *x, pass),
        toml::Value::Table(t) => {
            for (k, item) in t {
                path.push(k.clone());
                walk(item, path, pass)?;
                path.pop();
            }
            Ok(())
        }
        toml::Value::Array(items) => {
            // Elements as `--set` enters them: tables by name (carriers by
            // species), slices and plain values by index.
            let by_index = path.last().is_some_and(|k| k == "slices");
            for (i, item) in items.iter().enumerate() {
                let name = item.get("name").or_else(|| item.get("species")).and_then(|n| n.as_str());
                path.push(match name {
                    Some(n) if !by_index => n.to_string(),
                    _ => i.to_string(),
                });
                walk(item, path, pass)?;
                path.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn number(key: &str, leaf: &str, x: f64, pass: Pass) -> Result<()> {
    if !x.is_finite() {
        if pass == Pass::Finite {
            return Err(Error::scene(key, format!("is {x}, must be a finite number"), unit_fix()));
        }
        return Ok(());
    }
    let diffusive = matches!(leaf, "diffusion" | "diffusion_tumour" | "diffusion_necrotic") || key == "cells.spread";
    if diffusive && x.abs() > MAX_DIFFUSION {
        return Err(Error::scene(
            key,
            format!("is {x:e} µm²/min, above {MAX_DIFFUSION:e} µm²/min (≈ 0.17 cm²/s, a gas in air)"),
            "give the coefficient in µm²/min (oxygen in tissue ≈ 1e5, a drug ≈ 1e3–1e4)",
        ));
    }
    if x.abs() > MAX_MAGNITUDE {
        return Err(Error::scene(
            key,
            format!(
                "is {x:e}, beyond ±{MAX_MAGNITUDE:e}, the largest magnitude a scene number may have \
                 (the solvers compute in f32, whose range ends at 3.4e38)"
            ),
            unit_fix(),
        ));
    }
    Ok(())
}

fn unit_fix() -> &'static str {
    "give the value in the unit scenes/README.md states for this key (µm, min, the species' unit, 1/min, …); \
     no tissue quantity comes near 1e15"
}

/// Refuse cell operators that would need more than [`MAX_SUBSTEPS`]
/// sub-steps per update (at most one update per step): the Runge–Kutta
/// kinetics (fastest rate × interval) and the spread (6·spread·interval/dx²).
pub(super) fn cell_substeps(s: &Scene) -> Result<()> {
    let Some(c) = &s.cells else { return Ok(()) };
    let h = interval_steps(c.interval, s.time.dt) as f64 * s.time.dt;
    let rate = Kinetics::new(c).fastest_rate();
    let n = kinetics_substeps(rate, h);
    if n > MAX_SUBSTEPS {
        let (key, value) = fastest_key(c);
        return Err(Error::scene(
            key.clone(),
            format!(
                "the cell kinetics would need {n} Runge–Kutta sub-steps per update (fastest rate {rate:.3e} /min × \
                 interval {h} min; at most {STIFFNESS_STEP} per sub-step), more than {MAX_SUBSTEPS}; \
                 the largest rate is {key} = {value:e}"
            ),
            format!("give {key} in 1/min (a doubling a day is 4.8e-4), or a shorter cells.interval"),
        ));
    }
    let n = spread_substeps(c.spread, h, s.grid.dx);
    if n > MAX_SUBSTEPS {
        return Err(Error::scene(
            "cells.spread",
            format!(
                "the cell spread would need {n} sub-steps per update (6·spread·interval/dx² = {:.3e}), more than \
                 {MAX_SUBSTEPS}",
                6.0 * c.spread * h / (s.grid.dx * s.grid.dx)
            ),
            "give the spread in µm²/min (default 2), or a shorter cells.interval, or a larger grid.dx",
        ));
    }
    Ok(())
}

/// The single largest rate of the kinetics (1/min) and its key.
fn fastest_key(c: &super::CellsSpec) -> (String, f64) {
    let nmax = c.max_density;
    let mut rates = vec![("cells.necrosis_rate".to_string(), c.necrosis_rate)];
    for p in &c.phenotypes {
        let k = |f: &str| format!("cells.phenotype.{}.{f}", p.name);
        rates.extend([
            (k("growth"), p.growth),
            (k("influx"), p.influx * (1.0 + nmax)),
            (k("influx_vmax"), p.influx_vmax / p.influx_km.max(1e-12) * nmax),
            (k("pump_vmax"), p.pump_vmax / p.pump_km.max(1e-12) * (1.0 + nmax)),
            (k("deactivation"), p.deactivation),
            (k("emax"), p.emax),
        ]);
        for (table, map) in
            [("switch", &p.switch), ("switch_drug", &p.switch_drug), ("switch_hypoxia", &p.switch_hypoxia)]
        {
            rates.extend(map.iter().map(|(to, &r)| (k(&format!("{table}.{to}")), r)));
        }
    }
    for cr in &c.carriers {
        let k = |f: &str| format!("cells.carrier.{}.{f}", cr.species);
        let g = |v: Option<f64>| v.unwrap_or(0.0);
        rates.extend([
            (k("binding"), g(cr.binding) * nmax),
            (k("unbinding"), g(cr.unbinding)),
            (k("internalisation"), g(cr.internalisation)),
            (k("endosomal_release"), g(cr.endosomal_release)),
            (k("release"), g(cr.release)),
            (k("release_acidic"), g(cr.release_acidic)),
            (k("trigger.release"), cr.trigger.as_ref().map_or(0.0, |t| t.release)),
        ]);
    }
    rates.into_iter().fold((String::from("cells.interval"), 0.0), |best, r| if r.1 > best.1 { r } else { best })
}
