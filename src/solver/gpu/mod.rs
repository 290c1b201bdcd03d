//! The wgpu backend: fields live on the device between steps and are read
//! back only for outputs. Every bind group is made once; dispatches are
//! recorded into one command encoder and submitted in batches.

mod cells;
mod context;
mod kernels;
mod params;
pub mod shaders;
mod species;

pub use context::{AdapterChoice, Gpu, adapters, best_adapter};
pub(crate) use kernels::{bind_group, pipelines};
pub use params::Params;

use super::{Backend, Plan};
use crate::world::World;
use crate::{Error, Result};
use cells::{CellOp, CellParams, CellsGpu};
use kernels::{Kernels, LINE_GROUP, VOXEL_GROUP, workgroups};
use species::{Builder, Shared, SpeciesGpu};

/// Dispatches recorded before the encoder is submitted.
const BATCH: u32 = 256;

pub struct GpuBackend {
    gpu: Gpu,
    kernels: Kernels,
    plan: Plan,
    species: Vec<SpeciesGpu>,
    #[expect(dead_code, reason = "owns the clock and velocity buffers that the bind groups use")]
    shared: Shared,
    clock_group: wgpu::BindGroup,
    readback: wgpu::Buffer,
    encoder: Option<wgpu::CommandEncoder>,
    pending: u32,
    /// Cell state and its kernels, when the scene has cells.
    cells: Option<CellsGpu>,
}

/// Refuse, before any allocation, a plan whose buffers exceed the device.
pub fn check_fits(plan: &Plan, limits: &wgpu::Limits) -> Result<()> {
    let need = plan.largest_buffer();
    let max = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
    if need > max {
        return Err(Error::TooLarge(format!(
            "the largest buffer of grid.shape {:?} (a field, per-voxel LOD coefficients or the cell state) needs {} MiB, above this device's {} MiB per storage binding; \
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
        let builder = Builder { dev, kernels: &kernels, plan };
        let shared = builder.shared(world.vascular.as_ref().and_then(|v| v.velocity.as_ref()));
        let species: Vec<SpeciesGpu> =
            plan.species.iter().zip(&world.species).map(|(sp, d)| builder.species(sp, d, &shared)).collect();
        let clock_group = dev.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("clock"),
            layout: &kernels.clock.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry { binding: 7, resource: shared.clock.as_entire_binding() }],
        });
        let readback = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: 4 * n as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let oxygen_rate =
            plan.cells.as_ref().and_then(|c| c.ext_species[0]).and_then(|s| species[s].consumption.as_ref());
        let cells = CellsGpu::new(dev, plan, world, oxygen_rate);
        gpu.check()?;
        Ok(GpuBackend {
            gpu,
            kernels,
            plan: plan.clone(),
            species,
            shared,
            clock_group,
            readback,
            encoder: None,
            pending: 0,
            cells,
        })
    }

    fn dispatch(&mut self, which: Kernel, s: usize, count: u64, size: u32) {
        let g = &self.species[s];
        let k = &self.kernels;
        let (pipeline, group) = match which {
            Kernel::Lod(axis) if g.tissue => (&k.lod_tissue[axis], g.lod.get(g.cur).and_then(|l| l.get(axis))),
            Kernel::Lod(axis) => (&k.lod[axis], g.lod.get(g.cur).and_then(|l| l.get(axis))),
            Kernel::Explicit if g.tissue => (&k.explicit_tissue, g.explicit.get(g.cur)),
            Kernel::Explicit => (&k.explicit, g.explicit.get(g.cur)),
            Kernel::Sources => (&k.sources, g.sources.get(g.cur)),
            Kernel::Exchange => (&k.exchange, g.exchange.get(g.cur)),
            Kernel::Consume => (&k.consume, g.consume.get(g.cur)),
            Kernel::Advect => (&k.advect, g.advect.get(g.cur)),
            Kernel::Hold => (&k.hold, g.hold.get(g.cur)),
            Kernel::Clock => (&k.clock, Some(&self.clock_group)),
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

    /// Record one cell kernel (with the gather into `ext` and the scatter
    /// back, except for the spread, which touches only the state). `set`
    /// gives the uniform values the call needs; when they differ from those
    /// it holds, pending work is submitted before the uniform is rewritten
    /// (see `cells.rs`).
    fn cell_op(&mut self, op: CellOp, set: impl FnOnce(&mut CellParams)) {
        let Some(mut cells) = self.cells.take() else { return };
        let mut params = cells.params;
        set(&mut params);
        if params != cells.params {
            self.submit();
            self.gpu.queue.write_buffer(&cells.uniform, 0, bytemuck::bytes_of(&params));
            cells.params = params;
        }
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        let fields: Vec<&wgpu::Buffer> = self.species.iter().map(|g| &g.fields[g.cur]).collect();
        let linked = op != CellOp::Spread;
        if linked {
            cells.copy_linked(encoder, &fields, true);
        }
        cells.record(encoder, op, self.gpu.limits.max_compute_workgroups_per_dimension);
        if linked {
            cells.copy_linked(encoder, &fields, false);
        }
        self.cells = Some(cells);
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
    Exchange,
    Consume,
    Advect,
    Hold,
    Clock,
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

    fn vessel_exchange(&mut self, s: usize) {
        self.dispatch(Kernel::Exchange, s, self.plan.grid.len() as u64, VOXEL_GROUP);
    }

    fn advect(&mut self, s: usize) {
        self.dispatch(Kernel::Advect, s, self.plan.grid.len() as u64, VOXEL_GROUP);
        let g = &mut self.species[s];
        if !g.advect.is_empty() {
            g.cur = 1 - g.cur;
        }
    }

    fn consume(&mut self, s: usize) {
        self.dispatch(Kernel::Consume, s, self.plan.grid.len() as u64, VOXEL_GROUP);
    }

    fn end_step(&mut self) {
        self.dispatch(Kernel::Clock, 0, 1, 1);
    }

    fn explicit_substep(&mut self, s: usize) {
        self.dispatch(Kernel::Explicit, s, self.plan.grid.len() as u64, VOXEL_GROUP);
        let g = &mut self.species[s];
        if !g.explicit.is_empty() {
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
        self.gpu.map_read(&self.readback, bytes)
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

    fn cell_kinetics(&mut self, trigger_on: u32) {
        self.cell_op(CellOp::Kinetics, |p| p.trigger_on = trigger_on);
    }

    fn cell_spread(&mut self) {
        self.cell_op(CellOp::Spread, |_| {});
    }

    fn irradiate(&mut self, dose: f32) {
        self.cell_op(CellOp::Irradiate, |p| p.dose = dose);
    }

    /// Read in field-sized chunks through the field readback buffer, so the
    /// cells need no staging buffer of their own (the state is read only
    /// for outputs).
    fn read_cells(&mut self) -> Result<Vec<f32>> {
        let Some(cells) = &self.cells else { return Ok(Vec::new()) };
        // A handle to the current state: `submit` below needs `&mut self`.
        let (state, chunks, len) =
            (cells.state[cells.cur].clone(), cells.plan.kinetics.layout.state(), cells.state_len());
        let bytes = 4 * self.plan.grid.len() as u64;
        let mut out = Vec::with_capacity(len);
        for chunk in 0..chunks as u64 {
            let encoder =
                self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
            encoder.copy_buffer_to_buffer(&state, chunk * bytes, &self.readback, 0, bytes);
            self.submit();
            out.extend(self.gpu.map_read(&self.readback, bytes)?);
        }
        Ok(out)
    }

    fn write_cells(&mut self, data: &[f32]) -> Result<()> {
        let len = self.cells.as_ref().map_or(0, |c| c.state_len());
        if self.cells.is_none() || data.len() != len {
            return Err(Error::Numerical(format!("cell state of {} values does not match the scene", data.len())));
        }
        self.submit();
        if let Some(c) = &self.cells {
            self.gpu.queue.write_buffer(&c.state[c.cur], 0, bytemuck::cast_slice(data));
        }
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
