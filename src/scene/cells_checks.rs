//! Checks of `[cells]`, each failure naming its key and the fix; carrier
//! class presets are resolved here so that `scene.resolved.toml` shows every
//! number used.

use super::Scene;
use super::cells::{CarrierSpec, CellsSpec};
use super::validate::finite_at_least;
use crate::model::cells::{MAX_CARRIERS, MAX_PHENOTYPES};
use crate::model::nanoparticles;
use crate::{Error, Result};

/// Check the `[cells]` section and fill carrier presets.
pub fn check(s: &mut Scene) -> Result<()> {
    let names: Vec<String> = s.species.iter().map(|sp| sp.name.clone()).collect();
    let regions: Vec<String> = s.regions.iter().map(|r| r.name.clone()).collect();
    let consumption: Vec<(String, std::collections::BTreeMap<String, super::Consumption>)> =
        s.regions.iter().map(|r| (r.name.clone(), r.consumption.clone())).collect();
    let Some(c) = &mut s.cells else { return Ok(()) };
    let species = |key: &str, name: &str| -> Result<()> {
        if names.iter().any(|n| n == name) {
            Ok(())
        } else {
            Err(Error::scene(
                key,
                format!("names species \"{name}\", which the scene does not declare"),
                format!("use one of: {}", names.join(", ")),
            ))
        }
    };
    species("cells.oxygen", &c.oxygen)?;
    if let Some(d) = &c.drug {
        species("cells.drug", d)?;
    }
    if let Some(x) = &c.inhibitor {
        species("cells.inhibitor", x)?;
    }
    globals(c)?;
    phenotypes(c)?;
    for (region, cons) in &consumption {
        if let Some(k) = cons.get(&c.oxygen).map(|x| x.half_saturation)
            && k != c.o2_half_saturation
        {
            return Err(Error::scene(
                format!("regions.{region}.consumption.{}.half_saturation", c.oxygen),
                format!(
                    "is {k} mmHg, but the cells consume oxygen with cells.o2_half_saturation = {}",
                    c.o2_half_saturation
                ),
                "give both the same half-saturation: the two consumptions share one Michaelis–Menten step",
            ));
        }
    }
    if c.carriers.len() > MAX_CARRIERS {
        return Err(Error::scene(
            "cells.carrier",
            format!("declares {} carriers; at most {MAX_CARRIERS} are supported", c.carriers.len()),
            "merge carriers that share kinetics",
        ));
    }
    let mut linked = vec![c.oxygen.clone()];
    linked.extend(c.drug.clone());
    linked.extend(c.inhibitor.clone());
    for i in 0..c.carriers.len() {
        let key = format!("cells.carrier.{}", c.carriers[i].species);
        species(&format!("{key}.species"), &c.carriers[i].species)?;
        if linked.contains(&c.carriers[i].species) {
            return Err(Error::scene(
                format!("{key}.species"),
                format!("\"{}\" is already linked to the cells", c.carriers[i].species),
                "give each carrier its own transport species, distinct from oxygen, drug and inhibitor",
            ));
        }
        linked.push(c.carriers[i].species.clone());
        resolve_class(&key, &mut c.carriers[i])?;
        carrier(&key, &c.carriers[i], &regions)?;
        let cr = &c.carriers[i];
        if cr.drug_load.unwrap_or(1.0) > 0.0 && c.drug.is_none() {
            return Err(Error::scene(
                format!("{key}.drug_load"),
                "the carrier releases drug but cells.drug names no drug species",
                "set cells.drug, or drug_load = 0",
            ));
        }
        if cr.inhibitor_load.unwrap_or(0.0) > 0.0 && c.inhibitor.is_none() {
            return Err(Error::scene(
                format!("{key}.inhibitor_load"),
                "the carrier releases inhibitor but cells.inhibitor names no species",
                "add an inhibitor species and set cells.inhibitor",
            ));
        }
    }
    if let Some(rt) = &c.radiotherapy {
        finite_at_least("cells.radiotherapy.dose", rt.dose, 0.0, false, "give the dose per fraction in Gy, e.g. 2")?;
        finite_at_least("cells.radiotherapy.oer_max", rt.oer_max, 1.0, false, "give the maximum OER (≥ 1), e.g. 3")?;
        finite_at_least(
            "cells.radiotherapy.oer_k",
            rt.oer_k,
            0.0,
            true,
            "give the OER half-way oxygen in mmHg, e.g. 3",
        )?;
        for (i, &t) in rt.times.iter().enumerate() {
            finite_at_least(&format!("cells.radiotherapy.times.{i}"), t, 0.0, false, "give times in min, ≥ 0")?;
        }
    }
    Ok(())
}

fn globals(c: &CellsSpec) -> Result<()> {
    if let Some(i) = c.interval {
        finite_at_least("cells.interval", i, 0.0, true, "give minutes between kinetics updates, e.g. 1")?;
    }
    finite_at_least(
        "cells.max_density",
        c.max_density,
        0.0,
        true,
        "give the carrying capacity as a volume fraction, e.g. 1",
    )?;
    if c.max_density > 1.0 {
        return Err(Error::scene("cells.max_density", "is above 1", "give a volume fraction ≤ 1"));
    }
    for (key, v, strict, fix) in [
        ("cell_volume", c.cell_volume, true, "give the volume of one cell in µm³, e.g. 2494"),
        ("spread", c.spread, false, "give the spread coefficient in µm²/min, ≥ 0"),
        ("spread_threshold", c.spread_threshold, false, "give a fraction of max_density in [0, 1)"),
        ("growth_o2", c.growth_o2, true, "give the oxygen half-saturation of growth in mmHg, e.g. 5"),
        ("hypoxic_o2", c.hypoxic_o2, true, "give the hypoxia threshold in mmHg, e.g. 10"),
        ("necrosis_o2", c.necrosis_o2, true, "give the necrosis threshold in mmHg, e.g. 2.5"),
        ("necrosis_rate", c.necrosis_rate, false, "give a rate in 1/min, ≥ 0"),
        ("clearance", c.clearance, false, "give a rate in 1/min, ≥ 0"),
        ("o2_consumption", c.o2_consumption, false, "give mmHg/min at full density, ≥ 0"),
        ("o2_half_saturation", c.o2_half_saturation, true, "give mmHg, e.g. 1"),
        ("inhibitor_ki", c.inhibitor_ki, true, "give µM, e.g. 0.05"),
        ("sirna_half", c.sirna_half, true, "give the siRNA level of half knockdown, e.g. 1"),
        ("sirna_decay", c.sirna_decay, false, "give a rate in 1/min, ≥ 0"),
    ] {
        finite_at_least(&format!("cells.{key}"), v, 0.0, strict, fix)?;
    }
    if c.spread_threshold >= 1.0 {
        return Err(Error::scene("cells.spread_threshold", "is 1 or more", "give a fraction of max_density in [0, 1)"));
    }
    Ok(())
}

fn phenotypes(c: &CellsSpec) -> Result<()> {
    if c.phenotypes.is_empty() || c.phenotypes.len() > MAX_PHENOTYPES {
        return Err(Error::scene(
            "cells.phenotype",
            format!("declares {} phenotypes", c.phenotypes.len()),
            format!("declare between 1 and {MAX_PHENOTYPES} [[cells.phenotype]] tables"),
        ));
    }
    let names: Vec<&str> = c.phenotypes.iter().map(|p| p.name.as_str()).collect();
    let mut initial = [0.0f64; 2];
    for (i, ph) in c.phenotypes.iter().enumerate() {
        let key = |f: &str| format!("cells.phenotype.{}.{f}", ph.name);
        if ph.name.is_empty() || names[..i].contains(&ph.name.as_str()) {
            return Err(Error::scene(
                format!("cells.phenotype.{i}.name"),
                format!("\"{}\" is empty or used twice", ph.name),
                "give every phenotype a unique name",
            ));
        }
        for (f, v, strict) in [
            ("initial", ph.initial.value(), false),
            ("initial_necrotic", ph.initial_necrotic, false),
            ("growth", ph.growth, false),
            ("influx", ph.influx, false),
            ("influx_vmax", ph.influx_vmax, false),
            ("influx_km", ph.influx_km, true),
            ("pump_vmax", ph.pump_vmax, false),
            ("pump_km", ph.pump_km, true),
            ("deactivation", ph.deactivation, false),
            ("emax", ph.emax, false),
            ("ec50", ph.ec50, true),
            ("hill", ph.hill, true),
            ("alpha", ph.alpha, false),
            ("beta", ph.beta, false),
        ] {
            finite_at_least(&key(f), v, 0.0, strict, "give a finite value in the unit scenes/README.md states")?;
        }
        finite_at_least(&key("bcl2"), ph.bcl2, 1.0, false, "give the fold rise of EC50, ≥ 1")?;
        if !(0.0..=1.0).contains(&ph.cycle_specificity) {
            return Err(Error::scene(key("cycle_specificity"), "is outside [0, 1]", "give a share between 0 and 1"));
        }
        if let Some(p) = ph.initial.npy() {
            super::validate::npy_path(&key("initial"), p)?;
            if ph.initial_necrotic != 0.0 {
                return Err(Error::scene(
                    key("initial_necrotic"),
                    format!(
                        "is {}, but initial = {{ npy = \"{p}\" }} gives every voxel's density",
                        ph.initial_necrotic
                    ),
                    "put the densities of necrotic voxels in the NPY file and leave initial_necrotic out",
                ));
            }
        }
        initial[0] += ph.initial.value();
        initial[1] += ph.initial_necrotic;
        for (table, map) in
            [("switch", &ph.switch), ("switch_drug", &ph.switch_drug), ("switch_hypoxia", &ph.switch_hypoxia)]
        {
            for (to, &rate) in map {
                let k = format!("{}.{to}", key(table));
                if !names.contains(&to.as_str()) || to == &ph.name {
                    return Err(Error::scene(
                        k,
                        format!("\"{to}\" is not another phenotype"),
                        format!("switch into one of: {}", names.join(", ")),
                    ));
                }
                finite_at_least(&k, rate, 0.0, false, "give a rate in 1/min, ≥ 0")?;
            }
        }
    }
    for (which, total) in ["initial", "initial_necrotic"].iter().zip(initial) {
        initial_total(&format!("cells.phenotype.*.{which}"), total, c.max_density, "")?;
    }
    Ok(())
}

/// The phenotypes' initial densities in one voxel (`at`: which, or empty
/// for the uniform values) add up to at most `cells.max_density`.
pub fn initial_total(key: &str, total: f64, max_density: f64, at: &str) -> Result<()> {
    if total > max_density {
        let which = key.rsplit('.').next().unwrap_or(key);
        return Err(Error::scene(
            key,
            format!("the phenotypes' {which} densities add up to {total}{at}, above cells.max_density = {max_density}"),
            "lower the initial densities",
        ));
    }
    Ok(())
}

/// Fill every key the carrier leaves out from its class preset.
fn resolve_class(key: &str, cr: &mut CarrierSpec) -> Result<()> {
    let Some(name) = &cr.class else { return Ok(()) };
    let Some(k) = nanoparticles::class(name) else {
        return Err(Error::scene(
            format!("{key}.class"),
            format!("\"{name}\" is not a nanoparticle class"),
            format!("use one of: {}", nanoparticles::names().join(", ")),
        ));
    };
    let fill = |v: &mut Option<f64>, x: f64| {
        v.get_or_insert(x);
    };
    fill(&mut cr.binding, k.binding);
    fill(&mut cr.unbinding, k.unbinding);
    fill(&mut cr.internalisation, k.internalisation);
    fill(&mut cr.endosomal_release, k.endosomal_release);
    fill(&mut cr.release, k.release);
    fill(&mut cr.release_acidic, k.release_acidic);
    fill(&mut cr.dose_enhancement, k.dose_enhancement);
    fill(&mut cr.enhancement_half, k.enhancement_half);
    Ok(())
}

fn carrier(key: &str, cr: &CarrierSpec, regions: &[String]) -> Result<()> {
    for (f, v) in [
        ("drug_load", cr.drug_load),
        ("inhibitor_load", cr.inhibitor_load),
        ("sirna_load", cr.sirna_load),
        ("binding", cr.binding),
        ("unbinding", cr.unbinding),
        ("internalisation", cr.internalisation),
        ("endosomal_release", cr.endosomal_release),
        ("release", cr.release),
        ("release_acidic", cr.release_acidic),
        ("dose_enhancement", cr.dose_enhancement),
    ] {
        if let Some(v) = v {
            finite_at_least(
                &format!("{key}.{f}"),
                v,
                0.0,
                false,
                "give a value ≥ 0 in the unit scenes/README.md states",
            )?;
        }
    }
    if let Some(h) = cr.enhancement_half {
        finite_at_least(&format!("{key}.enhancement_half"), h, 0.0, true, "give a concentration > 0")?;
    }
    if let Some(t) = &cr.trigger {
        if !regions.contains(&t.region) {
            return Err(Error::scene(
                format!("{key}.trigger.region"),
                format!("\"{}\" is not a region of the scene", t.region),
                "name a [[regions]] entry",
            ));
        }
        finite_at_least(&format!("{key}.trigger.release"), t.release, 0.0, false, "give a rate in 1/min, ≥ 0")?;
        if !(t.start.is_finite() && t.end.is_finite() && t.start >= 0.0 && t.end > t.start) {
            return Err(Error::scene(
                format!("{key}.trigger.start"),
                format!("the window [{}, {}] min is empty or negative", t.start, t.end),
                "give 0 ≤ start < end, in min",
            ));
        }
    }
    Ok(())
}
