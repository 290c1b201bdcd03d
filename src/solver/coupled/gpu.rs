//! The coupled solver on the GPU: the kernels of `shaders/coupled.wgsl`
//! around the multigrid of `multigrid::GpuEngine`, all on the device; per
//! linearisation one 4-byte norm is read back, per V-cycle one residual
//! norm. The same algorithm as `cpu.rs`, step for step.

use super::{Newton, Rates, SolveLimits, SolveStats};
use crate::solver::gpu::{Gpu, bind_group, pipelines};
use crate::solver::multigrid::{Engine, GpuEngine, Hierarchy, Problem, iterate, iterate_from};
use crate::{Error, Result};
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// Keep in sync with `Linearise` in shaders/coupled.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
struct LineariseParams {
    alpha: f32,
    plasma: f32,
    half_saturation: f32,
    volume: f32,
    n: u32,
    newton: u32,
    restart: u32,
    has_vmax: u32,
}

const _: () = assert!(std::mem::size_of::<LineariseParams>() == 32);

/// Keep in sync with `SinkDims` in shaders/coupled.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct SinkDims {
    nx: u32,
    ny: u32,
    nz: u32,
    n: u32,
    cx: u32,
    cy: u32,
    cz: u32,
    cn: u32,
}

const _: () = assert!(std::mem::size_of::<SinkDims>() == 32);

struct Pipelines {
    linearise: wgpu::ComputePipeline,
    restrict: wgpu::ComputePipeline,
    norm: wgpu::ComputePipeline,
    store: wgpu::ComputePipeline,
    clamp: wgpu::ComputePipeline,
}

/// One coupled species' multigrid and kernels on the device.
pub struct CoupledGpu {
    gpu: Gpu,
    engine: GpuEngine,
    pipelines: Pipelines,
    uniform: wgpu::Buffer,
    params: LineariseParams,
    /// Indexed by which of the species' fields holds its values.
    linearise: Vec<wgpu::BindGroup>,
    store: Vec<wgpu::BindGroup>,
    norm: wgpu::BindGroup,
    clamp: wgpu::BindGroup,
    /// Level `l` to `l + 1`, with the coarse cell count.
    restrict: Vec<(wgpu::BindGroup, u64)>,
    n: u64,
    what: String,
    /// A step has been solved: its refined solution starts the next.
    stepped: bool,
}

impl CoupledGpu {
    /// The solver of a species whose values live in one of `fields` (two
    /// when it ping-pongs for advection); `vmax` is its consumption array
    /// (the cells rewrite it for oxygen).
    pub fn new(
        gpu: &Gpu,
        problem: &Problem,
        rates: &Rates,
        fields: &[wgpu::Buffer],
        vmax: Option<&wgpu::Buffer>,
        half_saturation: f32,
        what: &str,
    ) -> Result<CoupledGpu> {
        problem.validate()?;
        let h = Hierarchy::build(problem, None)?;
        let engine = GpuEngine::new(gpu, &h)?;
        let dev = &gpu.device;
        let n = problem.grid.len();
        let [linearise, restrict, norm, store, clamp] = pipelines(
            dev,
            "coupled.wgsl",
            ["coupled_linearise", "coupled_sink_restrict", "coupled_norm", "coupled_store", "coupled_clamp"],
        );
        let pipes = Pipelines { linearise, restrict, norm, store, clamp };
        let init = |label: &str, bytes: &[u8], usage: wgpu::BufferUsages| {
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents: bytes, usage })
        };
        let storage = wgpu::BufferUsages::STORAGE;
        let packed: Vec<[f32; 4]> =
            (0..n).map(|i| [rates.sink[i], rates.gain[i], rates.inflow.get(i).copied().unwrap_or(0.0), 0.0]).collect();
        let rates_buf = init("coupled rates", bytemuck::cast_slice(&packed), storage);
        let fixed0: Vec<[f32; 2]> = (0..n).map(|i| [h.levels[0].fixed[i], h.rhs_fixed[i]]).collect();
        let fixed0 = init("coupled fixed", bytemuck::cast_slice(&fixed0), storage);
        let sinks: Vec<wgpu::Buffer> = h
            .levels
            .iter()
            .map(|l| init("coupled sink", bytemuck::cast_slice(&vec![0.0f32; l.len()]), storage))
            .collect();
        let fixed: Vec<wgpu::Buffer> =
            h.levels.iter().map(|l| init("coupled level fixed", bytemuck::cast_slice(&l.fixed), storage)).collect();
        let params = LineariseParams {
            alpha: 0.0,
            plasma: 0.0,
            half_saturation,
            volume: problem.grid.voxel_volume() as f32,
            n: n as u32,
            newton: 0,
            restart: 1,
            has_vmax: u32::from(vmax.is_some()),
        };
        let uniform = init(
            "coupled linearise",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let zero = init("no consumption", bytemuck::bytes_of(&0.0f32), storage);
        let vmax = vmax.unwrap_or(&zero);
        let bind = |p: &wgpu::ComputePipeline, e: &[(u32, &wgpu::Buffer)]| bind_group(dev, p, e);
        let (coef0, f, sol) = (engine.coef(0), engine.rhs_f(), engine.solution());
        let linearise_groups = fields
            .iter()
            .map(|field| {
                bind(
                    &pipes.linearise,
                    &[
                        (0, &uniform),
                        (1, field),
                        (2, &rates_buf),
                        (3, vmax),
                        (4, &fixed0),
                        (5, coef0),
                        (6, f),
                        (7, &sinks[0]),
                        (8, sol),
                    ],
                )
            })
            .collect();
        let store_groups = fields
            .iter()
            .map(|field| bind(&pipes.store, &[(0, &uniform), (17, &fixed0), (19, field), (20, sol)]))
            .collect();
        let norm =
            bind(&pipes.norm, &[(0, &uniform), (15, f), (16, &sinks[0]), (17, &fixed0), (18, engine.partials())]);
        let clamp = bind(&pipes.clamp, &[(0, &uniform), (8, sol)]);
        let levels = h.levels.len();
        let restrict = (0..levels.saturating_sub(1))
            .map(|l| {
                let [nx, ny, nz] = h.levels[l].shape.map(|v| v as u32);
                let [cx, cy, cz] = h.levels[l + 1].shape.map(|v| v as u32);
                let d = SinkDims { nx, ny, nz, n: nx * ny * nz, cx, cy, cz, cn: cx * cy * cz };
                let dims = init("coupled sink dims", bytemuck::bytes_of(&d), wgpu::BufferUsages::UNIFORM);
                let group = bind(
                    &pipes.restrict,
                    &[(10, &dims), (11, &sinks[l]), (12, &sinks[l + 1]), (13, engine.coef(l + 1)), (14, &fixed[l + 1])],
                );
                (group, d.cn as u64)
            })
            .collect();
        gpu.check()?;
        Ok(CoupledGpu {
            gpu: gpu.clone(),
            engine,
            pipelines: pipes,
            uniform,
            params,
            linearise: linearise_groups,
            store: store_groups,
            norm,
            clamp,
            restrict,
            n: n as u64,
            what: what.to_string(),
            stepped: false,
        })
    }

    /// Linearise about the field `cur`, rebuild every diagonal, return `‖f‖₂`.
    fn linearise(&mut self, cur: usize, params: LineariseParams) -> Result<f64> {
        self.engine.submit();
        if params != self.params {
            self.gpu.queue.write_buffer(&self.uniform, 0, bytemuck::bytes_of(&params));
            self.params = params;
        }
        let group = self.linearise.get(cur).ok_or_else(|| Error::Gpu(format!("{}: no field {cur}", self.what)))?;
        self.engine.record(&self.pipelines.linearise, group, self.n);
        for (group, cells) in &self.restrict {
            self.engine.record(&self.pipelines.restrict, group, *cells);
        }
        self.engine.record(&self.pipelines.norm, &self.norm, self.n);
        Ok(self.engine.total_of_partials()?.max(0.0).sqrt())
    }

    fn store(&mut self, cur: usize) {
        if let Some(group) = self.store.get(cur) {
            self.engine.record(&self.pipelines.store, group, self.n);
        }
        self.engine.submit();
    }

    fn params(&self, alpha: f32, plasma: f32, newton: bool, restart: bool) -> LineariseParams {
        LineariseParams { alpha, plasma, newton: u32::from(newton), restart: u32::from(restart), ..self.params }
    }

    /// One backward-Euler step of `h` min of the field `cur` (see
    /// `CoupledCpu::step`).
    pub fn step(&mut self, cur: usize, h: f64, plasma: f32, limits: SolveLimits) -> Result<SolveStats> {
        let p = self.params((1.0 / h) as f32, plasma, false, !self.stepped);
        let norm = self.linearise(cur, p)?;
        let (cycles, residual) = iterate(&mut self.engine, norm, limits.tolerance, limits.max_cycles, &self.what)?;
        self.stepped = true;
        self.store(cur);
        Ok(SolveStats { cycles, iterations: 1, residual })
    }

    /// The refined solution that starts the next step (see
    /// `CoupledCpu::warm_start`).
    pub fn warm_start(&mut self) -> Result<Option<Vec<f32>>> {
        if !self.stepped {
            return Ok(None);
        }
        self.engine.solution_words().map(Some)
    }

    /// See `CoupledCpu::set_warm_start`.
    pub fn set_warm_start(&mut self, words: Option<&[f32]>) {
        if let Some(w) = words {
            self.engine.set_solution_words(w);
        }
        self.stepped = words.is_some();
    }

    /// The steady state at plasma level `plasma` (see `CoupledCpu::steady`).
    pub fn steady(&mut self, cur: usize, plasma: f32, limits: SolveLimits) -> Result<SolveStats> {
        let mut newton = Newton::new(limits);
        loop {
            let p = self.params(0.0, plasma, true, newton.first());
            let norm = self.linearise(cur, p)?;
            let r0 = self.engine.residual()?.sqrt();
            let Some(target) = newton.next(norm, r0, &self.what)? else { return Ok(newton.stats) };
            let (cycles, _) = iterate_from(&mut self.engine, r0, norm, target, limits.max_cycles, &self.what)?;
            self.engine.record(&self.pipelines.clamp, &self.clamp, self.n);
            self.store(cur);
            newton.done(cycles);
        }
    }
}
