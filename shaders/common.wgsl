// Shared by every kernel; prepended to each kernel file when it is loaded.
// Keep `Params` in sync with src/solver/gpu/params.rs.

// A field larger than one storage binding is split into slabs of whole
// z-planes, each in its own buffers; a kernel acts on one slab.
struct Params {
    // Shape of this slab, voxels; x varies fastest.
    nx: u32,
    ny: u32,
    nz: u32,
    // Voxel count of this slab, nx·ny·nz.
    n: u32,
    // LOD: r = D·dt/dx². Explicit: r = D·dt_sub/dx².
    r: f32,
    // Explicit: λ·dt_sub.
    kd: f32,
    // The slab's first z-plane in the grid, and the grid's depth.
    z0: u32,
    nz_all: u32,
}

// Invocations per workgroup of the per-line (LOD) and per-voxel kernels,
// chosen per adapter from its limits when the pipelines are made
// (src/solver/gpu/kernels.rs); these are the defaults.
override LINE_GROUP: u32 = 64u;
override VOXEL_GROUP: u32 = 256u;

// Flat invocation index of a 2D dispatch (x up to 65535 workgroups wide).
fn flat_index(wg: vec3<u32>, nwg: vec3<u32>, local: u32, size: u32) -> u32 {
    return (wg.y * nwg.x + wg.x) * size + local;
}
