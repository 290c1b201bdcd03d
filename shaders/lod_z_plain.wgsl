// Appended to lod.wgsl where nothing is fused into the z sweep: it stores
// the values as they are.

fn z_output(idx: u32, c: f32) -> f32 {
    return c;
}
