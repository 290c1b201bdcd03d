//! The coupled solver on the host: the linearisation of every finest row
//! (twin of `coupled_linearise`), the multigrid of `multigrid::CpuEngine`,
//! and the store back into the field (twin of `coupled_store`). Planes in
//! parallel; sums in plane order, so results do not depend on the thread
//! count.

use super::{Linearisation, Newton, Rates, Row, SolveLimits, SolveStats, linearise};
use crate::Result;
use crate::solver::multigrid::{
    CpuEngine, Engine, HELD, Hierarchy, MIN_PARALLEL, Problem, iterate, iterate_from, min_chunks,
};
use rayon::prelude::*;

/// One coupled species' hierarchy and rates.
pub struct CoupledCpu {
    engine: CpuEngine,
    rates: Rates,
    /// Fine sink `a·V` of the current linearisation.
    sink: Vec<f32>,
    plane: usize,
    volume: f32,
    what: String,
    /// A step has been solved: its refined solution starts the next.
    stepped: bool,
    /// The hierarchy holds the diagonals of `sink`.
    sink_set: bool,
}

impl CoupledCpu {
    pub fn new(problem: &Problem, rates: Rates, what: &str) -> Result<CoupledCpu> {
        problem.validate()?;
        let h = Hierarchy::build(problem, None)?;
        let n = problem.grid.len();
        Ok(CoupledCpu {
            engine: CpuEngine::new(h),
            rates,
            sink: vec![0.0; n],
            plane: problem.grid.shape[0] * problem.grid.shape[1],
            volume: problem.grid.voxel_volume() as f32,
            what: what.to_string(),
            stepped: false,
            sink_set: false,
        })
    }

    /// Linearise every finest row about `field`; rebuild the diagonals
    /// where the sink differs from the last linearisation's (between steps
    /// of the same length without consumption it does not: the hierarchy's
    /// coarse sinks and the kernels' coefficients are then kept, the same
    /// values as rebuilt); start the solution at `field` when `restart`
    /// (else keep the refined `hi + lo` solution of the last solve);
    /// returns `‖f‖₂` over counted rows.
    fn linearise(&mut self, field: &[f32], vmax: Option<&[f32]>, p: &Linearisation, restart: bool) -> f64 {
        let plane = self.plane;
        let r = &self.rates;
        let mut f = std::mem::take(self.engine.rhs_mut());
        let mut sink = std::mem::take(&mut self.sink);
        let h = self.engine.hierarchy();
        let (fixed, rhs_fixed) = (&h.levels[0].fixed, &h.rhs_fixed);
        let partial: Vec<(f64, bool)> = f
            .par_chunks_mut(plane)
            .zip(sink.par_chunks_mut(plane))
            .with_min_len(min_chunks(plane))
            .enumerate()
            .map(|(k, (f, a))| {
                let (mut s, mut changed) = (0.0f64, false);
                for o in 0..f.len() {
                    let i = k * plane + o;
                    let row = Row {
                        c: field[i],
                        sink: r.sink[i],
                        gain: r.gain[i],
                        inflow: r.inflow.get(i).copied().unwrap_or(0.0),
                        vmax: vmax.map_or(0.0, |v| v[i]),
                        fixed: fixed[i],
                        rhs_fixed: rhs_fixed[i],
                    };
                    let (ai, fi) = linearise(row, p);
                    changed |= a[o].to_bits() != ai.to_bits();
                    a[o] = ai;
                    f[o] = fi;
                    if fixed[i] != HELD && !(ai == 0.0 && fixed[i] < 0.0) {
                        s += (fi as f64) * (fi as f64);
                    }
                }
                (s, changed)
            })
            .collect();
        *self.engine.rhs_mut() = f;
        if !self.sink_set || partial.iter().any(|&(_, c)| c) {
            self.engine.set_sink(&sink);
            self.sink_set = true;
        }
        self.sink = sink;
        if restart {
            self.engine.set_solution(field);
        }
        partial.iter().map(|&(s, _)| s).sum::<f64>().sqrt()
    }

    /// The solution back into `field`, clamped at zero (held voxels keep
    /// their value). Twin of `coupled_store`.
    fn store(&self, field: &mut [f32]) {
        let fixed = &self.engine.hierarchy().levels[0].fixed;
        let sol = self.engine.solution();
        field.par_iter_mut().zip(sol.par_iter()).zip(fixed.par_iter()).with_min_len(MIN_PARALLEL).for_each(
            |((c, &[hi, lo]), &fx)| {
                if fx != HELD {
                    *c = (hi + lo).max(0.0);
                }
            },
        );
    }

    /// One backward-Euler step of `h` min from `field` (updated in place):
    /// `vmax` the consumption's maximum rate per voxel, `plasma` the
    /// step's mean plasma level.
    pub fn step(
        &mut self,
        field: &mut [f32],
        vmax: Option<&[f32]>,
        half_saturation: f32,
        h: f64,
        plasma: f32,
        limits: SolveLimits,
    ) -> Result<SolveStats> {
        let p = Linearisation { alpha: (1.0 / h) as f32, plasma, half_saturation, volume: self.volume, newton: false };
        let norm = self.linearise(field, vmax, &p, !self.stepped);
        let (cycles, residual) = iterate(&mut self.engine, norm, limits.tolerance, limits.max_cycles, &self.what)?;
        self.stepped = true;
        self.store(field);
        Ok(SolveStats { cycles, iterations: 1, residual })
    }

    /// The refined solution `[hi, lo]` per voxel that starts the next step,
    /// once a step has been solved.
    pub fn warm_start(&self) -> Option<Vec<f32>> {
        self.stepped.then(|| self.engine.solution().iter().flatten().copied().collect())
    }

    /// Start the next step from `words` (`[hi, lo]` per voxel), or from the
    /// field (`None`), as [`CoupledCpu::warm_start`] gave them.
    pub fn set_warm_start(&mut self, words: Option<&[f32]>) {
        if let Some(w) = words {
            self.engine.set_solution_words(w);
        }
        self.stepped = words.is_some();
    }

    /// The steady state at plasma level `plasma`, from `field` (updated in
    /// place).
    pub fn steady(
        &mut self,
        field: &mut [f32],
        vmax: Option<&[f32]>,
        half_saturation: f32,
        plasma: f32,
        limits: SolveLimits,
    ) -> Result<SolveStats> {
        let p = Linearisation { alpha: 0.0, plasma, half_saturation, volume: self.volume, newton: true };
        let mut newton = Newton::new(limits);
        loop {
            let norm = self.linearise(field, vmax, &p, newton.first());
            let r0 = self.engine.residual()?.sqrt();
            let Some(target) = newton.next(norm, r0, &self.what)? else { return Ok(newton.stats) };
            let (cycles, _) = iterate_from(&mut self.engine, r0, norm, target, limits.max_cycles, &self.what)?;
            self.engine.clamp_solution();
            self.store(field);
            newton.done(cycles);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::solver::multigrid::FaceBc;

    /// A small heterogeneous species with a sink, supply, inflow and a
    /// consumption in part of the grid.
    fn solver() -> CoupledCpu {
        let shape = [9, 7, 6];
        let n: usize = shape.iter().product();
        let mut p = Problem::uniform(Grid::new(shape, 10.0), 500.0);
        p.faces = [FaceBc::ZeroFlux; 6];
        for i in 0..n {
            p.conductivity[i] = if i % 3 == 0 { 250.0 } else { 500.0 };
        }
        let rates = Rates {
            sink: (0..n).map(|i| 0.01 * (i % 5) as f32).collect(),
            gain: (0..n).map(|i| if i % 7 == 0 { 0.3 } else { 0.0 }).collect(),
            inflow: (0..n).map(|i| if i % 11 == 0 { 2.0 } else { 0.0 }).collect(),
        };
        CoupledCpu::new(&p, rates, "test species").unwrap()
    }

    #[test]
    fn steps_that_keep_the_diagonals_give_the_values_of_steps_that_rebuild_them() {
        let n = 9 * 7 * 6;
        let vmax: Vec<f32> = (0..n).map(|i| if i % 4 == 0 { 0.5 } else { 0.0 }).collect();
        let (mut kept, mut rebuilt) = (solver(), solver());
        let mut fields: [Vec<f32>; 2] = std::array::from_fn(|_| (0..n).map(|i| (i % 13) as f32 * 0.1).collect());
        let limits = SolveLimits::new(1e-7);
        // Steps of one length without consumption keep the sink; a new
        // length or a consumption changes it.
        for (h, consumption) in [(1.0, false), (1.0, false), (1.0, false), (0.5, false), (0.5, true), (0.5, false)] {
            let v = consumption.then_some(&vmax[..]);
            rebuilt.sink_set = false;
            let a = kept.step(&mut fields[0], v, 1.0, h, 1.5, limits).unwrap();
            let b = rebuilt.step(&mut fields[1], v, 1.0, h, 1.5, limits).unwrap();
            assert_eq!(a, b);
            assert!(fields[0] == fields[1], "step of {h} min: the fields differ");
        }
        assert!(fields[0].iter().any(|&c| c != fields[0][0]), "the steps did nothing");
    }
}
