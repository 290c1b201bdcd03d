// Shared by every kernel; prepended to each kernel file when it is loaded.
// Keep `Params` in sync with src/solver/gpu/params.rs.

struct Params {
    // Grid shape, voxels; x varies fastest.
    nx: u32,
    ny: u32,
    nz: u32,
    // Voxel count nx·ny·nz.
    n: u32,
    // LOD: r = D·dt/dx². Explicit: r = D·dt_sub/dx².
    r: f32,
    // Explicit: λ·dt_sub.
    kd: f32,
    _pad0: u32,
    _pad1: u32,
}

// Flat invocation index of a 2D dispatch (x up to 65535 workgroups wide).
fn flat_index(wg: vec3<u32>, nwg: vec3<u32>, local: u32, size: u32) -> u32 {
    return (wg.y * nwg.x + wg.x) * size + local;
}
