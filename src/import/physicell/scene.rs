//! The oncovox scene of PhysiCell settings, written as commented TOML: the
//! grid from `<domain>`, the time from `<overall>` and `<save>`, one LOD
//! species per `<variable>` with BioFVM's held-layer treatment, and the
//! face conditions as BioFVM applies them.

use super::settings::{Domain, FACE_IDS, Settings, Variable};
use crate::scene::Face;
use crate::{Error, Result};
use std::fmt::Write;

/// Voxels along one axis at most (as `grid.shape` allows).
const MAX_AXIS: f64 = 65_536.0;
/// How close (relative) two lengths or a ratio and a whole number count as equal.
const SAME: f64 = 1e-9;

/// The scene text; `warn` (already holding the reader's warnings) gets the
/// mapping's own, and they head the text as comments.
pub fn scene(s: &Settings, source: &str, warn: &mut Vec<String>) -> Result<String> {
    let (shape, dx, origin) = grid(&s.domain, warn)?;
    let (dt, duration) = time(s, warn)?;
    let names = species_names(&s.variables, warn)?;
    let faces: Vec<[Option<f64>; 6]> = s.variables.iter().map(|v| held_faces(v, s, warn)).collect();
    let mut t = String::new();
    header(&mut t, s, source, warn.as_slice(), origin);
    let w = &mut t;
    let _ = writeln!(w, "title = {}\n", quoted(&format!("PhysiCell settings {source}")));
    let _ = writeln!(w, "[grid]");
    let extent = |a: usize| format!("{}…{}", num(s.domain.min[a]), num(s.domain.max[a]));
    let what = if s.domain.two_d {
        format!("<domain>: x {}, y {} µm; use_2D: one layer", extent(0), extent(1))
    } else {
        format!("<domain>: x {}, y {}, z {} µm", extent(0), extent(1), extent(2))
    };
    line(w, &format!("shape = [{}, {}, {}]", shape[0], shape[1], shape[2]), &what);
    line(w, &format!("dx = {}", num(dx)), "µm, <domain><dx>");
    let _ = writeln!(w, "\n[time]");
    line(w, &format!("dt = {}", num(dt)), &format!("min, <overall><dt_diffusion> {}", s.time.dt.written));
    line(w, &format!("duration = {}", num(duration)), &format!("min, <overall><max_time> {}", s.time.max_time.written));
    if let Some((i, from)) = &s.save.interval {
        line(
            w,
            &format!("output_interval = {}", num(i.minutes)),
            &format!("min, <save><{from}><interval> {}", i.written),
        );
    }
    for ((v, name), held) in s.variables.iter().zip(&names).zip(&faces) {
        species(w, v, name, held, s.domain.two_d);
    }
    output(w, s, &names);
    Ok(t)
}

fn header(t: &mut String, s: &Settings, source: &str, warn: &[String], origin: [f64; 3]) {
    let version = s.version.as_deref().map(|v| format!(" (version {v})")).unwrap_or_default();
    let from = one_line(&format!("{source}{version}"));
    let _ = writeln!(t, "# Imported from the PhysiCell settings {from} by `oncovox import physicell`.");
    let _ = writeln!(t, "# Every key is documented in scenes/README.md.");
    let _ = writeln!(t, "#");
    if warn.is_empty() {
        let _ = writeln!(t, "# Everything in the settings was imported.");
    } else {
        let _ = writeln!(t, "# Not imported or changed ({} warnings, also printed when importing):", warn.len());
        for w in warn {
            let _ = writeln!(t, "#   - {}", one_line(w));
        }
    }
    let _ = writeln!(t, "#");
    let notes = [
        "Solver: every species uses \"lod\" with lod_held_layer = \"reset\": BioFVM's locally one-dimensional",
        "scheme (a Thomas solve per line along x, y and z, decay λ·dt/3 per sweep, held voxels reset",
        "before each sweep), which PhysiCell runs for its substrates. In 2D BioFVM sweeps x and y only,",
        "with λ·dt/2 each; the one-layer grid here adds a z sweep that only decays (same first order).",
        "Faces: a held face holds its outermost voxel layer, as BioFVM does; the others are zero flux.",
    ];
    for n in notes {
        let _ = writeln!(t, "# {n}");
    }
    let _ = writeln!(
        t,
        "# Coordinates: oncovox measures from the grid's lower corner; a PhysiCell position is an oncovox\n\
         # position plus ({}, {}, {}) µm.",
        num(origin[0]),
        num(origin[1]),
        num(origin[2])
    );
    let _ = writeln!(
        t,
        "# A whole PhysiCell run takes many steps of dt_diffusion: try it with --set time.duration=… first.\n"
    );
}

/// Shape, voxel edge and the PhysiCell position of the grid's lower corner.
fn grid(d: &Domain, warn: &mut Vec<String>) -> Result<([u32; 3], f64, [f64; 3])> {
    let dx = d.step[0];
    if dx <= 0.0 {
        return Err(Error::import(
            "<domain><dx>",
            format!("is {dx}, must be greater than 0"),
            "give the voxel edge in micron",
        ));
    }
    let axes = if d.two_d { 2 } else { 3 };
    for a in 1..3 {
        let tag = ["dx", "dy", "dz"][a];
        if (d.step[a] - dx).abs() <= SAME * dx {
            continue;
        }
        if a < axes {
            return Err(Error::import(
                format!("<domain><{tag}>"),
                format!("is {} µm but <dx> is {} µm: oncovox voxels are cubic", num(d.step[a]), num(dx)),
                format!("give <{tag}> equal to <dx> (or import a copy with both set to the finer of the two)"),
            ));
        }
        warn.push(format!(
            "<domain><dz>: {} µm not imported: the 2D layer is dx thick (nothing diffuses along z in 2D)",
            num(d.step[2])
        ));
    }
    let mut shape = [1u32; 3];
    let mut origin = d.min;
    for a in 0..axes {
        let axis = ["x", "y", "z"][a];
        let length = d.max[a] - d.min[a];
        if length <= 0.0 {
            return Err(Error::import(
                format!("<domain><{axis}_max>"),
                format!("{} is not greater than <{axis}_min> {}", num(d.max[a]), num(d.min[a])),
                format!("give {axis}_max > {axis}_min"),
            ));
        }
        let r = length / dx;
        let n = if (r - r.round()).abs() <= SAME * r { r.round() } else { r.ceil() };
        if n > MAX_AXIS {
            return Err(Error::import(
                format!("<domain><{axis}_max>"),
                format!("{n} voxels of {} µm along {axis}, more than {MAX_AXIS}", num(dx)),
                "give a smaller domain or a larger dx",
            ));
        }
        if (r - r.round()).abs() > SAME * r {
            warn.push(format!(
                "<domain><{axis}_max>: {axis} {}…{} µm is not a whole number of dx = {} µm; the grid ends at {} µm, \
                 as BioFVM's does ({n} voxels)",
                num(d.min[a]),
                num(d.max[a]),
                num(dx),
                num(d.min[a] + n * dx)
            ));
        }
        shape[a] = n as u32;
    }
    if d.two_d {
        // BioFVM's 2D grid is one voxel centred on z = 0.
        origin[2] = -dx / 2.0;
    }
    Ok((shape, dx, origin))
}

/// `time.dt` and `time.duration`: the duration a whole number of steps.
fn time(s: &Settings, warn: &mut Vec<String>) -> Result<(f64, f64)> {
    let dt = s.time.dt.minutes;
    let max = s.time.max_time.minutes;
    let steps = (max / dt).round().max(1.0);
    if (steps * dt - max).abs() > 1e-6 * max {
        warn.push(format!(
            "<overall><max_time>: {max} min is not a whole number of dt_diffusion = {dt} min; the run lasts {} min",
            steps * dt
        ));
    }
    Ok((dt, steps * dt))
}

/// oncovox names (letters, digits, `_`, `-`): other characters become `_`.
fn species_names(vars: &[Variable], warn: &mut Vec<String>) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for v in vars {
        let n: String = v.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let at = format!("<microenvironment_setup><variable name=\"{}\">", v.name);
        if names.contains(&n) {
            return Err(Error::import(
                at,
                format!("is named \"{n}\" in oncovox, as another variable is"),
                "give each variable a distinct name",
            ));
        }
        if n != v.name {
            warn.push(format!("{at}: named \"{n}\" (oncovox names are letters, digits, _ and -)"));
        }
        names.push(n);
    }
    Ok(names)
}

/// The held value on each face (`None`: zero flux), as BioFVM applies the
/// settings: a face follows its `<boundary_value>` where given, else the
/// variable's `<Dirichlet_boundary_condition>`; faces are held only when
/// some variable enables its `<Dirichlet_boundary_condition>`, and in 2D
/// never along z.
fn held_faces(v: &Variable, s: &Settings, warn: &mut Vec<String>) -> [Option<f64>; 6] {
    let any = s.variables.iter().any(|o| o.dirichlet.enabled);
    let d = &v.dirichlet;
    let mut held = [None; 6];
    let mut ignored = Vec::new();
    for f in Face::ALL {
        let (on, value) = d.faces[f as usize].unwrap_or((d.enabled, d.value));
        let z = f.axis() == 2;
        if on && !any {
            ignored.push(FACE_IDS[f as usize]);
        } else if on && !(s.domain.two_d && z) {
            held[f as usize] = Some(value);
        }
    }
    if !ignored.is_empty() {
        warn.push(format!(
            "<microenvironment_setup><variable name=\"{}\"><Dirichlet_options>: {} enabled but zero flux, as in \
             PhysiCell, which holds faces only when some variable's <Dirichlet_boundary_condition> is enabled",
            v.name,
            ignored.join(", ")
        ));
    }
    held
}

fn species(w: &mut String, v: &Variable, name: &str, held: &[Option<f64>; 6], two_d: bool) {
    let id = v.id.as_deref().map(|i| format!(" ID=\"{i}\"")).unwrap_or_default();
    let _ = writeln!(w, "\n[[species]]");
    line(w, &format!("name = {}", quoted(name)), &format!("<variable name=\"{}\"{id}>", v.name));
    line(w, &format!("unit = {}", quoted(&v.unit)), "a label only");
    line(
        w,
        &format!("diffusion = {}", num(v.diffusion.0)),
        &format!("µm²/min, <diffusion_coefficient> {}", v.diffusion.1),
    );
    line(w, &format!("decay = {}", num(v.decay.0)), &format!("1/min, <decay_rate> {}", v.decay.1));
    line(w, &format!("initial = {}", num(v.initial)), "<initial_condition>");
    line(w, "solver = \"lod\"", "BioFVM's scheme");
    let _ = writeln!(w, "[species.boundary]");
    line(w, "lod_held_layer = \"reset\"", "held layers relax during a sweep, as in BioFVM");
    let d = &v.dirichlet;
    for f in Face::ALL {
        let i = f as usize;
        let mut from = match d.faces[i] {
            Some((on, _)) => format!("<boundary_value ID=\"{}\" enabled=\"{on}\">", FACE_IDS[i]),
            None => format!("<Dirichlet_boundary_condition enabled=\"{}\">", d.enabled),
        };
        if two_d && f.axis() == 2 {
            from.push_str("; 2D: no z faces, as in BioFVM");
        }
        match held[i] {
            Some(x) => line(w, &format!("{} = {}", f.key(), num(x)), &from),
            None => line(w, &format!("{} = \"zero_flux\"", f.key()), &from),
        }
    }
}

fn output(w: &mut String, s: &Settings, names: &[String]) {
    if s.save.fields {
        let _ = writeln!(w, "\n[output]");
        let list: Vec<String> = names.iter().map(|n| quoted(n)).collect();
        line(w, &format!("fields = [{}]", list.join(", ")), "<save><full_data>: fields/*.npy");
        line(w, "fields_every_output = true", "at every output, as full_data");
    }
    if s.save.slices {
        for n in names {
            let _ = writeln!(w, "\n[[output.slices]]");
            line(w, &format!("species = {}", quoted(n)), "<save><SVG>: slices/*.png");
            let _ = writeln!(w, "axis = \"z\"");
        }
    }
}

/// `key = value` and its comment, aligned.
fn line(w: &mut String, kv: &str, comment: &str) {
    let _ = writeln!(w, "{kv:<30} # {}", one_line(comment));
}

/// `text` with control characters (line breaks) as spaces, to stay in one comment line.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A TOML float.
fn num(v: f64) -> String {
    toml::Value::Float(v).to_string()
}

/// A TOML string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
