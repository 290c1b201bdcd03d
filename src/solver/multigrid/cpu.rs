//! CPU twins of the kernels in `shaders/multigrid.wgsl`: the same arithmetic in
//! the same order (the finest residual and update in f64 where the GPU
//! sums exactly in integers). Results do not depend on the thread count:
//! every cell is computed independently, and the residual norm adds
//! per-plane partial sums in plane order.
//!
//! The kernels run fused: each composite step of the cycle (`presmooth`,
//! `postsmooth`, `postsmooth_update` of [`Engine`]) is one pass over the
//! level's planes in which every stage follows the one before a plane
//! behind (`wavefront.rs`), so a plane is read from memory once per pass
//! rather than once per kernel; each cell gets the value the kernels one
//! after the other give, bit for bit. Rows run as vectorised loops over
//! their inner cells (`cpu_inner.rs`) and scalar code for their two ends
//! (`cpu_rows.rs`).

use super::cpu_inner::Split;
use super::cpu_rows::{self as rows, Cells, Weights};
use super::cycle::Engine;
use super::levels::Hierarchy;
use super::wavefront::wavefront;
use crate::Result;
use rayon::prelude::*;

/// Cells below which a parallel loop runs on one thread: on small (coarse)
/// levels the work is smaller than the cost of waking another.
pub const MIN_PARALLEL: usize = 16_384;

/// The least number of chunks of `len` cells a parallel job takes.
#[inline]
pub fn min_chunks(len: usize) -> usize {
    (MIN_PARALLEL / len.max(1)).max(1)
}

/// One stage of a fused pass over a level.
#[derive(Clone, Copy)]
enum Stage {
    /// A Gauss–Seidel half-sweep of one colour; `from_zero`: the first
    /// after `e = 0`, which it sets.
    Smooth { colour: u32, from_zero: bool },
    /// The residual summed into the coarser level's right side.
    Restrict,
    /// `e += P e_coarse`.
    Prolong,
    /// `u += e` (finest level).
    Correct,
    /// The exact residual (finest level) and its `Σ r²` per plane.
    Residual,
}

/// The multigrid kernels on the host, owning the hierarchy they solve on.
pub struct CpuEngine {
    h: Hierarchy,
    /// Correction per level.
    e: Vec<Vec<f32>>,
    /// Right side per level; level 0 holds the exact residual.
    rhs: Vec<Vec<f32>>,
    /// Finest solution `[hi, lo]`.
    sol: Vec<[f32; 2]>,
    /// Each level's coefficients as the kernels read them, rebuilt after
    /// [`CpuEngine::hierarchy_mut`] (`stale`).
    split: Vec<Split>,
    stale: bool,
    /// Prolongation weights onto each level but the coarsest.
    weights: Vec<Weights>,
    /// `Σ r²` of each finest plane.
    partial: Vec<f64>,
}

impl CpuEngine {
    pub fn new(h: Hierarchy) -> CpuEngine {
        let e: Vec<Vec<f32>> = h.levels.iter().map(|l| vec![0.0; l.len()]).collect();
        CpuEngine {
            rhs: e.clone(),
            e,
            sol: h.start.iter().map(|&p| [p, 0.0]).collect(),
            split: h.levels.iter().map(Split::new).collect(),
            stale: false,
            weights: h.levels.windows(2).map(|w| rows::weights(w[0].shape, w[1].shape, h.dirichlet)).collect(),
            partial: vec![0.0; h.levels[0].shape[2]],
            h,
        }
    }

    pub fn hierarchy(&self) -> &Hierarchy {
        &self.h
    }

    /// The hierarchy, to change its finest right side or its sink.
    pub fn hierarchy_mut(&mut self) -> &mut Hierarchy {
        self.stale = true;
        &mut self.h
    }

    /// The finest right side `f`, to replace it: the operator stays as it
    /// is (the kernels' copy of the coefficients is kept).
    pub fn rhs_mut(&mut self) -> &mut Vec<f32> {
        &mut self.h.rhs
    }

    /// [`Hierarchy::set_sink`], and the kernels' copy of the coefficients
    /// rebuilt before the next pass.
    pub fn set_sink(&mut self, fine: &[f32]) {
        self.h.set_sink(fine);
        self.stale = true;
    }

    /// The solution rounded once to f32 (`hi + lo` in f64), as the pressure
    /// solve returns it.
    pub fn solution_f64_rounded(&self) -> Vec<f32> {
        self.sol.iter().map(|&[hi, lo]| (hi as f64 + lo as f64) as f32).collect()
    }

    /// Solution words `[hi, lo]` of every finest cell.
    pub fn solution(&self) -> &[[f32; 2]] {
        &self.sol
    }

    /// Replace the solution words `[hi, lo]` of every finest cell
    /// (`words` holds them in pairs).
    pub fn set_solution_words(&mut self, words: &[f32]) {
        self.sol.iter_mut().zip(words.chunks_exact(2)).for_each(|(s, w)| *s = [w[0], w[1]]);
    }

    /// Replace negative solution values by zero.
    pub fn clamp_solution(&mut self) {
        self.sol.par_iter_mut().with_min_len(MIN_PARALLEL).for_each(|p| {
            if p[0] as f64 + (p[1] as f64) < 0.0 {
                *p = [0.0, 0.0];
            }
        });
    }

    /// Start from `u` (`lo = 0`).
    pub fn set_solution(&mut self, u: &[f32]) {
        self.sol.par_iter_mut().zip(u.par_iter()).with_min_len(MIN_PARALLEL).for_each(|(s, &v)| *s = [v, 0.0]);
    }

    /// Run `stages` over `level` in one pass.
    fn pass(&mut self, level: usize, stages: &[Stage]) {
        if self.stale {
            self.split.iter_mut().zip(&self.h.levels).for_each(|(sp, lv)| sp.refresh(lv));
            self.stale = false;
        }
        let lv = &self.h.levels[level];
        let shape = lv.shape;
        let [nx, ny, nz] = shape;
        let sp = &self.split[level];
        let nc = self.h.levels.get(level + 1).map_or([1; 3], |l| l.shape);
        let (e_fine, e_coarse) = self.e.split_at_mut(level + 1);
        let e = Cells::new(&mut e_fine[level]);
        let e_coarse: &[f32] = e_coarse.first().map_or(&[], |v| v);
        let (r_fine, r_coarse) = self.rhs.split_at_mut(level + 1);
        let rhs = Cells::new(&mut r_fine[level]);
        let r_coarse = Cells::new(r_coarse.first_mut().map_or(&mut [][..], |v| &mut v[..]));
        let w = self.weights.get(level);
        let (sol, f) = (Cells::new(&mut self.sol), &self.h.rhs[..]);
        let partial = Cells::new(&mut self.partial);
        let parts = rayon::current_num_threads().min(lv.len() / MIN_PARALLEL).max(1);
        wavefront(nz, stages.len(), parts, |s, k| {
            let plane = nx * ny * k;
            let mut tmp = Vec::new();
            // SAFETY: `wavefront` runs the task of stage `s` at plane `k` after
            // those of stage `s − 1` at planes `k − 1 ..= k + 1` and before those
            // of stage `s + 1` there, concurrently only with tasks two planes or
            // more away. A task writes only plane `k` of its level (and the
            // coarse plane `k / 2`, whose two fine planes `wavefront` runs in
            // order in one thread) and reads planes `k − 1 ..= k + 1`: no task
            // reads a cell while another writes it, and each reads the values of
            // the stages before it.
            unsafe {
                match stages[s] {
                    Stage::Smooth { colour, from_zero } => {
                        for j in 0..ny {
                            rows::smooth_row(sp, rhs, e, shape, [j, k], colour, from_zero, &mut tmp);
                        }
                    }
                    Stage::Restrict => {
                        let (kc, cplane) = (k / 2, nc[0] * nc[1]);
                        if k % 2 == 0 {
                            r_coarse.slice_mut(cplane * kc, cplane).fill(0.0);
                        }
                        for j in 0..ny {
                            let out = nc[0] * (j / 2 + nc[1] * kc);
                            rows::restrict_row(sp, rhs, e, shape, [j, k], r_coarse, out, &mut tmp);
                        }
                    }
                    Stage::Prolong => {
                        let w = w.expect("a coarser level to prolong from");
                        for j in 0..ny {
                            rows::prolong_row(e_coarse, shape, nc, w, e, j, k, &mut tmp);
                        }
                    }
                    Stage::Correct => {
                        let (sol, e) = (sol.slice_mut(plane, nx * ny), e.slice(plane, nx * ny));
                        for (p, &e) in sol.iter_mut().zip(e) {
                            *p = rows::correct_cell(*p, e);
                        }
                    }
                    Stage::Residual => {
                        let mut sum = 0.0f64;
                        for j in 0..ny {
                            rows::residual_exact_row(sp, sol, f, shape, [j, k], rhs, &mut sum);
                        }
                        partial.set(k, sum);
                    }
                }
            }
        });
    }

    /// The stages of [`Engine::postsmooth`].
    fn post_stages(sweeps: usize) -> Vec<Stage> {
        let smooth = (0..2 * sweeps).map(|h| Stage::Smooth { colour: 1 - (h % 2) as u32, from_zero: false });
        std::iter::once(Stage::Prolong).chain(smooth).collect()
    }
}

impl Engine for CpuEngine {
    fn levels(&self) -> usize {
        self.h.levels.len()
    }

    fn smooth(&mut self, level: usize, colour: u32) {
        self.pass(level, &[Stage::Smooth { colour, from_zero: false }]);
    }

    fn clear(&mut self, level: usize) {
        self.e[level].fill(0.0);
    }

    fn restrict(&mut self, level: usize) {
        self.pass(level, &[Stage::Restrict]);
    }

    fn prolong(&mut self, level: usize) {
        self.pass(level, &[Stage::Prolong]);
    }

    fn residual(&mut self) -> Result<f64> {
        self.pass(0, &[Stage::Residual]);
        Ok(self.partial.iter().sum())
    }

    fn correct(&mut self) {
        self.pass(0, &[Stage::Correct]);
    }

    fn presmooth(&mut self, level: usize, sweeps: usize, restrict: bool) {
        let smooth = (0..2 * sweeps).map(|h| Stage::Smooth { colour: (h % 2) as u32, from_zero: h == 0 });
        let stages: Vec<Stage> = smooth.chain(restrict.then_some(Stage::Restrict)).collect();
        if sweeps == 0 {
            self.clear(level);
        }
        self.pass(level, &stages);
    }

    fn postsmooth(&mut self, level: usize, sweeps: usize) {
        self.pass(level, &Self::post_stages(sweeps));
    }

    fn postsmooth_update(&mut self, sweeps: usize) -> Result<f64> {
        let mut stages = Self::post_stages(sweeps);
        stages.extend([Stage::Correct, Stage::Residual]);
        self.pass(0, &stages);
        Ok(self.partial.iter().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::super::cycle::{POST_SWEEPS, PRE_SWEEPS, vcycle};
    use super::super::{FaceBc, Problem};
    use super::*;
    use crate::grid::Grid;

    /// A problem on an odd shape with contrasts, sinks, held voxels and
    /// Dirichlet faces, large enough for several slabs per pass.
    fn problem() -> Problem {
        let shape = [37, 22, 61];
        let n = shape.iter().product();
        let mut p = Problem::uniform(Grid::new(shape, 10.0), 7000.0);
        for i in 0..n {
            p.conductivity[i] = if (i * 7) % 11 < 4 { 3500.0 } else { 7000.0 };
            p.sink[i] = ((i * 13) % 5) as f32 * 0.3;
            p.source[i] = ((i * 104_729) % 17) as f32 - 8.0;
        }
        let held = (0..n).map(|i| if i % 97 == 0 { 2.0 } else { f32::NAN }).collect();
        p.held = Some(held);
        p.faces[0] = FaceBc::Dirichlet(1.0);
        p.faces[5] = FaceBc::Dirichlet(-1.0);
        p
    }

    /// The V-cycle as single kernels, one pass each, in the order of the
    /// trait's default composite steps.
    fn vcycle_unfused(e: &mut CpuEngine) -> f64 {
        let n = e.levels();
        for level in 0..n {
            e.clear(level);
            let sweeps = if level + 1 == n { super::super::cycle::COARSEST_SWEEPS } else { PRE_SWEEPS };
            for _ in 0..sweeps {
                e.smooth(level, 0);
                e.smooth(level, 1);
            }
            if level + 1 < n {
                e.restrict(level);
            }
        }
        for level in (0..n - 1).rev() {
            e.prolong(level);
            for _ in 0..POST_SWEEPS {
                e.smooth(level, 1);
                e.smooth(level, 0);
            }
        }
        e.correct();
        e.residual().unwrap()
    }

    #[test]
    fn fused_passes_give_the_single_kernels_values_bit_for_bit() {
        let h = Hierarchy::build(&problem(), None).unwrap();
        let (mut fused, mut single) = (CpuEngine::new(h.clone()), CpuEngine::new(h));
        assert_eq!(fused.residual().unwrap().to_bits(), single.residual().unwrap().to_bits());
        for _ in 0..4 {
            let (a, b) = (vcycle(&mut fused).unwrap(), vcycle_unfused(&mut single));
            assert_eq!(a.to_bits(), b.to_bits());
            assert!(fused.solution() == single.solution());
        }
        // A new sink reaches the kernels' copy of the coefficients.
        for e in [&mut fused, &mut single] {
            let sink = vec![0.5; e.hierarchy().levels[0].len()];
            e.hierarchy_mut().set_sink(&sink);
        }
        assert_eq!(vcycle(&mut fused).unwrap().to_bits(), vcycle_unfused(&mut single).to_bits());
    }
}
