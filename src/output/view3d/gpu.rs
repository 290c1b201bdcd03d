//! The GPU renderer: `view3d_render` of shaders/view3d.wgsl writes one
//! RGBA value per pixel into a storage buffer, read back to the host (no
//! window, no surface). Buffers and the bind group are made once per run;
//! each render uploads the field and the parameters.

use super::{ViewParams, colour_table};
use crate::solver::gpu::{Gpu, bind_group, pipelines};
use crate::{Error, Result};
use wgpu::BufferUsages as U;

/// Workgroup edge of `view3d_render` (`@workgroup_size(8, 8)`).
const GROUP: u32 = 8;

pub struct GpuRenderer {
    gpu: Gpu,
    pipeline: wgpu::ComputePipeline,
    group: wgpu::BindGroup,
    params: wgpu::Buffer,
    field: wgpu::Buffer,
    out: wgpu::Buffer,
    readback: wgpu::Buffer,
    width: u32,
    height: u32,
}

impl GpuRenderer {
    /// Whether a field of `voxels` values fits one storage binding of `gpu`.
    pub fn fits(gpu: &Gpu, voxels: usize) -> bool {
        let bytes = 4 * voxels as u64;
        bytes <= gpu.limits.max_storage_buffer_binding_size && bytes <= gpu.limits.max_buffer_size
    }

    /// A renderer of `width`×`height` pictures of fields of `shape` with the
    /// vessel mask `vessels`.
    pub fn new(gpu: &Gpu, shape: [usize; 3], vessels: &[f32], width: u32, height: u32) -> Result<GpuRenderer> {
        let dev = &gpu.device;
        let [pipeline] = pipelines(dev, "view3d.wgsl", ["view3d_render"]);
        let buffer = |label, size: u64, usage| {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(16),
                usage,
                mapped_at_creation: false,
            })
        };
        let voxels = (shape[0] * shape[1] * shape[2]) as u64;
        let pixels = 16 * u64::from(width) * u64::from(height);
        let params = buffer("view params", std::mem::size_of::<ViewParams>() as u64, U::UNIFORM | U::COPY_DST);
        let field = buffer("view field", 4 * voxels, U::STORAGE | U::COPY_DST);
        let mask = buffer("view vessels", 4 * voxels, U::STORAGE | U::COPY_DST);
        let table = colour_table();
        let colours = buffer("view colours", 16 * table.len() as u64, U::STORAGE | U::COPY_DST);
        let out = buffer("view picture", pixels, U::STORAGE | U::COPY_SRC);
        let readback = buffer("view readback", pixels, U::MAP_READ | U::COPY_DST);
        gpu.queue.write_buffer(&mask, 0, bytemuck::cast_slice(vessels));
        gpu.queue.write_buffer(&colours, 0, bytemuck::cast_slice(&table));
        let group = bind_group(dev, &pipeline, &[(0, &params), (1, &field), (2, &mask), (3, &colours), (4, &out)]);
        gpu.check()?;
        Ok(GpuRenderer { gpu: gpu.clone(), pipeline, group, params, field, out, readback, width, height })
    }

    /// The picture of `field` with `p` (its size the renderer's), RGBA per
    /// pixel, rows from the top.
    pub fn render(&mut self, p: &ViewParams, field: &[f32]) -> Result<Vec<[f32; 4]>> {
        if (p.width, p.height) != (self.width, self.height) {
            return Err(Error::Gpu("a 3D view was asked for a picture size its renderer was not made for".into()));
        }
        let q = &self.gpu.queue;
        q.write_buffer(&self.params, 0, bytemuck::bytes_of(p));
        q.write_buffer(&self.field, 0, bytemuck::cast_slice(field));
        let mut enc = self.gpu.device.create_command_encoder(&Default::default());
        {
            let mut pass =
                enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("view3d"), timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.group, &[]);
            pass.dispatch_workgroups(self.width.div_ceil(GROUP), self.height.div_ceil(GROUP), 1);
        }
        let bytes = 16 * u64::from(self.width) * u64::from(self.height);
        enc.copy_buffer_to_buffer(&self.out, 0, &self.readback, 0, bytes);
        q.submit([enc.finish()]);
        let values = self.gpu.map_read(&self.readback, bytes)?;
        Ok(values.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect())
    }
}
