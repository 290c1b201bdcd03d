//! Cell kinetics: the per-voxel state layout and the parameter table that
//! the kinetics kernels (`shaders/cells.wgsl`, `solver/cpu/cells.rs`) read.
//!
//! Per voxel, with `n_k` the volume fraction of phenotype k, `m_k` its drug
//! per voxel volume (µM; `c_k = m_k/n_k` is the intracellular concentration),
//! `E` extracellular drug (µM), `O` oxygen (mmHg), `X` inhibitor (µM), `F_c`,
//! `B_c`, `I_c` free, bound and internalised carrier c, `L = Σ n_k` and
//! `N = L + dead`:
//!
//! - growth `r_k·f(O)·(1 − N/N_max)·n_k`, `f(O) = O/(K_g + O)`;
//! - necrosis `ν·n_k / (1 + (O/O_nec)⁴)`; kill `E_max·p·c^h/(EC50^h + c^h)·n_k`,
//!   `p = 1 − s + s·f(O)·(1 − N/N_max)` (cycle specificity s),
//!   `EC50 = ec50·(1 + (bcl2 − 1)·(1 − q))`, `q = R/(R + K_si)` the siRNA
//!   knockdown; dead cells are cleared at `k_clear`, their drug returns to E;
//! - influx `n_k·(P_k·(E − c_k) + V_in·E/(K_in + E))`, efflux
//!   `n_k·V_k·c_k/(K_m + c_k)/(1 + X/K_i)`, deactivation `k_d·m_k` (into the sink);
//! - switching `Q_jk = Q0 + Q_drug·c_j^h/(EC50_j^h + c_j^h) + Q_hyp·H(O)`,
//!   `H(O) = 1/(1 + (O/O_hyp)⁴)`, carrying intracellular drug along;
//! - oxygen use `V_O·L·O/(K_O + O)`: oxygen equilibrates in seconds, so it
//!   is consumed every transport step by the species' Michaelis–Menten
//!   consumption step, at the rate `dt·V_O·L` (plus any region's) that each
//!   kinetics call sets from the new live density;
//! - carriers: release outside `(k_r + (k_ra − k_r)·H(O) + trigger)·F`,
//!   binding `k_on·L·F`, unbinding `k_off·B`, internalisation `k_int·B`,
//!   release inside `k_endo·I` into the phenotypes' `m_k` in proportion to
//!   `n_k` (bypassing the membrane); each releases `drug_load` drug,
//!   `inhibitor_load` inhibitor (into X) and `sirna_load` siRNA (into R,
//!   inside only).
//!
//! Drug is conserved: `E + Σ m_k + Σ_c drug_load·(F_c + B_c + I_c) + sink`.
//!
//! The kill's Hill term is evaluated as `1/(1 + (EC50/c)^h)`, the power by
//! [`hill_power`].
//!
//! Voxels without cells: where no state value but the sink is positive
//! (the kernels read every value through `max(·, 0)`), every rate above but
//! the carriers' release outside cells is a finite number times zero (the
//! checks keep every parameter finite and every half-saturation positive),
//! and binding needs live cells, so the voxel stays without cells for the
//! whole interval. The kernels there release each free carrier into drug
//! and inhibitor through the same Runge–Kutta stages as the full
//! integration and clamp every other value at zero, which is what the full
//! integration does to them, value for value (`solver/cpu/cells.rs` tests
//! it); a voxel without cells or free carriers costs a read and a clamp.
//! Their sub-steps are their own: as many as the fastest release rate
//! needs ([`Kinetics::release_rate`] times a sub-step at most
//! [`STIFFNESS_STEP`], at least one), not as many as the fastest rate of
//! cells needs, which is usually orders of magnitude faster.

use crate::scene::CellsSpec;

/// Most phenotypes and carriers a scene may declare (the GPU kernel keeps
/// each voxel's state in registers).
pub const MAX_PHENOTYPES: usize = 8;
pub const MAX_CARRIERS: usize = 4;
/// Most values per voxel: linked fields plus state.
pub const MAX_VARS: usize = 40;

/// Global parameters, then `PHENO` per phenotype, three `P×P` switching
/// matrices (from j to k at `j·P + k`), `CARRIER` per carrier.
pub const GLOBAL: usize = 12;
pub const PHENO: usize = 16;
pub const CARRIER: usize = 12;

/// Where each value of one voxel sits: linked fields (`ext`, copied from the
/// transport species) then the cell state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub phenotypes: usize,
    pub carriers: usize,
}

impl Layout {
    /// Linked fields: oxygen, drug, inhibitor, one per carrier.
    pub fn ext(&self) -> usize {
        3 + self.carriers
    }
    /// Cell state values: n_k, m_k, dead, B_c, I_c, siRNA, sink.
    pub fn state(&self) -> usize {
        2 * self.phenotypes + 2 * self.carriers + 3
    }
    pub fn vars(&self) -> usize {
        self.ext() + self.state()
    }
    // Indices into the state (not counting `ext`).
    pub fn density(&self, k: usize) -> usize {
        k
    }
    pub fn drug(&self, k: usize) -> usize {
        self.phenotypes + k
    }
    pub fn dead(&self) -> usize {
        2 * self.phenotypes
    }
    pub fn bound(&self, c: usize) -> usize {
        2 * self.phenotypes + 1 + c
    }
    pub fn internalised(&self, c: usize) -> usize {
        2 * self.phenotypes + 1 + self.carriers + c
    }
    pub fn sirna(&self) -> usize {
        2 * self.phenotypes + 1 + 2 * self.carriers
    }
    pub fn sink(&self) -> usize {
        self.sirna() + 1
    }
    /// Offsets into the parameter table.
    pub fn pheno(&self, k: usize) -> usize {
        GLOBAL + PHENO * k
    }
    pub fn switching(&self, which: usize) -> usize {
        GLOBAL + PHENO * self.phenotypes + which * self.phenotypes * self.phenotypes
    }
    pub fn carrier(&self, c: usize) -> usize {
        self.switching(3) + CARRIER * c
    }
    pub fn params_len(&self) -> usize {
        self.carrier(self.carriers)
    }
}

/// Linked field slots in `ext`.
pub const EXT_OXYGEN: usize = 0;
pub const EXT_DRUG: usize = 1;
pub const EXT_INHIBITOR: usize = 2;
pub const EXT_CARRIER0: usize = 3;

/// Global parameter slots.
pub mod g {
    pub const MAX_DENSITY: usize = 0;
    pub const GROWTH_O2: usize = 1;
    pub const HYPOXIC_O2: usize = 2;
    pub const NECROSIS_O2: usize = 3;
    pub const NECROSIS_RATE: usize = 4;
    pub const CLEARANCE: usize = 5;
    pub const O2_CONSUMPTION: usize = 6;
    pub const O2_HALF: usize = 7;
    pub const INHIBITOR_KI: usize = 8;
    pub const SIRNA_HALF: usize = 9;
    pub const SIRNA_DECAY: usize = 10;
}

/// Per-phenotype parameter slots.
pub mod p {
    pub const GROWTH: usize = 0;
    pub const INFLUX: usize = 1;
    pub const INFLUX_VMAX: usize = 2;
    pub const INFLUX_KM: usize = 3;
    pub const PUMP_VMAX: usize = 4;
    pub const PUMP_KM: usize = 5;
    pub const DEACTIVATION: usize = 6;
    pub const EMAX: usize = 7;
    pub const EC50: usize = 8;
    pub const HILL: usize = 9;
    pub const BCL2: usize = 10;
    pub const CYCLE: usize = 11;
    pub const ALPHA: usize = 12;
    pub const BETA: usize = 13;
}

/// Per-carrier parameter slots.
pub mod c {
    pub const DRUG_LOAD: usize = 0;
    pub const INHIBITOR_LOAD: usize = 1;
    pub const SIRNA_LOAD: usize = 2;
    pub const BINDING: usize = 3;
    pub const UNBINDING: usize = 4;
    pub const INTERNALISATION: usize = 5;
    pub const ENDOSOMAL: usize = 6;
    pub const RELEASE: usize = 7;
    pub const RELEASE_ACIDIC: usize = 8;
    pub const TRIGGER_RELEASE: usize = 9;
    pub const DOSE_ENHANCEMENT: usize = 10;
    pub const ENHANCEMENT_HALF: usize = 11;
}

/// The resolved kinetics of a scene: layout and parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct Kinetics {
    pub layout: Layout,
    pub params: Vec<f32>,
}

impl Kinetics {
    /// The parameter table of a validated `[cells]` section (carrier class
    /// presets already resolved into the spec).
    pub fn new(spec: &CellsSpec) -> Kinetics {
        let layout = Layout { phenotypes: spec.phenotypes.len(), carriers: spec.carriers.len() };
        let mut t = vec![0.0f64; layout.params_len()];
        t[g::MAX_DENSITY] = spec.max_density;
        t[g::GROWTH_O2] = spec.growth_o2;
        t[g::HYPOXIC_O2] = spec.hypoxic_o2;
        t[g::NECROSIS_O2] = spec.necrosis_o2;
        t[g::NECROSIS_RATE] = spec.necrosis_rate;
        t[g::CLEARANCE] = spec.clearance;
        t[g::O2_CONSUMPTION] = spec.o2_consumption;
        t[g::O2_HALF] = spec.o2_half_saturation;
        t[g::INHIBITOR_KI] = spec.inhibitor_ki;
        t[g::SIRNA_HALF] = spec.sirna_half;
        t[g::SIRNA_DECAY] = spec.sirna_decay;
        let np = layout.phenotypes;
        for (k, ph) in spec.phenotypes.iter().enumerate() {
            let o = layout.pheno(k);
            let vals = [
                ph.growth,
                ph.influx,
                ph.influx_vmax,
                ph.influx_km,
                ph.pump_vmax,
                ph.pump_km,
                ph.deactivation,
                ph.emax,
                ph.ec50,
                ph.hill,
                ph.bcl2,
                ph.cycle_specificity,
                ph.alpha,
                ph.beta,
            ];
            t[o..o + vals.len()].copy_from_slice(&vals);
            for (which, map) in [&ph.switch, &ph.switch_drug, &ph.switch_hypoxia].into_iter().enumerate() {
                for (to, &rate) in map {
                    if let Some(j) = spec.phenotypes.iter().position(|q| &q.name == to) {
                        t[layout.switching(which) + k * np + j] = rate;
                    }
                }
            }
        }
        for (ci, cr) in spec.carriers.iter().enumerate() {
            let o = layout.carrier(ci);
            let v = |x: Option<f64>| x.unwrap_or(0.0);
            let vals = [
                cr.drug_load.unwrap_or(1.0),
                v(cr.inhibitor_load),
                v(cr.sirna_load),
                v(cr.binding),
                v(cr.unbinding),
                v(cr.internalisation),
                v(cr.endosomal_release),
                v(cr.release),
                cr.release_acidic.or(cr.release).unwrap_or(0.0),
                cr.trigger.as_ref().map_or(0.0, |t| t.release),
                v(cr.dose_enhancement),
                cr.enhancement_half.unwrap_or(1.0),
            ];
            t[o..o + vals.len()].copy_from_slice(&vals);
        }
        Kinetics { layout, params: t.iter().map(|&x| x as f32).collect() }
    }

    /// An upper bound on the fastest first-order rate of the system but the
    /// oxygen consumption (a step of its own), 1/min:
    /// the kernel's sub-step is chosen so that this rate times the sub-step
    /// stays at or below [`STIFFNESS_STEP`].
    pub fn fastest_rate(&self) -> f64 {
        let l = &self.layout;
        let t = |i: usize| self.params[i] as f64;
        let nmax = t(g::MAX_DENSITY);
        let mut cell = 0.0f64;
        for k in 0..l.phenotypes {
            let o = l.pheno(k);
            let mut r = t(o + p::GROWTH)
                + t(o + p::INFLUX) * (1.0 + nmax)
                + t(o + p::INFLUX_VMAX) / t(o + p::INFLUX_KM).max(1e-12) * nmax
                + t(o + p::PUMP_VMAX) / t(o + p::PUMP_KM).max(1e-12) * (1.0 + nmax)
                + t(o + p::DEACTIVATION)
                + t(o + p::EMAX)
                + t(g::NECROSIS_RATE);
            for which in 0..3 {
                for j in 0..l.phenotypes {
                    r += t(l.switching(which) + k * l.phenotypes + j);
                }
            }
            cell = cell.max(r);
        }
        let mut carriers = 0.0f64;
        for ci in 0..l.carriers {
            let o = l.carrier(ci);
            carriers += t(o + c::BINDING) * nmax
                + t(o + c::UNBINDING)
                + t(o + c::INTERNALISATION)
                + t(o + c::ENDOSOMAL)
                + t(o + c::RELEASE).max(t(o + c::RELEASE_ACIDIC))
                + t(o + c::TRIGGER_RELEASE);
        }
        cell + carriers + t(g::CLEARANCE) + t(g::SIRNA_DECAY)
    }

    /// The fastest rate in a voxel without cells, 1/min: the release of a
    /// free carrier (the faster of normal and acidic, plus its triggered
    /// release), the only rate there (see "Voxels without cells"). Each
    /// carrier is released on its own, so the largest of them.
    pub fn release_rate(&self) -> f64 {
        let t = |i: usize| self.params[i] as f64;
        (0..self.layout.carriers)
            .map(|ci| {
                let o = self.layout.carrier(ci);
                t(o + c::RELEASE).max(t(o + c::RELEASE_ACIDIC)) + t(o + c::TRIGGER_RELEASE)
            })
            .fold(0.0, f64::max)
    }
}

/// `x^h` as the kernels take it for the Hill terms: repeated products for
/// the integer coefficients 1 to 4 (one or two roundings, and the same on
/// every device), `powf` otherwise.
pub fn hill_power(x: f32, h: f32) -> f32 {
    if h == 1.0 {
        x
    } else if h == 2.0 {
        x * x
    } else if h == 3.0 {
        x * x * x
    } else if h == 4.0 {
        let x2 = x * x;
        x2 * x2
    } else {
        x.powf(h)
    }
}

/// Largest `rate·sub-step` of the fourth-order Runge–Kutta kinetics step:
/// well inside its stability region, and its amplification factor stays
/// positive, so decaying values never change sign.
pub const STIFFNESS_STEP: f64 = 1.0;

/// Surviving fraction after `dose` Gy: linear-quadratic with the oxygen
/// modification `OER(O)/m`, `OER = (m·O + K)/(O + K)` (Alper &
/// Howard-Flanders), times the gold dose enhancement `def`.
pub fn lq_survival(alpha: f64, beta: f64, dose: f64, oxygen: f64, oer_max: f64, oer_k: f64, def: f64) -> f64 {
    let omf = (oer_max * oxygen + oer_k) / (oxygen + oer_k) / oer_max;
    let d = dose * omf * def;
    (-alpha * d - beta * d * d).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_indices_are_distinct_and_fill_the_state() {
        for (np, nc) in [(1, 0), (2, 1), (MAX_PHENOTYPES, MAX_CARRIERS)] {
            let l = Layout { phenotypes: np, carriers: nc };
            let mut idx: Vec<usize> = (0..np).flat_map(|k| [l.density(k), l.drug(k)]).collect();
            idx.extend((0..nc).flat_map(|c| [l.bound(c), l.internalised(c)]));
            idx.extend([l.dead(), l.sirna(), l.sink()]);
            idx.sort();
            assert_eq!(idx, (0..l.state()).collect::<Vec<_>>());
            assert!(l.vars() <= MAX_VARS);
        }
    }

    #[test]
    fn survival_has_the_oxygen_enhancement_limits() {
        let (a, b, d) = (0.3, 0.03, 2.0);
        let oxic = lq_survival(a, b, d, 1e9, 3.0, 3.0, 1.0);
        let anoxic = lq_survival(a, b, d, 0.0, 3.0, 3.0, 1.0);
        assert!((oxic - (-a * d - b * d * d).exp()).abs() < 1e-9);
        let d3 = d / 3.0;
        assert!((anoxic - (-a * d3 - b * d3 * d3).exp()).abs() < 1e-12);
        assert!(lq_survival(a, b, d, 40.0, 3.0, 3.0, 1.5) < lq_survival(a, b, d, 40.0, 3.0, 3.0, 1.0));
    }
}
