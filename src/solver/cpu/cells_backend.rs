//! The CPU backend's cell state: linked fields are copied into `ext`, the
//! kernels of `cells.rs` run, and the fields are copied back (as on the GPU).

use super::cells::{KineticsCall, irradiate, kinetics, oxygen_rate, spread};
use crate::solver::{CellPlan, Plan};
use crate::world::World;

pub struct CellsCpu {
    plan: CellPlan,
    pub state: Vec<f32>,
    /// Spread output, swapped with `state`.
    scratch: Vec<f32>,
    ext: Vec<f32>,
    mask: Option<Vec<u32>>,
    /// The regions' oxygen consumption per voxel (`coeffs::oxygen_base`).
    o2_base: Vec<f32>,
    /// Per voxel (excess, N) of the spread.
    excess: Vec<(f32, f32)>,
}

impl CellsCpu {
    /// Transport species linked as oxygen.
    pub fn oxygen(&self) -> Option<usize> {
        self.plan.ext_species[0]
    }

    pub fn new(plan: &Plan, world: &World) -> Option<CellsCpu> {
        let (cp, data) = (plan.cells.as_ref()?, world.cells.as_ref()?);
        let n = plan.grid.len();
        Some(CellsCpu {
            plan: cp.clone(),
            state: data.initial.clone(),
            scratch: if cp.spread_substeps > 0 { vec![0.0; data.initial.len()] } else { Vec::new() },
            ext: vec![0.0; cp.kinetics.layout.ext() * n],
            mask: data.mask.clone(),
            o2_base: crate::solver::coeffs::oxygen_base(plan, data),
            excess: if cp.spread_substeps > 0 { vec![(0.0, 0.0); n] } else { Vec::new() },
        })
    }

    fn gather(&mut self, fields: &[Vec<f32>]) {
        let n = self.ext.len() / self.plan.ext_species.len();
        for (slot, s) in self.plan.ext_species.iter().enumerate() {
            if let Some(s) = s {
                self.ext[slot * n..(slot + 1) * n].copy_from_slice(&fields[*s]);
            }
        }
    }

    fn scatter(&self, fields: &mut [Vec<f32>]) {
        let n = self.ext.len() / self.plan.ext_species.len();
        for (slot, s) in self.plan.ext_species.iter().enumerate() {
            if let Some(s) = s {
                fields[*s].copy_from_slice(&self.ext[slot * n..(slot + 1) * n]);
            }
        }
    }

    /// The kinetics, then the oxygen consumption rate (`o2_rate`, the
    /// oxygen species' `dt·V` per voxel) from the new live density.
    pub fn kinetics(&mut self, fields: &mut [Vec<f32>], trigger_on: u32, o2_rate: &mut [f32]) {
        self.gather(fields);
        let call = KineticsCall {
            layout: self.plan.kinetics.layout,
            params: &self.plan.kinetics.params,
            h: self.plan.h as f32,
            substeps: self.plan.substeps,
            trigger_on,
        };
        kinetics(&mut self.ext, &mut self.state, self.mask.as_deref(), &call);
        self.scatter(fields);
        oxygen_rate(&self.state, &self.o2_base, o2_rate, self.plan.kinetics.layout, self.plan.o2_dt_rate);
    }

    pub fn irradiate(&mut self, fields: &mut [Vec<f32>], dose: f32) {
        self.gather(fields);
        let [oer_max, oer_k] = self.plan.oer;
        irradiate(
            &mut self.ext,
            &mut self.state,
            self.plan.kinetics.layout,
            &self.plan.kinetics.params,
            [dose, oer_max, oer_k],
        );
        self.scatter(fields);
    }

    pub fn spread(&mut self, shape: [usize; 3]) {
        let p = &self.plan;
        if self.scratch.len() != self.state.len() {
            self.scratch = vec![0.0; self.state.len()];
        }
        let n = shape.iter().product();
        if self.excess.len() != n {
            self.excess = vec![(0.0, 0.0); n];
        }
        let (nmax, thr, r) = (p.max_density, p.threshold, p.spread_r);
        spread(&self.state, &mut self.scratch, p.kinetics.layout, shape, nmax, thr, r, &mut self.excess);
        std::mem::swap(&mut self.state, &mut self.scratch);
    }
}
