// Explicit 7-point diffusion–decay sub-step with zero-flux faces.
// CPU twin: src/solver/cpu/explicit.rs (same neighbour order).

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn explicit_substep(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= p.n {
        return;
    }
    let plane = p.nx * p.ny;
    let k = idx / plane;
    let rem = idx - k * plane;
    let j = rem / p.nx;
    let i = rem - j * p.nx;
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
