// Per-voxel operators. CPU twins: src/solver/cpu/pointwise.rs.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> field: array<f32>;
// Implicit source step c ← (c + add)·scale.
@group(0) @binding(2) var<storage, read> src_add: array<f32>;
@group(0) @binding(3) var<storage, read> src_scale: array<f32>;
// Held value, or negative where the voxel is free.
@group(0) @binding(4) var<storage, read> hold: array<f32>;

@compute @workgroup_size(256)
fn apply_sources(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= p.n {
        return;
    }
    field[idx] = (field[idx] + src_add[idx]) * src_scale[idx];
}

@compute @workgroup_size(256)
fn apply_hold(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= p.n {
        return;
    }
    let h = hold[idx];
    if h >= 0.0 {
        field[idx] = h;
    }
}
