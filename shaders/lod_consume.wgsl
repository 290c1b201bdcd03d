// Appended to lod.wgsl for a z sweep with the species' Michaelis–Menten
// consumption fused in: each final value c is stored as c·(K + c)/(K + c +
// dt·V) (pointwise.wgsl `consume`; K in p.kd), saving that pass's read and
// write of the field. CPU twin: the z sweep, then `consume`.

@group(0) @binding(8) var<storage, read> consumption: array<f32>;

fn z_output(idx: u32, c: f32) -> f32 {
    let v = consumption[idx];
    if v > 0.0 {
        let kc = p.kd + c;
        return c * kc / (kc + v);
    }
    return c;
}
