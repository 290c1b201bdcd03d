//! Adapter discovery and device creation. Honours `WGPU_BACKEND` and
//! `WGPU_ADAPTER_NAME`; asks for the adapter's own limits, never hard-coded
//! ones.

use crate::{Error, Result};
use std::sync::{Arc, Mutex};

/// An adapter and what it reports.
pub struct AdapterChoice {
    pub adapter: wgpu::Adapter,
    pub info: wgpu::AdapterInfo,
}

impl AdapterChoice {
    /// A software rasteriser (e.g. llvmpipe), slower than the CPU backend.
    pub fn is_software(&self) -> bool {
        self.info.device_type == wgpu::DeviceType::Cpu
    }
}

/// Every adapter the instance sees, best first (discrete, integrated,
/// virtual, other, software), filtered by `WGPU_ADAPTER_NAME` when set.
pub fn adapters() -> Vec<AdapterChoice> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let wanted = std::env::var("WGPU_ADAPTER_NAME").ok().map(|s| s.to_lowercase());
    let mut list: Vec<AdapterChoice> = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        .into_iter()
        .map(|adapter| {
            let info = adapter.get_info();
            AdapterChoice { adapter, info }
        })
        .filter(|a| wanted.as_ref().is_none_or(|w| a.info.name.to_lowercase().contains(w)))
        .collect();
    list.sort_by_key(|a| rank(a.info.device_type));
    list
}

fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// The best adapter; with `hardware_only`, never a software one.
pub fn best_adapter(hardware_only: bool) -> Option<AdapterChoice> {
    adapters().into_iter().find(|a| !hardware_only || !a.is_software())
}

/// A device and queue with the adapter's full limits (clones share them).
#[derive(Clone)]
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    pub limits: wgpu::Limits,
    /// The first error the device reported outside any error scope.
    pub error: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    pub fn new(choice: AdapterChoice) -> Result<Gpu> {
        let limits = choice.adapter.limits();
        let desc = wgpu::DeviceDescriptor {
            label: Some("oncovox"),
            // Timestamp queries where offered, for per-kernel times in benches.
            required_features: choice.adapter.features() & wgpu::Features::TIMESTAMP_QUERY,
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        };
        let (device, queue) = pollster::block_on(choice.adapter.request_device(&desc))
            .map_err(|e| Error::Gpu(format!("cannot open {}: {e}", choice.info.name)))?;
        let error = Arc::new(Mutex::new(None));
        let sink = error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut slot) = sink.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        Ok(Gpu { device, queue, info: choice.info, limits, error })
    }

    /// Map the first `bytes` of a `MAP_READ` buffer of f32 values, wait for
    /// the device, and copy them to the host (submit the copy into it first).
    pub fn map_read(&self, buffer: &wgpu::Buffer, bytes: u64) -> Result<Vec<f32>> {
        Ok(bytemuck::pod_collect_to_vec::<u8, f32>(&self.map_bytes(buffer, bytes)?))
    }

    /// [`Gpu::map_read`] as raw bytes.
    pub fn map_bytes(&self, buffer: &wgpu::Buffer, bytes: u64) -> Result<Vec<u8>> {
        let (tx, rx) = std::sync::mpsc::channel();
        buffer.map_async(wgpu::MapMode::Read, ..bytes, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the device: {e}")))?;
        rx.recv()
            .map_err(|_| Error::Gpu("readback was dropped".into()))?
            .map_err(|e| Error::Gpu(format!("mapping the readback buffer: {e}")))?;
        let out = {
            let view = buffer.get_mapped_range(..bytes).map_err(|e| Error::Gpu(format!("reading back: {e}")))?;
            view.to_vec()
        };
        buffer.unmap();
        self.check()?;
        Ok(out)
    }

    /// Fail if the device has reported an error.
    pub fn check(&self) -> Result<()> {
        match self.error.lock().ok().and_then(|e| e.clone()) {
            Some(msg) => Err(Error::Gpu(msg)),
            None => Ok(()),
        }
    }
}
