//! The vascular part of the world: tissue map, vessel network and blood
//! flow, per-voxel vessel maps, the interstitial pressure, fluid exchange
//! and lymphatic drainage, and the interstitial velocity.

use crate::grid::FaceFlow;
use crate::grid::{Grid, Shape, Tissue};
use crate::scene::{FlowMode, InterstitiumSpec, Validated, VesselSpec};
use crate::vessels::{self, Flow, Network, VesselMaps};
use crate::{Error, Result};

/// Tissue of every voxel: `base` (the map of `grid.tissue`), else normal,
/// unless a region with `tissue` says otherwise (later regions win).
pub fn tissue_map(v: &Validated, grid: &Grid, base: Option<&[Tissue]>) -> Vec<Tissue> {
    let mut map = base.map_or_else(|| vec![Tissue::Normal; grid.len()], <[Tissue]>::to_vec);
    for r in &v.scene.regions {
        if let (Some(t), Some(shape)) = (r.tissue, Shape::of(r)) {
            for i in grid.voxels_in(&shape) {
                map[i] = t;
            }
        }
    }
    map
}

/// Tissue at a point (µm), by the same rule as [`tissue_map`]: `base`
/// gives the tissue of the voxel holding the point (the nearest voxel for a
/// point outside the grid).
pub fn tissue_at(v: &Validated, base: Option<(&Grid, &[Tissue])>, p: [f64; 3]) -> Tissue {
    let mut t = match base {
        Some((g, map)) => {
            let at = |a: usize| ((p[a] / g.dx).floor().max(0.0) as usize).min(g.shape[a] - 1);
            map[g.idx(at(0), at(1), at(2))]
        }
        None => Tissue::Normal,
    };
    for r in &v.scene.regions {
        if let (Some(rt), Some(shape)) = (r.tissue, Shape::of(r))
            && shape.contains(p)
        {
            t = rt;
        }
    }
    t
}

/// Vessels, blood flow and what they make of the interstitium.
#[derive(Debug, Clone)]
pub struct Vascular {
    pub network: Network,
    pub flow: Flow,
    pub maps: VesselMaps,
    /// Interstitial fluid pressure, mmHg.
    pub pressure: Vec<f32>,
    /// Final relative residual and V-cycles of the pressure solve (0, 0 when not solved).
    pub residual: f64,
    pub cycles: usize,
    /// Fluid filtration J_v per vessel kind (normal, tumour), 1/min.
    pub filtration: [Vec<f32>; 2],
    /// Lymphatic drainage J_L ≥ 0, 1/min.
    pub lymph: Vec<f32>,
    /// Face velocities for advection, µm/min; `None` without advection.
    pub velocity: Option<FaceFlow>,
}

/// Load or generate the network of `[vessels]`: a file's network must fit
/// the grid ([`Network::validate_within`]).
pub fn network(v: &Validated, spec: &VesselSpec, grid: &Grid, base: Option<&[Tissue]>) -> Result<Network> {
    if let Some(file) = &spec.file {
        let path = v.base_dir.join(file);
        Network::from_path_within(&path, grid.extent()).map_err(|e| match e {
            Error::Io { path, source } => Error::scene(
                "vessels.file",
                format!("cannot read {}: {source}", path.display()),
                "give the path of a .json or .csv network file, relative to the scene file",
            ),
            e => e,
        })
    } else {
        let p = spec.generate_params();
        p.validate_for_grid("vessels", grid)?;
        let base = base.map(|b| (grid, b));
        Ok(vessels::generate(grid.extent(), &|x| tissue_at(v, base, x), &p, v.scene.seed))
    }
}

/// The network of `[vessels]` and its blood flow, exactly as a run builds
/// them (`None` without `[vessels]`): what `oncovox check` reads, so that it
/// refuses every network a run would. `base`: the tissue map of
/// `grid.tissue`, before regions.
pub fn network_and_flow(v: &Validated, grid: &Grid, base: Option<&[Tissue]>) -> Result<Option<(Network, Flow)>> {
    let Some(spec) = &v.scene.vessels else { return Ok(None) };
    let network = network(v, spec, grid, base)?;
    let flow = match spec.flow {
        FlowMode::Poiseuille => vessels::poiseuille(&network, spec.viscosity)?,
        FlowMode::Uniform => vessels::uniform(&network, spec.pressure),
    };
    Ok(Some((network, flow)))
}

/// The interstitium's steady Darcy problem in world terms, per voxel:
/// `−∇·(K ∇p) + a·p = b` (see `solver::darcy`).
#[derive(Debug, Clone)]
pub struct Interstitium {
    /// Hydraulic conductivity K, µm²/(mmHg·min).
    pub conductivity: Vec<f32>,
    /// `a`: vessel and lymphatic filtration per unit pressure, 1/(mmHg·min).
    pub sink: Vec<f32>,
    /// `b`: net fluid source at `p = 0`, 1/min.
    pub source: Vec<f32>,
    /// Pressure on the box faces, mmHg; `None`: no fluid crosses them.
    pub boundary_pressure: Option<f64>,
    /// Relative residual the solve reaches.
    pub tolerance: f64,
    /// Whether the flow advects the species (face velocities wanted).
    pub advection: bool,
}

/// What the pressure solve gives back to the world.
#[derive(Debug, Clone)]
pub struct Pressure {
    /// Interstitial fluid pressure, mmHg.
    pub field: Vec<f32>,
    /// Final relative residual and V-cycles of the solve.
    pub residual: f64,
    pub cycles: usize,
    /// Face velocities for advection, µm/min.
    pub velocity: Option<FaceFlow>,
}

/// The vascular world before its interstitial pressure is known.
#[derive(Debug, Clone)]
pub struct VascularGeometry {
    pub network: Network,
    pub flow: Flow,
    pub maps: VesselMaps,
    /// The pressure problem, when `[interstitium]` asks for the pressure.
    pub interstitium: Option<Interstitium>,
}

/// The network, its flow and maps, and the interstitial pressure problem.
pub fn geometry(
    v: &Validated,
    grid: &Grid,
    tissue: &[Tissue],
    base: Option<&[Tissue]>,
) -> Result<Option<VascularGeometry>> {
    let (Some(spec), Some((network, flow))) = (&v.scene.vessels, network_and_flow(v, grid, base)?) else {
        return Ok(None);
    };
    let maps = vessels::voxelise(&network, &flow, grid);
    let s = Starling::new(v, spec, tissue, &maps);
    let interstitium = match &v.scene.interstitium {
        Some(i) if i.pressure => Some(interstitium(grid, tissue, i, &s)),
        _ => None,
    };
    Ok(Some(VascularGeometry { network, flow, maps, interstitium }))
}

/// The vascular world once the pressure is known (0 everywhere without a
/// pressure problem): filtration and lymphatic drainage follow from it.
pub fn complete(v: &Validated, tissue: &[Tissue], g: VascularGeometry, p: Option<Pressure>) -> Result<Vascular> {
    let n = tissue.len();
    let spec = v.scene.vessels.as_ref().expect("vessels");
    let ist = v.scene.interstitium.clone().unwrap_or_default();
    let p = p.unwrap_or(Pressure { field: vec![0.0; n], residual: 0.0, cycles: 0, velocity: None });
    if p.field.len() != n || p.field.iter().any(|x| !x.is_finite()) {
        return Err(Error::Numerical("the interstitial pressure is not finite; check [interstitium]".into()));
    }
    let s = Starling::new(v, spec, tissue, &g.maps);
    let pressure = p.field;
    let filtration = [0, 1].map(|k| {
        (0..n)
            .map(|i| {
                let (a, b) = s.wall(i, k);
                (b - a * pressure[i] as f64) as f32
            })
            .collect()
    });
    let lymph = (0..n).map(|i| (s.drainage(i) * (pressure[i] as f64 - ist.lymph_pressure)).max(0.0) as f32).collect();
    Ok(Vascular {
        network: g.network,
        flow: g.flow,
        maps: g.maps,
        pressure,
        residual: p.residual,
        cycles: p.cycles,
        filtration,
        lymph,
        velocity: p.velocity,
    })
}

/// Starling's fluid exchange per voxel: `J_v = a_k·(p_v − p_i) − a_k·σ_k·Δπ`
/// per vessel kind k, and lymphatic drainage in normal tissue.
struct Starling<'a> {
    walls: [crate::scene::WallSpec; 2],
    plasma_oncotic: f64,
    ist: InterstitiumSpec,
    tissue: &'a [Tissue],
    maps: &'a VesselMaps,
}

impl<'a> Starling<'a> {
    fn new(v: &Validated, spec: &VesselSpec, tissue: &'a [Tissue], maps: &'a VesselMaps) -> Starling<'a> {
        Starling {
            walls: [spec.normal, spec.tumour],
            plasma_oncotic: spec.plasma_oncotic,
            ist: v.scene.interstitium.clone().unwrap_or_default(),
            tissue,
            maps,
        }
    }

    /// `(a_k, a_k·(p_v − σ_k·Δπ))` of voxel `i` and vessel kind `k`.
    fn wall(&self, i: usize, k: usize) -> (f64, f64) {
        let w = &self.walls[k];
        let a = w.hydraulic_conductivity * self.maps.sv[k][i] as f64;
        let dpi = self.plasma_oncotic - self.ist.oncotic.get(self.tissue[i]);
        (a, a * (self.maps.pressure[i] as f64 - w.oncotic_reflection * dpi))
    }

    fn drainage(&self, i: usize) -> f64 {
        if self.tissue[i] == Tissue::Normal { self.ist.lymphatic_drainage } else { 0.0 }
    }
}

fn interstitium(grid: &Grid, tissue: &[Tissue], i: &InterstitiumSpec, s: &Starling) -> Interstitium {
    let n = grid.len();
    let mut sink = vec![0.0f32; n];
    let mut source = vec![0.0f32; n];
    for v in 0..n {
        let (a0, b0) = s.wall(v, 0);
        let (a1, b1) = s.wall(v, 1);
        let d = s.drainage(v);
        sink[v] = (a0 + a1 + d) as f32;
        source[v] = (b0 + b1 + d * i.lymph_pressure) as f32;
    }
    Interstitium {
        conductivity: tissue.iter().map(|&t| i.conductivity.get(t) as f32).collect(),
        sink,
        source,
        boundary_pressure: i.boundary_pressure,
        tolerance: i.tolerance,
        advection: i.advection,
    }
}
