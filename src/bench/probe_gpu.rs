//! The streaming probes of `probe.rs` on a GPU: a buffer-to-buffer copy,
//! and the kernels of `shaders/bandwidth.wgsl` (an update in place and a
//! read-only sum, on vec4 elements), timed over batches of dispatches by
//! the wall clock and, where the adapter offers timestamp queries, by the
//! device's own clock (as the operators' kernel times are): the faster of
//! the two counts, so that no operator is compared with a floor that
//! includes costs its own time leaves out.

use super::probe::{Probe, best_seconds};
use crate::solver::gpu::{Gpu, Timer, bind_group, pipelines, workgroups};
use crate::{Error, Result};
use wgpu::BufferUsages as U;

/// Invocations per workgroup of the probes (`VOXEL_GROUP`'s default) and
/// vec4 elements each read invocation sums (`READ_SPAN`).
const GROUP: u32 = 256;
const READ_SPAN: u32 = 16;
/// Dispatches (or copies) per timed submission.
const BATCH: u32 = 8;

pub struct GpuProber {
    gpu: Gpu,
    update: wgpu::ComputePipeline,
    read: wgpu::ComputePipeline,
}

/// The probe's uniform: keep in sync with `Probe` in the shader.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Uniform {
    n: u32,
    s: f32,
    t: f32,
    pad: u32,
}

/// A probe's buffers: the data, the read probe's sums, the uniform.
struct Buffers {
    a: wgpu::Buffer,
    sums: wgpu::Buffer,
    uniform: wgpu::Buffer,
    vec4s: u64,
}

impl GpuProber {
    pub fn new(gpu: Gpu) -> GpuProber {
        let [update, read] = pipelines(&gpu.device, "bandwidth.wgsl", ["probe_update", "probe_read"]);
        GpuProber { gpu, update, read }
    }

    /// The largest working set one probe buffer can hold, bytes.
    pub fn max_bytes(&self) -> u64 {
        let l = &self.gpu.limits;
        l.max_storage_buffer_binding_size.min(l.max_buffer_size) & !15
    }

    fn buffers(&self, bytes: u64, s: f32, t: f32, init: Option<&[f32]>) -> Buffers {
        let dev = &self.gpu.device;
        let vec4s = (bytes / 16).max(1);
        let a = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe"),
            size: 16 * vec4s,
            usage: U::STORAGE | U::COPY_SRC | U::COPY_DST,
            mapped_at_creation: false,
        });
        if let Some(v) = init {
            self.gpu.queue.write_buffer(&a, 0, bytemuck::cast_slice(v));
        }
        let groups = vec4s.div_ceil((GROUP * READ_SPAN) as u64);
        let sums = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe sums"),
            size: 4 * groups * GROUP as u64,
            usage: U::STORAGE | U::COPY_SRC,
            mapped_at_creation: false,
        });
        let u = Uniform { n: vec4s as u32, s, t, pad: 0 };
        let uniform = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe uniform"),
            size: 16,
            usage: U::UNIFORM | U::COPY_DST,
            mapped_at_creation: false,
        });
        self.gpu.queue.write_buffer(&uniform, 0, bytemuck::bytes_of(&u));
        Buffers { a, sums, uniform, vec4s }
    }

    /// Record `count` dispatches of the update (`read` false) or read probe,
    /// in one pass timed by `timer` when given.
    fn record(&self, enc: &mut wgpu::CommandEncoder, b: &Buffers, read: bool, count: u32, timer: Option<&mut Timer>) {
        let (pipe, entries): (_, Vec<(u32, &wgpu::Buffer)>) = if read {
            (&self.read, vec![(0, &b.uniform), (1, &b.a), (2, &b.sums)])
        } else {
            (&self.update, vec![(0, &b.uniform), (1, &b.a)])
        };
        let group = bind_group(&self.gpu.device, pipe, &entries);
        let invocations = if read { b.vec4s.div_ceil(READ_SPAN as u64) } else { b.vec4s };
        let (x, y) = workgroups(invocations, GROUP, self.gpu.limits.max_compute_workgroups_per_dimension);
        let timestamp_writes = timer.map(|t| t.writes());
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes });
        pass.set_pipeline(pipe);
        pass.set_bind_group(0, &group, &[]);
        for _ in 0..count {
            pass.dispatch_workgroups(x, y, 1);
        }
    }

    fn wait(&self) -> Result<()> {
        self.gpu.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| Error::Gpu(e.to_string()))?;
        self.gpu.check()
    }

    /// Time `record` over batches: seconds per dispatch, the faster of the
    /// wall clock and (where `timed`) the device's timestamps.
    fn seconds(
        &self,
        timed: bool,
        mut record: impl FnMut(&mut wgpu::CommandEncoder, Option<&mut Timer>),
    ) -> Result<f64> {
        let mut timer = if timed { Timer::new(&self.gpu) } else { None };
        let (mut failed, mut device) = (None, f64::INFINITY);
        let wall = best_seconds(3, || {
            let mut enc = self.gpu.device.create_command_encoder(&Default::default());
            record(&mut enc, timer.as_mut());
            if let Some(t) = &timer {
                t.resolve(&mut enc);
            }
            self.gpu.queue.submit([enc.finish()]);
            let read = self.wait().and_then(|()| match timer.as_mut() {
                Some(t) => t.collect(&self.gpu).map(|()| t.take()),
                None => Ok(None),
            });
            match read {
                Ok(Some(s)) => device = device.min(s),
                Ok(None) => {}
                Err(e) => {
                    failed.get_or_insert(e);
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(wall.min(device) / BATCH as f64),
        }
    }

    /// The probes on a working set of `bytes` (at most [`Self::max_bytes`]).
    pub fn probe(&self, bytes: u64) -> Result<Probe> {
        let bytes = bytes.clamp(64, self.max_bytes());
        let b = self.buffers(bytes, 0.5, 0.5, None);
        let dev = &self.gpu.device;
        let half = (bytes / 2) & !3;
        let dst = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("probe copy"),
            size: half.max(4),
            usage: U::COPY_DST,
            mapped_at_creation: false,
        });
        let copy = self.seconds(false, |enc, _| {
            for _ in 0..BATCH {
                enc.copy_buffer_to_buffer(&b.a, 0, &dst, 0, half);
            }
        })?;
        let update = self.seconds(true, |enc, t| self.record(enc, &b, false, BATCH, t))?;
        let read = self.seconds(true, |enc, t| self.record(enc, &b, true, BATCH, t))?;
        let n = 16.0 * b.vec4s as f64;
        let sums = 4.0 * b.vec4s.div_ceil(READ_SPAN as u64) as f64;
        Ok(Probe {
            bytes: 16 * b.vec4s,
            copy: 2.0 * half as f64 / copy / 1e9,
            update: 2.0 * n / update / 1e9,
            read: (n + sums) / read / 1e9,
            stream: None,
        })
    }

    /// One read then one update of `a` (a multiple of 4 values) with `s`
    /// and `t`: the wrapping sum of the bits the read probe's invocations
    /// found, and the updated values (for the parity test with the CPU twins).
    pub fn run_once(&self, a: &[f32], s: f32, t: f32) -> Result<(u32, Vec<f32>)> {
        let b = self.buffers(4 * a.len() as u64, s, t, Some(a));
        let dev = &self.gpu.device;
        let mut enc = dev.create_command_encoder(&Default::default());
        self.record(&mut enc, &b, true, 1, None);
        self.record(&mut enc, &b, false, 1, None);
        let sums_bytes = b.sums.size();
        let read_back = |size| {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some("probe readback"),
                size,
                usage: U::MAP_READ | U::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let (ra, rs) = (read_back(16 * b.vec4s), read_back(sums_bytes));
        enc.copy_buffer_to_buffer(&b.a, 0, &ra, 0, 16 * b.vec4s);
        enc.copy_buffer_to_buffer(&b.sums, 0, &rs, 0, sums_bytes);
        self.gpu.queue.submit([enc.finish()]);
        let values = self.gpu.map_read(&ra, 16 * b.vec4s)?;
        let sums: Vec<u32> = bytemuck::pod_collect_to_vec(&self.gpu.map_bytes(&rs, sums_bytes)?);
        Ok((sums.iter().fold(0u32, |a, &b| a.wrapping_add(b)), values))
    }
}
