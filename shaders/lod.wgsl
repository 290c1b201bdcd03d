// Implicit LOD diffusion–decay sweeps (BioFVM scheme): one invocation per
// grid line solves the tridiagonal system in place with precomputed Thomas
// coefficients. CPU twin: src/solver/cpu/lod.rs (same arithmetic order).
// `x_input` and `z_output` come from the files loaded after this one:
// lod_x_plain.wgsl, or lod_sources.wgsl / lod_exchange.wgsl, which fuse a
// species' sources or vessel exchange into its x sweep; lod_z_plain.wgsl,
// or lod_consume.wgsl, which fuses its consumption into its z sweep
// (src/solver/gpu/shaders.rs).

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> field: array<f32>;
// [c'(0..len), 1/den(0..len), sub(0..len)] for this sweep's axis; sub is r,
// or 0 on a row held by a Dirichlet face.
@group(0) @binding(2) var<storage, read> coeffs: array<f32>;

// A sweep along `axis`. Along x the first read of each value goes through
// `x_input` (the sources or vessel exchange fused into it, or nothing);
// along z each final value is stored through `z_output` (the consumption
// fused into it, or nothing) while the recurrence carries the value before.
fn solve_line(start: u32, stride: u32, len: u32, axis: u32) {
    var prev = 0.0;
    for (var i = 0u; i < len; i++) {
        let idx = start + i * stride;
        var d = field[idx];
        if axis == 0u {
            d = x_input(idx, d);
        }
        let v = (d + coeffs[2u * len + i] * prev) * coeffs[len + i];
        field[idx] = v;
        prev = v;
    }
    var next = prev;
    if axis == 2u {
        field[start + (len - 1u) * stride] = z_output(start + (len - 1u) * stride, next);
    }
    for (var i = len - 1u; i > 0u; i--) {
        let idx = start + (i - 1u) * stride;
        let v = field[idx] - coeffs[i - 1u] * next;
        if axis == 2u {
            field[idx] = z_output(idx, v);
        } else {
            field[idx] = v;
        }
        next = v;
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

@compute @workgroup_size(LINE_GROUP)
fn lod_sweep_x(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(0u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z, 0u);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_sweep_y(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(1u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z, 1u);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_sweep_z(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(2u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line(l.x, l.y, l.z, 2u);
    }
}

// Tissue-dependent diffusion: per-voxel coefficients [c'(n), 1/den(n), sub(n)],
// indexed by voxel (src/solver/lod_tissue.rs). CPU twin: src/solver/cpu/lod_tissue.rs.
@group(0) @binding(3) var<storage, read> vcoeffs: array<f32>;

fn solve_line_tissue(start: u32, stride: u32, len: u32, axis: u32) {
    let n = p.n;
    var prev = 0.0;
    for (var i = 0u; i < len; i++) {
        let idx = start + i * stride;
        var d = field[idx];
        if axis == 0u {
            d = x_input(idx, d);
        }
        let v = (d + vcoeffs[2u * n + idx] * prev) * vcoeffs[n + idx];
        field[idx] = v;
        prev = v;
    }
    var next = prev;
    if axis == 2u {
        field[start + (len - 1u) * stride] = z_output(start + (len - 1u) * stride, next);
    }
    for (var i = len - 1u; i > 0u; i--) {
        let idx = start + (i - 1u) * stride;
        let v = field[idx] - vcoeffs[idx] * next;
        if axis == 2u {
            field[idx] = z_output(idx, v);
        } else {
            field[idx] = v;
        }
        next = v;
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_tissue_x(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(0u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z, 0u);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_tissue_y(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(1u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z, 1u);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_tissue_z(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let l = line_of(2u, flat_index(wg, nwg, local, LINE_GROUP));
    if l.w == 1u {
        solve_line_tissue(l.x, l.y, l.z, 2u);
    }
}

// A z sweep on a grid split into slabs (see `Params`): a forward pass over
// the slabs in order, then a backward pass in reverse order, one dispatch
// per slab. `carry` hands each column's value across the cut: the last
// d' of a slab to the next slab's forward pass, then the first x of a slab
// to the previous slab's backward pass. The arithmetic is `solve_line`'s.
@group(0) @binding(4) var<storage, read_write> carry: array<f32>;

// Uniform coefficients: index by the plane in the grid, `len` = grid depth.
fn z_forward(col: u32) {
    let plane = p.nx * p.ny;
    let len = p.nz_all;
    var prev = 0.0;
    if p.z0 > 0u {
        prev = carry[col];
    }
    for (var k = 0u; k < p.nz; k++) {
        let idx = col + k * plane;
        let v = (field[idx] + coeffs[2u * len + p.z0 + k] * prev) * coeffs[len + p.z0 + k];
        field[idx] = v;
        prev = v;
    }
    carry[col] = prev;
}

// The carry handed down is the value before `z_output`, as in `solve_line`.
fn z_backward(col: u32) {
    let plane = p.nx * p.ny;
    let last = col + (p.nz - 1u) * plane;
    var next = field[last];
    if p.z0 + p.nz < p.nz_all {
        next = next - coeffs[p.z0 + p.nz - 1u] * carry[col];
    }
    field[last] = z_output(last, next);
    for (var k = p.nz - 1u; k > 0u; k--) {
        let idx = col + (k - 1u) * plane;
        let v = field[idx] - coeffs[p.z0 + k - 1u] * next;
        field[idx] = z_output(idx, v);
        next = v;
    }
    carry[col] = next;
}

// Per-voxel coefficients of this slab (`p.n` values each).
fn z_forward_tissue(col: u32) {
    let plane = p.nx * p.ny;
    let n = p.n;
    var prev = 0.0;
    if p.z0 > 0u {
        prev = carry[col];
    }
    for (var k = 0u; k < p.nz; k++) {
        let idx = col + k * plane;
        let v = (field[idx] + vcoeffs[2u * n + idx] * prev) * vcoeffs[n + idx];
        field[idx] = v;
        prev = v;
    }
    carry[col] = prev;
}

fn z_backward_tissue(col: u32) {
    let plane = p.nx * p.ny;
    let last = col + (p.nz - 1u) * plane;
    var next = field[last];
    if p.z0 + p.nz < p.nz_all {
        next = next - vcoeffs[last] * carry[col];
    }
    field[last] = z_output(last, next);
    for (var k = p.nz - 1u; k > 0u; k--) {
        let idx = col + (k - 1u) * plane;
        let v = field[idx] - vcoeffs[idx] * next;
        field[idx] = z_output(idx, v);
        next = v;
    }
    carry[col] = next;
}

@compute @workgroup_size(LINE_GROUP)
fn lod_z_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let col = flat_index(wg, nwg, local, LINE_GROUP);
    if col < p.nx * p.ny {
        z_forward(col);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_z_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let col = flat_index(wg, nwg, local, LINE_GROUP);
    if col < p.nx * p.ny {
        z_backward(col);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_tissue_z_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let col = flat_index(wg, nwg, local, LINE_GROUP);
    if col < p.nx * p.ny {
        z_forward_tissue(col);
    }
}

@compute @workgroup_size(LINE_GROUP)
fn lod_tissue_z_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let col = flat_index(wg, nwg, local, LINE_GROUP);
    if col < p.nx * p.ny {
        z_backward_tissue(col);
    }
}
