//! The wgpu backend: fields live on the device between steps and are read
//! back only for outputs. Every bind group is made once; dispatches are
//! recorded into one command encoder and submitted in batches.

mod cells;
mod context;
mod fit;
mod kernels;
mod params;
pub mod shaders;
mod species;
mod timing;

pub use context::{AdapterChoice, Gpu, adapters, best_adapter};
use fit::check_fits_within;
pub use fit::{GpuOptions, check_fits};
pub(crate) use kernels::{bind_group, pipelines};
pub use params::Params;

use super::coupled::{self, CoupledGpu, SolveLimits};
use super::{Backend, BackendState, Plan, SolveStats, coeffs};
use crate::world::World;
use crate::{Error, Result};
use cells::{CellOp, CellParams, CellsGpu};
use kernels::Kernels;
pub(crate) use kernels::workgroups;
use species::{Builder, Shared, SpeciesGpu};
pub(crate) use timing::Timer;

/// Dispatches recorded before the encoder is submitted.
const BATCH: u32 = 256;

pub struct GpuBackend {
    gpu: Gpu,
    kernels: Kernels,
    plan: Plan,
    species: Vec<SpeciesGpu>,
    /// The clock (read and written for checkpoints) and the velocity
    /// buffers that the bind groups use.
    shared: Shared,
    clock_group: wgpu::BindGroup,
    readback: wgpu::Buffer,
    /// The z-planes of each slab the fields are split into (one slab when
    /// every per-voxel buffer fits a storage binding).
    slabs: Vec<std::ops::Range<usize>>,
    encoder: Option<wgpu::CommandEncoder>,
    pending: u32,
    /// Cell state and its kernels, when the scene has cells.
    cells: Option<CellsGpu>,
    /// Kernel timestamps, while kernels are timed (`Backend::time_kernels`).
    timer: Option<Timer>,
    /// The multigrid solver of each coupled species, with its plasma curve
    /// per base step (the host averages it over each step).
    coupled: Vec<Option<(CoupledGpu, Vec<f32>)>>,
}

impl GpuBackend {
    pub fn new(gpu: Gpu, plan: &Plan, world: &World) -> Result<GpuBackend> {
        let options = GpuOptions::for_device(&gpu);
        GpuBackend::with_options(gpu, plan, world, options)
    }

    /// A backend with choices other than the device's own (to exercise
    /// the split into slabs, or the other x sweep, on any adapter).
    pub fn with_options(gpu: Gpu, plan: &Plan, world: &World, options: GpuOptions) -> Result<GpuBackend> {
        let slabs = check_fits_within(plan, &gpu.limits, options.max_binding)?;
        let kernels = Kernels::new(&gpu.device, &gpu.limits, options.tiled_x);
        let dev = &gpu.device;
        let n = plan.grid.len();
        let builder = Builder { dev, kernels: &kernels, plan, slabs: &slabs };
        let shared = builder.shared(world.vascular.as_ref().and_then(|v| v.velocity.as_ref()));
        let species: Vec<SpeciesGpu> = (0..plan.species.len())
            .map(|s| {
                let consumption = crate::solver::coeffs::species_consumption(plan, world, s);
                builder.species(&plan.species[s], &world.species[s], consumption.as_deref(), &shared)
            })
            .collect();
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
        let oxygen = plan.cells.as_ref().and_then(|c| c.ext_species[0]);
        let oxygen_rate = |i: usize| oxygen.and_then(|s| species[s].slabs[i].consumption.as_ref());
        let cells = CellsGpu::new(dev, plan, world, &slabs, oxygen_rate);
        let mut coupled = Vec::with_capacity(plan.species.len());
        for (s, sp) in plan.species.iter().enumerate() {
            if !sp.method.is_coupled() {
                coupled.push(None);
                continue;
            }
            if slabs.len() > 1 {
                return Err(Error::TooLarge(format!(
                    "species {}: the coupled solver needs the whole grid in one storage binding, but grid.shape {:?} \
                     is split into {} slabs on {}; use --backend cpu, fewer voxels, or solver = \"lod\"",
                    sp.name,
                    plan.grid.shape,
                    slabs.len(),
                    gpu.info.name
                )));
            }
            let data = &world.species[s];
            let slab = &species[s].slabs[0];
            let solver = CoupledGpu::new(
                &gpu,
                &coupled::problem(&plan.grid, data),
                &coupled::Rates::new(data, sp.decay, n),
                &slab.fields,
                slab.consumption.as_ref(),
                data.half_saturation,
                &format!("species {}", sp.name),
            )?;
            let plasma = data.exchange.as_ref().map(|e| e.plasma.clone()).unwrap_or_default();
            coupled.push(Some((solver, plasma)));
        }
        gpu.check()?;
        Ok(GpuBackend {
            gpu,
            kernels,
            plan: plan.clone(),
            species,
            shared,
            clock_group,
            readback,
            slabs,
            encoder: None,
            pending: 0,
            cells,
            timer: None,
            coupled,
        })
    }

    /// Bytes of one z-plane of a field.
    fn plane_bytes(&self) -> u64 {
        4 * (self.plan.grid.shape[0] * self.plan.grid.shape[1]) as u64
    }

    /// Before a stencil pass on a split grid: copy into each slab's halo
    /// the current planes of its neighbours just below and above it.
    fn fill_halos(&mut self, s: usize) {
        if self.slabs.len() < 2 {
            return;
        }
        let plane = self.plane_bytes();
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        let g = &self.species[s];
        for (i, slab) in g.slabs.iter().enumerate() {
            let Some([lo, hi]) = &slab.halo else { continue };
            if i > 0 {
                let below = &g.slabs[i - 1].fields[g.cur];
                encoder.copy_buffer_to_buffer(below, (self.slabs[i - 1].len() as u64 - 1) * plane, lo, 0, plane);
            }
            if let Some(above) = g.slabs.get(i + 1) {
                encoder.copy_buffer_to_buffer(&above.fields[g.cur], 0, hi, 0, plane);
            }
        }
    }

    /// Make room for `passes` timed passes: resolve and read the timestamps
    /// written so far when the query set would overflow.
    fn timer_room(&mut self, passes: u32) {
        if self.timer.as_ref().is_some_and(|t| !t.has_room(passes)) && self.drain_timer().is_err() {
            // A failed read leaves the device error for `finish` to report.
            self.timer = None;
        }
    }

    /// Resolve the timestamps written so far, wait for them and add them up.
    fn drain_timer(&mut self) -> Result<()> {
        let Some(t) = &self.timer else { return Ok(()) };
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        t.resolve(encoder);
        self.submit();
        match &mut self.timer {
            Some(t) => t.collect(&self.gpu),
            None => Ok(()),
        }
    }

    /// Record one kernel on every slab of species `s` (once for the clock).
    fn dispatch(&mut self, which: Kernel, s: usize) {
        if matches!(which, Kernel::Explicit | Kernel::Advect) {
            self.fill_halos(s);
        }
        let [nx, ny, _] = self.plan.grid.shape;
        let count = |z: &std::ops::Range<usize>| match which {
            Kernel::Lod(0) | Kernel::LodXFused(_) => (ny * z.len()) as u64,
            Kernel::Lod(1) => (nx * z.len()) as u64,
            Kernel::Lod(_) | Kernel::LodZ(_) | Kernel::LodZConsume => (nx * ny) as u64,
            Kernel::Clock => 1,
            _ => (nx * ny * z.len()) as u64,
        };
        let size = match which {
            Kernel::Lod(0) | Kernel::LodXFused(_) => self.kernels.x_group,
            Kernel::Lod(_) | Kernel::LodZ(_) | Kernel::LodZConsume => self.kernels.line_group,
            Kernel::Clock => 1,
            _ => self.kernels.voxel_group,
        };
        let slabs = match which {
            Kernel::Clock => 1,
            _ => self.slabs.len(),
        };
        for i in 0..slabs {
            // The backward pass of a split z sweep runs from the top slab down.
            let i = if matches!(which, Kernel::LodZ(1) | Kernel::LodZConsume) { slabs - 1 - i } else { i };
            let count = match which {
                Kernel::Hold => self.species[s].slabs[i].held as u64,
                _ => count(&self.slabs[i]),
            };
            if count > 0 {
                self.record(which, s, i, count, size);
            }
        }
    }

    fn record(&mut self, which: Kernel, s: usize, slab: usize, count: u64, size: u32) {
        self.timer_room(1);
        let sp = &self.species[s];
        let (g, c) = (&sp.slabs[slab], sp.cur);
        let k = &self.kernels;
        let (pipeline, group) = match which {
            Kernel::Lod(axis) if sp.tissue => (&k.lod_tissue[axis], g.lod.get(c).and_then(|l| l.get(axis))),
            Kernel::Lod(axis) => (&k.lod[axis], g.lod.get(c).and_then(|l| l.get(axis))),
            Kernel::LodZ(pass) if sp.tissue => (&k.lod_tissue_z[pass], g.lod_z.get(c).map(|l| &l[pass])),
            Kernel::LodZ(pass) => (&k.lod_z[pass], g.lod_z.get(c).map(|l| &l[pass])),
            Kernel::LodXFused(e) => (&k.lod_x_fused[e][usize::from(sp.tissue)], g.lod_x_fused.get(c)),
            Kernel::LodZConsume => {
                let pipes = if self.slabs.len() > 1 { &k.lod_z_back_consume } else { &k.lod_z_consume };
                (&pipes[usize::from(sp.tissue)], g.lod_z_consume.get(c))
            }
            Kernel::Explicit if sp.tissue => (&k.explicit_tissue, g.explicit.get(c)),
            Kernel::Explicit => (&k.explicit, g.explicit.get(c)),
            Kernel::Sources => (&k.sources, g.sources.get(c)),
            Kernel::Exchange => (&k.exchange, g.exchange.get(c)),
            Kernel::Consume => (&k.consume, g.consume.get(c)),
            Kernel::Advect => (&k.advect, g.advect.get(c)),
            Kernel::Hold => (&k.hold, g.hold.get(c)),
            Kernel::Clock => (&k.clock, Some(&self.clock_group)),
        };
        let Some(group) = group else { return };
        let (x, y) = workgroups(count, size, self.gpu.limits.max_compute_workgroups_per_dimension);
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        {
            let timestamp_writes = self.timer.as_mut().map(|t| t.writes());
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes });
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
        self.timer_room(cells.slabs.len() as u32);
        let mut params = cells.params;
        set(&mut params);
        if params != cells.params {
            self.submit();
            cells.write_params(&self.gpu.queue, params);
        }
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        let fields = |s: usize, i: usize| &self.species[s].slabs[i].fields[self.species[s].cur];
        let linked = op != CellOp::Spread;
        if linked {
            cells.copy_linked(encoder, fields, true);
        }
        cells.record(encoder, op, self.gpu.limits.max_compute_workgroups_per_dimension, self.timer.as_mut());
        if linked {
            cells.copy_linked(encoder, fields, false);
        }
        self.cells = Some(cells);
        self.pending += 1;
        if self.pending >= BATCH {
            self.submit();
        }
    }

    /// Per slab, the cells' linked slots and the oxygen species'
    /// consumption as the cells set it (both empty without cells).
    fn cell_buffers(&self) -> (Vec<wgpu::Buffer>, Vec<wgpu::Buffer>) {
        let Some(c) = &self.cells else { return (Vec::new(), Vec::new()) };
        let linked = c.slabs.iter().map(|s| s.ext.clone()).collect();
        let rate = c.plan.ext_species[0]
            .and_then(|o| self.species[o].slabs.iter().map(|s| s.consumption.clone()).collect::<Option<Vec<_>>>())
            .unwrap_or_default();
        (linked, rate)
    }

    /// `arrays` per-voxel arrays kept slab by slab (`buffers[i]` holds slab
    /// `i`'s, array after array), read one array at a time through the field
    /// readback buffer, so that nothing needs a staging buffer of its own.
    fn read_slabbed(&mut self, buffers: &[wgpu::Buffer], arrays: usize) -> Result<Vec<f32>> {
        let (bytes, plane) = (4 * self.plan.grid.len() as u64, self.plane_bytes());
        let slabs = self.slabs.clone();
        let mut out = Vec::with_capacity(arrays * self.plan.grid.len());
        for var in 0..arrays as u64 {
            let encoder =
                self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
            for (buffer, z) in buffers.iter().zip(&slabs) {
                let depth = z.len() as u64;
                encoder.copy_buffer_to_buffer(
                    buffer,
                    var * depth * plane,
                    &self.readback,
                    z.start as u64 * plane,
                    depth * plane,
                );
            }
            self.submit();
            out.extend(self.gpu.map_read(&self.readback, bytes)?);
        }
        Ok(out)
    }

    /// Replace arrays kept as [`GpuBackend::read_slabbed`] reads them.
    fn write_slabbed(&mut self, buffers: &[wgpu::Buffer], data: &[f32]) {
        self.submit();
        let (n, plane) = (self.plan.grid.len(), self.plane_bytes() as usize / 4);
        for (buffer, z) in buffers.iter().zip(&self.slabs) {
            let (from, to) = (z.start * plane, z.end * plane);
            for var in 0..data.len() / n {
                let at = 4 * (var * (to - from)) as u64;
                self.gpu.queue.write_buffer(buffer, at, bytemuck::cast_slice(&data[var * n + from..var * n + to]));
            }
        }
    }

    /// The coupled solver of species `s` and its plasma table.
    fn coupled_solver(&mut self, s: usize) -> Result<(&mut CoupledGpu, &[f32])> {
        let name = &self.plan.species[s].name;
        match self.coupled.get_mut(s).and_then(|c| c.as_mut()) {
            Some((solver, plasma)) => Ok((solver, &plasma[..])),
            None => Err(Error::Numerical(format!("species {name} is not solved by the coupled solver"))),
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
    /// Forward (0) or backward (1) z sweep of a split grid.
    LodZ(usize),
    /// The x sweep with the sources (0) or the vessel exchange (1) fused in.
    LodXFused(usize),
    /// The z sweep with the consumption fused in (split: its backward pass).
    LodZConsume,
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

    fn gpu(&self) -> Option<&Gpu> {
        Some(&self.gpu)
    }

    fn apply_sources(&mut self, s: usize) {
        self.dispatch(Kernel::Sources, s);
    }

    fn lod_sweep(&mut self, s: usize, axis: usize) {
        if axis == 2 && self.slabs.len() > 1 {
            self.dispatch(Kernel::LodZ(0), s);
            self.dispatch(Kernel::LodZ(1), s);
        } else {
            self.dispatch(Kernel::Lod(axis), s);
        }
    }

    fn vessel_exchange(&mut self, s: usize) {
        self.dispatch(Kernel::Exchange, s);
    }

    fn advect(&mut self, s: usize) {
        self.dispatch(Kernel::Advect, s);
        let g = &mut self.species[s];
        if !g.slabs[0].advect.is_empty() {
            g.cur = 1 - g.cur;
        }
    }

    fn consume(&mut self, s: usize) {
        self.dispatch(Kernel::Consume, s);
    }

    fn set_advection_scale(&mut self, s: usize, scale: f32) {
        let changed = self.species[s].slabs.iter().any(|g| g.advect_params.as_ref().is_some_and(|(_, p)| p.r != scale));
        if !changed {
            return;
        }
        // Queued sub-steps read the uniform when they run: submit them first.
        self.submit();
        for g in &mut self.species[s].slabs {
            if let Some((buf, p)) = &mut g.advect_params {
                p.r = scale;
                self.gpu.queue.write_buffer(buf, 0, bytemuck::bytes_of(p));
            }
        }
    }

    fn end_step(&mut self) {
        self.dispatch(Kernel::Clock, 0);
    }

    fn explicit_substep(&mut self, s: usize) {
        self.dispatch(Kernel::Explicit, s);
        let g = &mut self.species[s];
        if !g.slabs[0].explicit.is_empty() {
            g.cur = 1 - g.cur;
        }
    }

    fn apply_hold(&mut self, s: usize) {
        self.dispatch(Kernel::Hold, s);
    }

    fn implicit_step(&mut self, s: usize, first: u64, steps: u64) -> Result<SolveStats> {
        // What is recorded (this species' advection among it) runs first.
        self.submit();
        let (h, limits) = (steps as f64 * self.plan.dt, SolveLimits::new(self.plan.species[s].tolerance));
        let cur = self.species[s].cur;
        let (solver, plasma) = self.coupled_solver(s)?;
        let cp = coeffs::plasma_mean(plasma, first, steps);
        solver.step(cur, h, cp, limits)
    }

    fn steady_solve(&mut self, s: usize, at: u64) -> Result<SolveStats> {
        self.submit();
        let limits = SolveLimits::new(self.plan.species[s].tolerance);
        let cur = self.species[s].cur;
        let (solver, plasma) = self.coupled_solver(s)?;
        let cp = coeffs::plasma_mean(plasma, at, 1);
        solver.steady(cur, cp, limits)
    }

    fn read_field(&mut self, s: usize) -> Result<Vec<f32>> {
        let g = &self.species[s];
        let (bytes, plane) = (4 * self.plan.grid.len() as u64, self.plane_bytes());
        let encoder = self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
        for (slab, z) in g.slabs.iter().zip(&self.slabs) {
            let at = z.start as u64 * plane;
            encoder.copy_buffer_to_buffer(&slab.fields[g.cur], 0, &self.readback, at, z.len() as u64 * plane);
        }
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
        let plane = self.plane_bytes() as usize / 4;
        for (slab, z) in g.slabs.iter().zip(&self.slabs) {
            let part = &data[z.start * plane..z.end * plane];
            self.gpu.queue.write_buffer(&slab.fields[g.cur], 0, bytemuck::cast_slice(part));
        }
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

    fn read_cells(&mut self) -> Result<Vec<f32>> {
        let Some(cells) = &self.cells else { return Ok(Vec::new()) };
        let state: Vec<wgpu::Buffer> = cells.slabs.iter().map(|s| s.state[cells.cur].clone()).collect();
        let arrays = cells.plan.kinetics.layout.state();
        self.read_slabbed(&state, arrays)
    }

    fn write_cells(&mut self, data: &[f32]) -> Result<()> {
        let len = self.cells.as_ref().map_or(0, |c| c.state_len());
        let Some(cells) = self.cells.as_ref().filter(|_| data.len() == len) else {
            return Err(Error::Numerical(format!("cell state of {} values does not match the scene", data.len())));
        };
        let state: Vec<wgpu::Buffer> = cells.slabs.iter().map(|s| s.state[cells.cur].clone()).collect();
        self.write_slabbed(&state, data);
        Ok(())
    }

    fn save_state(&mut self) -> Result<BackendState> {
        let (linked, rate) = self.cell_buffers();
        let n_ext = self.cells.as_ref().map_or(0, |c| c.plan.kinetics.layout.ext());
        let clock = {
            let encoder =
                self.encoder.get_or_insert_with(|| self.gpu.device.create_command_encoder(&Default::default()));
            encoder.copy_buffer_to_buffer(&self.shared.clock, 0, &self.readback, 0, 4);
            self.submit();
            let b = self.gpu.map_bytes(&self.readback, 4)?;
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64
        };
        let fields = (0..self.species.len()).map(|s| self.read_field(s)).collect::<Result<Vec<_>>>()?;
        let solutions = (0..self.coupled.len())
            .map(|s| match &mut self.coupled[s] {
                Some((solver, _)) => solver.warm_start(),
                None => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BackendState {
            clock,
            fields,
            cells: self.read_cells()?,
            linked: self.read_slabbed(&linked, n_ext)?,
            oxygen_rate: self.read_slabbed(&rate, usize::from(!rate.is_empty()))?,
            solutions,
        })
    }

    fn load_state(&mut self, st: &BackendState) -> Result<()> {
        let (linked, rate) = self.cell_buffers();
        let n = self.plan.grid.len();
        let (n_cells, n_ext) =
            self.cells.as_ref().map_or((0, 0), |c| (c.state_len(), c.plan.kinetics.layout.ext() * n));
        st.check(n, self.species.len(), n_cells, n_ext, if rate.is_empty() { 0 } else { n })?;
        let clock = u32::try_from(st.clock)
            .map_err(|_| Error::Numerical(format!("the checkpoint's clock {} exceeds the GPU's", st.clock)))?;
        self.submit();
        self.gpu.queue.write_buffer(&self.shared.clock, 0, bytemuck::bytes_of(&clock));
        for (s, f) in st.fields.iter().enumerate() {
            self.write_field(s, f)?;
        }
        if self.cells.is_some() {
            self.write_cells(&st.cells)?;
        }
        self.write_slabbed(&linked, &st.linked);
        self.write_slabbed(&rate, &st.oxygen_rate);
        for (c, w) in self.coupled.iter_mut().zip(&st.solutions) {
            if let Some((solver, _)) = c {
                solver.set_warm_start(w.as_deref());
            }
        }
        Ok(())
    }

    fn sources_then_sweep_x(&mut self, s: usize, exchange: bool) {
        if self.species[s].slabs[0].lod_x_fused.is_empty() {
            super::sources_then_sweep_x_apart(self, s, exchange);
        } else {
            self.dispatch(Kernel::LodXFused(usize::from(exchange)), s);
        }
    }

    fn sweep_z_then_consume(&mut self, s: usize) {
        if self.species[s].slabs[0].lod_z_consume.is_empty() {
            self.lod_sweep(s, 2);
            self.consume(s);
        } else {
            if self.slabs.len() > 1 {
                self.dispatch(Kernel::LodZ(0), s);
            }
            self.dispatch(Kernel::LodZConsume, s);
        }
    }

    fn time_kernels(&mut self) -> bool {
        if self.timer.is_none() {
            self.timer = Timer::new(&self.gpu);
        }
        self.timer.is_some()
    }

    fn kernel_seconds(&mut self) -> Result<Option<f64>> {
        self.drain_timer()?;
        Ok(self.timer.as_mut().and_then(|t| t.take()))
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
