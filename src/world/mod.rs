//! The world: per-species initial fields, per-voxel source terms, vessel
//! exchange and held (Dirichlet) values, the tissue map and the vascular
//! state, voxelised from a validated scene.

mod cells;
mod inputs;
mod npy_read;
mod planes;
mod vascular;

pub use cells::CellData;
pub use inputs::Inputs;

pub use vascular::{Interstitium, Pressure, Vascular, VascularGeometry, network_and_flow, tissue_at, tissue_map};

use crate::Result;
use crate::grid::{Grid, Shape, Tissue};
use crate::scene::{Bc, Face, SpeciesTransport, Validated, transport_of};

/// Marks a voxel that is not held in [`SpeciesData::hold`]. Held values are
/// never negative, so any negative number means "free".
pub const FREE: f32 = -1.0;

/// Per-voxel arrays of one species (length = voxels), as rates per minute:
/// what a step of any length makes of them is the solver's business
/// (`solver::coeffs`).
#[derive(Debug, Clone)]
pub struct SpeciesData {
    /// Field at t = 0, species unit.
    pub initial: Vec<f32>,
    /// Linear sources and sinks, when the species has supply, uptake or
    /// vessel exchange.
    pub sources: Option<Sources>,
    /// Held value, or [`FREE`].
    pub hold: Option<Vec<f32>>,
    /// Vessel exchange, when the species has a plasma curve and vessels.
    pub exchange: Option<Exchange>,
    /// Michaelis–Menten maximum rate V per voxel, species unit per min (the
    /// regions'; the cells add theirs at every kinetics update).
    pub consumption: Option<Vec<f64>>,
    /// Half-saturation K of the consumption, species unit.
    pub half_saturation: f32,
    /// Diffusion coefficient per voxel, µm²/min, when it differs between tissues.
    pub diffusion: Option<Vec<f32>>,
    pub transport: SpeciesTransport,
}

/// `dc/dt = gain − loss·c (+ inflow·c_p)` per voxel: supply `S·(T − c)`,
/// uptake `U·c`, and the vessel exchange's loss and lymphatic drainage.
#[derive(Debug, Clone)]
pub struct Sources {
    /// `Σ S·T`, species unit per min.
    pub gain: Vec<f64>,
    /// `Σ (S + U) + loss + lymph`, 1/min.
    pub loss: Vec<f64>,
}

/// Per-voxel vessel exchange of one species: the flux into tissue is
/// `inflow·c_p − loss·c` (Kedem–Katchalsky), and lymphatics remove `lymph·c`.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// 1/min.
    pub inflow: Vec<f32>,
    /// 1/min.
    pub loss: Vec<f32>,
    /// 1/min.
    pub lymph: Vec<f32>,
    /// Mean plasma concentration over each step, species unit.
    pub plasma: Vec<f32>,
}

/// Grid and per-species data.
#[derive(Debug, Clone)]
pub struct World {
    pub grid: Grid,
    pub species: Vec<SpeciesData>,
    pub tissue: Vec<Tissue>,
    pub vascular: Option<Vascular>,
    /// Cells at t = 0, when the scene has `[cells]`.
    pub cells: Option<CellData>,
}

/// A world whose vessels and tissue are known but whose interstitial
/// pressure is not yet: the solver solves [`WorldDraft::interstitium`] and
/// hands the pressure to [`WorldDraft::finish`].
#[derive(Debug, Clone)]
pub struct WorldDraft {
    pub grid: Grid,
    pub tissue: Vec<Tissue>,
    pub vascular: Option<VascularGeometry>,
    /// What the scene's NPY files give (initial fields, tissue).
    pub inputs: Inputs,
}

impl World {
    /// The geometry of a scene: grid, tissue map, vessel network, its flow
    /// and maps.
    pub fn draft(v: &Validated) -> Result<WorldDraft> {
        let grid = v.grid();
        let inputs = Inputs::load(v, &grid)?;
        let tissue = tissue_map(v, &grid, inputs.tissue.as_deref());
        let vascular = vascular::geometry(v, &grid, &tissue, inputs.tissue.as_deref())?;
        Ok(WorldDraft { grid, tissue, vascular, inputs })
    }
}

impl WorldDraft {
    /// The interstitial pressure problem, when the scene asks for it.
    pub fn interstitium(&self) -> Option<&Interstitium> {
        self.vascular.as_ref().and_then(|g| g.interstitium.as_ref())
    }

    /// The world with its interstitial pressure (`None`: none asked for).
    pub fn finish(self, v: &Validated, pressure: Option<Pressure>) -> Result<World> {
        let WorldDraft { grid, tissue, vascular, mut inputs } = self;
        let vascular = vascular.map(|g| vascular::complete(v, &tissue, g, pressure)).transpose()?;
        let species = v
            .scene
            .species
            .iter()
            .enumerate()
            .map(|(si, sp)| {
                let transport = transport_of(&v.scene, si);
                let hold = v.has_hold(&sp.name).then(|| hold_values(v, &grid, &sp.name));
                let exchange = vascular.as_ref().and_then(|vas| exchange(v, &transport, vas, grid.len()));
                let sources = (v.has_sources(&sp.name) || exchange.is_some())
                    .then(|| source_rates(v, &grid, &sp.name, exchange.as_ref()));
                // The file's field, or the number everywhere; held voxels start at their value.
                let from_file = inputs.species.get_mut(si).and_then(Option::take);
                let mut initial = from_file.unwrap_or_else(|| vec![sp.initial.value() as f32; grid.len()]);
                if let Some(h) = &hold {
                    apply_hold(&mut initial, h);
                }
                let (consumption, half_saturation) = consumption(v, &grid, &sp.name);
                let diffusion = transport
                    .is_heterogeneous()
                    .then(|| tissue.iter().map(|t| transport.diffusion[t.index()] as f32).collect());
                SpeciesData { initial, sources, hold, exchange, consumption, half_saturation, diffusion, transport }
            })
            .collect();
        let mut species: Vec<SpeciesData> = species;
        let cells = v.scene.cells.as_ref().map(|c| {
            // Oxygen is consumed at the regions' rate plus the cells' own,
            // which each kinetics update sets from the live density.
            let o2 = v.scene.species_index(&c.oxygen).expect("validated oxygen species");
            let base = species[o2].consumption.take().unwrap_or_else(|| vec![0.0; grid.len()]);
            species[o2].half_saturation = c.o2_half_saturation as f32;
            CellData::new(v, c, &grid, &tissue, &inputs.phenotypes, base)
        });
        Ok(World { grid, species, tissue, vascular, cells })
    }
}

/// Kedem–Katchalsky coefficients of one species from the vascular state.
fn exchange(v: &Validated, t: &SpeciesTransport, vas: &Vascular, n: usize) -> Option<Exchange> {
    let (walls, plasma) = (t.wall?, t.plasma.as_ref()?);
    let mut inflow = vec![0.0f32; n];
    let mut loss = vec![0.0f32; n];
    for i in 0..n {
        let (mut a, mut b) = (0.0f64, 0.0f64);
        for (k, w) in walls.iter().enumerate() {
            let sv = vas.maps.sv[k][i] as f64;
            if sv > 0.0 {
                let e = crate::model::exchange::solute_exchange(
                    w.permeability,
                    sv,
                    vas.filtration[k][i] as f64,
                    w.reflection,
                );
                a += e.inflow;
                b += e.loss;
            }
        }
        inflow[i] = a as f32;
        loss[i] = b as f32;
    }
    let dt = v.scene.time.dt;
    let plasma = (0..v.steps).map(|s| plasma.mean(s as f64 * dt, (s + 1) as f64 * dt) as f32).collect();
    Some(Exchange { inflow, loss, lymph: vas.lymph.clone(), plasma })
}

fn consumption(v: &Validated, grid: &Grid, name: &str) -> (Option<Vec<f64>>, f32) {
    if !v.has_consumption(name) {
        return (None, 0.0);
    }
    let mut rate = vec![0.0f64; grid.len()];
    let mut k = 0.0f32;
    for r in &v.scene.regions {
        if let (Some(c), Some(shape)) = (r.consumption.get(name), Shape::of(r)) {
            for i in grid.voxels_in(&shape) {
                rate[i] = c.rate;
            }
            k = c.half_saturation as f32;
        }
    }
    (Some(rate), k)
}

/// Set held voxels to their values (the CPU twin of `shaders/hold.wgsl`).
pub fn apply_hold(field: &mut [f32], hold: &[f32]) {
    for (c, &h) in field.iter_mut().zip(hold) {
        if h >= 0.0 {
            *c = h;
        }
    }
}

fn hold_values(v: &Validated, grid: &Grid, name: &str) -> Vec<f32> {
    let mut hold = vec![FREE; grid.len()];
    let sp = &v.scene.species[v.scene.species_index(name).expect("validated species")];
    let [nx, ny, nz] = grid.shape;
    for face in Face::ALL {
        let Bc::Dirichlet(value) = sp.boundary.face(face) else { continue };
        let a = face.axis();
        let layer = if face.is_max() { grid.shape[a] - 1 } else { 0 };
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    if [i, j, k][a] == layer {
                        hold[grid.idx(i, j, k)] = value as f32;
                    }
                }
            }
        }
    }
    for r in &v.scene.regions {
        if let (Some(&value), Some(shape)) = (r.hold.get(name), Shape::of(r)) {
            for i in grid.voxels_in(&shape) {
                hold[i] = value as f32;
            }
        }
    }
    hold
}

/// The linear sources of a species: supply and uptake of every region, and
/// the vessel exchange's loss and lymphatic drainage.
fn source_rates(v: &Validated, grid: &Grid, name: &str, ex: Option<&Exchange>) -> Sources {
    let mut gain = vec![0.0f64; grid.len()];
    let mut loss = vec![0.0f64; grid.len()];
    if let Some(ex) = ex {
        for (i, l) in loss.iter_mut().enumerate() {
            *l += ex.loss[i] as f64 + ex.lymph[i] as f64;
        }
    }
    for r in &v.scene.regions {
        let Some(shape) = Shape::of(r) else { continue };
        let supply = r.supply.get(name);
        let uptake = r.uptake.get(name);
        if supply.is_none() && uptake.is_none() {
            continue;
        }
        for i in grid.voxels_in(&shape) {
            if let Some(s) = supply {
                gain[i] += s.rate * s.target;
                loss[i] += s.rate;
            }
            if let Some(u) = uptake {
                loss[i] += u;
            }
        }
    }
    Sources { gain, loss }
}
