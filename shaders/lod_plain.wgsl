// Appended to lod.wgsl for the plain sweeps: the x sweep reads the field as it is.

fn x_input(idx: u32, c: f32) -> f32 {
    return c;
}
