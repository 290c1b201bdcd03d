// Appended to lod.wgsl where nothing is fused into the x sweep: it reads
// the field as it is.

fn x_input(idx: u32, c: f32) -> f32 {
    return c;
}
