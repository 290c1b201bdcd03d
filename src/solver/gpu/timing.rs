//! Per-kernel device time from timestamp queries, where the adapter offers
//! them (`Features::TIMESTAMP_QUERY`): while timing is on, every compute
//! pass writes a timestamp at its start and its end, and the differences
//! are summed. `oncovox bench` reports this next to the wall time, which
//! also counts recording, submission and waiting.

use super::context::Gpu;
use crate::Result;

/// Queries in the set: two per pass. When it fills, the backend resolves
/// and reads it (`GpuBackend::drain_timer`) and starts again.
const QUERIES: u32 = 4096;

pub struct Timer {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    read: wgpu::Buffer,
    /// Queries written since the last read.
    used: u32,
    /// Nanoseconds per timestamp tick.
    period: f64,
    /// Kernel time read so far, ns, and the passes it covers.
    total_ns: f64,
    passes: u64,
}

impl Timer {
    /// `None` when the device was not opened with timestamp queries.
    pub fn new(gpu: &Gpu) -> Option<Timer> {
        if !gpu.device.features().contains(wgpu::Features::TIMESTAMP_QUERY) {
            return None;
        }
        let dev = &gpu.device;
        let bytes = 8 * QUERIES as u64;
        let set = dev.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("kernel timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count: QUERIES,
        });
        let buffer = |label, usage| {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage,
                mapped_at_creation: false,
            })
        };
        let resolve = buffer("timestamps", wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC);
        let read = buffer("timestamps readback", wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST);
        let period = gpu.queue.get_timestamp_period() as f64;
        Some(Timer { set, resolve, read, used: 0, period, total_ns: 0.0, passes: 0 })
    }

    /// Room for `passes` more passes before the set must be read.
    pub fn has_room(&self, passes: u32) -> bool {
        self.used + 2 * passes <= QUERIES
    }

    /// The timestamp writes of the next pass.
    pub fn writes(&mut self) -> wgpu::ComputePassTimestampWrites<'_> {
        let i = self.used;
        self.used += 2;
        wgpu::ComputePassTimestampWrites {
            query_set: &self.set,
            beginning_of_pass_write_index: Some(i),
            end_of_pass_write_index: Some(i + 1),
        }
    }

    /// Record the resolve of the queries written so far into `encoder`;
    /// submit it, then [`Timer::collect`].
    pub fn resolve(&self, encoder: &mut wgpu::CommandEncoder) {
        if self.used > 0 {
            encoder.resolve_query_set(&self.set, 0..self.used, &self.resolve, 0);
            encoder.copy_buffer_to_buffer(&self.resolve, 0, &self.read, 0, 8 * self.used as u64);
        }
    }

    /// Read the resolved timestamps (waiting for the device) and add them up.
    pub fn collect(&mut self, gpu: &Gpu) -> Result<()> {
        if self.used == 0 {
            return Ok(());
        }
        let bytes = gpu.map_bytes(&self.read, 8 * self.used as u64)?;
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&bytes);
        for pair in ticks.chunks_exact(2) {
            self.total_ns += pair[1].saturating_sub(pair[0]) as f64 * self.period;
            self.passes += 1;
        }
        self.used = 0;
        Ok(())
    }

    /// Kernel time read since the last call, seconds (`None` if no pass
    /// was timed), and start again.
    pub fn take(&mut self) -> Option<f64> {
        let out = (self.passes > 0).then_some(self.total_ns * 1e-9);
        self.total_ns = 0.0;
        self.passes = 0;
        out
    }
}
