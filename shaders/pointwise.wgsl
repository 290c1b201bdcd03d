// Per-voxel operators. CPU twins: src/solver/cpu/pointwise.rs.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> field: array<f32>;
// Implicit source step c ← (c + add)·scale.
@group(0) @binding(2) var<storage, read> src_add: array<f32>;
@group(0) @binding(3) var<storage, read> src_scale: array<f32>;
// The held voxels (index within the slab) and their values.
@group(0) @binding(4) var<storage, read> hold_index: array<u32>;
@group(0) @binding(9) var<storage, read> hold_value: array<f32>;

@compute @workgroup_size(VOXEL_GROUP)
fn apply_sources(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    field[idx] = (field[idx] + src_add[idx]) * src_scale[idx];
}

@compute @workgroup_size(VOXEL_GROUP)
fn apply_hold(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, VOXEL_GROUP);
    if i >= arrayLength(&hold_index) {
        return;
    }
    field[hold_index[i]] = hold_value[i];
}

// Vessel exchange with the implicit source step: c ← (c + add + c_p·inflow)·scale,
// c_p = plasma[clock] (the mean plasma concentration over this step), inflow = dt·(KK inflow rate).
@group(0) @binding(5) var<storage, read> inflow: array<f32>;
@group(0) @binding(6) var<storage, read> plasma: array<f32>;
// Steps taken; advanced once per step by `advance_clock`.
@group(0) @binding(7) var<storage, read_write> clock: array<u32>;
// Michaelis–Menten consumption dt·V per voxel; p.kd = K.
@group(0) @binding(8) var<storage, read> consumption: array<f32>;

@compute @workgroup_size(VOXEL_GROUP)
fn vessel_exchange(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    let t = min(clock[0], arrayLength(&plasma) - 1u);
    field[idx] = (field[idx] + src_add[idx] + plasma[t] * inflow[idx]) * src_scale[idx];
}

// Semi-implicit Michaelis–Menten step c ← c·(K + c)/(K + c + dt·V): never negative.
@compute @workgroup_size(VOXEL_GROUP)
fn consume(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, VOXEL_GROUP);
    if idx >= p.n {
        return;
    }
    let v = consumption[idx];
    if v > 0.0 {
        let c = field[idx];
        let kc = p.kd + c;
        field[idx] = c * kc / (kc + v);
    }
}

@compute @workgroup_size(1)
fn advance_clock() {
    clock[0] = clock[0] + 1u;
}
