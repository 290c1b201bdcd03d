// First-order upwind advection in flux form, one sub-step.
// CPU twin: src/solver/cpu/advection.rs (same operations in the same order).
// p.r = dt_sub / (dx·retardation): face velocity (µm/min) → Courant number.
// Face arrays have shape[a] + 1 faces along their axis (see src/solver/advection.rs).

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> ux: array<f32>;
@group(0) @binding(4) var<storage, read> uy: array<f32>;
@group(0) @binding(5) var<storage, read> uz: array<f32>;
// On a grid split into slabs: the planes of `c` just below and above this
// slab, copied from the neighbouring slabs. Face arrays are the slab's own.
@group(0) @binding(6) var<storage, read> lo: array<f32>;
@group(0) @binding(7) var<storage, read> hi: array<f32>;

fn face_flux(w_lo: f32, w_hi: f32, below: f32, v: f32, above: f32) -> f32 {
    let phi_lo = max(w_lo, 0.0) * below + min(w_lo, 0.0) * v;
    let phi_hi = max(w_hi, 0.0) * v + min(w_hi, 0.0) * above;
    return phi_lo - phi_hi;
}

@compute @workgroup_size(VOXEL_GROUP)
fn advect(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    let nx = p.nx;
    let ny = p.ny;
    let nz = p.nz;
    let i = idx % nx;
    let j = (idx / nx) % ny;
    let k = idx / (nx * ny);
    let v = c[idx];
    var acc = v;
    // x: faces (nx + 1) per line.
    let fx = i + (nx + 1u) * (j + ny * k);
    var below = 0.0;
    var above = 0.0;
    if i > 0u { below = c[idx - 1u]; }
    if i + 1u < nx { above = c[idx + 1u]; }
    acc += face_flux(ux[fx] * p.r, ux[fx + 1u] * p.r, below, v, above);
    // y: faces (ny + 1) per column.
    let fy = i + nx * (j + (ny + 1u) * k);
    below = 0.0;
    above = 0.0;
    if j > 0u { below = c[idx - nx]; }
    if j + 1u < ny { above = c[idx + nx]; }
    acc += face_flux(uy[fy] * p.r, uy[fy + nx] * p.r, below, v, above);
    // z: faces (nz + 1) per pillar.
    let fz = idx;
    below = 0.0;
    above = 0.0;
    let kg = p.z0 + k;
    if kg > 0u {
        if k > 0u { below = c[idx - nx * ny]; } else { below = lo[idx]; }
    }
    if kg + 1u < p.nz_all {
        if k + 1u < nz { above = c[idx + nx * ny]; } else { above = hi[idx - k * nx * ny]; }
    }
    acc += face_flux(uz[fz] * p.r, uz[fz + nx * ny] * p.r, below, v, above);
    out[idx] = acc;
}
