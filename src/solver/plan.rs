//! What the scheduler derives from a validated scene before any memory is
//! touched: per-species solver, sub-steps, LOD coefficients, step counts
//! and the memory each backend will need.

use crate::grid::Grid;
use crate::scene::{Bc, Face, HeldLayer, Scene, SolverChoice, SpeciesSpec, Validated, transport_of};
use crate::world::World;

/// Most sub-steps one operator may take per step of `time.dt` (explicit
/// diffusion–decay, advection) or per cell update (Runge–Kutta kinetics,
/// spread): a scene needing more is refused, naming the key that drives
/// them, rather than run for days (or, counted in 32 bits, cut short).
pub const MAX_SUBSTEPS: u64 = 10_000;

/// Sub-steps that bring `load` (rate × step) to at most 1 each: ⌈load⌉
/// (a load a hair above a whole number not rounded up), at least 1.
pub fn substeps_for(load: f64) -> u64 {
    ceil_count(load - 1e-9)
}

/// ⌈x⌉ as a count, at least 1, computed in f64 and saturating at `u64::MAX`.
pub fn ceil_count(x: f64) -> u64 {
    let n = x.ceil();
    if n.is_nan() || n <= 1.0 {
        1
    } else if n >= u64::MAX as f64 {
        u64::MAX
    } else {
        n as u64
    }
}

/// `dt·(6·D/dx² + λ)`: what one explicit step of `dt` would take on.
pub fn explicit_load(diffusion: f64, decay: f64, dt: f64, dx: f64) -> f64 {
    dt * (6.0 * diffusion / (dx * dx) + decay)
}

/// An explicit sub-step must satisfy `dt_sub·(6·D/dx² + λ) ≤ 1`, which keeps
/// the update a convex combination of neighbours (non-negative, stable; for
/// λ = 0 it is the classic `D·dt_sub/dx² ≤ 1/6`). Validation refuses more
/// than [`MAX_SUBSTEPS`]; beyond `u32::MAX` the count saturates.
pub fn explicit_substeps(diffusion: f64, decay: f64, dt: f64, dx: f64) -> u32 {
    substeps_for(explicit_load(diffusion, decay, dt, dx)).min(u32::MAX as u64) as u32
}

/// Above this many explicit sub-steps `auto` picks LOD: one LOD step moves
/// about 3 sweeps × 16 bytes per voxel, an explicit sub-step about 8.
pub const AUTO_EXPLICIT_MAX_SUBSTEPS: u32 = 6;

/// A rate `k` (1/min) is stiff at a step `h` when `k·h` exceeds this: a
/// split step then misses more than a few percent of it, so `auto` takes
/// the coupled solver.
pub const STIFF: f64 = 0.1;

/// The method `species` gets with largest diffusion coefficient `d_max`,
/// its fastest linear rate `stiffness` (1/min, [`stiffness`]) and its step
/// `h` (min).
pub fn choose_method(sp: &SpeciesSpec, d_max: f64, stiffness: f64, h: f64, dx: f64) -> Method {
    let n_sub = explicit_substeps(d_max, sp.decay, h, dx);
    match sp.solver {
        SolverChoice::Lod => Method::Lod,
        SolverChoice::Explicit => Method::Explicit { substeps: if sp.substepping { n_sub } else { 1 } },
        SolverChoice::Implicit => Method::Implicit,
        SolverChoice::Steady => Method::Steady,
        SolverChoice::Auto if sp.dt.is_some() || stiffness * h > STIFF => Method::Implicit,
        SolverChoice::Auto if sp.substepping && n_sub <= AUTO_EXPLICIT_MAX_SUBSTEPS => {
            Method::Explicit { substeps: n_sub }
        }
        SolverChoice::Auto => Method::Lod,
    }
}

/// The fastest linear rate a split step would treat apart from diffusion,
/// 1/min, estimated from the scene before any vessel is voxelised: supply
/// and uptake rates, a consumption's `V/K` (the cells' at full density for
/// their oxygen; a zero-order consumption counts as infinitely stiff), and
/// the vessel exchange `P·S/V` with the largest surface density a vessel of
/// the scene's radii can give one voxel, `min(2πr/dx², 2/r)`.
pub fn stiffness(s: &Scene, si: usize) -> f64 {
    let sp = &s.species[si];
    let mut k = 0.0f64;
    for r in &s.regions {
        if let Some(sup) = r.supply.get(&sp.name) {
            k = k.max(sup.rate);
        }
        if let Some(u) = r.uptake.get(&sp.name) {
            k = k.max(*u);
        }
        if let Some(c) = r.consumption.get(&sp.name) {
            k = k.max(if c.half_saturation > 0.0 {
                c.rate / c.half_saturation
            } else if c.rate > 0.0 {
                f64::INFINITY
            } else {
                0.0
            });
        }
    }
    if let Some(c) = s.cells.as_ref().filter(|c| c.oxygen == sp.name) {
        k = k.max(c.o2_consumption * c.max_density / c.o2_half_saturation.max(1e-30));
    }
    let t = transport_of(s, si);
    if let (Some(walls), Some(vs)) = (t.wall, &s.vessels) {
        let dx = s.grid.dx;
        let sv = |r: f64| (2.0 * std::f64::consts::PI * r / (dx * dx)).min(2.0 / r);
        let sv_max =
            [vs.capillary_radius, vs.tumour_radius[0], vs.tumour_radius[1]].into_iter().map(sv).fold(0.0, f64::max);
        let p_max = walls.iter().map(|w| w.permeability).fold(0.0, f64::max);
        k = k.max(p_max * sv_max);
    }
    k
}

/// The base steps (after 0, before the end) at which a plasma curve's
/// input jumps or bends.
fn plasma_events(t: &crate::scene::SpeciesTransport, dt: f64, steps: u64) -> Vec<u64> {
    let Some(crate::scene::PlasmaCurve::Pk(p)) = &t.plasma else { return Vec::new() };
    let mut e: Vec<u64> =
        p.schedule.event_times().iter().map(|&t| (t / dt).round() as u64).filter(|&k| k > 0 && k < steps).collect();
    e.dedup();
    e
}

/// Advection sub-steps keep `dt_sub·Σ outflow velocity / (dx·retardation) ≤ 1`
/// in every voxel (non-negative upwind update). [`Plan::check_advection`]
/// refuses more than [`MAX_SUBSTEPS`]; beyond `u32::MAX` the count saturates.
pub fn advection_substeps(max_outflow: f64, retardation: f64, dt: f64, dx: f64) -> u32 {
    substeps_for(dt * max_outflow / (dx * retardation)).min(u32::MAX as u64) as u32
}

/// The transport method of one species.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Split: sources, advection, LOD diffusion–decay, consumption.
    Lod,
    /// Split, with explicit diffusion–decay sub-steps.
    Explicit { substeps: u32 },
    /// Coupled backward Euler (`solver::coupled`), advection before it.
    Implicit,
    /// Coupled steady state (`solver::coupled`).
    Steady,
}

impl Method {
    /// Explicit sub-steps.
    pub fn is_explicit(self) -> bool {
        matches!(self, Method::Explicit { .. })
    }

    /// Solved by the coupled multigrid solver.
    pub fn is_coupled(self) -> bool {
        matches!(self, Method::Implicit | Method::Steady)
    }

    /// The name scenes and summaries use.
    pub fn name(self) -> &'static str {
        match self {
            Method::Lod => "lod",
            Method::Explicit { .. } => "explicit",
            Method::Implicit => "implicit",
            Method::Steady => "steady",
        }
    }
}

/// Thomas-algorithm coefficients of one LOD sweep direction: the system
/// `−r·c[i−1] + b[i]·c[i] − r·c[i+1] = d[i]` with `b = 1 + 2r + λdt/3`
/// (`1 + r + λdt/3` at a zero-flux end). An end layer held by a Dirichlet
/// face is an identity row `c[i] = d[i]`, so the solve sees it as the known
/// value it is. Computed in f64, stored in f32.
#[derive(Debug, Clone, PartialEq)]
pub struct LodCoeffs {
    /// `r = D·dt/dx²`.
    pub r: f32,
    /// Modified super-diagonal `c'[i]`.
    pub cprime: Vec<f32>,
    /// `1 / (b[i] + sub[i]·c'[i−1])`.
    pub inv_den: Vec<f32>,
    /// Minus the sub-diagonal: `r`, or 0 on a held row.
    pub sub: Vec<f32>,
}

impl LodCoeffs {
    /// Coefficients for lines of `n` voxels; `held` says whether the first
    /// and last layers are held (Dirichlet faces).
    pub fn new(n: usize, r: f64, decay_third: f64, held: [bool; 2]) -> Self {
        let mut co = LodCoeffs {
            r: r as f32,
            cprime: Vec::with_capacity(n),
            inv_den: Vec::with_capacity(n),
            sub: Vec::with_capacity(n),
        };
        let mut prev = 0.0f64;
        for i in 0..n {
            let held_row = (i == 0 && held[0]) || (i + 1 == n && held[1]);
            let (lower, b, upper) = if held_row {
                (0.0, 1.0, 0.0)
            } else {
                let neighbours = (i > 0) as u32 + (i + 1 < n) as u32;
                (r * (i > 0) as u32 as f64, 1.0 + neighbours as f64 * r + decay_third, r * (i + 1 < n) as u32 as f64)
            };
            let den = b + lower * prev;
            let c = -upper / den;
            co.cprime.push(c as f32);
            co.inv_den.push((1.0 / den) as f32);
            co.sub.push(lower as f32);
            prev = c;
        }
        co
    }

    /// `[c', 1/den, sub]` back to back, as the shader reads them.
    pub fn packed(&self) -> Vec<f32> {
        self.cprime.iter().chain(&self.inv_den).chain(&self.sub).copied().collect()
    }
}

/// Derived numbers of one species.
#[derive(Debug, Clone)]
pub struct SpeciesPlan {
    pub name: String,
    pub unit: String,
    pub method: Method,
    /// Per axis x, y, z; used by LOD.
    pub lod: [LodCoeffs; 3],
    /// `D·dt_sub/dx²` of one explicit sub-step.
    pub explicit_r: f32,
    /// `λ·dt_sub` of one explicit sub-step.
    pub explicit_decay: f32,
    /// The species has supply, uptake or vessel exchange somewhere.
    pub has_sources: bool,
    /// The species crosses vessel walls (its source step reads the plasma curve).
    pub has_exchange: bool,
    /// The species is consumed (Michaelis–Menten) somewhere.
    pub has_consumption: bool,
    /// Diffusion differs between tissues: per-voxel coefficients (explicit),
    /// or per-voxel Thomas coefficients (LOD, `solver::lod_tissue`).
    pub heterogeneous: bool,
    /// Whether the first and last layers along x, y, z are identity rows of
    /// the LOD solve (held by a Dirichlet face with `lod_held_layer = "fixed"`).
    pub lod_held: [[bool; 2]; 3],
    /// First-order decay λ, 1/min.
    pub decay: f64,
    /// Largest diffusion coefficient, µm²/min.
    pub diffusion_max: f64,
    /// Advection sub-steps per base step, when the species is advected.
    pub advection: Option<u32>,
    /// `dt_sub / (dx·retardation)`: face velocity (µm/min) to Courant number.
    pub advection_scale: f32,
    /// Largest total outflow Courant number per minute, `max_out/(dx·R)`,
    /// 1/min: a coupled species advects in sub-steps of `1/rate` min.
    pub advection_rate: f64,
    pub retardation: f64,
    /// The species has held (Dirichlet) voxels somewhere.
    pub has_hold: bool,
    /// How many voxels are held (known once the world is built: `attach`).
    pub held: usize,
    /// Steps of `time.dt` per step of a coupled species (1 otherwise); for
    /// a steady species, between re-solves (0: only at the start and after
    /// cell updates).
    pub every: u64,
    /// Relative residual of each coupled solve.
    pub tolerance: f64,
    /// The fastest linear rate a split step would treat apart from
    /// diffusion, 1/min ([`stiffness`]).
    pub stiffness: f64,
    /// Base steps at which the species' plasma curve jumps or bends (bolus
    /// times, infusion starts and ends, rounded to whole steps), sorted: a
    /// coupled species' step ends there.
    pub events: Vec<u64>,
}

impl SpeciesPlan {
    /// Whether a step runs the sources (or vessel exchange) and the LOD
    /// sweep along x as one operator (`Backend::sources_then_sweep_x`):
    /// LOD species with sources or exchange and no advection between them.
    pub fn fuses_sources_into_x(&self) -> bool {
        self.method == Method::Lod && self.advection.unwrap_or(0) == 0 && (self.has_sources || self.has_exchange)
    }

    /// Whether the species is advected: a steady species is not.
    pub fn advected(&self) -> bool {
        self.advection.is_some() && self.method != Method::Steady
    }

    /// Whether a step runs the LOD sweep along z and the consumption as one
    /// operator (`Backend::sweep_z_then_consume`). The hold between them is
    /// dropped: it resets only held voxels, which the hold after the
    /// consumption resets again, so the result is the same.
    pub fn fuses_consumption_into_z(&self) -> bool {
        self.method == Method::Lod && self.has_consumption
    }

    pub fn substeps(&self) -> u32 {
        match self.method {
            Method::Explicit { substeps } => substeps,
            _ => 1,
        }
    }

    /// Bytes of device memory: field (twice for explicit ping-pong), source
    /// terms, held values, LOD coefficients; for a coupled species the
    /// field, its rates and the multigrid levels (finest level 64 bytes per
    /// voxel, the coarser a seventh of that).
    pub fn device_bytes(&self, voxels: usize) -> u64 {
        if self.method.is_coupled() {
            let fields = if self.advected() { 2 } else { 1 };
            return 4 * (fields + 1) as u64 * voxels as u64 + (64 * voxels as u64) * 8 / 7;
        }
        let fields = if matches!(self.method, Method::Explicit { .. }) || self.advection.is_some() { 2 } else { 1 };
        let arrays = fields
            + 2 * self.has_sources as usize
            + self.has_exchange as usize
            + self.has_consumption as usize
            + self.has_hold as usize
            + match (self.heterogeneous, self.method) {
                (false, _) => 0,
                (true, Method::Lod) => 9,
                (true, _) => 1,
            };
        let coeffs: usize = self.lod.iter().map(|c| 3 * c.cprime.len()).sum();
        4 * (arrays * voxels + coeffs) as u64
    }
}

/// Everything the scheduler needs to step the scene.
#[derive(Debug, Clone)]
pub struct Plan {
    pub grid: Grid,
    /// Step, min.
    pub dt: f64,
    pub steps: u64,
    /// Steps between outputs.
    pub output_every: u64,
    pub species: Vec<SpeciesPlan>,
    /// Cell operators, when the scene has `[cells]`.
    pub cells: Option<super::CellPlan>,
}

impl Plan {
    pub fn new(v: &Validated) -> Plan {
        let s = &v.scene;
        let grid = v.grid();
        let dt = s.time.dt;
        let species: Vec<SpeciesPlan> = s
            .species
            .iter()
            .enumerate()
            .map(|(si, sp)| {
                let t = transport_of(s, si);
                let d_max = t.diffusion.iter().fold(0.0f64, |m, &d| m.max(d));
                let stiff = stiffness(s, si);
                let own = sp.dt.map_or(1, |h| (h / dt).round().max(1.0) as u64);
                let method = choose_method(sp, d_max, stiff, own as f64 * dt, grid.dx);
                let every = match (method, sp.dt) {
                    (Method::Implicit, _) => own,
                    (Method::Steady, Some(_)) => own,
                    (Method::Steady, None) => 0,
                    _ => 1,
                };
                let r = t.diffusion[0] * dt / (grid.dx * grid.dx);
                let fixed = sp.boundary.lod_held_layer == HeldLayer::Fixed;
                let held = |f: Face| fixed && matches!(sp.boundary.face(f), Bc::Dirichlet(_));
                let ends = [[Face::XMin, Face::XMax], [Face::YMin, Face::YMax], [Face::ZMin, Face::ZMax]];
                let lod_held = [0, 1, 2].map(|a| ends[a].map(held));
                let lod = [0, 1, 2].map(|a| LodCoeffs::new(grid.shape[a], r, sp.decay * dt / 3.0, lod_held[a]));
                let sub = match method {
                    Method::Explicit { substeps } => substeps as f64,
                    _ => 1.0,
                };
                let has_exchange = t.plasma.is_some() && s.vessels.is_some();
                SpeciesPlan {
                    name: sp.name.clone(),
                    unit: sp.unit.clone(),
                    method,
                    lod,
                    explicit_r: (r / sub) as f32,
                    explicit_decay: (sp.decay * dt / sub) as f32,
                    has_sources: v.has_sources(&sp.name) || has_exchange,
                    has_exchange,
                    has_consumption: v.has_consumption(&sp.name)
                        || s.cells.as_ref().is_some_and(|c| c.oxygen == sp.name),
                    heterogeneous: t.is_heterogeneous(),
                    lod_held,
                    decay: sp.decay,
                    diffusion_max: d_max,
                    advection: None,
                    advection_scale: 0.0,
                    advection_rate: 0.0,
                    retardation: t.retardation,
                    has_hold: v.has_hold(&sp.name),
                    held: 0,
                    every,
                    tolerance: sp.tolerance,
                    stiffness: stiff,
                    events: plasma_events(&t, dt, v.steps),
                }
            })
            .collect();
        let mut cells = s.cells.as_ref().map(|c| super::CellPlan::new(v, c));
        if let Some(c) = &mut cells {
            // The cells add their oxygen use to the oxygen species'
            // consumption array, in the units its solver reads.
            let factor = c.ext_species[0].map_or(dt, |o| if species[o].method.is_coupled() { 1.0 } else { dt });
            c.o2_dt_rate = (factor * s.cells.as_ref().map_or(0.0, |c| c.o2_consumption)) as f32;
        }
        Plan { grid, dt, steps: v.steps, output_every: v.output_every, species, cells }
    }

    /// What the world's per-minute rates of species `s` are multiplied by
    /// in the arrays its solver reads: `dt` for a split step, 1 for the
    /// coupled solver.
    pub fn rate_factor(&self, s: usize) -> f64 {
        if self.species[s].method.is_coupled() { 1.0 } else { self.dt }
    }

    /// Steps between time-series rows (a tenth of the output interval).
    pub fn sample_every(&self) -> u64 {
        (self.output_every / 10).max(1)
    }

    /// The base steps a run advances between its time-series rows: rows
    /// every [`Plan::sample_every`], and at every output time and the end.
    pub fn segments(&self) -> Vec<u64> {
        let (mut done, mut out) = (0u64, Vec::new());
        while done < self.steps {
            let next_output = (done / self.output_every + 1) * self.output_every;
            let n = self.sample_every().min(next_output - done).min(self.steps - done);
            out.push(n);
            done += n;
        }
        out
    }

    /// Device memory for all species, bytes (plus one readback buffer and
    /// the three face-velocity arrays when anything is advected).
    pub fn device_bytes(&self) -> u64 {
        let n = self.grid.len();
        let velocity = if self.species.iter().any(|s| s.advection.is_some()) { 3 * 4 * n as u64 } else { 0 };
        // Cells: state twice (spread ping-pong), linked copies, trigger mask.
        let cells = self.cells.as_ref().map_or(0, |c| {
            let l = c.kinetics.layout;
            4 * n as u64 * (2 * l.state() + l.ext() + 1) as u64
        });
        self.species.iter().map(|s| s.device_bytes(n)).sum::<u64>() + 4 * n as u64 + velocity + cells
    }

    /// Add what depends on the world: held voxel counts, and advection
    /// sub-steps from the interstitial velocity.
    pub fn attach(&mut self, world: &World) {
        for (sp, data) in self.species.iter_mut().zip(&world.species) {
            sp.held = data.hold.as_ref().map_or(0, |h| h.iter().filter(|&&v| v >= 0.0).count());
        }
        let Some(vel) = world.vascular.as_ref().and_then(|v| v.velocity.as_ref()) else { return };
        let max_out = vel.max_outflow();
        for sp in &mut self.species {
            // A split species advects in `n` sub-steps per base step; a
            // coupled one over each of its own steps (`advection_rate`).
            let n = advection_substeps(max_out, sp.retardation, self.dt, self.grid.dx);
            sp.advection = Some(n);
            sp.advection_scale = (self.dt / n as f64 / (self.grid.dx * sp.retardation)) as f32;
            sp.advection_rate = max_out / (self.grid.dx * sp.retardation);
        }
    }

    /// Refuse (an input error naming the keys that set the flow, and the
    /// fix) an interstitial flow that needs more than [`MAX_SUBSTEPS`]
    /// advection sub-steps per step: per base step for a split species, per
    /// own step for an implicit one. Call after [`Plan::attach`].
    pub fn check_advection(&self) -> crate::Result<()> {
        for sp in self.species.iter().filter(|s| s.advected()) {
            let step = self.dt * if sp.method == Method::Implicit { sp.every.max(1) as f64 } else { 1.0 };
            let n = substeps_for(step * sp.advection_rate);
            if n <= MAX_SUBSTEPS {
                continue;
            }
            let (step_key, smaller) = if sp.method == Method::Implicit && sp.every > 1 {
                (format!("species.{}.dt", sp.name), format!("species.{}.dt", sp.name))
            } else {
                ("time.dt".to_string(), "time.dt".to_string())
            };
            return Err(crate::Error::scene(
                "vessels.inlet_pressure",
                format!(
                    "the interstitial flow this gives (fastest outflow {:.3e} µm/min from a voxel) needs {n} advection \
                     sub-steps per step of {step} min ({step_key}) for species {}, more than {MAX_SUBSTEPS}",
                    sp.advection_rate * self.grid.dx * sp.retardation,
                    sp.name
                ),
                format!(
                    "give blood pressures of tens of mmHg (vessels.inlet_pressure, outlet_pressure, pressure; \
                     interstitium.boundary_pressure), a smaller interstitium.conductivity, a smaller {smaller}, \
                     or interstitium.advection = false"
                ),
            ));
        }
        Ok(())
    }

    /// The largest single buffer, bytes: a field, or the per-voxel LOD
    /// coefficients of a species with tissue-dependent diffusion (3 values
    /// per voxel), or the cell state.
    pub fn largest_buffer(&self) -> u64 {
        4 * self.split_values() as u64 * self.grid.len() as u64
    }

    /// Values per voxel of the largest buffer that the GPU backend splits
    /// into slabs of z-planes: the cell state or linked fields, 3 with
    /// per-voxel LOD coefficients, else 1.
    fn split_values(&self) -> usize {
        let lod = if self.species.iter().any(|s| s.heterogeneous && s.method == Method::Lod) { 3 } else { 1 };
        // The coupled solver's finest coefficients: 4 values per voxel.
        let coupled = if self.species.iter().any(|s| s.method.is_coupled()) { 4 } else { 1 };
        lod.max(coupled).max(self.cell_values())
    }

    /// Values per voxel of the largest cell buffer (0 without cells).
    fn cell_values(&self) -> usize {
        self.cells.as_ref().map_or(0, |c| c.kinetics.layout.state().max(c.kinetics.layout.ext()))
    }

    /// The z-planes of each slab when every per-voxel buffer must fit
    /// `max_binding` bytes: as few slabs as possible, their depths differing
    /// by at most one plane. A plane is counted at its largest per-voxel
    /// buffer, and a slab keeps room for one more plane (the face
    /// velocities along z have one plane more than the slab). `None` when
    /// not even one plane fits.
    pub fn slabs(&self, max_binding: u64) -> Option<Vec<std::ops::Range<usize>>> {
        let [nx, ny, nz] = self.grid.shape;
        let plane_bytes = 4 * (nx * ny * self.split_values()).max((nx + 1) * (ny + 1)) as u64;
        let planes = max_binding / plane_bytes;
        let depth = if planes > nz as u64 { nz } else { planes.saturating_sub(1) as usize };
        if depth == 0 {
            return None;
        }
        let count = nz.div_ceil(depth);
        let (base, extra) = (nz / count, nz % count);
        let mut start = 0;
        Some(
            (0..count)
                .map(|i| {
                    let d = base + usize::from(i < extra);
                    start += d;
                    start - d..start
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substeps_meet_the_stability_bound() {
        for &(d, l, dt, dx) in &[(1e5, 0.1, 0.01, 20.0), (7e3, 0.0, 0.1, 10.0), (1.0, 0.0, 1.0, 10.0)] {
            let n = explicit_substeps(d, l, dt, dx) as f64;
            assert!(dt / n * (6.0 * d / (dx * dx) + l) <= 1.0 + 1e-12);
            assert!(n == 1.0 || dt / (n - 1.0) * (6.0 * d / (dx * dx) + l) > 1.0);
        }
    }

    #[test]
    fn slabs_cover_the_grid_within_the_binding() {
        let scene = crate::scene::Scene::from_toml(
            "[grid]\nshape = [10, 8, 23]\ndx = 10.0\n[time]\ndt = 0.1\nduration = 1.0\n\
             [[species]]\nname = \"o\"\ndiffusion = 1.0e3\ninitial = 1.0\n",
        )
        .unwrap();
        let plan = Plan::new(&crate::scene::Validated::new(scene).unwrap());
        let plane = 4 * 11 * 9;
        assert_eq!(plan.slabs(u64::MAX).map(|s| s.len()), Some(1));
        assert_eq!(plan.slabs(24 * plane).map(|s| s[0].clone()), Some(0..23));
        assert_eq!(plan.slabs(2 * plane - 1), None);
        for depth in 1..=22u64 {
            let slabs = plan.slabs((depth + 1) * plane).unwrap();
            assert_eq!(slabs.len(), 23usize.div_ceil(depth as usize));
            assert!(slabs.iter().all(|r| r.len() as u64 <= depth && r.len() + 1 >= slabs[0].len()));
            assert!(slabs.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!((slabs[0].start, slabs.last().unwrap().end), (0, 23));
        }
    }

    #[test]
    fn held_rows_are_identity_rows() {
        let co = LodCoeffs::new(5, 3.0, 0.1, [true, true]);
        assert_eq!((co.cprime[0], co.inv_den[0], co.sub[4], co.inv_den[4]), (0.0, 1.0, 0.0, 1.0));
        assert_eq!(co.sub[1], 3.0);
    }

    #[test]
    fn lod_coefficients_solve_a_small_system() {
        // Solve with the coefficients and check the residual of the tridiagonal system.
        let (n, r, dl) = (7, 2.5, 0.01);
        let co = LodCoeffs::new(n, r, dl, [false, false]);
        let d: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
        let mut x = vec![0.0f64; n];
        let mut prev = 0.0;
        for i in 0..n {
            x[i] = (d[i] + co.sub[i] as f64 * prev) * co.inv_den[i] as f64;
            prev = x[i];
        }
        for i in (0..n - 1).rev() {
            x[i] -= co.cprime[i] as f64 * x[i + 1];
        }
        for i in 0..n {
            let nb = (i > 0) as u32 + (i + 1 < n) as u32;
            let mut lhs = (1.0 + nb as f64 * r + dl) * x[i];
            if i > 0 {
                lhs -= r * x[i - 1];
            }
            if i + 1 < n {
                lhs -= r * x[i + 1];
            }
            assert!((lhs - d[i]).abs() < 1e-5 * d[i], "row {i}: {lhs} vs {}", d[i]);
        }
    }
}
