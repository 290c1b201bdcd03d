//! WGSL sources. A shader module is `shaders/common.wgsl` followed by one
//! or more kernel files. The LOD sweeps come in four modules that differ in
//! what the x sweep does as it first reads a value (nothing, the species'
//! sources, or its vessel exchange) and what the z sweep does as it stores
//! one (nothing, or the consumption).

const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// Every kernel file: (file name, text).
const FILES: [(&str, &str); 16] = [
    ("lod.wgsl", include_str!("../../../shaders/lod.wgsl")),
    ("lod_x_tiled.wgsl", include_str!("../../../shaders/lod_x_tiled.wgsl")),
    ("lod_x_plain.wgsl", include_str!("../../../shaders/lod_x_plain.wgsl")),
    ("lod_z_plain.wgsl", include_str!("../../../shaders/lod_z_plain.wgsl")),
    ("lod_sources.wgsl", include_str!("../../../shaders/lod_sources.wgsl")),
    ("lod_exchange.wgsl", include_str!("../../../shaders/lod_exchange.wgsl")),
    ("lod_consume.wgsl", include_str!("../../../shaders/lod_consume.wgsl")),
    ("explicit.wgsl", include_str!("../../../shaders/explicit.wgsl")),
    ("pointwise.wgsl", include_str!("../../../shaders/pointwise.wgsl")),
    ("advection.wgsl", include_str!("../../../shaders/advection.wgsl")),
    ("coarse.wgsl", include_str!("../../../shaders/coarse.wgsl")),
    ("multigrid.wgsl", include_str!("../../../shaders/multigrid.wgsl")),
    ("coupled.wgsl", include_str!("../../../shaders/coupled.wgsl")),
    ("cells.wgsl", include_str!("../../../shaders/cells.wgsl")),
    ("bandwidth.wgsl", include_str!("../../../shaders/bandwidth.wgsl")),
    ("view3d.wgsl", include_str!("../../../shaders/view3d.wgsl")),
];

/// Every module: (name, its kernel files in order after the prelude).
const MODULES: [(&str, &[&str]); 12] = [
    ("lod.wgsl", &["lod.wgsl", "lod_x_tiled.wgsl", "lod_x_plain.wgsl", "lod_z_plain.wgsl"]),
    ("lod_sources.wgsl", &["lod.wgsl", "lod_x_tiled.wgsl", "lod_sources.wgsl", "lod_z_plain.wgsl"]),
    ("lod_exchange.wgsl", &["lod.wgsl", "lod_x_tiled.wgsl", "lod_exchange.wgsl", "lod_z_plain.wgsl"]),
    ("lod_consume.wgsl", &["lod.wgsl", "lod_x_plain.wgsl", "lod_consume.wgsl"]),
    ("explicit.wgsl", &["explicit.wgsl"]),
    ("pointwise.wgsl", &["pointwise.wgsl"]),
    ("advection.wgsl", &["advection.wgsl"]),
    ("multigrid.wgsl", &["coarse.wgsl", "multigrid.wgsl"]),
    ("coupled.wgsl", &["coarse.wgsl", "coupled.wgsl"]),
    ("cells.wgsl", &["cells.wgsl"]),
    ("bandwidth.wgsl", &["bandwidth.wgsl"]),
    ("view3d.wgsl", &["view3d.wgsl"]),
];

/// Full source of a module, common prelude included (empty for an unknown name).
pub fn source(module: &str) -> String {
    let files = MODULES.iter().find(|(m, _)| *m == module).map(|(_, f)| *f).unwrap_or_default();
    let mut out = COMMON.to_string();
    for f in files {
        out.push('\n');
        out.push_str(FILES.iter().find(|(n, _)| n == f).map(|(_, t)| *t).unwrap_or_default());
    }
    out
}

/// Every module's full source, for validation.
pub fn all_sources() -> Vec<(&'static str, String)> {
    MODULES.iter().map(|(m, _)| (*m, source(m))).collect()
}

/// Every kernel file some module loads.
pub fn files() -> Vec<&'static str> {
    FILES.iter().map(|(n, _)| *n).filter(|n| MODULES.iter().any(|(_, f)| f.contains(n))).collect()
}
