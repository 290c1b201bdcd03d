//! Exposure metrics per species over time: mean concentration in tumour
//! (tumour and necrotic voxels) and in normal tissue, their time integrals
//! (AUC, trapezoid over the samples), the tumour-to-normal exposure ratio and
//! the percent of the injected dose held in the tumour.

use crate::grid::Tissue;
use crate::scene::SpeciesTransport;
use crate::world::World;
use std::fmt::Write as _;

/// µm³ → L.
const LITRE_PER_UM3: f64 = 1e-15;

/// One species' exposure at one sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exposure {
    /// Mean concentration in tumour / normal voxels, species unit.
    pub tumour_mean: f64,
    pub normal_mean: f64,
    /// Time integrals of those means, species unit × min.
    pub auc_tumour: f64,
    pub auc_normal: f64,
    /// Amount in tumour voxels, species unit × L (µmol for µM).
    pub tumour_amount: f64,
    /// Percent of the injected dose in the tumour; `None` without a dose.
    pub pid_tumour: Option<f64>,
}

impl Exposure {
    /// AUC tumour / AUC normal; `None` while the normal AUC is 0.
    pub fn ratio(&self) -> Option<f64> {
        (self.auc_normal > 0.0).then(|| self.auc_tumour / self.auc_normal)
    }
}

/// Accumulates exposure over samples.
pub struct Metrics {
    tumour: Vec<bool>,
    n_tumour: usize,
    n_normal: usize,
    voxel_litres: f64,
    transport: Vec<SpeciesTransport>,
    last: Vec<(f64, Exposure)>,
    started: bool,
}

impl Metrics {
    pub fn new(world: &World) -> Metrics {
        let tumour: Vec<bool> = world.tissue.iter().map(|&t| t != Tissue::Normal).collect();
        let n_tumour = tumour.iter().filter(|&&t| t).count();
        Metrics {
            n_normal: tumour.len() - n_tumour,
            n_tumour,
            tumour,
            voxel_litres: world.grid.voxel_volume() * LITRE_PER_UM3,
            transport: world.species.iter().map(|s| s.transport.clone()).collect(),
            last: vec![(0.0, Exposure::default()); world.species.len()],
            started: false,
        }
    }

    /// Does the scene have both tumour and normal voxels?
    pub fn has_tumour(&self) -> bool {
        self.n_tumour > 0 && self.n_normal > 0
    }

    /// Take a sample of every field at `time`, min (nothing to do without
    /// both tumour and normal tissue).
    pub fn sample(&mut self, time: f64, fields: &[Vec<f32>]) -> &[(f64, Exposure)] {
        if !self.has_tumour() {
            return &self.last;
        }
        for (s, f) in fields.iter().enumerate() {
            let (mut st, mut sn) = (0.0f64, 0.0f64);
            for (&c, &t) in f.iter().zip(&self.tumour) {
                if t {
                    st += c as f64;
                } else {
                    sn += c as f64;
                }
            }
            let tm = st / self.n_tumour.max(1) as f64;
            let nm = sn / self.n_normal.max(1) as f64;
            let (t0, prev) = self.last[s];
            let dt = if self.started { time - t0 } else { 0.0 };
            let amount = st * self.voxel_litres;
            let tr = &self.transport[s];
            let injected = tr.plasma.as_ref().map(|p| p.injected(time) * tr.volume_l).unwrap_or(0.0);
            let e = Exposure {
                tumour_mean: tm,
                normal_mean: nm,
                auc_tumour: prev.auc_tumour + 0.5 * dt * (prev.tumour_mean + tm),
                auc_normal: prev.auc_normal + 0.5 * dt * (prev.normal_mean + nm),
                tumour_amount: amount,
                pid_tumour: (injected > 0.0).then(|| 100.0 * amount / injected),
            };
            self.last[s] = (time, e);
        }
        self.started = true;
        &self.last
    }

    /// What has accumulated: per species the latest sample's time and
    /// exposure, and whether any sample was taken (for a checkpoint).
    pub fn state(&self) -> (Vec<(f64, Exposure)>, bool) {
        (self.last.clone(), self.started)
    }

    /// Take up what [`Metrics::state`] gave; false if it is for another
    /// number of species.
    pub fn restore(&mut self, (last, started): (Vec<(f64, Exposure)>, bool)) -> bool {
        if last.len() != self.last.len() {
            return false;
        }
        (self.last, self.started) = (last, started);
        true
    }

    /// Latest exposure of every species.
    pub fn latest(&self) -> Vec<Exposure> {
        self.last.iter().map(|(_, e)| *e).collect()
    }

    /// CSV header columns for `names` (leading comma included).
    pub fn header(&self, names: &[String]) -> String {
        let mut h = String::new();
        if self.has_tumour() {
            for n in names {
                let _ = write!(
                    h,
                    ",{n}_tumour_mean,{n}_normal_mean,{n}_auc_tumour,{n}_auc_normal,{n}_exposure_ratio,{n}_pid_tumour"
                );
            }
        }
        h
    }

    /// CSV columns of the latest sample (leading comma included); empty
    /// cells where a value is undefined.
    pub fn row(&self) -> String {
        let mut r = String::new();
        if self.has_tumour() {
            for (_, e) in &self.last {
                let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
                let _ = write!(
                    r,
                    ",{},{},{},{},{},{}",
                    e.tumour_mean,
                    e.normal_mean,
                    e.auc_tumour,
                    e.auc_normal,
                    opt(e.ratio()),
                    opt(e.pid_tumour)
                );
            }
        }
        r
    }
}
