//! Halo exchange: each rank's halo planes get the edge planes its
//! neighbours own. Sends and receives go in an order by rank parity (even
//! ranks send first, odd ranks receive first), so that no rank waits on
//! another that waits on it even when every send waits for its receive.

use super::{Link, Slab};

/// Fill the halo planes of `held` (the slab's held planes) from the
/// neighbouring ranks, and send them this rank's edge planes.
pub fn exchange(link: &dyn Link, slab: &Slab, held: &mut [f32]) {
    let p = slab.plane();
    let (owned, rank) = (slab.owned(), link.rank());
    let even = rank.is_multiple_of(2);
    let top = owned.end - p..owned.end;
    let bottom = owned.start..owned.start + p;
    let below_halo = 0..p;
    let above_halo = owned.end..owned.end + p;
    // Upwards: the top owned plane to the rank above.
    let send_up = |held: &[f32]| link.send(rank + 1, bytemuck::cast_slice(&held[top.clone()]));
    let recv_below = |held: &mut [f32]| link.recv(rank - 1, bytemuck::cast_slice_mut(&mut held[below_halo.clone()]));
    // Downwards: the bottom owned plane to the rank below.
    let send_down = |held: &[f32]| link.send(rank - 1, bytemuck::cast_slice(&held[bottom.clone()]));
    let recv_above = |held: &mut [f32]| link.recv(rank + 1, bytemuck::cast_slice_mut(&mut held[above_halo.clone()]));
    if even {
        if slab.above {
            send_up(held);
        }
        if slab.below {
            recv_below(held);
            send_down(held);
        }
        if slab.above {
            recv_above(held);
        }
    } else {
        // An odd rank always has a rank below.
        recv_below(held);
        if slab.above {
            send_up(held);
            recv_above(held);
        }
        send_down(held);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Team;
    use super::*;

    #[test]
    fn halos_hold_the_neighbours_edge_planes() {
        let shape = [3, 2, 9];
        let whole: Vec<f32> = (0..3 * 2 * 9).map(|i| i as f32).collect();
        for size in 1..=5 {
            let ok = Team::run(size, |link| {
                let slab = Slab::of(shape, link.rank(), size).unwrap();
                let mut held = slab.cut(&whole);
                let owned = slab.owned();
                held[..owned.start].fill(-1.0);
                held[owned.end..].fill(-1.0);
                exchange(link, &slab, &mut held);
                held == slab.cut(&whole)
            });
            assert!(ok.iter().all(|&b| b), "{size} ranks: {ok:?}");
        }
    }
}
