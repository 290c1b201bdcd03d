// Streaming probes of `oncovox bench`: the fastest the device moves a
// working set, the floor its memory-bound kernels are compared with.
// CPU twins: src/bench/probe.rs (`update`, `read_sums`).

struct Probe {
    // vec4 elements of `a` (and of `b` for the copy).
    n: u32,
    s: f32,
    t: f32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> q: Probe;
@group(0) @binding(1) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> sums: array<u32>;

// a ← a·s + t in place: one read and one write per element.
@compute @workgroup_size(VOXEL_GROUP)
fn probe_update(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, VOXEL_GROUP);
    if i >= q.n {
        return;
    }
    a[i] = a[i] * q.s + vec4<f32>(q.t);
}

// Each invocation adds the bits of READ_SPAN vec4 of `a` (a contiguous
// block per workgroup; integer sums wrap) into one value: reads, and a
// 64th as much written.
const READ_SPAN: u32 = 16u;

@compute @workgroup_size(VOXEL_GROUP)
fn probe_read(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) local: u32) {
    let g = (wg.y * nwg.x + wg.x) * VOXEL_GROUP * READ_SPAN;
    var acc = vec4<u32>(0u);
    for (var k = 0u; k < READ_SPAN; k++) {
        // Invocations of a group read neighbouring elements together.
        let i = g + k * VOXEL_GROUP + local;
        if i < q.n {
            acc += bitcast<vec4<u32>>(a[i]);
        }
    }
    let out = flat_index(wg, nwg, local, VOXEL_GROUP);
    if out < arrayLength(&sums) {
        sums[out] = acc.x + acc.y + acc.z + acc.w;
    }
}
