//! Fused passes of the CPU multigrid: a sequence of stages run over the
//! planes of a level in one sweep of the memory, stage `s` at plane `k`
//! as soon as stage `s − 1` is done at planes `k − 1 ..= k + 1` (the
//! planes its 7-point stencil reads), so that the planes a stage reads
//! are still in cache from the stage before. Each cell gets the same value
//! as when the stages run one after the other over the whole level.

use rayon::prelude::*;
use std::ops::Range;

/// Run `task(s, k)` for every stage `s < stages` and plane `k < nz`, each
/// after the tasks `(s − 1, k − 1 ..= k + 1)` and before `(s + 1, k − 1
/// ..= k + 1)`. This is all the ordering a stage needs when its task at
/// plane `k` writes only plane `k` and reads only planes `k − 1 ..= k + 1`
/// of what the stage before wrote; a red–black half-sweep also needs the
/// second half (its writes are read by the previous stage's tasks at
/// `k ± 1`). Tasks run concurrently only when neither must follow the
/// other.
///
/// With `parts > 1` the planes are cut into up to `parts` slabs at even
/// planes, at least `2·stages + 2` planes each: first every slab runs in
/// parallel the tasks needing no plane of another slab (stage `s` on the
/// slab less `s` planes at each inner end), then the tasks left around
/// each cut, in parallel over the cuts. A stage whose task at plane `k`
/// adds into a buffer it shares with plane `k ^ 1` (the restriction)
/// must have an even index: planes `2m` and `2m + 1` then fall in the
/// same slab or the same cut, and run in that order.
pub fn wavefront(nz: usize, stages: usize, parts: usize, task: impl Fn(usize, usize) + Sync) {
    let parts = parts.min(nz / (2 * stages + 2)).max(1);
    if parts == 1 {
        ordered(stages, |_| 0..nz, &task);
        return;
    }
    let cut = |p: usize| if p == parts { nz } else { (p * nz / parts) & !1 };
    (0..parts).into_par_iter().for_each(|p| {
        let (a, b) = (cut(p), cut(p + 1));
        let lo = |s: usize| if p > 0 { a + s } else { a };
        let hi = |s: usize| if p + 1 < parts { b - s } else { b };
        ordered(stages, |s| lo(s)..hi(s).max(lo(s)), &task);
    });
    (1..parts).into_par_iter().for_each(|p| {
        let b = cut(p);
        ordered(stages, |s| b - s..b + s, &task);
    });
}

/// The tasks `(s, k)` with `k` in `planes(s)`, in the order of `k + s`,
/// then of `s`: an order in which every task follows those it needs.
fn ordered(stages: usize, planes: impl Fn(usize) -> Range<usize>, task: &impl Fn(usize, usize)) {
    let ranges: Vec<Range<usize>> = (0..stages).map(planes).collect();
    let end = ranges.iter().enumerate().map(|(s, r)| r.end + s).max().unwrap_or(0);
    let start = ranges.iter().enumerate().map(|(s, r)| r.start + s).min().unwrap_or(0);
    for t in start..end {
        for (s, r) in ranges.iter().enumerate() {
            if t >= s && r.contains(&(t - s)) {
                task(s, t - s);
            }
        }
    }
}
