//! Compute pipelines, one per entry point, and dispatch-size helpers.

use super::shaders;

/// Every pipeline the backend dispatches.
pub struct Kernels {
    /// Sweeps along x, y, z.
    pub lod: [wgpu::ComputePipeline; 3],
    /// Sweeps with per-voxel coefficients (tissue-dependent diffusion).
    pub lod_tissue: [wgpu::ComputePipeline; 3],
    /// x sweeps with the sources (`[0]`) or the vessel exchange (`[1]`)
    /// fused in, each `[uniform, per-voxel coefficients]`.
    pub lod_x_fused: [[wgpu::ComputePipeline; 2]; 2],
    /// z sweeps with the consumption fused in, `[uniform, per-voxel]`: of a
    /// whole grid, and the backward pass of a split one.
    pub lod_z_consume: [wgpu::ComputePipeline; 2],
    pub lod_z_back_consume: [wgpu::ComputePipeline; 2],
    /// Forward and backward z sweeps of a grid split into slabs.
    pub lod_z: [wgpu::ComputePipeline; 2],
    pub lod_tissue_z: [wgpu::ComputePipeline; 2],
    pub explicit: wgpu::ComputePipeline,
    pub explicit_tissue: wgpu::ComputePipeline,
    pub sources: wgpu::ComputePipeline,
    pub exchange: wgpu::ComputePipeline,
    pub consume: wgpu::ComputePipeline,
    pub clock: wgpu::ComputePipeline,
    pub advect: wgpu::ComputePipeline,
    pub hold: wgpu::ComputePipeline,
    /// Invocations per workgroup of the per-line and per-voxel kernels,
    /// and of the x sweeps (`X_LINES` when they are tiled).
    pub line_group: u32,
    pub voxel_group: u32,
    pub x_group: u32,
}

/// Lines per workgroup of the tiled x sweeps (`X_LINES` in shaders/lod.wgsl).
pub const X_LINES: u32 = 64;

/// Invocations per workgroup of the per-line (LOD) and per-voxel kernels
/// on an adapter: 64 and 256 (a multiple of every common SIMD width, and
/// enough warps per group to hide memory latency), or less where the
/// adapter allows fewer invocations per workgroup.
pub fn group_sizes(limits: &wgpu::Limits) -> (u32, u32) {
    let most = limits.max_compute_invocations_per_workgroup.min(limits.max_compute_workgroup_size_x).max(1);
    (64.min(most), 256.min(most))
}

impl Kernels {
    /// The pipelines, with tiled x sweeps (`tiled_x`) or one line per invocation.
    pub fn new(device: &wgpu::Device, limits: &wgpu::Limits, tiled_x: bool) -> Kernels {
        let (line_group, voxel_group) = group_sizes(limits);
        let sizes = [("LINE_GROUP", line_group as f64), ("VOXEL_GROUP", voxel_group as f64)];
        let x = if tiled_x { ["lod_sweep_x_tiled", "lod_tissue_x_tiled"] } else { ["lod_sweep_x", "lod_tissue_x"] };
        let [lod_x, lod_y, lod_z, tissue_x, tissue_y, tissue_z, z_fwd, z_back, tissue_z_fwd, tissue_z_back] =
            pipelines_with(
                device,
                "lod.wgsl",
                [
                    x[0],
                    "lod_sweep_y",
                    "lod_sweep_z",
                    x[1],
                    "lod_tissue_y",
                    "lod_tissue_z",
                    "lod_z_forward",
                    "lod_z_backward",
                    "lod_tissue_z_forward",
                    "lod_tissue_z_backward",
                ],
                &sizes,
            );
        let lod_x_fused = ["lod_sources.wgsl", "lod_exchange.wgsl"].map(|m| pipelines_with(device, m, x, &sizes));
        let [z_consume, tissue_z_consume, z_back_consume, tissue_z_back_consume] = pipelines_with(
            device,
            "lod_consume.wgsl",
            ["lod_sweep_z", "lod_tissue_z", "lod_z_backward", "lod_tissue_z_backward"],
            &sizes,
        );
        let [explicit, explicit_tissue] =
            pipelines_with(device, "explicit.wgsl", ["explicit_substep", "explicit_substep_tissue"], &sizes);
        let [sources, exchange, consume, clock, hold] = pipelines_with(
            device,
            "pointwise.wgsl",
            ["apply_sources", "vessel_exchange", "consume", "advance_clock", "apply_hold"],
            &sizes,
        );
        let [advect] = pipelines_with(device, "advection.wgsl", ["advect"], &sizes);
        Kernels {
            lod: [lod_x, lod_y, lod_z],
            lod_tissue: [tissue_x, tissue_y, tissue_z],
            lod_x_fused,
            lod_z_consume: [z_consume, tissue_z_consume],
            lod_z_back_consume: [z_back_consume, tissue_z_back_consume],
            lod_z: [z_fwd, z_back],
            lod_tissue_z: [tissue_z_fwd, tissue_z_back],
            explicit,
            explicit_tissue,
            sources,
            exchange,
            consume,
            clock,
            advect,
            hold,
            line_group,
            voxel_group,
            x_group: if tiled_x { X_LINES } else { line_group },
        }
    }
}

/// One compute pipeline per entry point of kernel file `file`, each with
/// the bind group layout its entry point uses.
pub fn pipelines<const N: usize>(device: &wgpu::Device, file: &str, entries: [&str; N]) -> [wgpu::ComputePipeline; N] {
    pipelines_with(device, file, entries, &[])
}

/// [`pipelines`] with values for the file's pipeline-overridable constants.
fn pipelines_with<const N: usize>(
    device: &wgpu::Device,
    file: &str,
    entries: [&str; N],
    constants: &[(&str, f64)],
) -> [wgpu::ComputePipeline; N] {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(file),
        source: wgpu::ShaderSource::Wgsl(shaders::source(file).into()),
    });
    entries.map(|entry| {
        device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions { constants, ..Default::default() },
            cache: None,
        })
    })
}

/// A bind group of whole buffers at the given bindings of group 0.
pub fn bind_group(
    device: &wgpu::Device,
    pipeline: &wgpu::ComputePipeline,
    entries: &[(u32, &wgpu::Buffer)],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = entries
        .iter()
        .map(|(b, buf)| wgpu::BindGroupEntry { binding: *b, resource: buf.as_entire_binding() })
        .collect();
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// Workgroups `(x, y)` covering `count` invocations in groups of `size`,
/// with x at most `max_dim` (the kernels flatten the 2D index).
pub fn workgroups(count: u64, size: u32, max_dim: u32) -> (u32, u32) {
    let total = count.div_ceil(size as u64).max(1);
    let max_dim = max_dim.max(1) as u64;
    let y = total.div_ceil(max_dim);
    let x = total.div_ceil(y);
    (x as u32, y as u32)
}

#[cfg(test)]
mod tests {
    use super::{group_sizes, workgroups};

    #[test]
    fn group_sizes_respect_the_adapter() {
        let mut limits = wgpu::Limits::default();
        assert_eq!(group_sizes(&limits), (64, 256));
        limits.max_compute_invocations_per_workgroup = 128;
        assert_eq!(group_sizes(&limits), (64, 128));
        limits.max_compute_workgroup_size_x = 32;
        assert_eq!(group_sizes(&limits), (32, 32));
    }

    #[test]
    fn workgroups_cover_the_count_within_the_limit() {
        for &count in &[1u64, 255, 256, 257, 16_777_216, 134_217_728] {
            let (x, y) = workgroups(count, 256, 65535);
            assert!(x <= 65535);
            assert!(x as u64 * y as u64 * 256 >= count);
            assert!((x as u64 * y as u64 - 1) * 256 < count + 256 * y as u64);
        }
    }
}
