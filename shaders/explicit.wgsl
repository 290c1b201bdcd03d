// Explicit 7-point diffusion–decay sub-step with zero-flux faces.
// CPU twin: src/solver/cpu/explicit.rs (same neighbour order).

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// Voxel (i, j, k) of linear index `idx` (x fastest).
fn coords(idx: u32) -> vec3<u32> {
    let plane = p.nx * p.ny;
    let k = idx / plane;
    let rem = idx - k * plane;
    let j = rem / p.nx;
    return vec3<u32>(rem - j * p.nx, j, k);
}

@compute @workgroup_size(256)
fn explicit_substep(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= p.n {
        return;
    }
    let plane = p.nx * p.ny;
    let v = coords(idx);
    let i = v.x;
    let j = v.y;
    let k = v.z;
    let c = src[idx];
    var sum = 0.0;
    var count = 0.0;
    if i > 0u { sum += src[idx - 1u]; count += 1.0; }
    if i + 1u < p.nx { sum += src[idx + 1u]; count += 1.0; }
    if j > 0u { sum += src[idx - p.nx]; count += 1.0; }
    if j + 1u < p.ny { sum += src[idx + p.nx]; count += 1.0; }
    if k > 0u { sum += src[idx - plane]; count += 1.0; }
    if k + 1u < p.nz { sum += src[idx + plane]; count += 1.0; }
    dst[idx] = c + p.r * (sum - count * c) - p.kd * c;
}

// Per-voxel r = D·dt_sub/dx² where diffusion differs between tissues; the
// face coefficient is the harmonic mean of the two voxels' (flux continuity).
@group(0) @binding(3) var<storage, read> rvox: array<f32>;

fn face_r(a: f32, b: f32) -> f32 {
    let s = a + b;
    if s > 0.0 {
        return 2.0 * a * b / s;
    }
    return 0.0;
}

@compute @workgroup_size(256)
fn explicit_substep_tissue(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= p.n {
        return;
    }
    let plane = p.nx * p.ny;
    let v = coords(idx);
    let i = v.x;
    let j = v.y;
    let k = v.z;
    let c = src[idx];
    let r = rvox[idx];
    var flux = 0.0;
    if i > 0u { flux += face_r(r, rvox[idx - 1u]) * (src[idx - 1u] - c); }
    if i + 1u < p.nx { flux += face_r(r, rvox[idx + 1u]) * (src[idx + 1u] - c); }
    if j > 0u { flux += face_r(r, rvox[idx - p.nx]) * (src[idx - p.nx] - c); }
    if j + 1u < p.ny { flux += face_r(r, rvox[idx + p.nx]) * (src[idx + p.nx] - c); }
    if k > 0u { flux += face_r(r, rvox[idx - plane]) * (src[idx - plane] - c); }
    if k + 1u < p.nz { flux += face_r(r, rvox[idx + plane]) * (src[idx + plane] - c); }
    dst[idx] = c + flux - p.kd * c;
}
