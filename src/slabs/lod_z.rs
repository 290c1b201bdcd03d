//! The LOD z sweep (one Thomas solve per column along z) on slabs, as a
//! pipeline across ranks. Forward: a rank takes the carry `d'` of the plane
//! below its slab from the rank below, runs the recurrence over its planes
//! and hands its top plane's `d'` up; backward: it takes `x` of the plane
//! above from the rank above, runs back down and hands its bottom plane's
//! `x` down. Each pass goes block of columns by block, so that the rank
//! above starts on a block while this one runs the next: the ranks of a
//! forward pass overlap but for the first and last blocks. Every element
//! gets the arithmetic of [`cpu::lod_sweep_z`] (the same coefficients, by
//! the global plane index, in the same order), so the values are those of
//! one process bit for bit.

use super::{Link, Slab};
use crate::solver::LodCoeffs;
use crate::solver::cpu::lod::{backward, first, forward};

/// Columns per block of the pipeline: small enough that the ranks overlap,
/// large enough that a message costs little against its arithmetic.
const BLOCK: usize = 4096;

/// [`crate::solver::cpu::lod_sweep_z`] on a slab: `held` is the slab's
/// held planes (its halos are neither read nor written); `co` has one entry
/// per plane of the whole grid.
pub fn lod_sweep_z(link: &dyn Link, slab: &Slab, held: &mut [f32], co: &LodCoeffs) {
    let p = slab.plane();
    let owned = &mut held[slab.owned()];
    let (z0, n, rank) = (slab.planes.start, slab.planes.len(), link.rank());
    let blocks: Vec<_> = (0..p.div_ceil(BLOCK)).map(|b| b * BLOCK..((b + 1) * BLOCK).min(p)).collect();
    let mut carry = vec![0.0f32; BLOCK];
    for cols in &blocks {
        let carry = &mut carry[..cols.len()];
        let row = |k: usize| k * p + cols.start..k * p + cols.end;
        if slab.below {
            link.recv(rank - 1, bytemuck::cast_slice_mut(carry));
            forward(&mut owned[row(0)], carry, co, z0);
        } else {
            first(&mut owned[row(0)], co);
        }
        for k in 1..n {
            let (before, cur) = owned.split_at_mut(k * p);
            forward(&mut cur[cols.clone()], &before[row(k - 1)], co, z0 + k);
        }
        if slab.above {
            link.send(rank + 1, bytemuck::cast_slice(&owned[row(n - 1)]));
        }
    }
    for cols in &blocks {
        let carry = &mut carry[..cols.len()];
        let row = |k: usize| k * p + cols.start..k * p + cols.end;
        if slab.above {
            link.recv(rank + 1, bytemuck::cast_slice_mut(carry));
            backward(&mut owned[row(n - 1)], carry, co, z0 + n - 1);
        }
        for k in (0..n - 1).rev() {
            let (cur, after) = owned.split_at_mut((k + 1) * p);
            backward(&mut cur[row(k)], &after[cols.clone()], co, z0 + k);
        }
        if slab.below {
            link.send(rank - 1, bytemuck::cast_slice(&owned[row(0)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Team, gather};
    use super::*;
    use crate::solver::cpu;

    #[test]
    fn z_sweeps_on_slabs_give_the_whole_grids_values_bit_for_bit() {
        // 70 × 65 = 4550 columns: two blocks, the second partial.
        for (shape, held) in [([70, 65, 9], [false, false]), ([70, 65, 9], [true, false]), ([3, 4, 6], [true, true])] {
            let n: usize = shape.iter().product();
            let whole: Vec<f32> = (0..n).map(|i| ((i as f32 * 0.11).cos() + 1.5) * 2.0).collect();
            let co = LodCoeffs::new(shape[2], 0.8, 0.01, held);
            let mut want = whole.clone();
            cpu::lod_sweep_z(&mut want, shape, &co);
            for size in [1, 2, 3, shape[2]] {
                let got = Team::run(size, |link| {
                    let slab = Slab::of(shape, link.rank(), size).unwrap();
                    let mut mine = slab.cut(&whole);
                    lod_sweep_z(link, &slab, &mut mine, &co);
                    gather(link, &slab, &mine)
                });
                assert!(got[0] == want, "{shape:?} {held:?} on {size} ranks differs from one process");
            }
        }
    }
}
