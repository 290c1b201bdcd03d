// Implicit LOD diffusion–decay sweeps (BioFVM scheme): one invocation per
// grid line solves the tridiagonal system in place with precomputed Thomas
// coefficients. CPU twin: src/solver/cpu/lod.rs (same arithmetic order).

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> field: array<f32>;
// [c'(0..len), 1/den(0..len), sub(0..len)] for this sweep's axis; sub is r,
// or 0 on a row held by a Dirichlet face.
@group(0) @binding(2) var<storage, read> coeffs: array<f32>;

fn solve_line(start: u32, stride: u32, len: u32) {
    var prev = 0.0;
    for (var i = 0u; i < len; i++) {
        let idx = start + i * stride;
        let v = (field[idx] + coeffs[2u * len + i] * prev) * coeffs[len + i];
        field[idx] = v;
        prev = v;
    }
    for (var i = len - 1u; i > 0u; i--) {
        let idx = start + (i - 1u) * stride;
        field[idx] = field[idx] - coeffs[i - 1u] * field[idx + stride];
    }
}

// The line `line` of sweep `axis`: (first voxel, stride, length, 1 if it exists).
fn line_of(axis: u32, line: u32) -> vec4<u32> {
    if axis == 0u {
        return vec4<u32>(line * p.nx, 1u, p.nx, u32(line < p.ny * p.nz));
    }
    if axis == 1u {
        return vec4<u32>(line % p.nx + (line / p.nx) * p.nx * p.ny, p.nx, p.ny, u32(line < p.nx * p.nz));
    }
    return vec4<u32>(line, p.nx * p.ny, p.nz, u32(line < p.nx * p.ny));
}

@compute @workgroup_size(64)
fn lod_sweep_x(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(0u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z);
    }
}

@compute @workgroup_size(64)
fn lod_sweep_y(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(1u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z);
    }
}

@compute @workgroup_size(64)
fn lod_sweep_z(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(2u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z);
    }
}

// Tissue-dependent diffusion: per-voxel coefficients [c'(n), 1/den(n), sub(n)],
// indexed by voxel (src/solver/lod_tissue.rs). CPU twin: src/solver/cpu/lod_tissue.rs.
@group(0) @binding(3) var<storage, read> vcoeffs: array<f32>;

fn solve_line_tissue(start: u32, stride: u32, len: u32) {
    let n = p.n;
    var prev = 0.0;
    for (var i = 0u; i < len; i++) {
        let idx = start + i * stride;
        let v = (field[idx] + vcoeffs[2u * n + idx] * prev) * vcoeffs[n + idx];
        field[idx] = v;
        prev = v;
    }
    for (var i = len - 1u; i > 0u; i--) {
        let idx = start + (i - 1u) * stride;
        field[idx] = field[idx] - vcoeffs[idx] * field[idx + stride];
    }
}

@compute @workgroup_size(64)
fn lod_tissue_x(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(0u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z);
    }
}

@compute @workgroup_size(64)
fn lod_tissue_y(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(1u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z);
    }
}

@compute @workgroup_size(64)
fn lod_tissue_z(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(2u, flat_index(wg, nwg, local, 64u));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z);
    }
}
