//! The CPU backend's cell state. The kernels of `cells.rs` read and write
//! the linked transport fields in place (the GPU copies them into `ext` and
//! back); `ext` holds the slots that no species fills, and copies of a
//! species linked to more than one slot.

use super::cells::{KineticsCall, OxygenRate, irradiate, kinetics, spread};
use crate::solver::{CellPlan, Plan};
use crate::world::World;

pub struct CellsCpu {
    plan: CellPlan,
    pub state: Vec<f32>,
    /// Spread output, swapped with `state`.
    scratch: Vec<f32>,
    /// `Layout::ext` arrays: the values of the slots that read no field of
    /// their own (unlinked slots keep theirs from call to call).
    ext: Vec<f32>,
    /// Per slot, the species whose field the kernels use in place: linked
    /// to this slot alone.
    direct: Vec<Option<usize>>,
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

    /// The `Layout::ext` arrays (see [`crate::solver::BackendState::linked`]).
    pub fn linked(&self) -> &[f32] {
        &self.ext
    }

    pub fn linked_mut(&mut self) -> &mut [f32] {
        &mut self.ext
    }

    pub fn new(plan: &Plan, world: &World) -> Option<CellsCpu> {
        let (cp, data) = (plan.cells.as_ref()?, world.cells.as_ref()?);
        let n = plan.grid.len();
        Some(CellsCpu {
            plan: cp.clone(),
            state: data.initial.clone(),
            scratch: if cp.spread_substeps > 0 { vec![0.0; data.initial.len()] } else { Vec::new() },
            ext: vec![0.0; cp.kinetics.layout.ext() * n],
            direct: cp
                .ext_species
                .iter()
                .map(|s| s.filter(|s| cp.ext_species.iter().filter(|t| **t == Some(*s)).count() == 1))
                .collect(),
            mask: data.mask.clone(),
            o2_base: crate::solver::coeffs::oxygen_base(plan, data),
            excess: if cp.spread_substeps > 0 { vec![(0.0, 0.0); n] } else { Vec::new() },
        })
    }

    /// The `Layout::vars` rows the kernels read and write: per linked slot
    /// its species' field (in place) or its `ext` array (copied in first
    /// for a species linked to several slots), then the state arrays.
    fn rows<'a>(
        fields: &'a mut [Vec<f32>],
        plan: &CellPlan,
        direct: &[Option<usize>],
        ext: &'a mut [f32],
        state: &'a mut [f32],
    ) -> Vec<&'a mut [f32]> {
        let n = ext.len() / direct.len();
        for (slot, (s, d)) in plan.ext_species.iter().zip(direct).enumerate() {
            if let (Some(s), None) = (s, d) {
                ext[slot * n..(slot + 1) * n].copy_from_slice(&fields[*s]);
            }
        }
        let mut fields: Vec<Option<&mut [f32]>> = fields.iter_mut().map(|f| Some(&mut f[..])).collect();
        let mut rows: Vec<&mut [f32]> = Vec::with_capacity(plan.kinetics.layout.vars());
        for (d, slot) in direct.iter().zip(ext.chunks_mut(n)) {
            rows.push(match d {
                Some(s) => fields[*s].take().expect("a field linked once"),
                None => slot,
            });
        }
        rows.extend(state.chunks_mut(n));
        rows
    }

    /// Copy the `ext` arrays of species linked to several slots back, in
    /// slot order (the last slot's values win, as on the GPU).
    fn scatter(&self, fields: &mut [Vec<f32>]) {
        let n = self.ext.len() / self.direct.len();
        for (slot, (s, d)) in self.plan.ext_species.iter().zip(&self.direct).enumerate() {
            if let (Some(s), None) = (s, d) {
                fields[*s].copy_from_slice(&self.ext[slot * n..(slot + 1) * n]);
            }
        }
    }

    /// The kinetics, then the oxygen consumption rate (`o2_rate`, the
    /// oxygen species' `dt·V` per voxel) from the new live density.
    pub fn kinetics(&mut self, fields: &mut [Vec<f32>], trigger_on: u32, o2_rate: &mut [f32]) {
        let p = &self.plan;
        let call = KineticsCall {
            layout: p.kinetics.layout,
            params: &p.kinetics.params,
            h: p.h as f32,
            substeps: p.substeps,
            release_substeps: p.release_substeps,
            trigger_on,
        };
        let o2 = OxygenRate { base: &self.o2_base, out: o2_rate, dt_rate: p.o2_dt_rate };
        let rows = Self::rows(fields, p, &self.direct, &mut self.ext, &mut self.state);
        kinetics(rows, self.mask.as_deref(), &call, o2);
        self.scatter(fields);
    }

    pub fn irradiate(&mut self, fields: &mut [Vec<f32>], dose: f32) {
        let p = &self.plan;
        let [oer_max, oer_k] = p.oer;
        let rows = Self::rows(fields, p, &self.direct, &mut self.ext, &mut self.state);
        irradiate(rows, p.kinetics.layout, &p.kinetics.params, [dose, oer_max, oer_k]);
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
