//! Parallel recurrences along the slowest axis. A field stored plane after
//! plane is cut into blocks of columns (the same range of in-plane indices
//! in every plane); each block is handed to one task, which may read and
//! write its own range of any plane. Blocks never share an index, so the
//! recurrence runs once per block over all planes without synchronising
//! after every plane, and a block's arithmetic does not depend on how many
//! threads there are.

use rayon::prelude::*;
use std::marker::PhantomData;
use std::ops::Range;

/// Values per block and plane: a block's share of the field (`count`
/// planes deep) should stay in a core's cache between the forward and the
/// backward pass. A multiple of 16 keeps rows aligned for vector loads.
pub fn block_width(plane: usize, count: usize) -> usize {
    const CACHE_BYTES: usize = 256 * 1024;
    let w = (CACHE_BYTES / (4 * count.max(1))).max(64) / 16 * 16;
    w.min(plane)
}

/// One block of columns: the in-plane `range` of every plane of the field.
pub struct Columns<'a> {
    ptr: *mut f32,
    plane: usize,
    count: usize,
    range: Range<usize>,
    _field: PhantomData<&'a mut [f32]>,
}

impl Columns<'_> {
    /// First in-plane index of this block.
    pub fn start(&self) -> usize {
        self.range.start
    }

    /// Flat index of this block's row in plane `b`.
    pub fn offset(&self, b: usize) -> usize {
        b * self.plane + self.range.start
    }

    /// This block's row of plane `b`.
    pub fn row(&mut self, b: usize) -> &mut [f32] {
        assert!(b < self.count);
        // SAFETY: `b < count`, so the row lies inside the field; no other
        // `Columns` covers `range` (see `for_each_block`), and `&mut self`
        // keeps this block from lending the row twice.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(self.offset(b)), self.range.len()) }
    }

    /// This block's rows of planes `a` (read) and `b` (written), `a ≠ b`.
    pub fn pair(&mut self, a: usize, b: usize) -> (&[f32], &mut [f32]) {
        assert!(a != b && a < self.count && b < self.count);
        let len = self.range.len();
        // SAFETY: both rows lie inside the field and do not overlap (different
        // planes); no other `Columns` covers `range`, and `&mut self` keeps
        // this block from lending them again while they are borrowed.
        unsafe {
            (
                std::slice::from_raw_parts(self.ptr.add(self.offset(a)), len),
                std::slice::from_raw_parts_mut(self.ptr.add(self.offset(b)), len),
            )
        }
    }
}

/// The field's base address, shared by tasks that touch disjoint indices.
#[derive(Clone, Copy)]
struct Base(*mut f32);
// SAFETY: tasks only reach the field through `Columns` of disjoint ranges.
unsafe impl Send for Base {}
unsafe impl Sync for Base {}

impl Base {
    /// Through a method, so closures capture the whole `Base` (Sync), not its field.
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// Run `f` on every block of `width` columns of `data` (planes of `plane`
/// values), in parallel.
pub fn for_each_block(data: &mut [f32], plane: usize, width: usize, f: impl Fn(Columns) + Sync) {
    let mut none: [f32; 0] = [];
    for_each_block_pair(data, &mut none, plane, width, |a, _| f(a));
}

/// [`for_each_block`] over two arrays with the same plane size (the
/// second may be empty): each task gets the same columns of both.
pub fn for_each_block_pair(
    a: &mut [f32],
    b: &mut [f32],
    plane: usize,
    width: usize,
    f: impl Fn(Columns, Columns) + Sync,
) {
    assert!(plane > 0 && width > 0 && a.len().is_multiple_of(plane) && b.len().is_multiple_of(plane));
    let (count_a, count_b) = (a.len() / plane, b.len() / plane);
    let (base_a, base_b) = (Base(a.as_mut_ptr()), Base(b.as_mut_ptr()));
    (0..plane.div_ceil(width)).into_par_iter().for_each(|i| {
        let range = i * width..((i + 1) * width).min(plane);
        let cols = |base: Base, count: usize| Columns {
            ptr: base.get(),
            plane,
            count,
            range: range.clone(),
            _field: PhantomData,
        };
        f(cols(base_a, count_a), cols(base_b, count_b));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_value_once() {
        let (plane, count) = (1000, 7);
        let mut data = vec![0.0f32; plane * count];
        for_each_block(&mut data, plane, 96, |mut c| {
            for b in 0..count {
                c.row(b).iter_mut().for_each(|v| *v += 1.0);
            }
        });
        assert!(data.iter().all(|&v| v == 1.0));
    }

    #[test]
    fn width_fits_cache_and_plane() {
        assert_eq!(block_width(10_000, 100), 640);
        assert_eq!(block_width(50, 100), 50);
        assert_eq!(block_width(1 << 20, 100_000), 64);
    }
}
