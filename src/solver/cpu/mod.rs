//! The reference backend: plain Rust + rayon, f32, one array per field,
//! the same operators and arithmetic as the WGSL kernels.

mod explicit;
mod lod;
mod pointwise;

pub use explicit::explicit_substep;
pub use lod::{lod_sweep_x, lod_sweep_y, lod_sweep_z};
pub use pointwise::{apply_hold, apply_sources};

use super::{Backend, Plan};
use crate::world::{SpeciesData, World};
use crate::{Error, Result};

/// Fields and per-voxel data in host memory.
pub struct CpuBackend {
    plan: Plan,
    fields: Vec<Vec<f32>>,
    data: Vec<SpeciesData>,
    /// Output of explicit sub-steps, swapped with the field after each.
    scratch: Vec<f32>,
    /// One value per x line, for the x sweep's forward pass.
    line_scratch: Vec<f32>,
}

impl CpuBackend {
    pub fn new(plan: &Plan, world: &World) -> Self {
        let needs_scratch = plan.species.iter().any(|s| matches!(s.method, super::Method::Explicit { .. }));
        CpuBackend {
            plan: plan.clone(),
            fields: world.species.iter().map(|s| s.initial.clone()).collect(),
            data: world
                .species
                .iter()
                .map(|s| SpeciesData {
                    initial: Vec::new(),
                    src_add: s.src_add.clone(),
                    src_scale: s.src_scale.clone(),
                    hold: s.hold.clone(),
                })
                .collect(),
            scratch: if needs_scratch { vec![0.0; world.grid.len()] } else { Vec::new() },
            line_scratch: vec![0.0; world.grid.shape[1] * world.grid.shape[2]],
        }
    }
}

impl Backend for CpuBackend {
    fn kind(&self) -> &'static str {
        "cpu"
    }

    fn device_name(&self) -> String {
        format!("CPU, {} rayon threads", rayon::current_num_threads())
    }

    fn apply_sources(&mut self, s: usize) {
        if let (Some(a), Some(sc)) = (&self.data[s].src_add, &self.data[s].src_scale) {
            apply_sources(&mut self.fields[s], a, sc);
        }
    }

    fn lod_sweep(&mut self, s: usize, axis: usize) {
        let shape = self.plan.grid.shape;
        let co = &self.plan.species[s].lod[axis];
        let f = &mut self.fields[s];
        match axis {
            0 => lod_sweep_x(f, shape, co, &mut self.line_scratch),
            1 => lod_sweep_y(f, shape, co),
            _ => lod_sweep_z(f, shape, co),
        }
    }

    fn explicit_substep(&mut self, s: usize) {
        let sp = &self.plan.species[s];
        if self.scratch.len() != self.fields[s].len() {
            self.scratch = vec![0.0; self.fields[s].len()];
        }
        explicit_substep(&self.fields[s], &mut self.scratch, self.plan.grid.shape, sp.explicit_r, sp.explicit_decay);
        std::mem::swap(&mut self.fields[s], &mut self.scratch);
    }

    fn apply_hold(&mut self, s: usize) {
        if let Some(h) = &self.data[s].hold {
            apply_hold(&mut self.fields[s], h);
        }
    }

    fn read_field(&mut self, s: usize) -> Result<Vec<f32>> {
        Ok(self.fields[s].clone())
    }

    fn write_field(&mut self, s: usize, data: &[f32]) -> Result<()> {
        if data.len() != self.fields[s].len() {
            return Err(Error::Numerical(format!(
                "field of {} values written to a grid of {}",
                data.len(),
                self.fields[s].len()
            )));
        }
        self.fields[s].copy_from_slice(data);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}
