//! Cell metrics per sample for `timeseries.csv` and `summary.json`: cells
//! per phenotype, resistant, hypoxic and necrotic fractions, intracellular
//! drug, drug exposure of the tumour, carriers bound and internalised.

use crate::model::cells::Layout;
use crate::scene::Scene;
use crate::world::World;
use std::fmt::Write as _;

/// Live density below which a voxel holds no tumour (volume fraction).
const OCCUPIED: f64 = 1e-3;

/// What one sample measured.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellSample {
    /// Live cells per phenotype, count.
    pub cells: Vec<f64>,
    pub dead: f64,
    pub resistant_fraction: f64,
    pub hypoxic_fraction: f64,
    /// Dead over live plus dead.
    pub necrotic_fraction: f64,
    /// Mean intracellular drug per phenotype, µM (cell-volume weighted).
    pub intracellular: Vec<f64>,
    pub drug_intracellular_mean: f64,
    /// Mean extracellular drug over voxels holding tumour cells, µM.
    pub drug_tumour_mean: f64,
    /// Time integrals of the two drug means, µM·min.
    pub drug_auc_tumour: f64,
    pub drug_auc_intracellular: f64,
    /// Per carrier, bound and internalised amounts, carrier unit × µm³.
    pub bound: Vec<f64>,
    pub internalised: Vec<f64>,
}

impl CellSample {
    pub fn total_cells(&self) -> f64 {
        self.cells.iter().sum()
    }
}

/// Accumulates cell metrics over samples.
pub struct CellMetrics {
    layout: Layout,
    phenotypes: Vec<String>,
    resistant: Vec<bool>,
    carriers: Vec<String>,
    oxygen: usize,
    drug: Option<usize>,
    hypoxic_o2: f64,
    /// Cells per unit volume fraction of one voxel.
    cells_per_voxel: f64,
    voxel_volume: f64,
    last: Option<(f64, CellSample)>,
}

impl CellMetrics {
    pub fn new(scene: &Scene, world: &World) -> Option<CellMetrics> {
        let c = scene.cells.as_ref()?;
        let data = world.cells.as_ref()?;
        let v = world.grid.voxel_volume();
        Some(CellMetrics {
            layout: data.layout,
            phenotypes: c.phenotypes.iter().map(|p| p.name.clone()).collect(),
            resistant: c.phenotypes.iter().map(|p| p.resistant).collect(),
            carriers: c.carriers.iter().map(|cr| cr.species.clone()).collect(),
            oxygen: scene.species_index(&c.oxygen)?,
            drug: c.drug.as_ref().and_then(|d| scene.species_index(d)),
            hypoxic_o2: c.hypoxic_o2,
            cells_per_voxel: v / c.cell_volume,
            voxel_volume: v,
            last: None,
        })
    }

    /// The latest sample and its time (for a checkpoint).
    pub fn state(&self) -> Option<(f64, CellSample)> {
        self.last.clone()
    }

    /// Take up what [`CellMetrics::state`] gave.
    pub fn restore(&mut self, last: Option<(f64, CellSample)>) {
        self.last = last;
    }

    /// CSV header columns (leading comma included).
    pub fn header(&self) -> String {
        let mut h = String::from(",cells_total");
        for p in &self.phenotypes {
            let _ = write!(h, ",cells_{p}");
        }
        h.push_str(",dead_cells,resistant_fraction,hypoxic_fraction,necrotic_fraction");
        for p in &self.phenotypes {
            let _ = write!(h, ",intracellular_{p}_mean");
        }
        h.push_str(",drug_intracellular_mean,drug_tumour_mean,drug_auc_tumour,drug_auc_intracellular");
        for c in &self.carriers {
            let _ = write!(h, ",{c}_bound_total,{c}_internalised_total");
        }
        h
    }

    /// Measure the state at `time` (min) and return the CSV columns
    /// (leading comma included).
    pub fn sample(&mut self, time: f64, fields: &[Vec<f32>], state: &[f32]) -> String {
        let l = self.layout;
        let n = fields[self.oxygen].len();
        let arr = |i: usize| &state[i * n..(i + 1) * n];
        let oxygen = &fields[self.oxygen];
        let np = l.phenotypes;
        let (mut live, mut resistant, mut hypoxic, mut dead) = (vec![0.0f64; np], 0.0, 0.0, 0.0);
        let mut drug_in = vec![0.0f64; np];
        let (mut drug_out, mut occupied) = (0.0f64, 0usize);
        for v in 0..n {
            let mut here = 0.0f64;
            for (k, lk) in live.iter_mut().enumerate() {
                let d = arr(l.density(k))[v] as f64;
                *lk += d;
                here += d;
                drug_in[k] += arr(l.drug(k))[v] as f64;
                if self.resistant[k] {
                    resistant += d;
                }
            }
            if (oxygen[v] as f64) < self.hypoxic_o2 {
                hypoxic += here;
            }
            dead += arr(l.dead())[v] as f64;
            if here > OCCUPIED {
                occupied += 1;
                drug_out += self.drug.map_or(0.0, |d| fields[d][v] as f64);
            }
        }
        let total: f64 = live.iter().sum();
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        let carrier_total = |i: usize| arr(i).iter().map(|&x| x as f64).sum::<f64>() * self.voxel_volume;
        let mut s = CellSample {
            cells: live.iter().map(|x| x * self.cells_per_voxel).collect(),
            dead: dead * self.cells_per_voxel,
            resistant_fraction: ratio(resistant, total),
            hypoxic_fraction: ratio(hypoxic, total),
            necrotic_fraction: ratio(dead, total + dead),
            intracellular: drug_in.iter().zip(&live).map(|(&m, &d)| ratio(m, d)).collect(),
            drug_intracellular_mean: ratio(drug_in.iter().sum(), total),
            drug_tumour_mean: ratio(drug_out, occupied as f64),
            drug_auc_tumour: 0.0,
            drug_auc_intracellular: 0.0,
            bound: (0..l.carriers).map(|c| carrier_total(l.bound(c))).collect(),
            internalised: (0..l.carriers).map(|c| carrier_total(l.internalised(c))).collect(),
        };
        if let Some((t0, prev)) = &self.last {
            let dt = time - t0;
            s.drug_auc_tumour = prev.drug_auc_tumour + 0.5 * dt * (prev.drug_tumour_mean + s.drug_tumour_mean);
            s.drug_auc_intracellular =
                prev.drug_auc_intracellular + 0.5 * dt * (prev.drug_intracellular_mean + s.drug_intracellular_mean);
        }
        let row = row(&s);
        self.last = Some((time, s));
        row
    }

    /// The latest sample as JSON for `summary.json`.
    pub fn summary(&self) -> Option<serde_json::Value> {
        let (t, s) = self.last.as_ref()?;
        let per = |v: &[f64], names: &[String]| -> serde_json::Map<String, serde_json::Value> {
            names.iter().zip(v).map(|(n, x)| (n.clone(), serde_json::json!(x))).collect()
        };
        Some(serde_json::json!({
            "time_min": t,
            "cells_total": s.total_cells(),
            "cells": per(&s.cells, &self.phenotypes),
            "dead_cells": s.dead,
            "resistant_fraction": s.resistant_fraction,
            "hypoxic_fraction": s.hypoxic_fraction,
            "necrotic_fraction": s.necrotic_fraction,
            "intracellular_drug_uM": per(&s.intracellular, &self.phenotypes),
            "drug_auc_tumour_uM_min": s.drug_auc_tumour,
            "drug_auc_intracellular_uM_min": s.drug_auc_intracellular,
            "carriers_bound": per(&s.bound, &self.carriers),
            "carriers_internalised": per(&s.internalised, &self.carriers),
        }))
    }
}

fn row(s: &CellSample) -> String {
    let mut r = String::new();
    let _ = write!(r, ",{}", s.total_cells());
    for c in &s.cells {
        let _ = write!(r, ",{c}");
    }
    let _ = write!(r, ",{},{},{},{}", s.dead, s.resistant_fraction, s.hypoxic_fraction, s.necrotic_fraction);
    for c in &s.intracellular {
        let _ = write!(r, ",{c}");
    }
    let _ = write!(
        r,
        ",{},{},{},{}",
        s.drug_intracellular_mean, s.drug_tumour_mean, s.drug_auc_tumour, s.drug_auc_intracellular
    );
    for (b, i) in s.bound.iter().zip(&s.internalised) {
        let _ = write!(r, ",{b},{i}");
    }
    r
}
