//! Validation: every rule a scene must satisfy, each failure naming the
//! dotted key (as `--set` spells it) and the fix. Also fills defaults so
//! that `scene.resolved.toml` reruns the same simulation.

use super::ranges::{self, Pass};
use super::{Bc, Face, Scene, SolverChoice};
use crate::grid::{Grid, Shape};
use crate::solver::{MAX_SUBSTEPS, explicit_load, explicit_substeps, substeps_for};
use crate::{Error, Result};

/// Largest grid addressed with 32-bit voxel indices on every backend.
const MAX_VOXELS: u64 = (u32::MAX / 2) as u64;
/// Output times one run may have at most (each writes its slices and
/// dumps; the time series has up to ten rows per interval).
const MAX_OUTPUTS: u64 = 100_000;
/// Species one scene may declare at most (each has its own fields and
/// line-solver coefficients, allocated before any memory check).
const MAX_SPECIES: usize = 64;
/// Voxels along one axis at most (line solvers keep per-line coefficients).
const MAX_AXIS: u32 = 65_536;

/// A scene that passed validation, defaults filled in.
#[derive(Debug, Clone)]
pub struct Validated {
    pub scene: Scene,
    /// Number of steps of `time.dt` in `time.duration`.
    pub steps: u64,
    /// Steps between outputs.
    pub output_every: u64,
    /// Steps between checkpoints (a multiple of `output_every`), when asked for.
    pub checkpoint_every: Option<u64>,
    /// Folder that relative file names in the scene (a vessel network) are
    /// read from: the scene file's folder. Default: the working directory.
    pub base_dir: std::path::PathBuf,
}

impl Validated {
    pub fn new(mut scene: Scene) -> Result<Validated> {
        check_grid(&scene)?;
        let (steps, output_every) = check_time(&mut scene)?;
        let checkpoint_every = check_checkpoints(&mut scene, output_every)?;
        ranges::check(&scene, Pass::Magnitude)?;
        check_species(&scene)?;
        check_regions(&scene)?;
        check_consumption(&scene)?;
        super::vascular_checks::check(&scene)?;
        super::cells_checks::check(&mut scene)?;
        ranges::cell_substeps(&scene)?;
        check_output(&mut scene)?;
        super::vtk_checks::check(&mut scene)?;
        ranges::check(&scene, Pass::Finite)?;
        Ok(Validated { scene, steps, output_every, checkpoint_every, base_dir: ".".into() })
    }

    pub fn grid(&self) -> Grid {
        let s = self.scene.grid.shape;
        Grid::new([s[0] as usize, s[1] as usize, s[2] as usize], self.scene.grid.dx)
    }

    /// Does any region supply or take up `species`?
    pub fn has_sources(&self, species: &str) -> bool {
        self.scene.regions.iter().any(|r| r.supply.contains_key(species) || r.uptake.contains_key(species))
    }

    /// Does any region consume `species` (Michaelis–Menten)?
    pub fn has_consumption(&self, species: &str) -> bool {
        self.scene.regions.iter().any(|r| r.consumption.contains_key(species))
    }

    /// Does `species` have held voxels (Dirichlet faces or hold regions)?
    pub fn has_hold(&self, species: &str) -> bool {
        let Some(i) = self.scene.species_index(species) else { return false };
        let sp = &self.scene.species[i];
        Face::ALL.iter().any(|&f| matches!(sp.boundary.face(f), Bc::Dirichlet(_)))
            || self.scene.regions.iter().any(|r| r.hold.contains_key(species))
    }
}

pub(super) fn finite_at_least(key: &str, v: f64, min: f64, strict: bool, fix: &str) -> Result<()> {
    let bad = !v.is_finite() || if strict { v <= min } else { v < min };
    if bad {
        let rel = if strict { "greater than" } else { "at least" };
        return Err(Error::scene(key, format!("is {v}, must be a finite number {rel} {min}"), fix));
    }
    Ok(())
}

fn check_grid(s: &Scene) -> Result<()> {
    for (a, &n) in s.grid.shape.iter().enumerate() {
        if n == 0 {
            return Err(Error::scene(
                "grid.shape",
                format!("axis {} has 0 voxels", ["x", "y", "z"][a]),
                "give at least 1 voxel per axis, e.g. shape = [64, 64, 64]",
            ));
        }
        if n > MAX_AXIS {
            return Err(Error::scene(
                "grid.shape",
                format!("axis {} has {n} voxels, more than {MAX_AXIS}", ["x", "y", "z"][a]),
                format!("give at most {MAX_AXIS} voxels per axis"),
            ));
        }
    }
    let total: u64 = s.grid.shape.iter().map(|&n| n as u64).product();
    if total > MAX_VOXELS {
        return Err(Error::scene("grid.shape", format!("{total} voxels exceed {MAX_VOXELS}"), "use fewer voxels"));
    }
    finite_at_least("grid.dx", s.grid.dx, 0.0, true, "give the voxel edge in µm, e.g. dx = 10")?;
    if let Some(t) = &s.grid.tissue {
        npy_path("grid.tissue.npy", &t.npy)?;
        let c = t.codes;
        if c.normal == c.tumour || c.normal == c.necrotic || c.tumour == c.necrotic {
            return Err(Error::scene(
                "grid.tissue.codes",
                format!(
                    "gives one code to two tissues (normal {}, tumour {}, necrotic {})",
                    c.normal, c.tumour, c.necrotic
                ),
                "give each tissue its own integer, e.g. codes = { normal = 0, tumour = 1, necrotic = 2 }",
            ));
        }
    }
    if !(MIN_DX..=MAX_DX).contains(&s.grid.dx) {
        return Err(Error::scene(
            "grid.dx",
            format!("is {:e} µm, outside {MIN_DX:e}–{MAX_DX:e} µm", s.grid.dx),
            "give the voxel edge in µm (1 nm to 10 cm), e.g. dx = 10",
        ));
    }
    Ok(())
}

/// An NPY file name of the scene: not empty (the file itself is read
/// against the grid by `world::inputs`).
pub(super) fn npy_path(key: &str, path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return Err(Error::scene(key, "names no file", "give the path of an .npy file, relative to the scene file"));
    }
    Ok(())
}

/// Voxel edges (µm) a continuum model of tissue can mean: 1 nm to 10 cm.
pub const MIN_DX: f64 = 1e-3;
pub const MAX_DX: f64 = 1e5;

fn check_time(s: &mut Scene) -> Result<(u64, u64)> {
    let t = &mut s.time;
    finite_at_least("time.dt", t.dt, 0.0, true, "give the step in min, e.g. dt = 0.01")?;
    finite_at_least("time.duration", t.duration, 0.0, true, "give the simulated time in min")?;
    let steps = whole_steps("time.duration", t.duration, t.dt)?;
    let interval = *t.output_interval.get_or_insert(t.duration / 10.0);
    let raw_every = (interval / t.dt).round().max(1.0);
    finite_at_least("time.output_interval", interval, 0.0, true, "give the output interval in min")?;
    if raw_every > 1e12 {
        return Err(Error::scene(
            "time.output_interval",
            format!("is {interval:e} min, {raw_every:e} steps of time.dt, longer than any run"),
            format!(
                "give an interval of at most time.duration = {} min (or leave it out: duration / 10); an interval \
                 of the whole duration writes outputs at t = 0 and at the end only",
                t.duration
            ),
        ));
    }
    let every = whole_steps("time.output_interval", raw_every * t.dt, t.dt)?;
    let outputs = steps.div_ceil(every);
    if outputs > MAX_OUTPUTS {
        return Err(Error::scene(
            "time.output_interval",
            format!("gives {outputs} output times, more than {MAX_OUTPUTS}"),
            format!("give an interval of at least {} min (duration / {MAX_OUTPUTS})", t.duration / MAX_OUTPUTS as f64),
        ));
    }
    t.output_interval = Some(every as f64 * t.dt);
    Ok((steps, every.min(steps)))
}

/// `output.checkpoint_interval` as whole output intervals (at least one),
/// written back so that the resolved scene says what is done.
fn check_checkpoints(s: &mut Scene, output_every: u64) -> Result<Option<u64>> {
    let Some(interval) = s.output.checkpoint_interval else { return Ok(None) };
    let key = "output.checkpoint_interval";
    finite_at_least(key, interval, 0.0, true, "give the time between checkpoints in min, e.g. 1440 for daily")?;
    let output = output_every as f64 * s.time.dt;
    let outputs = (interval / output).round().max(1.0);
    if outputs > 1e12 {
        return Err(Error::scene(key, format!("is {interval:e} min, longer than any run"), "give a shorter interval"));
    }
    let every = outputs as u64 * output_every;
    s.output.checkpoint_interval = Some(every as f64 * s.time.dt);
    Ok(Some(every))
}

fn whole_steps(key: &str, span: f64, dt: f64) -> Result<u64> {
    let n = (span / dt).round();
    if n < 1.0 || ((n * dt - span).abs() > 1e-6 * span) {
        return Err(Error::scene(
            key,
            format!("{span} min is not a whole number of steps of time.dt = {dt} min"),
            "make it a multiple of time.dt",
        ));
    }
    if n > 1e12 {
        return Err(Error::scene(key, format!("{n} steps is too many"), "use a larger time.dt"));
    }
    Ok(n as u64)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn check_species(s: &Scene) -> Result<()> {
    if s.species.is_empty() {
        return Err(Error::scene("species", "no species declared", "add a [[species]] table"));
    }
    if s.species.len() > MAX_SPECIES {
        return Err(Error::scene(
            "species",
            format!("{} species declared, more than {MAX_SPECIES}", s.species.len()),
            format!("declare at most {MAX_SPECIES} species"),
        ));
    }
    for (i, sp) in s.species.iter().enumerate() {
        let k = |f: &str| format!("species.{}.{f}", sp.name);
        if !valid_name(&sp.name) {
            return Err(Error::scene(
                format!("species.{i}.name"),
                format!("\"{}\" is not a valid name", sp.name),
                "use letters, digits, _ or -",
            ));
        }
        if s.species[..i].iter().any(|o| o.name == sp.name) {
            return Err(Error::scene(k("name"), "declared twice", "give each species a unique name"));
        }
        match (sp.diffusion, sp.radius) {
            (None, None) => {
                return Err(Error::scene(
                    k("diffusion"),
                    "is missing",
                    "give the diffusion coefficient in µm²/min (oxygen ≈ 1e5), or the particle radius in nm",
                ));
            }
            (Some(d), _) => finite_at_least(
                &k("diffusion"),
                d,
                0.0,
                false,
                "give the diffusion coefficient in µm²/min, ≥ 0 (oxygen ≈ 1e5)",
            )?,
            (None, Some(r)) => finite_at_least(&k("radius"), r, 0.0, true, "give the hydrodynamic radius in nm, > 0")?,
        }
        for (key, d) in [("diffusion_tumour", sp.diffusion_tumour), ("diffusion_necrotic", sp.diffusion_necrotic)] {
            if let Some(d) = d {
                finite_at_least(&k(key), d, 0.0, false, "give the diffusion coefficient in µm²/min, ≥ 0")?;
            }
        }
        finite_at_least(&k("retardation"), sp.retardation, 1.0, false, "give a retardation factor ≥ 1")?;
        finite_at_least(&k("decay"), sp.decay, 0.0, false, "give the decay rate in 1/min, ≥ 0")?;
        match &sp.initial {
            super::Initial::Value(x) => {
                finite_at_least(&k("initial"), *x, 0.0, false, "give a non-negative initial value")?
            }
            super::Initial::Npy(p) => npy_path(&k("initial"), p)?,
        }
        for f in Face::ALL {
            if let Bc::Dirichlet(v) = sp.boundary.face(f) {
                finite_at_least(
                    &k(&format!("boundary.{}", f.key())),
                    v,
                    0.0,
                    false,
                    "hold at a non-negative value, or write \"zero_flux\"",
                )?;
            }
        }
        finite_at_least(&k("tolerance"), sp.tolerance, 0.0, true, "give a relative residual, e.g. 1e-6")?;
        if sp.tolerance > 0.01 {
            return Err(Error::scene(
                k("tolerance"),
                format!("is {}, too loose to trust the solution", sp.tolerance),
                "give at most 1e-2 (default 1e-6)",
            ));
        }
        if let Some(h) = sp.dt {
            if matches!(sp.solver, SolverChoice::Lod | SolverChoice::Explicit) {
                return Err(Error::scene(
                    k("dt"),
                    "is a step of the coupled solvers, which this species does not use",
                    "remove it (lod and explicit species step with time.dt), or set solver = \"implicit\"",
                ));
            }
            finite_at_least(&k("dt"), h, 0.0, true, "give the species' step in min, a multiple of time.dt")?;
            whole_steps(&k("dt"), h, s.time.dt)?;
        }
        let d = super::transport::diffusion(s, sp);
        let d_max = d.iter().fold(0.0f64, |m, &d| m.max(d));
        let load = explicit_load(d_max, sp.decay, s.time.dt, s.grid.dx);
        let wanted = substeps_for(load);
        if sp.solver == SolverChoice::Explicit && sp.substepping && wanted > MAX_SUBSTEPS {
            let driver = if sp.decay > 6.0 * d_max / (s.grid.dx * s.grid.dx) {
                "decay"
            } else if sp.diffusion.is_none() {
                "radius"
            } else {
                "diffusion"
            };
            return Err(Error::scene(
                k(driver),
                format!(
                    "the explicit solver would need {wanted} sub-steps per step of time.dt = {} min \
                     (dt·(6·D/dx² + λ) = {load:.3e}), more than {MAX_SUBSTEPS}",
                    s.time.dt
                ),
                format!(
                    "use solver = \"implicit\" (or \"lod\"), stable at any step, or a smaller time.dt \
                     (at most {:.3e} min for {MAX_SUBSTEPS} sub-steps)",
                    s.time.dt * MAX_SUBSTEPS as f64 / load
                ),
            ));
        }
        let n = explicit_substeps(d_max, sp.decay, s.time.dt, s.grid.dx);
        if sp.solver == SolverChoice::Explicit && !sp.substepping && n > 1 {
            return Err(Error::scene(
                k("substepping"),
                format!(
                    "the explicit solver is unstable at time.dt = {} min: dt·(6·D/dx² + λ) = {:.3} > 1",
                    s.time.dt,
                    s.time.dt * (6.0 * d_max / (s.grid.dx * s.grid.dx) + sp.decay)
                ),
                if wanted <= MAX_SUBSTEPS {
                    format!(
                        "set substepping = true ({n} sub-steps), or solver = \"lod\", or time.dt ≤ {:.4e}",
                        s.time.dt / n as f64
                    )
                } else {
                    format!("use solver = \"implicit\" or \"lod\", or time.dt ≤ {:.4e}", s.time.dt / load)
                },
            ));
        }
    }
    Ok(())
}

fn check_regions(s: &Scene) -> Result<()> {
    let grid = Grid::new(s.grid.shape.map(|n| n as usize), s.grid.dx);
    for (i, r) in s.regions.iter().enumerate() {
        if !valid_name(&r.name) {
            return Err(Error::scene(
                format!("regions.{i}.name"),
                format!("\"{}\" is not a valid name", r.name),
                "use letters, digits, _ or -",
            ));
        }
        let key = |f: &str| format!("regions.{}.{f}", r.name);
        if s.regions[..i].iter().any(|o| o.name == r.name) {
            return Err(Error::scene(key("name"), "declared twice", "give each region a unique name"));
        }
        let shape = Shape::of(r).ok_or_else(|| {
            Error::scene(
                format!("regions.{}", r.name),
                "needs exactly one shape",
                "give one of sphere = {...}, box = {...}, cylinder = {...}",
            )
        })?;
        let shape_key = key(match shape {
            Shape::Sphere { .. } => "sphere",
            Shape::Box { .. } => "box",
            Shape::Cylinder { .. } => "cylinder",
        });
        check_shape(&shape, &shape_key)?;
        if !grid.has_voxel_in(&shape) {
            let e = grid.extent();
            return Err(Error::scene(
                shape_key,
                format!(
                    "contains no voxel centre of the grid (domain [0, {}] × [0, {}] × [0, {}] µm)",
                    e[0], e[1], e[2]
                ),
                "move the region inside the grid or enlarge it; coordinates are µm from the grid's lower corner",
            ));
        }
        for (name, v) in &r.hold {
            known_species(s, &key(&format!("hold.{name}")), name)?;
            finite_at_least(&key(&format!("hold.{name}")), *v, 0.0, false, "hold at a non-negative value")?;
        }
        for (name, sup) in &r.supply {
            known_species(s, &key(&format!("supply.{name}")), name)?;
            finite_at_least(
                &key(&format!("supply.{name}.rate")),
                sup.rate,
                0.0,
                false,
                "give the supply rate in 1/min, ≥ 0",
            )?;
            finite_at_least(
                &key(&format!("supply.{name}.target")),
                sup.target,
                0.0,
                false,
                "give a non-negative target",
            )?;
        }
        for (name, c) in &r.consumption {
            known_species(s, &key(&format!("consumption.{name}")), name)?;
            let kk = key(&format!("consumption.{name}"));
            finite_at_least(&format!("{kk}.rate"), c.rate, 0.0, false, "give the maximum rate per min, ≥ 0")?;
            finite_at_least(&format!("{kk}.half_saturation"), c.half_saturation, 0.0, false, "give K ≥ 0")?;
        }
        for (name, u) in &r.uptake {
            known_species(s, &key(&format!("uptake.{name}")), name)?;
            finite_at_least(&key(&format!("uptake.{name}")), *u, 0.0, false, "give the uptake rate in 1/min, ≥ 0")?;
        }
    }
    Ok(())
}

/// A species is consumed with one half-saturation constant everywhere.
fn check_consumption(s: &Scene) -> Result<()> {
    for sp in &s.species {
        let mut first: Option<f64> = None;
        for r in &s.regions {
            if let Some(c) = r.consumption.get(&sp.name) {
                match first {
                    Some(k) if k != c.half_saturation => {
                        return Err(Error::scene(
                            format!("regions.{}.consumption.{}.half_saturation", r.name, sp.name),
                            format!("is {}, but an earlier region consumes {} with {k}", c.half_saturation, sp.name),
                            "give every region the same half_saturation for one species (vary the rate instead)",
                        ));
                    }
                    _ => first = Some(c.half_saturation),
                }
            }
        }
    }
    Ok(())
}

fn check_shape(shape: &Shape, key: &str) -> Result<()> {
    let (lo, hi) = shape.bounds();
    if lo.iter().chain(hi.iter()).any(|v| !v.is_finite()) {
        return Err(Error::scene(key, "has a non-finite coordinate", "give coordinates in µm"));
    }
    match shape {
        Shape::Sphere { radius, .. } | Shape::Cylinder { radius, .. } if *radius <= 0.0 => {
            Err(Error::scene(format!("{key}.radius"), format!("is {radius}, must be > 0"), "give the radius in µm"))
        }
        Shape::Box { min, max } if min.cmpgt(*max).any() => {
            Err(Error::scene(format!("{key}.max"), "is below min on some axis", "give max ≥ min on every axis"))
        }
        Shape::Cylinder { start, end, .. } if start == end => {
            Err(Error::scene(format!("{key}.end"), "equals start", "give two distinct cap centres"))
        }
        _ => Ok(()),
    }
}

fn known_species(s: &Scene, key: &str, name: &str) -> Result<usize> {
    s.species_index(name).ok_or_else(|| {
        let names: Vec<&str> = s.species.iter().map(|sp| sp.name.as_str()).collect();
        Error::scene(key, format!("unknown species \"{name}\""), format!("use one of: {}", names.join(", ")))
    })
}

fn check_output(s: &mut Scene) -> Result<()> {
    let shape = s.grid.shape;
    for i in 0..s.output.slices.len() {
        let sl = &s.output.slices[i];
        known_output(s, &format!("output.slices.{i}.species"), &sl.species)?;
        let n = shape[sl.axis.index()];
        let idx = sl.index.unwrap_or(n / 2);
        if idx >= n {
            return Err(Error::scene(
                format!("output.slices.{i}.index"),
                format!("{idx} is outside 0..{n} along {}", sl.axis.name()),
                format!("give an index below {n}"),
            ));
        }
        if let Some([lo, hi]) = sl.range
            && !(lo.is_finite() && hi.is_finite() && hi > lo)
        {
            return Err(Error::scene(
                format!("output.slices.{i}.range"),
                format!("[{lo}, {hi}] is not an increasing pair"),
                "give [min, max] with max > min",
            ));
        }
        s.output.slices[i].index = Some(idx);
        let sl = &s.output.slices[i];
        // Same species, axis and index: the same PNG names, one series overwriting the other.
        if let Some(j) = s.output.slices[..i]
            .iter()
            .position(|o| o.species == sl.species && o.axis == sl.axis && o.index == sl.index)
        {
            return Err(Error::scene(
                format!("output.slices.{i}"),
                format!(
                    "shows {} normal to {} at index {idx}, as output.slices.{j} does: their images would overwrite each other",
                    sl.species,
                    sl.axis.name()
                ),
                "remove one of the two [[output.slices]] tables, or give it another axis or index",
            ));
        }
    }
    for (i, f) in s.output.fields.iter().enumerate() {
        known_output(s, &format!("output.fields.{i}"), f)?;
        if let Some(j) = s.output.fields[..i].iter().position(|o| o == f) {
            return Err(Error::scene(
                format!("output.fields.{i}"),
                format!("names {f} again (as output.fields.{j}): its dumps would overwrite each other"),
                "name each field once",
            ));
        }
    }
    for (i, f) in s.output.view3d.iter().enumerate() {
        known_output(s, &format!("output.view3d.{i}"), f)?;
        if let Some(j) = s.output.view3d[..i].iter().position(|o| o == f) {
            return Err(Error::scene(
                format!("output.view3d.{i}"),
                format!("names {f} again (as output.view3d.{j}): its views would overwrite each other"),
                "name each field once",
            ));
        }
    }
    Ok(())
}

/// A slice or dump shows a species, a phenotype's density, `cells_live`
/// or `cells_dead` (the last three need `[cells]`).
fn known_output(s: &Scene, key: &str, name: &str) -> Result<()> {
    let cell = s
        .cells
        .as_ref()
        .is_some_and(|c| name == "cells_live" || name == "cells_dead" || c.phenotypes.iter().any(|p| p.name == name));
    if !cell {
        known_species(s, key, name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::DEFAULT_SCENE;

    #[test]
    fn resolved_default_scene_round_trips() {
        let v = Validated::new(Scene::from_toml(DEFAULT_SCENE).unwrap()).unwrap();
        let text = v.scene.to_toml();
        let again = Validated::new(Scene::from_toml(&text).unwrap()).unwrap();
        assert_eq!(again.scene.to_toml(), text);
        assert_eq!((again.steps, again.output_every), (v.steps, v.output_every));
        assert!(text.contains("box") && text.contains("cylinder") && text.contains("lod_held_layer"), "{text}");
    }

    #[test]
    fn output_interval_defaults_to_a_tenth_of_the_duration() {
        let text = DEFAULT_SCENE.replace("output_interval = 1.0", "");
        let v = Validated::new(Scene::from_toml(&text).unwrap()).unwrap();
        assert_eq!(v.output_every, v.steps / 10);
    }
}
