//! When and how the cell operators run: the kinetics interval and its
//! Runge–Kutta sub-steps, the spread sub-steps, radiotherapy fractions and
//! trigger windows, all in whole steps of the transport `dt`.

use crate::model::cells::Kinetics;
use crate::scene::{CellsSpec, Validated};

/// The cell operators of a scene.
#[derive(Debug, Clone)]
pub struct CellPlan {
    pub kinetics: Kinetics,
    /// Transport species linked to each `ext` slot (oxygen, drug, inhibitor,
    /// carriers); `None` leaves the slot at zero.
    pub ext_species: Vec<Option<usize>>,
    /// Steps per kinetics update; the update runs after the last of them.
    pub interval: u64,
    /// Kinetics interval, min.
    pub h: f64,
    /// Runge–Kutta sub-steps per update in voxels with cells, and in voxels
    /// without (set by the release rate of free carriers alone).
    pub substeps: u32,
    pub release_substeps: u32,
    /// Spread sub-steps per update and `spread·dt_sub/dx²` (0: no spread).
    pub spread_substeps: u32,
    pub spread_r: f32,
    pub max_density: f32,
    pub threshold: f32,
    /// `dt·V_O`: oxygen consumed per unit live density in one transport step.
    pub o2_dt_rate: f32,
    /// Radiotherapy: (step before which the fraction is given, dose Gy).
    pub fractions: Vec<(u64, f32)>,
    /// OER max and half-way oxygen, mmHg.
    pub oer: [f32; 2],
    /// Per carrier: trigger window [start, end) in steps, when it has one.
    pub triggers: Vec<Option<(u64, u64)>>,
}

/// Largest spread number `spread·dt_sub/dx²` of one sub-step (6·r ≤ 1 keeps
/// every voxel's outflow below its content).
const SPREAD_MAX_R: f64 = 1.0 / 6.0;

/// Spread sub-steps of one update over `h` min (0 without spread), in u64:
/// validation refuses more than [`super::MAX_SUBSTEPS`].
pub fn spread_substeps(spread: f64, h: f64, dx: f64) -> u64 {
    if spread > 0.0 { super::ceil_count(spread * h / (dx * dx) / SPREAD_MAX_R) } else { 0 }
}

/// Runge–Kutta sub-steps of one kinetics update over `h` min with fastest
/// rate `rate` (1/min), in u64: validation refuses more than
/// [`super::MAX_SUBSTEPS`].
pub fn kinetics_substeps(rate: f64, h: f64) -> u64 {
    super::ceil_count(h * rate / crate::model::cells::STIFFNESS_STEP)
}

/// The kinetics interval in steps of `dt`: `interval` rounded, at least 1.
pub fn interval_steps(interval: Option<f64>, dt: f64) -> u64 {
    interval.map_or(1, |i| ((i / dt).round() as u64).max(1))
}

impl CellPlan {
    pub fn new(v: &Validated, c: &CellsSpec) -> CellPlan {
        let s = &v.scene;
        let dt = s.time.dt;
        let idx = |name: &Option<String>| name.as_ref().and_then(|n| s.species_index(n));
        let mut ext_species = vec![s.species_index(&c.oxygen), idx(&c.drug), idx(&c.inhibitor)];
        ext_species.extend(c.carriers.iter().map(|cr| s.species_index(&cr.species)));
        let interval = interval_steps(c.interval, dt);
        let h = interval as f64 * dt;
        let kinetics = Kinetics::new(c);
        let substeps = kinetics_substeps(kinetics.fastest_rate(), h).min(u32::MAX as u64) as u32;
        let release_substeps = kinetics_substeps(kinetics.release_rate(), h).clamp(1, substeps.max(1) as u64) as u32;
        let dx2 = v.scene.grid.dx * v.scene.grid.dx;
        let total_r = c.spread * h / dx2;
        let spread_substeps = spread_substeps(c.spread, h, v.scene.grid.dx).min(u32::MAX as u64) as u32;
        let step_of = |t: f64| (t / dt).round() as u64;
        CellPlan {
            kinetics,
            ext_species,
            interval,
            h,
            substeps,
            release_substeps,
            spread_substeps,
            spread_r: if spread_substeps > 0 { (total_r / spread_substeps as f64) as f32 } else { 0.0 },
            max_density: c.max_density as f32,
            o2_dt_rate: (dt * c.o2_consumption) as f32,
            threshold: c.spread_threshold as f32,
            fractions: c
                .radiotherapy
                .as_ref()
                .map(|rt| rt.times.iter().map(|&t| (step_of(t), rt.dose as f32)).collect())
                .unwrap_or_default(),
            oer: c.radiotherapy.as_ref().map_or([3.0, 3.0], |rt| [rt.oer_max as f32, rt.oer_k as f32]),
            triggers: c
                .carriers
                .iter()
                .map(|cr| cr.trigger.as_ref().map(|t| (step_of(t.start), step_of(t.end))))
                .collect(),
        }
    }

    /// Does the kinetics update run after step `step` (0-based)?
    pub fn updates_after(&self, step: u64) -> bool {
        (step + 1).is_multiple_of(self.interval)
    }

    /// Carriers whose trigger window holds the first step of the update that
    /// ends after `step`.
    pub fn trigger_bits(&self, step: u64) -> u32 {
        let first = step + 1 - self.interval.min(step + 1);
        self.triggers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.is_some_and(|(a, b)| first >= a && first < b))
            .fold(0, |bits, (c, _)| bits | (1 << c))
    }

    /// Dose of the fractions given before step `step`, Gy (0 if none).
    pub fn dose_at(&self, step: u64) -> f32 {
        self.fractions.iter().filter(|(s, _)| *s == step).map(|(_, d)| d).sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::scene::{Scene, Validated};

    fn plan(extra: &str) -> super::CellPlan {
        let text = format!(
            "[grid]\nshape = [2, 2, 2]\ndx = 10.0\n[time]\ndt = 0.5\nduration = 10.0\n\
             [[species]]\nname = \"oxygen\"\ndiffusion = 1.0\n[[species]]\nname = \"p\"\ndiffusion = 1.0\n\
             [[regions]]\nname = \"all\"\nbox = {{ min = [0, 0, 0], max = [20, 20, 20] }}\n\
             [cells]\noxygen = \"oxygen\"\ninterval = 2.0\n{extra}\n[[cells.phenotype]]\nname = \"a\"\n\
             [[cells.carrier]]\nspecies = \"p\"\ndrug_load = 0.0\n\
             trigger = {{ region = \"all\", start = 2.0, end = 4.0, release = 1.0 }}\n"
        );
        let v = Validated::new(Scene::from_toml(&text).unwrap()).unwrap();
        let c = v.scene.cells.clone().unwrap();
        super::CellPlan::new(&v, &c)
    }

    #[test]
    fn updates_triggers_and_fractions_fall_on_whole_steps() {
        let p = plan("radiotherapy = { times = [1.0, 1.2], dose = 2.0 }");
        assert_eq!((p.interval, p.h), (4, 2.0));
        let updates: Vec<u64> = (0..12).filter(|&s| p.updates_after(s)).collect();
        assert_eq!(updates, vec![3, 7, 11]);
        // The window [2, 4) min is steps [4, 8): the update over steps 4–7 has it.
        assert_eq!((p.trigger_bits(3), p.trigger_bits(7), p.trigger_bits(11)), (0, 1, 0));
        // 1.0 and 1.2 min round to steps 2 and 2: one step, two fractions.
        assert_eq!((p.dose_at(2), p.dose_at(3)), (4.0, 0.0));
    }
}
