//! Plasma input `c_p(t)`: two-compartment pharmacokinetics in closed form,
//! dose schedules (boluses and constant-rate infusions, repeated) and
//! published presets.
//!
//! The model is linear, so the plasma concentration is the sum of each
//! dose's response. A bolus raising the plasma concentration by `c0` at time
//! `τ` contributes `c0·h(t − τ)` with the unit-impulse response
//! `h(t) = fa·e^{−αt} + (1 − fa)·e^{−βt}` (t ≥ 0); an infusion is a
//! continuum of boluses. Concentrations and their time integrals are exact
//! closed forms written with `φ₁(z) = (1 − e^{−z})/z` and
//! `φ₂(z) = (z − 1 + e^{−z})/z²`, which lose no digits for short intervals or
//! long times (the simulator asks for the mean over steps of 0.01 min weeks
//! after a dose).
//!
//! A dose is given as the central (plasma) concentration it would add at
//! once, `dose / V_c` in µM, so the model never needs `V_c`; a [`Preset`]
//! carries a typical `V_c` to convert back to amounts. Times in min, rates in
//! 1/min, concentrations in µM.

pub use super::presets::{
    DOXORUBICIN_HCL_MOLAR_MASS, DOXORUBICIN_MOLAR_MASS, PRESET_NAMES, Preset, preset, ug_per_ml_to_um,
};
use super::{ParamError, require_non_negative, require_positive};
use std::f64::consts::LN_2;

/// Two-compartment disposition (central compartment = plasma), stored as
/// the biexponential unit-impulse response `fa·e^{−αt} + (1 − fa)·e^{−βt}`.
/// Invariants: `0 < β ≤ α` finite (1/min), `0 ≤ fa ≤ 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pk {
    alpha: f64,
    beta: f64,
    fraction_alpha: f64,
}

impl Pk {
    /// From the half-lives of the fast (distribution, `t_alpha`) and slow
    /// (elimination, `t_beta`) phases in min, and the fast phase's share
    /// `fa` of the initial concentration after a bolus (0…1).
    /// `t_alpha == t_beta` is a one-compartment model (`fa` then plays no
    /// role). Any such triple is a valid two-compartment model with
    /// non-negative rate constants.
    pub fn from_half_lives(t_alpha: f64, t_beta: f64, fraction_alpha: f64) -> Result<Pk, ParamError> {
        require_positive("half_life_alpha", t_alpha, "min")?;
        require_positive("half_life_beta", t_beta, "min")?;
        if t_alpha > t_beta {
            return Err(ParamError::new(
                "half_life_alpha",
                format!("the fast-phase half-life {t_alpha} min exceeds the slow-phase one {t_beta} min"),
                "swap half_life_alpha and half_life_beta (and use 1 − fraction_alpha)",
            ));
        }
        if !(0.0..=1.0).contains(&fraction_alpha) {
            return Err(ParamError::new(
                "fraction_alpha",
                format!("must lie in [0, 1], got {fraction_alpha}"),
                "give the fast phase's share of the initial concentration, between 0 and 1",
            ));
        }
        Ok(Pk { alpha: LN_2 / t_alpha, beta: LN_2 / t_beta, fraction_alpha })
    }

    /// From the micro rate constants of the central compartment (1/min):
    /// elimination `k10 > 0`, central → peripheral `k12 ≥ 0`, peripheral →
    /// central `k21 > 0`. α, β are the roots of
    /// `s² − (k10 + k12 + k21)s + k10·k21` and `fa = (α − k21)/(α − β)`.
    /// With `k12 = 0` the model is one-compartment and `k21` is not
    /// identifiable ([`Pk::rate_constants`] then returns `k21 = k10`).
    pub fn from_rate_constants(k10: f64, k12: f64, k21: f64) -> Result<Pk, ParamError> {
        require_positive("k10", k10, "1/min")?;
        require_non_negative("k12", k12, "1/min")?;
        require_positive("k21", k21, "1/min")?;
        // Discriminant (k10+k12+k21)² − 4·k10·k21 written as a sum of
        // non-negative terms; β from the product of the roots (no cancellation).
        let x = k10 + k12 - k21;
        let root = (x * x + 4.0 * k12 * k21).sqrt();
        let alpha = 0.5 * (k10 + k12 + k21 + root);
        let beta = k10 * k21 / alpha;
        // α − k21 = (x + root)/2; for x < 0 use (α − k21)(k21 − β) = k12·k21.
        let alpha_minus_k21 = if x >= 0.0 { 0.5 * (x + root) } else { k12 * k21 / (0.5 * (root - x)) };
        let fraction_alpha = if root > 0.0 { (alpha_minus_k21 / root).clamp(0.0, 1.0) } else { 1.0 };
        if !(alpha.is_finite() && beta > 0.0 && fraction_alpha.is_finite()) {
            return Err(ParamError::new(
                "k10",
                format!("rate constants ({k10}, {k12}, {k21}) /min give no finite positive exponents"),
                "give rate constants of ordinary size (1e-12 … 1e12 /min)",
            ));
        }
        Ok(Pk { alpha, beta, fraction_alpha })
    }

    /// The micro rate constants `(k10, k12, k21)` in 1/min; the inverse of
    /// [`Pk::from_rate_constants`].
    pub fn rate_constants(&self) -> (f64, f64, f64) {
        let (a, b, fa) = (self.alpha, self.beta, self.fraction_alpha);
        let k21 = fa * b + (1.0 - fa) * a;
        let k10 = a * b / k21;
        let k12 = ((a - k21) * (k21 - b) / k21).max(0.0);
        (k10, k12, k21)
    }

    /// Fast exponent α (1/min).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Slow exponent β (1/min).
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Fast phase's share `fa` of the initial concentration.
    pub fn fraction_alpha(&self) -> f64 {
        self.fraction_alpha
    }

    /// Half-lives `(ln 2/α, ln 2/β)` in min.
    pub fn half_lives(&self) -> (f64, f64) {
        (LN_2 / self.alpha, LN_2 / self.beta)
    }

    /// Unit-impulse response `h(t)` (dimensionless; 0 for t < 0, 1 at t = 0).
    pub fn impulse_response(&self, t: f64) -> f64 {
        if t < 0.0 { 0.0 } else { self.phases().iter().map(|&(k, w)| w * (-k * t).exp()).sum() }
    }

    /// `∫₀^∞ h dt = fa/α + (1 − fa)/β` (min): the AUC of a bolus per µM of
    /// `c0`; the clearance is `V_c` divided by it.
    pub fn auc_per_c0(&self) -> f64 {
        self.phases().iter().map(|&(k, w)| w / k).sum()
    }

    /// `(rate, weight)` of each exponential phase.
    fn phases(&self) -> [(f64, f64); 2] {
        [(self.alpha, self.fraction_alpha), (self.beta, 1.0 - self.fraction_alpha)]
    }
}

/// One dose, as the central-compartment concentration it adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dose {
    /// Instant injection at `time` (min) raising plasma by `c0` µM
    /// (= dose / V_c).
    Bolus { time: f64, c0: f64 },
    /// Constant-rate infusion from `start` (min) for `duration` (min) at
    /// `rate` µM/min of central concentration (= dose rate / V_c).
    Infusion { start: f64, duration: f64, rate: f64 },
}

impl Dose {
    /// When the dose begins (min).
    pub fn start(&self) -> f64 {
        match *self {
            Dose::Bolus { time, .. } => time,
            Dose::Infusion { start, .. } => start,
        }
    }

    /// When the dose is complete (min).
    pub fn end(&self) -> f64 {
        match *self {
            Dose::Bolus { time, .. } => time,
            Dose::Infusion { start, duration, .. } => start + duration,
        }
    }

    /// The whole dose as central concentration (µM).
    pub fn total(&self) -> f64 {
        match *self {
            Dose::Bolus { c0, .. } => c0,
            Dose::Infusion { duration, rate, .. } => rate * duration,
        }
    }

    /// The same dose `dt` min later.
    pub fn shifted(&self, dt: f64) -> Dose {
        match *self {
            Dose::Bolus { time, c0 } => Dose::Bolus { time: time + dt, c0 },
            Dose::Infusion { start, duration, rate } => Dose::Infusion { start: start + dt, duration, rate },
        }
    }

    fn validate(&self) -> Result<(), ParamError> {
        match *self {
            Dose::Bolus { time, c0 } => {
                finite("time", time)?;
                require_non_negative("c0", c0, "µM")
            }
            Dose::Infusion { start, duration, rate } => {
                finite("start", start)?;
                require_positive("duration", duration, "min")?;
                require_non_negative("rate", rate, "µM/min")?;
                finite("duration", start + duration)
            }
        }
    }
}

fn finite(param: &'static str, x: f64) -> Result<(), ParamError> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(ParamError::new(param, format!("must be finite, got {x}"), "give a time in min"))
    }
}

/// Most doses [`Schedule::repeated`] makes (each dose costs every plasma
/// evaluation a term).
pub const MAX_REPEATS: usize = 100_000;

/// A validated list of doses, ordered by start time. Doses may overlap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schedule {
    doses: Vec<Dose>,
}

impl Schedule {
    /// Checks every dose (finite times, `c0`, `rate` ≥ 0, `duration` > 0).
    pub fn new(mut doses: Vec<Dose>) -> Result<Schedule, ParamError> {
        doses.iter().try_for_each(Dose::validate)?;
        doses.sort_by(|a, b| a.start().total_cmp(&b.start()));
        Ok(Schedule { doses })
    }

    /// `count` copies of `first`, the i-th shifted by `i·interval` min.
    /// `interval` must be > 0 when `count > 1`; at most [`MAX_REPEATS`].
    pub fn repeated(first: Dose, count: usize, interval: f64) -> Result<Schedule, ParamError> {
        if count > MAX_REPEATS {
            return Err(ParamError::new(
                "count",
                format!("{count} doses is more than the {MAX_REPEATS} a schedule may repeat"),
                "give fewer doses",
            ));
        }
        if count > 1 {
            require_positive("interval", interval, "min")?;
        }
        Schedule::new((0..count).map(|i| first.shifted(i as f64 * interval)).collect())
    }

    pub fn doses(&self) -> &[Dose] {
        &self.doses
    }

    /// Times at which `c_p` or its slope jumps (bolus times, infusion starts
    /// and ends), sorted, without repeats. A time stepper that lands on these
    /// integrates the input exactly.
    pub fn event_times(&self) -> Vec<f64> {
        let mut t: Vec<f64> = self.doses.iter().flat_map(|d| [d.start(), d.end()]).collect();
        t.sort_by(f64::total_cmp);
        t.dedup();
        t
    }
}

/// Plasma concentration of one agent under a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Plasma {
    pub pk: Pk,
    pub schedule: Schedule,
}

impl Plasma {
    pub fn new(pk: Pk, schedule: Schedule) -> Plasma {
        Plasma { pk, schedule }
    }

    /// `c_p(t)` in µM, exact. Right-continuous: a bolus at `t` is included.
    /// Zero before the first dose; NaN for a NaN `t`.
    pub fn concentration(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        let mut c = 0.0;
        for dose in &self.schedule.doses {
            for (k, w) in self.pk.phases() {
                c += w * match *dose {
                    Dose::Bolus { time, c0 } if t >= time => c0 * (-k * (t - time)).exp(),
                    Dose::Infusion { start, duration, rate } if t > start => {
                        let end = start + duration;
                        if t <= end {
                            rate * (t - start) * phi1(k * (t - start))
                        } else {
                            rate * duration * phi1(k * duration) * (-k * (t - end)).exp()
                        }
                    }
                    _ => 0.0,
                };
            }
        }
        c
    }

    /// `∫_{t0}^{t1} c_p dt` in µM·min, exact (closed form). Negative when
    /// `t1 < t0`; NaN when either is NaN.
    pub fn integral(&self, t0: f64, t1: f64) -> f64 {
        if t0.is_nan() || t1.is_nan() {
            return f64::NAN;
        }
        if t1 < t0 {
            return -self.integral(t1, t0);
        }
        let mut sum = 0.0;
        for dose in &self.schedule.doses {
            for (k, w) in self.pk.phases() {
                sum += w * match *dose {
                    Dose::Bolus { time, c0 } => {
                        let a = t0.max(time);
                        if t1 > a { c0 * (-k * (a - time)).exp() * (t1 - a) * phi1(k * (t1 - a)) } else { 0.0 }
                    }
                    Dose::Infusion { start, duration, rate } => {
                        let end = start + duration;
                        let mut s = 0.0;
                        // While infusing: ∫ (τ − start)·φ₁(k(τ − start)) dτ over [a, b].
                        let (a, b) = (t0.max(start), t1.min(end));
                        if b > a {
                            let (u, h) = (a - start, b - a);
                            s += h * u * phi1(k * u) + (-k * u).exp() * h * h * phi2(k * h);
                        }
                        // After the infusion: the amount given decays.
                        let a = t0.max(end);
                        if t1 > a {
                            s += duration * phi1(k * duration) * (-k * (a - end)).exp() * (t1 - a) * phi1(k * (t1 - a));
                        }
                        rate * s
                    }
                };
            }
        }
        sum
    }

    /// Mean of `c_p` over `[t0, t1]` (µM); `c_p(t0)` when the interval is
    /// empty.
    pub fn mean(&self, t0: f64, t1: f64) -> f64 {
        if t1 == t0 { self.concentration(t0) } else { self.integral(t0, t1) / (t1 - t0) }
    }

    /// Total dosed up to and including `t`, as central concentration (µM);
    /// times `V_c` in L it is the amount injected in µmol.
    pub fn injected(&self, t: f64) -> f64 {
        self.schedule
            .doses
            .iter()
            .map(|d| match *d {
                Dose::Bolus { time, c0 } if t >= time => c0,
                Dose::Infusion { start, duration, rate } => rate * (t - start).clamp(0.0, duration),
                _ => 0.0,
            })
            .sum()
    }
}

/// `φ₁(z) = (1 − e^{−z})/z`, 1 at z = 0; accurate for all z ≥ 0.
fn phi1(z: f64) -> f64 {
    if z == 0.0 { 1.0 } else { -(-z).exp_m1() / z }
}

/// `φ₂(z) = (z − 1 + e^{−z})/z²`, ½ at z = 0; accurate for all z ≥ 0.
fn phi2(z: f64) -> f64 {
    if z < 0.1 {
        // Σ (−z)ⁿ/(n + 2)!, truncated after z⁹ (remainder < 1e-22).
        let mut term = 0.5;
        let mut sum = 0.5;
        for n in 1..10 {
            term *= -z / (n + 2) as f64;
            sum += term;
        }
        sum
    } else {
        (z + (-z).exp_m1()) / (z * z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    #[test]
    fn rate_constants_round_trip() {
        for &(ta, tb, fa) in &[(4.2, 522.0, 0.96), (192.0, 2712.0, 0.1), (10.0, 10.0, 0.3), (1.0, 50.0, 0.0)] {
            let pk = Pk::from_half_lives(ta, tb, fa).unwrap();
            let (k10, k12, k21) = pk.rate_constants();
            let back = Pk::from_rate_constants(k10, k12, k21).unwrap();
            assert!(close(back.alpha(), pk.alpha(), 1e-13) && close(back.beta(), pk.beta(), 1e-13), "{ta} {tb}");
            for t in [0.0, 1.0, 100.0, 5000.0] {
                assert!(close(back.impulse_response(t), pk.impulse_response(t), 1e-12), "{ta} {tb} {fa} t={t}");
            }
        }
        let pk = Pk::from_rate_constants(0.01, 0.05, 0.02).unwrap();
        let (k10, k12, k21) = pk.rate_constants();
        assert!(close(k10, 0.01, 1e-13) && close(k12, 0.05, 1e-13) && close(k21, 0.02, 1e-13));
        // k12 = 0: one compartment eliminating at k10, whatever k21.
        for k21 in [0.001, 0.01, 0.1] {
            let pk = Pk::from_rate_constants(0.01, 0.0, k21).unwrap();
            assert!(close(pk.impulse_response(70.0), (-0.7f64).exp(), 1e-14));
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert_eq!(Pk::from_half_lives(0.0, 1.0, 0.5).unwrap_err().param, "half_life_alpha");
        assert_eq!(Pk::from_half_lives(2.0, 1.0, 0.5).unwrap_err().param, "half_life_alpha");
        assert_eq!(Pk::from_half_lives(1.0, f64::NAN, 0.5).unwrap_err().param, "half_life_beta");
        assert_eq!(Pk::from_half_lives(1.0, 2.0, 1.5).unwrap_err().param, "fraction_alpha");
        assert_eq!(Pk::from_rate_constants(0.0, 0.1, 0.1).unwrap_err().param, "k10");
        assert_eq!(Pk::from_rate_constants(0.1, -0.1, 0.1).unwrap_err().param, "k12");
        assert_eq!(Pk::from_rate_constants(0.1, 0.1, 0.0).unwrap_err().param, "k21");
        let inf = Dose::Infusion { start: 0.0, duration: 0.0, rate: 1.0 };
        assert_eq!(Schedule::new(vec![inf]).unwrap_err().param, "duration");
        assert_eq!(Schedule::new(vec![Dose::Bolus { time: 0.0, c0: -1.0 }]).unwrap_err().param, "c0");
        assert_eq!(Schedule::repeated(Dose::Bolus { time: 0.0, c0: 1.0 }, 2, 0.0).unwrap_err().param, "interval");
    }

    #[test]
    fn infusion_is_continuous_and_bolus_right_continuous() {
        let pk = Pk::from_half_lives(5.0, 300.0, 0.7).unwrap();
        let inf = Dose::Infusion { start: 10.0, duration: 30.0, rate: 2.0 };
        let p = Plasma::new(pk, Schedule::new(vec![inf]).unwrap());
        for edge in [10.0, 40.0] {
            let (l, r) = (p.concentration(edge - 1e-9), p.concentration(edge + 1e-9));
            assert!((l - r).abs() < 1e-7, "jump at {edge}: {l} {r}");
        }
        assert_eq!(p.concentration(10.0), 0.0);
        let b = Plasma::new(pk, Schedule::new(vec![Dose::Bolus { time: 5.0, c0: 3.0 }]).unwrap());
        assert_eq!((b.concentration(5.0f64.next_down()), b.concentration(5.0)), (0.0, 3.0));
        assert!(b.concentration(f64::NAN).is_nan() && b.integral(0.0, f64::NAN).is_nan());
    }

    #[test]
    fn integral_is_antiderivative_difference() {
        let pk = Pk::from_half_lives(5.0, 300.0, 0.7).unwrap();
        let doses = vec![Dose::Bolus { time: 0.0, c0: 4.0 }, Dose::Infusion { start: 20.0, duration: 60.0, rate: 0.5 }];
        let p = Plasma::new(pk, Schedule::new(doses).unwrap());
        let cuts = [-5.0, 0.0, 3.0, 20.0, 21.0, 50.0, 80.0, 81.5, 400.0, 5000.0];
        for i in 0..cuts.len() {
            for j in i..cuts.len() {
                let pieces: f64 = (i..j).map(|m| p.integral(cuts[m], cuts[m + 1])).sum();
                let whole = p.integral(cuts[i], cuts[j]);
                assert!(close(whole, pieces, 1e-13), "[{}, {}]: {whole} vs {pieces}", cuts[i], cuts[j]);
                assert!(close(p.integral(cuts[j], cuts[i]), -whole, 0.0));
            }
        }
        // Everything dosed is eventually cleared: ∫₀^∞ c_p = total · AUC per c0.
        let total = 4.0 + 0.5 * 60.0;
        assert!(close(p.integral(-1.0, 1e6), total * pk.auc_per_c0(), 1e-13));
        assert_eq!(p.injected(1e6), total);
        assert_eq!(p.injected(50.0), 4.0 + 0.5 * 30.0);
    }

    #[test]
    fn short_step_mean_equals_concentration() {
        // The simulator's use: mean over a tiny step long after the doses.
        let pk = Pk::from_half_lives(192.0, 2712.0, 0.1).unwrap();
        let doses =
            vec![Dose::Bolus { time: 0.0, c0: 40.0 }, Dose::Infusion { start: 0.0, duration: 1440.0, rate: 0.01 }];
        let p = Plasma::new(pk, Schedule::new(doses).unwrap());
        for t in [0.0, 1e-3, 700.0, 1440.0, 30000.0, 1e5] {
            for dt in [1e-9, 1e-6, 0.01] {
                let mid = p.concentration(t + 0.5 * dt);
                assert!(close(p.mean(t, t + dt), mid, 1e-9), "t={t} dt={dt}: {} vs {mid}", p.mean(t, t + dt));
            }
        }
    }

    #[test]
    fn phi_functions_match_their_definitions() {
        for z in [1e-300f64, 1e-8, 1e-3, 0.05, 0.099, 0.1, 0.5, 3.0, 40.0, 800.0] {
            let z2 = z * z;
            let series2: f64 = (0..30).map(|n| (-z).powi(n) / (1..=n + 2).map(f64::from).product::<f64>()).sum();
            if z < 1.0 {
                assert!(close(phi2(z), series2, 1e-14), "phi2({z})");
            } else {
                assert!(close(phi2(z), (z - 1.0 + (-z).exp()) / z2, 1e-14), "phi2({z})");
            }
            assert!(close(phi1(z), if z < 1e-3 { 1.0 - z / 2.0 + z2 / 6.0 } else { (1.0 - (-z).exp()) / z }, 1e-12));
        }
        assert_eq!((phi1(0.0), phi2(0.0)), (1.0, 0.5));
    }

    #[test]
    fn presets_exist_and_are_named() {
        for name in PRESET_NAMES {
            let p = preset(name).unwrap();
            assert!(p.c0_per_dose > 0.0 && p.volume_l > 0.0 && !p.description.is_empty());
        }
        assert!(preset("aspirin").is_none());
        let lipo = preset("liposomal_doxorubicin").unwrap();
        let (ta, tb) = lipo.pk.half_lives();
        assert!(close(ta, 192.0, 1e-14) && close(tb, 2712.0, 1e-14));
        // Peak 20–25 µg/mL reported at 50 mg/m².
        let peak = lipo.c0_per_dose / ug_per_ml_to_um(1.0, DOXORUBICIN_MOLAR_MASS);
        assert!((20.0..25.0).contains(&peak), "{peak}");
    }
}
