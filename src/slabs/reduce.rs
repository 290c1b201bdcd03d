//! Sums over the whole grid that do not depend on the number of ranks:
//! every rank's per-plane partial sums go to rank 0, which adds them in
//! plane order, and the total goes back to every rank. One process adding
//! the same partials with [`sum_in_order`] gets the same bits.

use super::{Link, Slab, partition};

/// `0 + p₀ + p₁ + …`, left to right.
pub fn sum_in_order(partials: &[f64]) -> f64 {
    partials.iter().fold(0.0, |a, &b| a + b)
}

/// The sum of every plane's partial over the grid, on every rank:
/// `partials` holds one value per owned plane.
pub fn sum_planes(link: &dyn Link, slab: &Slab, partials: &[f64]) -> f64 {
    assert_eq!(partials.len(), slab.planes.len(), "one partial per owned plane");
    let (rank, size) = (link.rank(), link.size());
    let mut total = [0.0f64];
    if rank == 0 {
        let mut all = partials.to_vec();
        for (r, planes) in partition(slab.shape[2], size).into_iter().enumerate().skip(1) {
            let mut theirs = vec![0.0f64; planes.len()];
            link.recv(r, bytemuck::cast_slice_mut(&mut theirs));
            all.extend(theirs);
        }
        total[0] = sum_in_order(&all);
        for r in 1..size {
            link.send(r, bytemuck::cast_slice(&total[..]));
        }
    } else {
        link.send(0, bytemuck::cast_slice(partials));
        link.recv(0, bytemuck::cast_slice_mut(&mut total[..]));
    }
    total[0]
}

#[cfg(test)]
mod tests {
    use super::super::Team;
    use super::*;

    #[test]
    fn grid_sums_are_those_of_one_process_on_every_rank() {
        let shape = [2, 2, 13];
        // Magnitudes far apart: a different order of additions would round differently.
        let partials: Vec<f64> =
            (0..13).map(|k| (k as f64 * 1.7).exp() * if k % 2 == 0 { 1.0 } else { -0.3 } + 0.1).collect();
        let want = sum_in_order(&partials);
        for size in [1, 2, 3, 5, 13] {
            let got = Team::run(size, |link| {
                let slab = Slab::of(shape, link.rank(), size).unwrap();
                sum_planes(link, &slab, &partials[slab.planes.clone()])
            });
            assert!(got.iter().all(|g| g.to_bits() == want.to_bits()), "{size} ranks: {got:?} against {want}");
        }
    }
}
