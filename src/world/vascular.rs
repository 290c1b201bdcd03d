//! The vascular part of the world: tissue map, vessel network and blood
//! flow, per-voxel vessel maps, the interstitial pressure, fluid exchange
//! and lymphatic drainage, and the interstitial velocity.

use crate::grid::{Grid, Shape, Tissue};
use crate::scene::{FlowMode, InterstitiumSpec, Validated, VesselSpec};
use crate::solver::advection::FaceFlow;
use crate::solver::darcy::{self, FaceBc, Problem};
use crate::solver::gpu::Gpu;
use crate::vessels::{self, Flow, GenerateParams, Network, VesselMaps};
use crate::{Error, Result};

/// Tissue of every voxel: normal unless a region with `tissue` says otherwise
/// (later regions win).
pub fn tissue_map(v: &Validated, grid: &Grid) -> Vec<Tissue> {
    let mut map = vec![Tissue::Normal; grid.len()];
    for r in &v.scene.regions {
        if let (Some(t), Some(shape)) = (r.tissue, Shape::of(r)) {
            for i in grid.voxels_in(&shape) {
                map[i] = t;
            }
        }
    }
    map
}

/// Tissue at a point (µm), by the same rule as [`tissue_map`].
pub fn tissue_at(v: &Validated, p: [f64; 3]) -> Tissue {
    let mut t = Tissue::Normal;
    for r in &v.scene.regions {
        if let (Some(rt), Some(shape)) = (r.tissue, Shape::of(r)) {
            if shape.contains(p) {
                t = rt;
            }
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

/// Load or generate the network of `[vessels]`.
pub fn network(v: &Validated, spec: &VesselSpec, grid: &Grid) -> Result<Network> {
    if let Some(file) = &spec.file {
        let path = v.base_dir.join(file);
        Network::from_path(&path).map_err(|e| match e {
            Error::Io { path, source } => Error::scene(
                "vessels.file",
                format!("cannot read {}: {source}", path.display()),
                "give the path of a .json or .csv network file, relative to the scene file",
            ),
            e => e,
        })
    } else {
        let p = GenerateParams {
            spacing: spec.spacing,
            capillary_radius: spec.capillary_radius,
            tumour_radius: spec.tumour_radius,
            tumour_density: spec.tumour_density,
            inlet_pressure: spec.inlet_pressure,
            outlet_pressure: spec.outlet_pressure,
            ..GenerateParams::default()
        };
        p.validate("vessels")?;
        Ok(vessels::generate(grid.extent(), &|x| tissue_at(v, x), &p, v.scene.seed))
    }
}

/// Build the vascular world; the pressure is solved on `gpu` when given.
pub fn build(v: &Validated, grid: &Grid, tissue: &[Tissue], gpu: Option<&Gpu>) -> Result<Option<Vascular>> {
    let Some(spec) = &v.scene.vessels else { return Ok(None) };
    let network = network(v, spec, grid)?;
    let flow = match spec.flow {
        FlowMode::Poiseuille => vessels::poiseuille(&network, spec.viscosity)?,
        FlowMode::Uniform => vessels::uniform(&network, spec.pressure),
    };
    let maps = vessels::voxelise(&network, &flow, grid);
    let inter = v.scene.interstitium.clone();
    let walls = [spec.normal, spec.tumour];
    // Starling terms split into J_v = a_k·(p_v − p_i) − a_k·σ_k·Δπ per vessel kind.
    let ist = inter.clone().unwrap_or_default();
    let drainage = |i: usize| if tissue[i] == Tissue::Normal { ist.lymphatic_drainage } else { 0.0 };
    let starling = |i: usize, k: usize| -> (f64, f64) {
        let a = walls[k].hydraulic_conductivity * maps.sv[k][i] as f64;
        let dpi = spec.plasma_oncotic - ist.oncotic.get(tissue[i]);
        (a, a * (maps.pressure[i] as f64 - walls[k].oncotic_reflection * dpi))
    };
    let (pressure, residual, cycles, velocity) = match &inter {
        Some(i) if i.pressure => {
            let problem = darcy_problem(grid, tissue, i, &starling, &drainage);
            // The GPU solver keeps 16 bytes per voxel in one buffer; where that
            // exceeds a binding, the CPU runs the same algorithm instead.
            let sol = match gpu.map(|g| darcy::solve_gpu(g, &problem, i.tolerance, 100)) {
                Some(Ok(sol)) => sol,
                Some(Err(Error::TooLarge(_))) | None => darcy::solve_cpu(&problem, i.tolerance, 100)?,
                Some(Err(e)) => return Err(e),
            };
            let vel = i.advection.then(|| FaceFlow::from(&darcy::face_velocities(&problem, &sol.field)));
            (sol.field, sol.residual, sol.cycles, vel)
        }
        _ => (vec![0.0; grid.len()], 0.0, 0, None),
    };
    let filtration = [0, 1].map(|k| {
        (0..grid.len())
            .map(|i| {
                let (a, b) = starling(i, k);
                (b - a * pressure[i] as f64) as f32
            })
            .collect()
    });
    let lymph =
        (0..grid.len()).map(|i| (drainage(i) * (pressure[i] as f64 - ist.lymph_pressure)).max(0.0) as f32).collect();
    if pressure.iter().any(|p| !p.is_finite()) {
        return Err(Error::Numerical("the interstitial pressure is not finite; check [interstitium]".into()));
    }
    Ok(Some(Vascular { network, flow, maps, pressure, residual, cycles, filtration, lymph, velocity }))
}

fn darcy_problem(
    grid: &Grid,
    tissue: &[Tissue],
    i: &InterstitiumSpec,
    starling: &dyn Fn(usize, usize) -> (f64, f64),
    drainage: &dyn Fn(usize) -> f64,
) -> Problem {
    let n = grid.len();
    let mut sink = vec![0.0f32; n];
    let mut source = vec![0.0f32; n];
    for v in 0..n {
        let (a0, b0) = starling(v, 0);
        let (a1, b1) = starling(v, 1);
        let d = drainage(v);
        sink[v] = (a0 + a1 + d) as f32;
        source[v] = (b0 + b1 + d * i.lymph_pressure) as f32;
    }
    let face = match i.boundary_pressure {
        Some(p) => FaceBc::Dirichlet(p),
        None => FaceBc::ZeroFlux,
    };
    Problem {
        grid: *grid,
        conductivity: tissue.iter().map(|&t| i.conductivity.get(t) as f32).collect(),
        sink,
        source,
        faces: [face; 6],
        held: None,
    }
}
