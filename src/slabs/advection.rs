//! Upwind advection sub-steps on a slab: the halos are refreshed, then the
//! single-process kernel runs on the held planes with the face velocities
//! of those planes ([`SlabFlow`]). An owned voxel reads its six neighbours
//! and its six faces, all held, so it gets the whole grid's value; the halo
//! planes of the output are of no use (the next exchange replaces them).

use super::{Link, Slab, halo};
use crate::grid::{FaceFlow, Grid};
use crate::solver::cpu;

/// What an advection sub-step on a slab reads besides the field: the held
/// planes as a grid, their face velocities (the x and y faces of each held
/// plane and the z faces from below the first held plane to above the
/// last) and a row of zeros (the outside beyond a y or z face).
pub struct SlabFlow {
    grid: Grid,
    flow: FaceFlow,
    zero: Vec<f32>,
}

impl SlabFlow {
    /// The part of the whole grid's `flow` that `slab` reads.
    pub fn new(slab: &Slab, grid: &Grid, flow: &FaceFlow) -> SlabFlow {
        SlabFlow {
            grid: Grid::new(slab.held_shape(), grid.dx),
            flow: flow.planes(slab.held()),
            zero: vec![0.0; slab.shape[0]],
        }
    }
}

/// [`cpu::advect`] on a slab: `c` and `out` are the held planes; `c`'s
/// halos are refreshed first.
pub fn advect(link: &dyn Link, slab: &Slab, flow: &SlabFlow, scale: f32, c: &mut [f32], out: &mut [f32]) {
    halo::exchange(link, slab, c);
    cpu::advect(&flow.grid, &flow.flow, scale, c, out, &flow.zero);
}

#[cfg(test)]
mod tests {
    use super::super::{Team, gather};
    use super::*;
    use crate::grid::face_count;

    #[test]
    fn upwind_sub_steps_on_slabs_give_the_whole_grids_values_bit_for_bit() {
        let shape = [6, 5, 9];
        let n: usize = shape.iter().product();
        let c0: Vec<f32> = (0..n).map(|i| ((i as f32 * 0.29).sin() + 1.1) * 2.0).collect();
        // Velocities of both signs on every axis, different on every face.
        let u =
            [0, 1, 2].map(|a| (0..face_count(shape, a)).map(|f| ((f * (a + 3)) as f32 * 0.71).cos() * 0.3).collect());
        let flow = FaceFlow { shape, u };
        let (scale, steps, zero) = (0.4f32, 5, vec![0.0f32; shape[0]]);
        let grid = Grid::new(shape, 10.0);
        let (mut a, mut b) = (c0.clone(), c0.clone());
        for s in 0..steps {
            let (src, dst) = if s % 2 == 0 { (&a, &mut b) } else { (&b, &mut a) };
            cpu::advect(&grid, &flow, scale, src, dst, &zero);
        }
        let want = if steps % 2 == 0 { a } else { b };
        for size in [1, 2, 3, 4, shape[2]] {
            let got = Team::run(size, |link| {
                let slab = Slab::of(shape, link.rank(), size).unwrap();
                let mine = SlabFlow::new(&slab, &grid, &flow);
                let (mut a, mut b) = (slab.cut(&c0), slab.cut(&c0));
                for s in 0..steps {
                    let (src, dst) = if s % 2 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
                    advect(link, &slab, &mine, scale, src, dst);
                }
                gather(link, &slab, if steps % 2 == 0 { &a } else { &b })
            });
            assert!(got[0] == want, "{size} ranks differ from one process");
        }
    }
}
