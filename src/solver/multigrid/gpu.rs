//! GPU engine: every level's correction, right side and coefficients live
//! on the device; one dispatch per smoothing colour, restriction,
//! prolongation, residual and update; the residual norm is reduced on the
//! device and 4 bytes are read back per V-cycle. Kernels:
//! `shaders/multigrid.wgsl`.

use super::cycle::Engine;
use super::levels::Hierarchy;
use crate::solver::gpu::{Gpu, bind_group, pipelines};
use crate::{Error, Result};
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

/// Per-level uniform. Keep in sync with `MgDims` in shaders/multigrid.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct MgDims {
    /// This level's cells along x, y, z, and their count.
    nx: u32,
    ny: u32,
    nz: u32,
    n: u32,
    /// The next coarser level's (this level's own on the coarsest).
    cx: u32,
    cy: u32,
    cz: u32,
    cn: u32,
    /// Smoothing: the colour `(i + j + k) % 2` to update, and `⌈nx/2⌉`.
    colour: u32,
    half_x: u32,
    /// Bit `f` set where domain face `f` (x_min, x_max, …) is Dirichlet.
    dirichlet: u32,
    _pad0: u32,
}

const _: () = assert!(std::mem::size_of::<MgDims>() == 48);

/// Invocations per workgroup of every Darcy kernel.
const GROUP: u64 = 256;

struct Pipelines {
    smooth: wgpu::ComputePipeline,
    restrict: wgpu::ComputePipeline,
    prolong: wgpu::ComputePipeline,
    residual: wgpu::ComputePipeline,
    sum: wgpu::ComputePipeline,
    correct: wgpu::ComputePipeline,
}

struct LevelGpu {
    shape: [usize; 3],
    e: wgpu::Buffer,
    coef: wgpu::Buffer,
    /// Indexed by colour.
    smooth: [wgpu::BindGroup; 2],
    /// To the next coarser level; `None` on the coarsest.
    restrict: Option<wgpu::BindGroup>,
    prolong: Option<wgpu::BindGroup>,
}

#[derive(Clone, Copy)]
enum Kernel {
    Smooth(usize),
    Restrict,
    Prolong,
    Residual,
    Sum,
    Correct,
}

pub struct GpuEngine {
    gpu: Gpu,
    pipelines: Pipelines,
    levels: Vec<LevelGpu>,
    sol: wgpu::Buffer,
    f: wgpu::Buffer,
    partial: wgpu::Buffer,
    total: wgpu::Buffer,
    readback: wgpu::Buffer,
    residual: wgpu::BindGroup,
    sum: wgpu::BindGroup,
    correct: wgpu::BindGroup,
    encoder: Option<wgpu::CommandEncoder>,
}

/// Workgroups `(x, y)` covering `threads` invocations, x at most `max_dim`
/// (the kernels flatten the 2D index with `flat_index`).
fn workgroups(threads: u64, max_dim: u32) -> (u32, u32) {
    let total = threads.div_ceil(GROUP).max(1);
    let y = total.div_ceil(max_dim.max(1) as u64);
    let x = total.div_ceil(y);
    (x as u32, y as u32)
}

impl GpuEngine {
    pub fn new(gpu: &Gpu, h: &Hierarchy) -> Result<GpuEngine> {
        let dev = &gpu.device;
        let n0 = h.levels[0].len();
        let largest = 16 * n0 as u64;
        let max = gpu.limits.max_storage_buffer_binding_size.min(gpu.limits.max_buffer_size);
        if largest > max {
            return Err(Error::TooLarge(format!(
                "a multigrid solve on {:?} voxels needs a {} MiB buffer, above this device's {} MiB per \
                 storage binding; use fewer voxels or the CPU backend",
                h.levels[0].shape,
                largest >> 20,
                max >> 20
            )));
        }
        let [smooth, restrict, prolong, residual, sum, correct] = pipelines(
            dev,
            "multigrid.wgsl",
            ["mg_smooth", "mg_restrict", "mg_prolong", "mg_residual", "mg_sum", "mg_correct"],
        );
        let pipelines = Pipelines { smooth, restrict, prolong, residual, sum, correct };
        let io = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC;
        let init = |label: &str, bytes: &[u8], usage: wgpu::BufferUsages| {
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents: bytes, usage })
        };
        let zeros = |label: &str, n: usize| init(label, bytemuck::cast_slice(&vec![0.0f32; n]), io);
        let bind = |p: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]| bind_group(dev, p, entries);
        let nl = h.levels.len();
        let e: Vec<wgpu::Buffer> = h.levels.iter().map(|l| zeros("mg e", l.len())).collect();
        let rhs: Vec<wgpu::Buffer> = h.levels.iter().map(|l| zeros("mg rhs", l.len())).collect();
        let coef: Vec<wgpu::Buffer> = h
            .levels
            .iter()
            .map(|l| init("mg coef", bytemuck::cast_slice(&l.coef), wgpu::BufferUsages::STORAGE))
            .collect();
        let dims = |l: usize, colour: u32| {
            let [nx, ny, nz] = h.levels[l].shape.map(|v| v as u32);
            let [cx, cy, cz] = h.levels[(l + 1).min(nl - 1)].shape.map(|v| v as u32);
            let d = MgDims {
                nx,
                ny,
                nz,
                n: nx * ny * nz,
                cx,
                cy,
                cz,
                cn: cx * cy * cz,
                colour,
                half_x: nx.div_ceil(2),
                dirichlet: h.dirichlet.iter().enumerate().map(|(f, &d)| (d as u32) << f).sum(),
                _pad0: 0,
            };
            init("mg dims", bytemuck::bytes_of(&d), wgpu::BufferUsages::UNIFORM)
        };
        let mut levels = Vec::with_capacity(nl);
        let mut dims0 = Vec::with_capacity(nl);
        for l in 0..nl {
            let d = [dims(l, 0), dims(l, 1)];
            let smooth =
                [0, 1].map(|c| bind(&pipelines.smooth, &[(0, &d[c]), (1, &e[l]), (2, &rhs[l]), (3, &coef[l])]));
            let (restrict, prolong) = if l + 1 < nl {
                (
                    Some(bind(
                        &pipelines.restrict,
                        &[(0, &d[0]), (1, &e[l]), (2, &rhs[l]), (3, &coef[l]), (4, &rhs[l + 1])],
                    )),
                    Some(bind(&pipelines.prolong, &[(0, &d[0]), (1, &e[l]), (5, &e[l + 1])])),
                )
            } else {
                (None, None)
            };
            levels.push(LevelGpu {
                shape: h.levels[l].shape,
                e: e[l].clone(),
                coef: coef[l].clone(),
                smooth,
                restrict,
                prolong,
            });
            dims0.push(d);
        }
        let sol_host: Vec<[f32; 2]> = h.start.iter().map(|&p| [p, 0.0]).collect();
        let sol = init("mg solution", bytemuck::cast_slice(&sol_host), io);
        let f = init("mg f", bytemuck::cast_slice(&h.rhs), wgpu::BufferUsages::STORAGE);
        let fine_words = 8 * n0 as u64;
        let (x, y) = workgroups(n0 as u64, gpu.limits.max_compute_workgroups_per_dimension);
        let partial = zeros("mg partial sums", (x * y) as usize);
        let total = zeros("mg total", 1);
        let readback = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("mg readback"),
            size: fine_words,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let d0 = &dims0[0][0];
        let residual =
            bind(&pipelines.residual, &[(0, d0), (2, &rhs[0]), (3, &coef[0]), (6, &sol), (7, &f), (8, &partial)]);
        let sum = bind(&pipelines.sum, &[(8, &partial), (9, &total)]);
        let correct = bind(&pipelines.correct, &[(0, d0), (1, &e[0]), (6, &sol)]);
        gpu.check()?;
        Ok(GpuEngine {
            gpu: gpu.clone(),
            pipelines,
            levels,
            sol,
            f,
            partial,
            total,
            readback,
            residual,
            sum,
            correct,
            encoder: None,
        })
    }

    fn dispatch(&mut self, kernel: Kernel, level: usize) {
        let lv = &self.levels[level];
        let [nx, ny, nz] = lv.shape.map(|v| v as u64);
        let coarse = self.levels.get(level + 1).map_or(1, |c| c.shape.iter().product::<usize>() as u64);
        let p = &self.pipelines;
        let (pipeline, group, threads) = match kernel {
            Kernel::Smooth(c) => (&p.smooth, Some(&lv.smooth[c]), nx.div_ceil(2) * ny * nz),
            Kernel::Restrict => (&p.restrict, lv.restrict.as_ref(), coarse),
            Kernel::Prolong => (&p.prolong, lv.prolong.as_ref(), nx * ny * nz),
            Kernel::Residual => (&p.residual, Some(&self.residual), nx * ny * nz),
            Kernel::Sum => (&p.sum, Some(&self.sum), GROUP),
            Kernel::Correct => (&p.correct, Some(&self.correct), nx * ny * nz),
        };
        let Some(group) = group else { return };
        let (x, y) = workgroups(threads, self.gpu.limits.max_compute_workgroups_per_dimension);
        let dev = &self.gpu.device;
        let encoder = self.encoder.get_or_insert_with(|| dev.create_command_encoder(&Default::default()));
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// Record one dispatch of `pipeline` over `threads` invocations (in
    /// workgroups of 256, the 2D index flattened) into the engine's encoder,
    /// in order with its own kernels.
    pub fn record(&mut self, pipeline: &wgpu::ComputePipeline, group: &wgpu::BindGroup, threads: u64) {
        let (x, y) = workgroups(threads, self.gpu.limits.max_compute_workgroups_per_dimension);
        let encoder = self.encoder();
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, group, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// Workgroups of 256 a dispatch over the finest level uses: the length
    /// of the per-workgroup sums a reduction over it writes.
    pub fn fine_workgroups(&self) -> u64 {
        let (x, y) = workgroups(
            self.levels[0].shape.iter().product::<usize>() as u64,
            self.gpu.limits.max_compute_workgroups_per_dimension,
        );
        x as u64 * y as u64
    }

    /// Sum the per-workgroup partial sums (written by a reduction over the
    /// finest level) and read the total.
    pub fn total_of_partials(&mut self) -> Result<f64> {
        self.dispatch(Kernel::Sum, 0);
        let total = self.total.clone();
        Ok(self.read(&total, 4)?[0] as f64)
    }

    /// Submit what is recorded.
    pub fn submit(&mut self) {
        if let Some(enc) = self.encoder.take() {
            self.gpu.queue.submit([enc.finish()]);
        }
    }

    /// Shape of level `l`.
    pub fn shape(&self, l: usize) -> [usize; 3] {
        self.levels[l].shape
    }

    /// `[T_x, T_y, T_z, S]` of level `l`.
    pub fn coef(&self, l: usize) -> &wgpu::Buffer {
        &self.levels[l].coef
    }

    /// The finest right side `f`.
    pub fn rhs_f(&self) -> &wgpu::Buffer {
        &self.f
    }

    /// The finest solution `[hi, lo]`.
    pub fn solution(&self) -> &wgpu::Buffer {
        &self.sol
    }

    /// Per-workgroup partial sums of finest-level reductions.
    pub fn partials(&self) -> &wgpu::Buffer {
        &self.partial
    }

    fn encoder(&mut self) -> &mut wgpu::CommandEncoder {
        let dev = &self.gpu.device;
        self.encoder.get_or_insert_with(|| dev.create_command_encoder(&Default::default()))
    }

    /// Submit what is recorded, then copy `bytes` of `src` to the host.
    fn read(&mut self, src: &wgpu::Buffer, bytes: u64) -> Result<Vec<f32>> {
        let readback = self.readback.clone();
        self.encoder().copy_buffer_to_buffer(src, 0, &readback, 0, bytes);
        if let Some(enc) = self.encoder.take() {
            self.gpu.queue.submit([enc.finish()]);
        }
        self.gpu.map_read(&readback, bytes)
    }

    /// The solution words `[hi, lo]` of every finest cell.
    pub fn solution_words(&mut self) -> Result<Vec<f32>> {
        let n = self.levels[0].shape.iter().product::<usize>();
        let sol = self.sol.clone();
        self.read(&sol, 8 * n as u64)
    }

    /// Replace the solution words (`[hi, lo]` pairs of every finest cell).
    pub fn set_solution_words(&mut self, words: &[f32]) {
        self.submit();
        self.gpu.queue.write_buffer(&self.sol, 0, bytemuck::cast_slice(words));
    }

    /// The solution rounded once to f32 (`hi + lo` in f64).
    pub fn solution_f64_rounded(&mut self) -> Result<Vec<f32>> {
        let n = self.levels[0].shape.iter().product::<usize>();
        let sol = self.sol.clone();
        let words = self.read(&sol, 8 * n as u64)?;
        Ok(words.chunks_exact(2).map(|w| (w[0] as f64 + w[1] as f64) as f32).collect())
    }
}

impl Engine for GpuEngine {
    fn levels(&self) -> usize {
        self.levels.len()
    }

    fn smooth(&mut self, level: usize, colour: u32) {
        self.dispatch(Kernel::Smooth(colour as usize), level);
    }

    fn clear(&mut self, level: usize) {
        let e = self.levels[level].e.clone();
        self.encoder().clear_buffer(&e, 0, None);
    }

    fn restrict(&mut self, level: usize) {
        self.dispatch(Kernel::Restrict, level);
    }

    fn prolong(&mut self, level: usize) {
        self.dispatch(Kernel::Prolong, level);
    }

    fn residual(&mut self) -> Result<f64> {
        self.dispatch(Kernel::Residual, 0);
        self.dispatch(Kernel::Sum, 0);
        let total = self.total.clone();
        Ok(self.read(&total, 4)?[0] as f64)
    }

    fn correct(&mut self) {
        self.dispatch(Kernel::Correct, 0);
    }
}
