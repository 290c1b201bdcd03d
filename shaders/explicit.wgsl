// Explicit 7-point diffusion–decay sub-step with zero-flux faces.
// CPU twin: src/solver/cpu/explicit.rs (same neighbour order).
// On a grid split into slabs, the planes just below and above this slab
// come from the neighbouring slabs, copied into `lo` and `hi` first.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<storage, read> lo: array<f32>;
@group(0) @binding(5) var<storage, read> hi: array<f32>;

// Voxel (i, j, k) of linear index `idx` (x fastest), k within the slab.
fn coords(idx: u32) -> vec3<u32> {
    let plane = p.nx * p.ny;
    let k = idx / plane;
    let rem = idx - k * plane;
    let j = rem / p.nx;
    return vec3<u32>(rem - j * p.nx, j, k);
}

// The value one plane below / above voxel `idx` (plane k of the slab),
// which must exist in the grid.
fn below(idx: u32, k: u32) -> f32 {
    if k > 0u { return src[idx - p.nx * p.ny]; }
    return lo[idx];
}

fn above(idx: u32, k: u32) -> f32 {
    if k + 1u < p.nz { return src[idx + p.nx * p.ny]; }
    return hi[idx - k * p.nx * p.ny];
}

@compute @workgroup_size(VOXEL_GROUP)
fn explicit_substep(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    let v = coords(idx);
    let i = v.x;
    let j = v.y;
    let k = v.z;
    let kg = p.z0 + k;
    let c = src[idx];
    var sum = 0.0;
    var count = 0.0;
    if i > 0u { sum += src[idx - 1u]; count += 1.0; }
    if i + 1u < p.nx { sum += src[idx + 1u]; count += 1.0; }
    if j > 0u { sum += src[idx - p.nx]; count += 1.0; }
    if j + 1u < p.ny { sum += src[idx + p.nx]; count += 1.0; }
    if kg > 0u { sum += below(idx, k); count += 1.0; }
    if kg + 1u < p.nz_all { sum += above(idx, k); count += 1.0; }
    dst[idx] = c + p.r * (sum - count * c) - p.kd * c;
}

// Per-voxel r = D·dt_sub/dx² where diffusion differs between tissues; the
// face coefficient is the harmonic mean of the two voxels' (flux continuity).
// `rlo` and `rhi` hold r of the planes below and above the slab.
@group(0) @binding(3) var<storage, read> rvox: array<f32>;
@group(0) @binding(6) var<storage, read> rlo: array<f32>;
@group(0) @binding(7) var<storage, read> rhi: array<f32>;

fn face_r(a: f32, b: f32) -> f32 {
    let s = a + b;
    if s > 0.0 {
        return 2.0 * a * b / s;
    }
    return 0.0;
}

fn r_below(idx: u32, k: u32) -> f32 {
    if k > 0u { return rvox[idx - p.nx * p.ny]; }
    return rlo[idx];
}

fn r_above(idx: u32, k: u32) -> f32 {
    if k + 1u < p.nz { return rvox[idx + p.nx * p.ny]; }
    return rhi[idx - k * p.nx * p.ny];
}

@compute @workgroup_size(VOXEL_GROUP)
fn explicit_substep_tissue(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    let v = coords(idx);
    let i = v.x;
    let j = v.y;
    let k = v.z;
    let kg = p.z0 + k;
    let c = src[idx];
    let r = rvox[idx];
    var flux = 0.0;
    if i > 0u { flux += face_r(r, rvox[idx - 1u]) * (src[idx - 1u] - c); }
    if i + 1u < p.nx { flux += face_r(r, rvox[idx + 1u]) * (src[idx + 1u] - c); }
    if j > 0u { flux += face_r(r, rvox[idx - p.nx]) * (src[idx - p.nx] - c); }
    if j + 1u < p.ny { flux += face_r(r, rvox[idx + p.nx]) * (src[idx + p.nx] - c); }
    if kg > 0u { flux += face_r(r, r_below(idx, k)) * (below(idx, k) - c); }
    if kg + 1u < p.nz_all { flux += face_r(r, r_above(idx, k)) * (above(idx, k) - c); }
    dst[idx] = c + flux - p.kd * c;
}
