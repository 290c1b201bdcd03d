//! The wgpu backend: fields live on the device between steps and are read
//! back only for outputs. Every bind group is made once; dispatches are
//! recorded into one command encoder and submitted in batches.

mod context;
mod kernels;
mod params;
pub mod shaders;

pub use context::{AdapterChoice, Gpu, adapters, best_adapter};
pub use params::Params;

use super::{Backend, Method, Plan};
use crate::world::World;
use crate::{Error, Result};
use kernels::{Kernels, LINE_GROUP, VOXEL_GROUP, workgroups};
use wgpu::util::DeviceExt;

/// Dispatches recorded before the encoder is submitted.
const BATCH: u32 = 256;

/// Device buffers and bind groups of one species.
struct SpeciesGpu {
    /// One field (LOD) or two (explicit ping-pong).
    fields: Vec<wgpu::Buffer>,
    /// Index of the field holding the current values.
    cur: usize,
    /// Per axis.
    lod: Vec<wgpu::BindGroup>,
    /// Indexed by `cur`: reads `fields[cur]`, writes the other.
    explicit: Vec<wgpu::BindGroup>,
    /// Indexed by `cur`.
    sources: Vec<wgpu::BindGroup>,
    /// Indexed by `cur`.
    hold: Vec<wgpu::BindGroup>,
}

pub struct GpuBackend {
    gpu: Gpu,
    kernels: Kernels,
    plan: Plan,
    species: Vec<SpeciesGpu>,
    readback: wgpu::Buffer,
    encoder: Option<wgpu::CommandEncoder>,
    pending: u32,
}

/// Refuse, before any allocation, a plan whose buffers exceed the device.
pub fn check_fits(plan: &Plan, limits: &wgpu::Limits) -> Result<()> {
    let need = plan.largest_buffer();
    let max = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
    if need > max {
        return Err(Error::TooLarge(format!(
            "one field of grid.shape {:?} needs {} MiB, above this device's {} MiB per storage binding; \
             use fewer voxels or --backend cpu",
            plan.grid.shape,
            need >> 20,
            max >> 20
        )));
    }
    Ok(())
}

impl GpuBackend {
    pub fn new(gpu: Gpu, plan: &Plan, world: &World) -> Result<GpuBackend> {
        check_fits(plan, &gpu.limits)?;
        let kernels = Kernels::new(&gpu.device);
        let dev = &gpu.device;
        let n = plan.grid.len();
        let [nx, ny, nz] = plan.grid.shape.map(|v| v as u32);
        let storage = |label: &str, data: &[f32], extra: wgpu::BufferUsages| {
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE | extra,
            })
        };
        let uniform = |r: f32, kd: f32| {
            let p = Params { nx, ny, nz, n: n as u32, r, kd, _pad0: 0, _pad1: 0 };
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::bytes_of(&p),
                usage: wgpu::BufferUsages::UNIFORM,
            })
        };
        let bind = |pipeline: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]| {
            let entries: Vec<wgpu::BindGroupEntry> = entries
                .iter()
                .map(|(b, buf)| wgpu::BindGroupEntry { binding: *b, resource: buf.as_entire_binding() })
                .collect();
            dev.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &pipeline.get_bind_group_layout(0),
                entries: &entries,
            })
        };
        let io = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let mut species = Vec::new();
        for (sp, data) in plan.species.iter().zip(&world.species) {
            let explicit = matches!(sp.method, Method::Explicit { .. });
            let fields: Vec<wgpu::Buffer> =
                (0..if explicit { 2 } else { 1 }).map(|_| storage(&sp.name, &data.initial, io)).collect();
            let p_lod = uniform(sp.lod[0].r, 0.0);
            let p_exp = uniform(sp.explicit_r, sp.explicit_decay);
            let mut g = SpeciesGpu { fields, cur: 0, lod: vec![], explicit: vec![], sources: vec![], hold: vec![] };
            if explicit {
                g.explicit = (0..2)
                    .map(|c| bind(&kernels.explicit, &[(0, &p_exp), (1, &g.fields[c]), (2, &g.fields[1 - c])]))
                    .collect();
            } else {
                for (axis, co) in sp.lod.iter().enumerate() {
                    let coeffs = co.packed();
                    let cbuf = storage("lod coefficients", &coeffs, wgpu::BufferUsages::empty());
                    g.lod.push(bind(&kernels.lod[axis], &[(0, &p_lod), (1, &g.fields[0]), (2, &cbuf)]));
                }
            }
            if let (Some(a), Some(s)) = (&data.src_add, &data.src_scale) {
                let (a, s) = (
                    storage("src_add", a, wgpu::BufferUsages::empty()),
                    storage("src_scale", s, wgpu::BufferUsages::empty()),
                );
                g.sources =
                    g.fields.iter().map(|f| bind(&kernels.sources, &[(0, &p_exp), (1, f), (2, &a), (3, &s)])).collect();
            }
            if let Some(h) = &data.hold {
                let h = storage("hold", h, wgpu::BufferUsages::empty());
                g.hold = g.fields.iter().map(|f| bind(&kernels.hold, &[(0, &p_exp), (1, f), (4, &h)])).collect();
            }
            species.push(g);
        }
        let readback = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: 4 * n as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        gpu.check()?;
        Ok(GpuBackend { gpu, kernels, plan: plan.clone(), species, readback, encoder: None, pending: 0 })
    }

    fn dispatch(&mut self, which: Kernel, s: usize, count: u64, size: u32) {
        let g = &self.species[s];
        let (pipeline, group) = match which {
            Kernel::Lod(axis) => (&self.kernels.lod[axis], g.lod.get(axis)),
            Kernel::Explicit => (&self.kernels.explicit, g.explicit.get(g.cur)),
            Kernel::Sources => (&self.kernels.sources, g.sources.get(g.cur)),
            Kernel::Hold => (&self.kernels.hold, g.hold.get(g.cur)),
        };
        let Some(group) = group else { return };
        let (x, y) = workgroups(count, size, self.gpu.limits.max_compute_workgroups_per_dimension);
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        {
            let mut pass =
                encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        self.pending += 1;
        if self.pending >= BATCH {
            self.submit();
        }
    }

    fn submit(&mut self) {
        if let Some(enc) = self.encoder.take() {
            self.gpu.queue.submit([enc.finish()]);
        }
        self.pending = 0;
    }
}

#[derive(Clone, Copy)]
enum Kernel {
    Lod(usize),
    Explicit,
    Sources,
    Hold,
}

impl Backend for GpuBackend {
    fn kind(&self) -> &'static str {
        "gpu"
    }

    fn device_name(&self) -> String {
        format!("{} ({:?}, {:?})", self.gpu.info.name, self.gpu.info.backend, self.gpu.info.device_type)
    }

    fn apply_sources(&mut self, s: usize) {
        self.dispatch(Kernel::Sources, s, self.plan.grid.len() as u64, VOXEL_GROUP);
    }

    fn lod_sweep(&mut self, s: usize, axis: usize) {
        let [nx, ny, nz] = self.plan.grid.shape;
        let lines = [ny * nz, nx * nz, nx * ny][axis] as u64;
        self.dispatch(Kernel::Lod(axis), s, lines, LINE_GROUP);
    }

    fn explicit_substep(&mut self, s: usize) {
        self.dispatch(Kernel::Explicit, s, self.plan.grid.len() as u64, VOXEL_GROUP);
        let g = &mut self.species[s];
        if g.fields.len() == 2 {
            g.cur = 1 - g.cur;
        }
    }

    fn apply_hold(&mut self, s: usize) {
        self.dispatch(Kernel::Hold, s, self.plan.grid.len() as u64, VOXEL_GROUP);
    }

    fn read_field(&mut self, s: usize) -> Result<Vec<f32>> {
        let g = &self.species[s];
        let bytes = 4 * self.plan.grid.len() as u64;
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        encoder.copy_buffer_to_buffer(&g.fields[g.cur], 0, &self.readback, 0, bytes);
        self.submit();
        let (tx, rx) = std::sync::mpsc::channel();
        self.readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        self.gpu
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the device: {e}")))?;
        rx.recv()
            .map_err(|_| Error::Gpu("readback was dropped".into()))?
            .map_err(|e| Error::Gpu(format!("mapping the readback buffer: {e}")))?;
        let out = {
            let view = self.readback.get_mapped_range(..).map_err(|e| Error::Gpu(format!("reading back: {e}")))?;
            bytemuck::cast_slice::<u8, f32>(&view).to_vec()
        };
        self.readback.unmap();
        self.gpu.check()?;
        Ok(out)
    }

    fn write_field(&mut self, s: usize, data: &[f32]) -> Result<()> {
        if data.len() != self.plan.grid.len() {
            return Err(Error::Numerical(format!(
                "field of {} values written to a grid of {}",
                data.len(),
                self.plan.grid.len()
            )));
        }
        self.submit();
        let g = &self.species[s];
        self.gpu.queue.write_buffer(&g.fields[g.cur], 0, bytemuck::cast_slice(data));
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.submit();
        self.gpu
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the device: {e}")))?;
        self.gpu.check()
    }
}
