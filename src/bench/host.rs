//! What the report says about the machine: the host (processor, cores,
//! memory, system, last-level cache), the GPU adapter measured, and the
//! oncovox build (version and the commit it was built from).

use crate::solver::gpu::Gpu;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Host {
    pub cpu: String,
    pub logical_cores: usize,
    pub threads: usize,
    pub memory_bytes: Option<u64>,
    pub system: String,
    pub last_level_cache_bytes: Option<u64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Adapter {
    pub name: String,
    pub device_type: String,
    pub backend: String,
    pub driver: String,
    pub driver_info: String,
    pub max_buffer_bytes: u64,
    pub max_storage_binding_bytes: u64,
    pub max_workgroups_per_dimension: u32,
    pub max_invocations_per_workgroup: u32,
    pub timestamp_queries: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Build {
    pub version: &'static str,
    pub commit: &'static str,
}

pub fn build() -> Build {
    Build { version: env!("CARGO_PKG_VERSION"), commit: env!("ONCOVOX_COMMIT") }
}

/// One `key : value` line of a `/proc` file.
fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

pub fn host(cache: Option<u64>) -> Host {
    let cpu = proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let memory_bytes = proc_field("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map(|kib| kib * 1024);
    let release = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string())));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok().map(|k| k.trim().to_string());
    let system = [Some(std::env::consts::OS.to_string()), release, kernel].into_iter().flatten().collect::<Vec<_>>();
    Host {
        cpu,
        logical_cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        threads: rayon::current_num_threads(),
        memory_bytes,
        system: system.join(", "),
        last_level_cache_bytes: cache,
    }
}

pub fn adapter(gpu: &Gpu) -> Adapter {
    let (i, l) = (&gpu.info, &gpu.limits);
    Adapter {
        name: i.name.clone(),
        device_type: format!("{:?}", i.device_type),
        backend: format!("{:?}", i.backend),
        driver: i.driver.clone(),
        driver_info: i.driver_info.clone(),
        max_buffer_bytes: l.max_buffer_size,
        max_storage_binding_bytes: l.max_storage_buffer_binding_size,
        max_workgroups_per_dimension: l.max_compute_workgroups_per_dimension,
        max_invocations_per_workgroup: l.max_compute_invocations_per_workgroup,
        timestamp_queries: gpu.device.features().contains(wgpu::Features::TIMESTAMP_QUERY),
    }
}
