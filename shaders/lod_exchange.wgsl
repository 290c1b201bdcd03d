// Appended to lod.wgsl for an x sweep with the species' vessel exchange
// fused in: c ← (c + add + c_p·inflow)·scale as the value is first read
// (pointwise.wgsl `vessel_exchange`), saving that pass's read and write of
// the field. CPU twin: `vessel_exchange` then the x sweep.

@group(0) @binding(5) var<storage, read> src_add: array<f32>;
@group(0) @binding(6) var<storage, read> src_scale: array<f32>;
@group(0) @binding(7) var<storage, read> inflow: array<f32>;
@group(0) @binding(8) var<storage, read> plasma: array<f32>;
@group(0) @binding(9) var<storage, read_write> clock: array<u32>;

fn x_input(idx: u32, c: f32) -> f32 {
    let t = min(clock[0], arrayLength(&plasma) - 1u);
    return (c + src_add[idx] + plasma[t] * inflow[idx]) * src_scale[idx];
}
