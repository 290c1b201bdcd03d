//! WGSL sources: each kernel file is loaded with `shaders/common.wgsl`
//! prepended.

const COMMON: &str = include_str!("../../../shaders/common.wgsl");

/// Every kernel file: (file name, text without the common prelude).
pub const KERNELS: [(&str, &str); 6] = [
    ("lod.wgsl", include_str!("../../../shaders/lod.wgsl")),
    ("explicit.wgsl", include_str!("../../../shaders/explicit.wgsl")),
    ("pointwise.wgsl", include_str!("../../../shaders/pointwise.wgsl")),
    ("advection.wgsl", include_str!("../../../shaders/advection.wgsl")),
    ("darcy.wgsl", include_str!("../../../shaders/darcy.wgsl")),
    ("cells.wgsl", include_str!("../../../shaders/cells.wgsl")),
];

/// Full source of a kernel file, common prelude included.
pub fn source(file: &str) -> String {
    let body = KERNELS.iter().find(|(n, _)| *n == file).map(|(_, b)| *b).unwrap_or_default();
    format!("{COMMON}\n{body}")
}

/// Every kernel file's full source, for validation.
pub fn all_sources() -> Vec<(&'static str, String)> {
    KERNELS.iter().map(|(n, _)| (*n, source(n))).collect()
}
