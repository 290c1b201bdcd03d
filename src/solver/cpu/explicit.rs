//! CPU twin of `shaders/explicit.wgsl`: one explicit 7-point sub-step of
//! diffusion–decay with zero-flux faces (a missing neighbour contributes no
//! flux). Neighbours are summed in the shader's order: x−, x+, y−, y+, z−, z+.

use rayon::prelude::*;

/// `out = c + r·(Σ neighbours − count·c) − kd·c`, `r = D·dt_sub/dx²`,
/// `kd = λ·dt_sub`.
pub fn explicit_substep(input: &[f32], out: &mut [f32], shape: [usize; 3], r: f32, kd: f32) {
    let [nx, ny, nz] = shape;
    let plane = nx * ny;
    out.par_chunks_mut(plane).enumerate().for_each(|(k, out_plane)| {
        for j in 0..ny {
            for i in 0..nx {
                let idx = i + nx * j + plane * k;
                let c = input[idx];
                let mut sum = 0.0f32;
                let mut count = 0.0f32;
                let mut add = |present: bool, off: isize| {
                    if present {
                        sum += input[(idx as isize + off) as usize];
                        count += 1.0;
                    }
                };
                add(i > 0, -1);
                add(i + 1 < nx, 1);
                add(j > 0, -(nx as isize));
                add(j + 1 < ny, nx as isize);
                add(k > 0, -(plane as isize));
                add(k + 1 < nz, plane as isize);
                out_plane[i + nx * j] = c + r * (sum - count * c) - kd * c;
            }
        }
    });
}
