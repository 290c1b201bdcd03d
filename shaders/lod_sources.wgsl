// Appended to lod.wgsl for an x sweep with the species' implicit sources
// fused in: c ← (c + add)·scale as the value is first read, saving the
// separate pass's read and write of the field. CPU twin: `apply_sources`
// then the x sweep (src/solver/cpu/pointwise.rs, src/solver/cpu/lod.rs).

@group(0) @binding(5) var<storage, read> src_add: array<f32>;
@group(0) @binding(6) var<storage, read> src_scale: array<f32>;

fn x_input(idx: u32, c: f32) -> f32 {
    return (c + src_add[idx]) * src_scale[idx];
}
