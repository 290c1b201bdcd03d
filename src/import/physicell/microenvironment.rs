//! One `<microenvironment_setup><variable>` (diffusion, decay, initial
//! value, Dirichlet condition and per-face options) and the
//! `<microenvironment_setup><options>` block, each enabled option of which
//! is a warning.

use super::settings::{Dirichlet, FACE_IDS, Variable};
use super::units;
use super::xml::El;
use crate::Result;

/// A number with a unit attribute converted by `factor_of`; absent units
/// are PhysiCell's own (`default`, factor 1) with a warning.
fn converted(
    e: &El,
    default: &str,
    factor_of: fn(&str) -> Option<f64>,
    warn: &mut Vec<String>,
) -> Result<(f64, String)> {
    let v = e.number()?;
    let unit = match e.attr("units") {
        Some(u) => u,
        None => {
            warn.push(format!("{}: no units attribute; read as {default}", e.path));
            default
        }
    };
    let Some(factor) = factor_of(unit) else {
        return Err(e.error(
            format!("units=\"{unit}\" is not a unit oncovox knows"),
            format!("write units=\"{default}\" (time in min, hour or day; length in micron)"),
        ));
    };
    if v < 0.0 {
        return Err(e.error(format!("is {v}, must be at least 0"), "give a value ≥ 0"));
    }
    if !(v * factor).is_finite() {
        return Err(e.error(format!("{v} {unit} is too large"), "give a value below 1e15"));
    }
    let written = format!("{} {unit}", e.text());
    if factor != 1.0 {
        warn.push(format!(
            "{}: {written} converted to {} {default}; note that PhysiCell itself reads this number in {default} \
             whatever its units say",
            e.path,
            v * factor
        ));
    }
    Ok((v * factor, written))
}

pub fn variable(v: &El, warn: &mut Vec<String>) -> Result<Variable> {
    let Some(name) = v.attr("name").map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(
            v.error("has no name attribute", "give it one, e.g. <variable name=\"oxygen\" units=\"mmHg\" ID=\"0\">")
        );
    };
    let unit = v.attr("units").unwrap_or("dimensionless").to_string();
    let p = v.require(
        "physical_parameter_set",
        "add <physical_parameter_set> with <diffusion_coefficient> and <decay_rate>",
    )?;
    let d = p.require("diffusion_coefficient", "add <diffusion_coefficient units=\"micron^2/min\">")?;
    let diffusion = converted(&d, "micron^2/min", units::diffusion, warn)?;
    let k = p.require("decay_rate", "add <decay_rate units=\"1/min\">")?;
    let decay = converted(&k, "1/min", units::rate, warn)?;
    for e in p.elements().filter(|e| !["diffusion_coefficient", "decay_rate"].contains(&e.name())) {
        warn.push(format!("{}: not imported (unknown to the importer)", e.path));
    }
    let init = v.require("initial_condition", "add <initial_condition units=\"…\">0</initial_condition>")?;
    let initial = concentration(&init, &unit, warn)?;
    let bc = v.require(
        "Dirichlet_boundary_condition",
        "add <Dirichlet_boundary_condition units=\"…\" enabled=\"false\">0</Dirichlet_boundary_condition>",
    )?;
    let mut dirichlet =
        Dirichlet { enabled: bc.flag("enabled")?, value: concentration(&bc, &unit, warn)?, faces: [None; 6] };
    if let Some(o) = v.child("Dirichlet_options") {
        for b in o.elements() {
            if b.name() != "boundary_value" {
                warn.push(format!("{}: not imported (unknown to the importer)", b.path));
                continue;
            }
            let id = b.attr("ID").unwrap_or("").trim().to_ascii_lowercase();
            let Some(face) = FACE_IDS.iter().position(|f| *f == id) else {
                return Err(b.error(
                    format!("ID=\"{id}\" is not a face"),
                    "give ID=\"xmin\", \"xmax\", \"ymin\", \"ymax\", \"zmin\" or \"zmax\"",
                ));
            };
            dirichlet.faces[face] = Some((b.flag("enabled")?, concentration(&b, &unit, warn)?));
        }
    }
    let known = ["physical_parameter_set", "initial_condition", "Dirichlet_boundary_condition", "Dirichlet_options"];
    for e in v.elements().filter(|e| !known.contains(&e.name())) {
        warn.push(format!("{}: not imported (unknown to the importer)", e.path));
    }
    Ok(Variable {
        name: name.to_string(),
        id: v.attr("ID").map(str::to_string),
        unit,
        diffusion,
        decay,
        initial,
        dirichlet,
    })
}

/// A concentration (≥ 0); a unit other than the variable's is a label
/// only, so it is noted, not converted.
fn concentration(e: &El, unit: &str, warn: &mut Vec<String>) -> Result<f64> {
    let v = e.number()?;
    if v < 0.0 {
        return Err(e.error(format!("is {v}; oncovox concentrations are at least 0"), "give a value ≥ 0"));
    }
    if let Some(u) = e.attr("units")
        && u.trim() != unit.trim()
    {
        warn.push(format!("{}: units=\"{u}\" differ from the variable's \"{unit}\"; the value is taken as is", e.path));
    }
    Ok(v)
}

/// `<microenvironment_setup><options>`: each enabled option is a warning.
pub fn options(o: &El, warn: &mut Vec<String>) -> Result<()> {
    for e in o.elements() {
        let p = &e.path;
        match e.name() {
            "calculate_gradients" if e.boolean()? => {
                warn.push(format!("{p}: not imported: gradients serve agents' chemotaxis, which oncovox does not have"))
            }
            "track_internalized_substrates_in_each_agent" if e.boolean()? => {
                warn.push(format!("{p}: not imported: oncovox has no agents"))
            }
            "initial_condition" | "dirichlet_nodes" if e.flag("enabled")? => {
                let file = e.child("filename").map(|f| f.text()).unwrap_or_default();
                let kind = e.attr("type").unwrap_or("?");
                let instead = if e.name() == "initial_condition" {
                    "each species starts at its <initial_condition> everywhere"
                } else {
                    "only the faces of each variable are held"
                };
                warn.push(format!("{p}: per-voxel values from {kind} file \"{file}\" not imported: {instead}"))
            }
            "calculate_gradients"
            | "track_internalized_substrates_in_each_agent"
            | "initial_condition"
            | "dirichlet_nodes" => {}
            _ => warn.push(format!("{p}: not imported (unknown to the importer)")),
        }
    }
    Ok(())
}
