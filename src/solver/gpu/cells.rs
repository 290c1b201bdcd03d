//! Device buffers, pipelines and bind groups of the cell operators
//! (`shaders/cells.wgsl`; CPU twins in `solver/cpu/cells.rs`), made once
//! when the scene has `[cells]`.
//!
//! The linked transport fields are gathered into `ext` (one
//! `copy_buffer_to_buffer` per linked species from its current field), the
//! kernel runs, and `ext` is scattered back (the CPU kernels read the fields
//! in place, with the same arithmetic); the backend records all of it into
//! its command encoder (`GpuBackend::cell_op`).
//!
//! One uniform `CellParams` serves every cell kernel. Only two of its values
//! change between calls: the kinetics' `trigger_on` and the irradiation's
//! `dose`. `queue.write_buffer` takes effect before the whole next
//! submission, so a write would also reach dispatches recorded earlier in
//! the same encoder. The backend therefore writes the uniform only when a
//! call needs a value different from the one it holds, and submits the
//! pending encoder first: every dispatch recorded so far runs with the old
//! values, every later one with the new. Trigger windows and fractions
//! change rarely, so this costs a submission now and then, not per step.

use super::kernels::{bind_group, pipelines, workgroups};
use crate::solver::{CellPlan, Plan};
use crate::world::World;
use bytemuck::{Pod, Zeroable};
use std::ops::Range;
use wgpu::util::DeviceExt;

/// Invocations per workgroup of the cell kernels (`@workgroup_size(64)`).
pub const CELL_GROUP: u32 = 64;

/// Uniform of the cell kernels. Keep in sync with `CellParams` in
/// shaders/cells.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct CellParams {
    pub n: u32,
    pub nx: u32,
    pub ny: u32,
    pub nz: u32,
    pub phenotypes: u32,
    pub carriers: u32,
    pub substeps: u32,
    /// Carriers whose trigger is on (bit c).
    pub trigger_on: u32,
    /// Kinetics interval, min.
    pub h: f32,
    /// Radiotherapy: dose Gy, OER max, OER half oxygen mmHg.
    pub dose: f32,
    pub oer_max: f32,
    pub oer_k: f32,
    /// Spread: N_max, threshold, `spread·dt_sub/dx²`.
    pub nmax: f32,
    pub threshold: f32,
    pub r: f32,
    /// `dt·V_O`: the oxygen consumption per unit live density over one
    /// transport step.
    pub o2_dt_rate: f32,
    /// This slab's first z-plane in the grid (`n`, `nz` are the slab's), and
    /// the grid's depth.
    pub z0: u32,
    pub nz_all: u32,
    /// Runge–Kutta sub-steps of a voxel without cells.
    pub release_substeps: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<CellParams>() == 80);

/// Which cell kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellOp {
    Kinetics,
    Irradiate,
    Spread,
}

/// Buffers and bind groups of one slab of z-planes (the whole grid when it
/// is not split; see `Plan::slabs`).
pub struct CellSlab {
    /// The slab's planes.
    pub z: Range<usize>,
    /// `CellParams` with this slab's `n`, `nz` and `z0`.
    pub uniform: wgpu::Buffer,
    /// Cell state, twice for the spread's ping-pong; `state[cur]` is current.
    pub state: [wgpu::Buffer; 2],
    /// Linked fields (`Layout::ext` arrays of the slab's voxels).
    pub ext: wgpu::Buffer,
    /// The moving values of the planes just below and above (split grids).
    halo: Option<[wgpu::Buffer; 2]>,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    mask: wgpu::Buffer,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    o2_base: wgpu::Buffer,
    /// Bind groups by `cur`: kinetics and irradiation act on `state[cur]`;
    /// the spread reads `state[cur]` and writes `state[1 − cur]`.
    kinetics_groups: [wgpu::BindGroup; 2],
    irradiate_groups: [wgpu::BindGroup; 2],
    spread_groups: [wgpu::BindGroup; 2],
}

/// The cells' device state.
pub struct CellsGpu {
    pub plan: CellPlan,
    /// What the uniforms hold now (with the whole grid's `n`, `nz`).
    pub params: CellParams,
    pub slabs: Vec<CellSlab>,
    pub cur: usize,
    /// Voxels per z-plane.
    plane: usize,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    table: wgpu::Buffer,
    kinetics: wgpu::ComputePipeline,
    irradiate: wgpu::ComputePipeline,
    spread: wgpu::ComputePipeline,
}

impl CellsGpu {
    /// `None` when the scene has no cells. `slabs` are the z-planes of each
    /// slab; `oxygen_rate(i)` is the oxygen species' per-voxel consumption
    /// buffer of slab `i`, which the kinetics rewrite from the live density.
    pub fn new<'a>(
        dev: &wgpu::Device,
        plan: &Plan,
        world: &World,
        slabs: &[Range<usize>],
        oxygen_rate: impl Fn(usize) -> Option<&'a wgpu::Buffer>,
    ) -> Option<CellsGpu> {
        let (cp, data) = (plan.cells.as_ref()?, world.cells.as_ref()?);
        let o2_base_all = crate::solver::coeffs::oxygen_base(plan, data);
        let l = cp.kinetics.layout;
        let n = plan.grid.len();
        let [nx, ny, nz] = plan.grid.shape.map(|v| v as u32);
        let plane = (nx * ny) as usize;
        let params = CellParams {
            n: n as u32,
            nx,
            ny,
            nz,
            phenotypes: l.phenotypes as u32,
            carriers: l.carriers as u32,
            substeps: cp.substeps,
            trigger_on: 0,
            h: cp.h as f32,
            dose: 0.0,
            oer_max: cp.oer[0],
            oer_k: cp.oer[1],
            nmax: cp.max_density,
            threshold: cp.threshold,
            r: cp.spread_r,
            o2_dt_rate: cp.o2_dt_rate,
            z0: 0,
            nz_all: nz,
            release_substeps: cp.release_substeps,
            _pad: 0,
        };
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
        };
        let io = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let table = init("cell table", bytemuck::cast_slice(&cp.kinetics.params), wgpu::BufferUsages::STORAGE);
        let [kinetics, irradiate, spread] = pipelines(dev, "cells.wgsl", ["cell_kinetics", "irradiate", "cell_spread"]);
        // Each pipeline's layout holds only the bindings its entry point uses.
        let bind = |p: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]| bind_group(dev, p, entries);
        let split = slabs.len() > 1;
        let unused = init("no halo", bytemuck::bytes_of(&0.0f32), wgpu::BufferUsages::STORAGE);
        let moving = l.state() - 1;
        let mut parts = Vec::with_capacity(slabs.len());
        for (i, z) in slabs.iter().enumerate() {
            let (from, to) = (z.start * plane, z.end * plane);
            let uniform = init(
                "cell params",
                bytemuck::bytes_of(&slab_params(&params, z, plane)),
                wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            );
            // The slab's values of every state array, one after another.
            let initial: Vec<f32> =
                (0..l.state()).flat_map(|v| &data.initial[v * n + from..v * n + to]).copied().collect();
            let state = [0, 1].map(|_| init("cell state", bytemuck::cast_slice(&initial), io));
            let ext = dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some("cell ext"),
                size: 4 * (l.ext() * (to - from)) as u64,
                usage: io,
                mapped_at_creation: false,
            });
            // Without triggers one zero: the kernel reads mask[min(idx, len − 1)].
            let mask = match &data.mask {
                Some(m) => init("cell mask", bytemuck::cast_slice(&m[from..to]), wgpu::BufferUsages::STORAGE),
                None => init("cell mask", bytemuck::bytes_of(&0u32), wgpu::BufferUsages::STORAGE),
            };
            let o2_base = init(
                "oxygen base consumption",
                bytemuck::cast_slice(&o2_base_all[from..to]),
                wgpu::BufferUsages::STORAGE,
            );
            let halo = split.then(|| {
                [0, 1].map(|_| {
                    dev.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("cell halo"),
                        size: 4 * (moving * plane) as u64,
                        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    })
                })
            });
            let [lo, hi] = halo.as_ref().map_or([&unused, &unused], |[lo, hi]| [lo, hi]);
            let o2_rate = oxygen_rate(i)?;
            let kinetics_groups = [0, 1].map(|c| {
                bind(
                    &kinetics,
                    &[(0, &uniform), (1, &ext), (2, &state[c]), (3, &table), (4, &mask), (6, o2_rate), (7, &o2_base)],
                )
            });
            let irradiate_groups =
                [0, 1].map(|c| bind(&irradiate, &[(0, &uniform), (1, &ext), (2, &state[c]), (3, &table)]));
            let spread_groups =
                [0, 1].map(|c| bind(&spread, &[(0, &uniform), (2, &state[1 - c]), (5, &state[c]), (8, lo), (9, hi)]));
            parts.push(CellSlab {
                z: z.clone(),
                uniform,
                state,
                ext,
                halo,
                mask,
                o2_base,
                kinetics_groups,
                irradiate_groups,
                spread_groups,
            });
        }
        Some(CellsGpu { plan: cp.clone(), params, slabs: parts, cur: 0, plane, table, kinetics, irradiate, spread })
    }

    /// Voxel count of the grid.
    pub fn voxels(&self) -> usize {
        self.params.n as usize
    }

    /// Values of the cell state.
    pub fn state_len(&self) -> usize {
        self.plan.kinetics.layout.state() * self.voxels()
    }

    /// Write `params` into every slab's uniform (with the slab's geometry).
    pub fn write_params(&mut self, queue: &wgpu::Queue, params: CellParams) {
        for s in &self.slabs {
            queue.write_buffer(&s.uniform, 0, bytemuck::bytes_of(&slab_params(&params, &s.z, self.plane)));
        }
        self.params = params;
    }

    /// Copy each linked field of each slab into its slot of the slab's
    /// `ext` (`to_ext`), or back; `fields(s, i)` is species `s`'s current
    /// field buffer of slab `i`.
    pub fn copy_linked<'a>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        fields: impl Fn(usize, usize) -> &'a wgpu::Buffer,
        to_ext: bool,
    ) {
        for (i, slab) in self.slabs.iter().enumerate() {
            let bytes = 4 * (slab.z.len() * self.plane) as u64;
            for (slot, s) in self.plan.ext_species.iter().enumerate() {
                let Some(s) = *s else { continue };
                let at = slot as u64 * bytes;
                if to_ext {
                    encoder.copy_buffer_to_buffer(fields(s, i), 0, &slab.ext, at, bytes);
                } else {
                    encoder.copy_buffer_to_buffer(&slab.ext, at, fields(s, i), 0, bytes);
                }
            }
        }
    }

    /// Before a spread on a split grid: copy the moving values of each
    /// slab's neighbouring planes into its halos.
    fn fill_halos(&self, encoder: &mut wgpu::CommandEncoder) {
        let moving = self.plan.kinetics.layout.state() - 1;
        let plane = 4 * self.plane as u64;
        for (i, slab) in self.slabs.iter().enumerate() {
            let Some([lo, hi]) = &slab.halo else { continue };
            for var in 0..moving as u64 {
                if let Some(below) = i.checked_sub(1).map(|b| &self.slabs[b]) {
                    let depth = below.z.len() as u64;
                    let from = (var * depth + depth - 1) * plane;
                    encoder.copy_buffer_to_buffer(&below.state[self.cur], from, lo, var * plane, plane);
                }
                if let Some(above) = self.slabs.get(i + 1) {
                    let from = var * above.z.len() as u64 * plane;
                    encoder.copy_buffer_to_buffer(&above.state[self.cur], from, hi, var * plane, plane);
                }
            }
        }
    }

    /// Record `op` on every slab's current state (timestamps into `timer`,
    /// which has room for one pass per slab); the spread then makes its
    /// output current.
    pub fn record(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        op: CellOp,
        max_dim: u32,
        mut timer: Option<&mut super::timing::Timer>,
    ) {
        if op == CellOp::Spread {
            self.fill_halos(encoder);
        }
        for slab in &self.slabs {
            let (pipeline, group) = match op {
                CellOp::Kinetics => (&self.kinetics, &slab.kinetics_groups[self.cur]),
                CellOp::Irradiate => (&self.irradiate, &slab.irradiate_groups[self.cur]),
                CellOp::Spread => (&self.spread, &slab.spread_groups[self.cur]),
            };
            let (x, y) = workgroups((slab.z.len() * self.plane) as u64, CELL_GROUP, max_dim);
            let timestamp_writes = timer.as_deref_mut().map(|t| t.writes());
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        if op == CellOp::Spread {
            self.cur = 1 - self.cur;
        }
    }
}

/// `params` for the slab of planes `z`.
fn slab_params(params: &CellParams, z: &Range<usize>, plane: usize) -> CellParams {
    CellParams { n: (z.len() * plane) as u32, nz: z.len() as u32, z0: z.start as u32, ..*params }
}
