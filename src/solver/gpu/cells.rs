//! Device buffers, pipelines and bind groups of the cell operators
//! (`shaders/cells.wgsl`; CPU twins in `solver/cpu/cells.rs`), made once
//! when the scene has `[cells]`.
//!
//! As on the CPU, the linked transport fields are gathered into `ext` (one
//! `copy_buffer_to_buffer` per linked species from its current field), the
//! kernel runs, and `ext` is scattered back; the backend records all of it
//! into its command encoder (`GpuBackend::cell_op`).
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
}

const _: () = assert!(std::mem::size_of::<CellParams>() == 64);

/// Which cell kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellOp {
    Kinetics,
    Irradiate,
    Spread,
}

/// The cells' device state.
pub struct CellsGpu {
    pub plan: CellPlan,
    /// What the uniform holds now.
    pub params: CellParams,
    pub uniform: wgpu::Buffer,
    /// Cell state, twice for the spread's ping-pong; `state[cur]` is current.
    pub state: [wgpu::Buffer; 2],
    pub cur: usize,
    /// Linked fields (`Layout::ext` arrays of `n`).
    pub ext: wgpu::Buffer,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    table: wgpu::Buffer,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    mask: wgpu::Buffer,
    #[expect(dead_code, reason = "owned for the bind groups that use it")]
    o2_base: wgpu::Buffer,
    kinetics: wgpu::ComputePipeline,
    irradiate: wgpu::ComputePipeline,
    spread: wgpu::ComputePipeline,
    /// Bind groups by `cur`: kinetics and irradiation act on `state[cur]`;
    /// the spread reads `state[cur]` and writes `state[1 − cur]`.
    kinetics_groups: [wgpu::BindGroup; 2],
    irradiate_groups: [wgpu::BindGroup; 2],
    spread_groups: [wgpu::BindGroup; 2],
}

impl CellsGpu {
    /// `None` when the scene has no cells.
    /// `oxygen_rate` is the oxygen species' per-voxel consumption buffer,
    /// which the kinetics rewrite from the live density.
    pub fn new(dev: &wgpu::Device, plan: &Plan, world: &World, oxygen_rate: Option<&wgpu::Buffer>) -> Option<CellsGpu> {
        let (cp, data) = (plan.cells.as_ref()?, world.cells.as_ref()?);
        let l = cp.kinetics.layout;
        let n = plan.grid.len();
        let [nx, ny, nz] = plan.grid.shape.map(|v| v as u32);
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
        };
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some(label), contents, usage })
        };
        let io = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let uniform = init(
            "cell params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        let state = [0, 1].map(|_| init("cell state", bytemuck::cast_slice(&data.initial), io));
        let ext = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("cell ext"),
            size: 4 * (l.ext() * n) as u64,
            usage: io,
            mapped_at_creation: false,
        });
        let table = init("cell table", bytemuck::cast_slice(&cp.kinetics.params), wgpu::BufferUsages::STORAGE);
        // Without triggers one zero: the kernel reads mask[min(idx, len − 1)].
        let mask = match &data.mask {
            Some(m) => init("cell mask", bytemuck::cast_slice(m), wgpu::BufferUsages::STORAGE),
            None => init("cell mask", bytemuck::bytes_of(&0u32), wgpu::BufferUsages::STORAGE),
        };
        let [kinetics, irradiate, spread] = pipelines(dev, "cells.wgsl", ["cell_kinetics", "irradiate", "cell_spread"]);
        // Each pipeline's layout holds only the bindings its entry point uses.
        let bind = |p: &wgpu::ComputePipeline, entries: &[(u32, &wgpu::Buffer)]| bind_group(dev, p, entries);
        let o2_base = init("oxygen base consumption", bytemuck::cast_slice(&data.o2_base), wgpu::BufferUsages::STORAGE);
        let o2_rate = oxygen_rate?;
        let kinetics_groups = [0, 1].map(|c| {
            bind(
                &kinetics,
                &[(0, &uniform), (1, &ext), (2, &state[c]), (3, &table), (4, &mask), (6, o2_rate), (7, &o2_base)],
            )
        });
        let irradiate_groups =
            [0, 1].map(|c| bind(&irradiate, &[(0, &uniform), (1, &ext), (2, &state[c]), (3, &table)]));
        let spread_groups = [0, 1].map(|c| bind(&spread, &[(0, &uniform), (2, &state[1 - c]), (5, &state[c])]));
        Some(CellsGpu {
            plan: cp.clone(),
            params,
            uniform,
            state,
            cur: 0,
            ext,
            table,
            mask,
            o2_base,
            kinetics,
            irradiate,
            spread,
            kinetics_groups,
            irradiate_groups,
            spread_groups,
        })
    }

    /// Voxel count.
    pub fn voxels(&self) -> usize {
        self.params.n as usize
    }

    /// Values of the cell state.
    pub fn state_len(&self) -> usize {
        self.plan.kinetics.layout.state() * self.voxels()
    }

    /// Copy each linked field into its slot of `ext` (`to_ext`), or back.
    pub fn copy_linked<'a>(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        fields: impl Fn(usize) -> &'a wgpu::Buffer,
        to_ext: bool,
    ) {
        let bytes = 4 * self.voxels() as u64;
        for (slot, s) in self.plan.ext_species.iter().enumerate() {
            let Some(s) = *s else { continue };
            let at = slot as u64 * bytes;
            if to_ext {
                encoder.copy_buffer_to_buffer(fields(s), 0, &self.ext, at, bytes);
            } else {
                encoder.copy_buffer_to_buffer(&self.ext, at, fields(s), 0, bytes);
            }
        }
    }

    /// Record one dispatch of `op` on the current state; the spread then
    /// makes its output current.
    pub fn record(&mut self, encoder: &mut wgpu::CommandEncoder, op: CellOp, max_dim: u32) {
        let (pipeline, group) = match op {
            CellOp::Kinetics => (&self.kinetics, &self.kinetics_groups[self.cur]),
            CellOp::Irradiate => (&self.irradiate, &self.irradiate_groups[self.cur]),
            CellOp::Spread => (&self.spread, &self.spread_groups[self.cur]),
        };
        let (x, y) = workgroups(self.voxels() as u64, CELL_GROUP, max_dim);
        {
            let mut pass =
                encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        if op == CellOp::Spread {
            self.cur = 1 - self.cur;
        }
    }
}
