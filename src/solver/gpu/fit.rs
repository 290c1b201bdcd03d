//! What the backend decides from the adapter before allocating anything:
//! whether a plan fits, into how many slabs of z-planes its per-voxel
//! buffers are split, and which x sweep it runs.

use super::Gpu;
use crate::solver::Plan;
use crate::{Error, Result};

/// Choices the backend makes from the adapter.
#[derive(Debug, Clone, Copy)]
pub struct GpuOptions {
    /// Most bytes in one storage binding (the device's limit, or less).
    pub max_binding: u64,
    /// Tiled x sweeps (coalesced access on GPUs) rather than one x line
    /// per invocation (faster on software adapters).
    pub tiled_x: bool,
}

impl GpuOptions {
    pub fn for_device(gpu: &Gpu) -> GpuOptions {
        GpuOptions {
            max_binding: gpu.limits.max_storage_buffer_binding_size,
            tiled_x: gpu.info.device_type != wgpu::DeviceType::Cpu,
        }
    }
}

/// Refuse, before any allocation, a plan the device cannot hold; otherwise
/// give the slabs of z-planes its per-voxel buffers are split into so that
/// each fits one storage binding.
pub fn check_fits(plan: &Plan, limits: &wgpu::Limits) -> Result<Vec<std::ops::Range<usize>>> {
    check_fits_within(plan, limits, limits.max_storage_buffer_binding_size)
}

/// [`check_fits`] with storage bindings of at most `max_binding` bytes.
pub(super) fn check_fits_within(
    plan: &Plan,
    limits: &wgpu::Limits,
    max_binding: u64,
) -> Result<Vec<std::ops::Range<usize>>> {
    let max = max_binding.min(limits.max_storage_buffer_binding_size).min(limits.max_buffer_size);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let field = 4 * plan.grid.len() as u64;
    if field > limits.max_buffer_size {
        return Err(Error::TooLarge(format!(
            "a field of grid.shape {:?} needs {:.0} MiB to be read back, above this device's {:.0} MiB per buffer; \
             use fewer voxels or --backend cpu",
            plan.grid.shape,
            mib(field),
            mib(limits.max_buffer_size)
        )));
    }
    let slabs = plan.slabs(max).ok_or_else(|| {
        Error::TooLarge(format!(
            "one z-plane of grid.shape {:?} does not fit this device's {:.0} MiB per storage binding; \
             use fewer voxels in x and y or --backend cpu",
            plan.grid.shape,
            mib(max)
        ))
    })?;
    Ok(slabs)
}
