//! Explicit diffusion–decay sub-steps on a slab: the halos are refreshed,
//! then the single-process kernel runs on the held planes. A voxel's update
//! reads only its six neighbours, and an owned plane next to a cut has its
//! neighbour in a halo, so every owned voxel gets the whole grid's value;
//! the halo planes of the output are left with values of no use (the next
//! exchange replaces them).

use super::{Link, Slab, halo};
use crate::solver::cpu;

/// [`cpu::explicit_substep`] on a slab: `input` and `out` are the held
/// planes; `input`'s halos are refreshed first.
pub fn explicit_substep(link: &dyn Link, slab: &Slab, input: &mut [f32], out: &mut [f32], r: f32, kd: f32) {
    halo::exchange(link, slab, input);
    cpu::explicit_substep(input, out, slab.held_shape(), r, kd);
}

/// [`cpu::explicit_substep_tissue`] on a slab; `rvox` holds the held
/// planes' `r`, halos included (it does not change between sub-steps).
pub fn explicit_substep_tissue(
    link: &dyn Link,
    slab: &Slab,
    input: &mut [f32],
    out: &mut [f32],
    rvox: &[f32],
    kd: f32,
) {
    halo::exchange(link, slab, input);
    cpu::explicit_substep_tissue(input, out, rvox, slab.held_shape(), kd);
}

#[cfg(test)]
mod tests {
    use super::super::{Team, gather};
    use super::*;

    /// A field with structure in every direction.
    fn field(shape: [usize; 3], seed: f32) -> Vec<f32> {
        (0..shape.iter().product::<usize>()).map(|i| ((i as f32 * 0.37 + seed).sin() + 1.2) * 3.0).collect()
    }

    #[test]
    fn sub_steps_on_slabs_give_the_whole_grids_values_bit_for_bit() {
        let shape = [7, 5, 11];
        let c0 = field(shape, 0.0);
        let rvox: Vec<f32> = field(shape, 1.0).iter().map(|v| v * 0.02).collect();
        let (r, kd, steps) = (0.12f32, 0.003f32, 6);
        let mut want = (c0.clone(), c0.clone());
        for s in 0..steps {
            let (a, b) = &mut want;
            let (src, dst) = if s % 2 == 0 { (a, b) } else { (b, a) };
            if s < 3 {
                cpu::explicit_substep(src, dst, shape, r, kd);
            } else {
                cpu::explicit_substep_tissue(src, dst, &rvox, shape, kd);
            }
        }
        let want = if steps % 2 == 0 { want.0 } else { want.1 };
        for size in [1, 2, 3, 4, 11] {
            let got = Team::run(size, |link| {
                let slab = Slab::of(shape, link.rank(), size).unwrap();
                let (mut a, mut b, rv) = (slab.cut(&c0), slab.cut(&c0), slab.cut(&rvox));
                for s in 0..steps {
                    let (src, dst) = if s % 2 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
                    if s < 3 {
                        explicit_substep(link, &slab, src, dst, r, kd);
                    } else {
                        explicit_substep_tissue(link, &slab, src, dst, &rv, kd);
                    }
                }
                gather(link, &slab, if steps % 2 == 0 { &a } else { &b })
            });
            assert!(got[0] == want, "{size} ranks differ from one process");
            assert!(got[1..].iter().all(Vec::is_empty));
        }
    }
}
