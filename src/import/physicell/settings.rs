//! The parts of a PhysiCell settings file that have an oncovox equivalent,
//! read into plain values in oncovox's units (µm, min, µm²/min, 1/min),
//! and a warning for every part that has none.

use super::microenvironment;
use super::units;
use super::xml::El;
use crate::Result;

/// What the scene is built from.
pub struct Settings {
    /// The root's `version` attribute.
    pub version: Option<String>,
    pub domain: Domain,
    pub time: Time,
    pub save: Save,
    pub variables: Vec<Variable>,
}

/// `<domain>`, in µm.
pub struct Domain {
    pub min: [f64; 3],
    pub max: [f64; 3],
    /// dx, dy, dz.
    pub step: [f64; 3],
    pub two_d: bool,
}

/// A time in minutes and how the file wrote it (`24 hours`).
#[derive(Clone)]
pub struct Span {
    pub minutes: f64,
    pub written: String,
}

/// `<overall>`: the simulated time and the diffusion step.
pub struct Time {
    pub max_time: Span,
    pub dt: Span,
}

/// `<save>`: the output interval and what is written at it.
#[derive(Default)]
pub struct Save {
    /// The interval and the element it came from (`full_data` or `SVG`).
    pub interval: Option<(Span, &'static str)>,
    /// `<full_data>` enabled: every substrate's whole field at every output.
    pub fields: bool,
    /// `<SVG>` enabled: pictures at every output.
    pub slices: bool,
}

/// One `<microenvironment_setup><variable>`.
pub struct Variable {
    pub name: String,
    pub id: Option<String>,
    pub unit: String,
    /// µm²/min, and as written.
    pub diffusion: (f64, String),
    /// 1/min, and as written.
    pub decay: (f64, String),
    pub initial: f64,
    pub dirichlet: Dirichlet,
}

/// `<Dirichlet_boundary_condition>` and `<Dirichlet_options>`.
pub struct Dirichlet {
    pub enabled: bool,
    pub value: f64,
    /// Per face, in [`FACE_IDS`] order: `(enabled, value)` where given.
    pub faces: [Option<(bool, f64)>; 6],
}

/// The `ID`s of `<boundary_value>`, in the order of oncovox's faces.
pub const FACE_IDS: [&str; 6] = ["xmin", "xmax", "ymin", "ymax", "zmin", "zmax"];

/// Read `root` (`<PhysiCell_settings>`), pushing a warning for each part left out.
pub fn read(root: &El, warn: &mut Vec<String>) -> Result<Settings> {
    for e in root.elements() {
        if let Some(w) = unmapped_top(&e) {
            warn.push(w);
        }
    }
    let overall = root.require("overall", "add <overall> with <max_time> and <dt_diffusion>")?;
    let time_unit = overall.child("time_units").map(|e| e.text()).unwrap_or_else(|| "min".into());
    let space = overall.child("space_units").map(|e| e.text()).unwrap_or_else(|| "micron".into());
    let Some(length) = units::length(&space) else {
        return Err(overall.require("space_units", "")?.error(
            format!("\"{space}\" is not a length unit oncovox knows"),
            "write micron: oncovox works in µm, and the domain's numbers are read in this unit",
        ));
    };
    let time = overall_time(&overall, &time_unit, warn)?;
    let domain = domain(root, length, warn)?;
    let save = save(root, &time_unit, warn)?;
    let micro = root.require("microenvironment_setup", "add <microenvironment_setup> with at least one <variable>")?;
    let mut variables = Vec::new();
    for e in micro.elements() {
        match e.name() {
            "variable" => variables.push(microenvironment::variable(&e, warn)?),
            "options" => microenvironment::options(&e, warn)?,
            _ => warn.push(format!("{}: not imported (unknown to the importer)", e.path)),
        }
    }
    if variables.is_empty() {
        return Err(micro.error("has no <variable>", "add a <variable name=\"oxygen\" units=\"mmHg\" ID=\"0\"> block"));
    }
    Ok(Settings { version: root.attr("version").map(str::to_string), domain, time, save, variables })
}

/// The warning for a top-level element with no oncovox equivalent.
fn unmapped_top(e: &El) -> Option<String> {
    let p = &e.path;
    let children = || e.elements().map(|c| c.name().to_string()).collect::<Vec<_>>().join(", ");
    Some(match e.name() {
        "domain" | "overall" | "save" | "microenvironment_setup" => return None,
        "cell_definitions" => {
            let n: Vec<&str> = e.all("cell_definition").iter().map(|c| c.attr("name").unwrap_or("?")).collect();
            format!(
                "{p}: not imported ({} cell definitions: {}): oncovox has no agents (its cells are densities per \
                 voxel, [cells] in scenes/README.md)",
                n.len(),
                n.join(", ")
            )
        }
        "cell_rules" => format!("{p}: not imported: rules act on agents, which oncovox does not have"),
        "user_parameters" => format!("{p}: not imported ({}): they feed a project's own C++ code", children()),
        "initial_conditions" => format!("{p}: not imported: initial cell positions need agents"),
        "parallel" => format!("{p}: not imported: oncovox runs on every core (or the GPU) by itself"),
        "options" => format!("{p}: not imported ({}): options of agents", children()),
        _ => format!("{p}: not imported (unknown to the importer)"),
    })
}

/// A time element in minutes: its `units` attribute, else `<time_units>`.
fn span(e: &El, fallback: &str, warn: &mut Vec<String>) -> Result<Span> {
    let unit = e.attr("units").unwrap_or(fallback);
    let Some(factor) = units::time(unit) else {
        return Err(e.error(
            format!("units=\"{unit}\" is not a time unit oncovox knows"),
            "write units=\"min\", \"hour\" or \"day\" (also \"s\")",
        ));
    };
    let v = e.number()?;
    let s = Span { minutes: v * factor, written: format!("{} {unit}", e.text()) };
    if !s.minutes.is_finite() {
        return Err(e.error(format!("{} is too long", s.written), "give a time below 1e15 min"));
    }
    if factor != 1.0 {
        warn.push(format!(
            "{}: {} converted to {} min; note that PhysiCell itself reads this number as minutes whatever its units say",
            e.path, s.written, s.minutes
        ));
    }
    Ok(s)
}

fn overall_time(o: &El, unit: &str, warn: &mut Vec<String>) -> Result<Time> {
    let max_time = span(&o.require("max_time", "add <max_time units=\"min\">")?, unit, warn)?;
    let dt = span(&o.require("dt_diffusion", "add <dt_diffusion units=\"min\">0.01</dt_diffusion>")?, unit, warn)?;
    for (s, key) in [(&max_time, "max_time"), (&dt, "dt_diffusion")] {
        if s.minutes <= 0.0 {
            return Err(o
                .require(key, "")?
                .error(format!("is {}, must be greater than 0", s.written), "give a positive time"));
        }
    }
    for e in o.elements() {
        match e.name() {
            "max_time" | "dt_diffusion" | "time_units" | "space_units" => {}
            "dt_mechanics" | "dt_phenotype" => {
                warn.push(format!("{}: not imported: oncovox has no agents to move or update", e.path))
            }
            _ => warn.push(format!("{}: not imported (unknown to the importer)", e.path)),
        }
    }
    Ok(Time { max_time, dt })
}

fn domain(root: &El, length: f64, warn: &mut Vec<String>) -> Result<Domain> {
    let d = root.require("domain", "add <domain> with x_min … z_max, dx, dy, dz and use_2D")?;
    let num = |name: &str| -> Result<f64> {
        let fix = format!("add <{name}> to <domain> (in <overall><space_units>, micron)");
        Ok(d.require(name, &fix)?.number()? * length)
    };
    let min = [num("x_min")?, num("y_min")?, num("z_min")?];
    let max = [num("x_max")?, num("y_max")?, num("z_max")?];
    let dx = num("dx")?;
    let optional =
        |name: &str| -> Result<f64> { Ok(d.child(name).map(|e| e.number()).transpose()?.map_or(dx, |v| v * length)) };
    let step = [dx, optional("dy")?, optional("dz")?];
    let two_d = d.child("use_2D").map(|e| e.boolean()).transpose()?.unwrap_or(false);
    for e in d.elements() {
        let known = ["x_min", "x_max", "y_min", "y_max", "z_min", "z_max", "dx", "dy", "dz", "use_2D"];
        if !known.contains(&e.name()) {
            warn.push(format!("{}: not imported (unknown to the importer)", e.path));
        }
    }
    Ok(Domain { min, max, step, two_d })
}

fn save(root: &El, unit: &str, warn: &mut Vec<String>) -> Result<Save> {
    let Some(s) = root.child("save") else { return Ok(Save::default()) };
    let enabled = |name: &'static str, warn: &mut Vec<String>| -> Result<Option<Span>> {
        let Some(b) = s.child(name) else { return Ok(None) };
        if !b.child("enable").map(|e| e.boolean()).transpose()?.unwrap_or(false) {
            return Ok(None);
        }
        let i = b.require("interval", "add <interval units=\"min\"> or disable the output")?;
        let interval = span(&i, unit, warn)?;
        if interval.minutes <= 0.0 {
            return Err(i.error(format!("is {}, must be greater than 0", interval.written), "give a positive interval"));
        }
        Ok(Some(interval))
    };
    let full = enabled("full_data", warn)?;
    let svg = enabled("SVG", warn)?;
    for e in s.elements() {
        match e.name() {
            "full_data" => {}
            "SVG" if svg.is_some() => warn.push(format!(
                "{}: pictures of agents are not drawn; a PNG slice of each substrate (the middle z layer) is written instead",
                e.path
            )),
            "SVG" => {}
            "folder" => warn.push(format!("{}: not imported: give the output folder to `oncovox run -o`", e.path)),
            "legacy_data" if e.child("enable").map(|x| x.boolean()).transpose()?.unwrap_or(false) => {
                warn.push(format!("{}: not imported: oncovox writes NPY fields (fields/*.npy)", e.path))
            }
            "legacy_data" => {}
            _ => warn.push(format!("{}: not imported (unknown to the importer)", e.path)),
        }
    }
    if let (Some(f), Some(g)) = (&full, &svg)
        && f.minutes != g.minutes
    {
        warn.push(format!(
            "<save><SVG><interval>: {} not imported: oncovox writes every output at one interval, the full_data one ({})",
            g.written, f.written
        ));
    }
    let interval = match (&full, &svg) {
        (Some(f), _) => Some((f.clone(), "full_data")),
        (None, Some(g)) => Some((g.clone(), "SVG")),
        (None, None) => None,
    };
    Ok(Save { interval, fields: full.is_some(), slices: svg.is_some() })
}
