//! The cell spread on a slab: the state is held variable after variable,
//! each over the slab's held planes; the halos of every variable that moves
//! are refreshed, then the single-process kernel runs on the held planes.
//! A voxel's new value reads its own and its six neighbours' values and
//! excess (which depends on that voxel alone), all held, and whether a row
//! moves reads the rows around it, also held: every owned voxel gets the
//! whole grid's value.

use super::{Link, Slab, halo};
use crate::model::cells::Layout;
use crate::solver::cpu::cells;

/// A slab's cell state: `layout.state()` variables, each over the held
/// planes, from the whole grid's state (variables of `n` voxels each).
pub fn cut_state(slab: &Slab, layout: Layout, whole: &[f32]) -> Vec<f32> {
    let n = slab.plane() * slab.shape[2];
    (0..layout.state()).flat_map(|var| slab.cut(&whole[var * n..(var + 1) * n])).collect()
}

/// Refresh the halos of every variable of `state` (from [`cut_state`])
/// that the spread moves.
pub fn exchange_moving(link: &dyn Link, slab: &Slab, state: &mut [f32], layout: Layout) {
    let held = slab.plane() * slab.held().len();
    // The sink (the last variable) does not move; the kernel copies it.
    for var in state.chunks_exact_mut(held).take(layout.state() - 1) {
        halo::exchange(link, slab, var);
    }
}

/// [`cells::spread`] on a slab: `src` and `dst` from [`cut_state`] (`src`'s
/// halos are refreshed first), `excess` scratch of one pair per held voxel.
#[allow(clippy::too_many_arguments, reason = "the kernel's uniform, spelled out")]
pub fn spread(
    link: &dyn Link,
    slab: &Slab,
    src: &mut [f32],
    dst: &mut [f32],
    layout: Layout,
    nmax: f32,
    threshold: f32,
    r: f32,
    excess: &mut [(f32, f32)],
) {
    exchange_moving(link, slab, src, layout);
    cells::spread(src, dst, layout, slab.held_shape(), nmax, threshold, r, excess);
}

#[cfg(test)]
mod tests {
    use super::super::{Team, gather};
    use super::*;

    #[test]
    fn spread_sub_steps_on_slabs_give_the_whole_grids_values_bit_for_bit() {
        let layout = Layout { phenotypes: 2, carriers: 1 };
        let shape = [9, 7, 8];
        let n: usize = shape.iter().product();
        let (nmax, threshold, r, steps) = (1.0f32, 0.8f32, 0.1f32, 4);
        let mut whole: Vec<f32> = (0..layout.state() * n).map(|i| (i as f32 * 0.53).sin() * 0.15 + 0.15).collect();
        // Crowded voxels at a cut of every rank count below, inside and on a face.
        for v in [0, 4 + 9 * 3 + 63 * 3, 3 + 9 * 2 + 63 * 4, 5 + 9 * 6 + 63 * 7] {
            whole[layout.density(0) * n + v] = 0.95;
        }
        let mut want = (whole.clone(), whole.clone());
        let mut excess = vec![(0.0, 0.0); n];
        for s in 0..steps {
            let (a, b) = &mut want;
            let (src, dst) = if s % 2 == 0 { (a, b) } else { (b, a) };
            cells::spread(src, dst, layout, shape, nmax, threshold, r, &mut excess);
        }
        let want = if steps % 2 == 0 { want.0 } else { want.1 };
        assert!(want != whole, "the cells spread");
        for size in [1, 2, 3, 4, shape[2]] {
            let got = Team::run(size, |link| {
                let slab = Slab::of(shape, link.rank(), size).unwrap();
                let (mut a, mut b) = (cut_state(&slab, layout, &whole), cut_state(&slab, layout, &whole));
                let held = slab.plane() * slab.held().len();
                let mut excess = vec![(0.0, 0.0); held];
                for s in 0..steps {
                    let (src, dst) = if s % 2 == 0 { (&mut a, &mut b) } else { (&mut b, &mut a) };
                    spread(link, &slab, src, dst, layout, nmax, threshold, r, &mut excess);
                }
                let last = if steps % 2 == 0 { &a } else { &b };
                last.chunks_exact(held).map(|var| gather(link, &slab, var)).collect::<Vec<_>>().concat()
            });
            assert!(got[0] == want, "{size} ranks differ from one process");
        }
    }
}
