//! Acceptance: each preset's plasma curve matches its closed form within
//! 1e-6 relative at sampled times, for single and repeated doses and for
//! infusion.
//!
//! The reference is the two-compartment ODE in rate-constant form (amounts
//! per central volume V_c, so in µM):
//!   dC/dt = −(k10 + k12)·C + k21·P + input(t),   dP/dt = k12·C − k21·P,
//! integrated with classic RK4 in f64 at a small step that lands exactly on
//! every dose time, infusion edge and sample time. Boluses jump C; infusions
//! add a constant rate between events. The closed-form time integral is
//! checked against composite Simpson quadrature of the closed-form curve.
//! Run with `--nocapture` to see the largest errors.

use oncovox::model::pk::*;

const MIN_PER_H: f64 = 60.0;
const MIN_PER_DAY: f64 = 1440.0;

/// Both the ODE and the closed form are exact to far below this; it is the
/// acceptance bound.
const REL: f64 = 1e-6;
/// Values decayed below 1e-12 of the peak are compared absolutely at this
/// floor (relative error of a number that has underflowed is meaningless).
const FLOOR: f64 = 1e-12;
/// RK4 step (min): the fastest rate here is free doxorubicin's α = 0.165/min,
/// so α·h = 3e-3 and RK4's local error (α·h)⁵/120 is ~3e-15 per step.
const RK4_STEP: f64 = 0.02;
/// Simpson sub-interval (min): error ~ (α·h)⁴/180 ≈ 4e-10 relative.
const SIMPSON_STEP: f64 = 0.1;

/// C, P and the eliminated amount E (all µM of central volume) from RK4.
/// Returns C at each sample and the mass balance C + P + E at each sample.
fn integrate_ode(pk: &Pk, schedule: &Schedule, samples: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (k10, k12, k21) = pk.rate_constants();
    let mut stops: Vec<f64> = schedule.event_times().into_iter().chain(samples.iter().copied()).collect();
    stops.sort_by(f64::total_cmp);
    stops.dedup();
    let rhs = |s: [f64; 3], input: f64| [-(k10 + k12) * s[0] + k21 * s[1] + input, k12 * s[0] - k21 * s[1], k10 * s[0]];
    let axpy = |s: [f64; 3], a: f64, d: [f64; 3]| [s[0] + a * d[0], s[1] + a * d[1], s[2] + a * d[2]];
    let mut state = [0.0; 3];
    let mut t = stops[0];
    let (mut c, mut mass) = (Vec::new(), Vec::new());
    for &stop in &stops {
        if stop > t {
            // The infusion rate is constant between consecutive stops.
            let mid = 0.5 * (t + stop);
            let input: f64 = schedule
                .doses()
                .iter()
                .map(|d| match *d {
                    Dose::Infusion { start, duration, rate } if start < mid && mid < start + duration => rate,
                    _ => 0.0,
                })
                .sum();
            let n = ((stop - t) / RK4_STEP).ceil() as usize;
            let h = (stop - t) / n as f64;
            for _ in 0..n {
                let k1 = rhs(state, input);
                let k2 = rhs(axpy(state, 0.5 * h, k1), input);
                let k3 = rhs(axpy(state, 0.5 * h, k2), input);
                let k4 = rhs(axpy(state, h, k3), input);
                for i in 0..3 {
                    state[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                }
            }
            t = stop;
        }
        for d in schedule.doses() {
            match *d {
                Dose::Bolus { time, c0 } if time == stop => state[0] += c0,
                _ => {}
            }
        }
        if samples.contains(&stop) {
            c.push(state[0]);
            mass.push(state.iter().sum());
        }
    }
    (c, mass)
}

/// Composite Simpson of the closed-form curve over [a, b], split at the
/// schedule's events so that no panel straddles a bolus jump; each piece's
/// right end takes the left limit.
fn simpson(plasma: &Plasma, a: f64, b: f64) -> f64 {
    let mut cuts = vec![a];
    cuts.extend(plasma.schedule.event_times().into_iter().filter(|&t| a < t && t < b));
    cuts.push(b);
    let mut sum = 0.0;
    for w in cuts.windows(2) {
        let (x0, x1) = (w[0], w[1]);
        let n = 2 * ((x1 - x0) / (2.0 * SIMPSON_STEP)).ceil().max(1.0) as usize;
        let h = (x1 - x0) / n as f64;
        let f = |i: usize| {
            if i == n { plasma.concentration(x1.next_down()) } else { plasma.concentration(x0 + i as f64 * h) }
        };
        let inner: f64 = (1..n).map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * f(i)).sum();
        sum += h / 3.0 * (f(0) + inner + f(n));
    }
    sum
}

/// Largest of `|got − want| / max(|want|, floor)` over all points; panics
/// naming the worst point when it exceeds `REL`.
fn check(what: &str, times: &[f64], got: &[f64], want: &[f64], floor: f64) -> f64 {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    let mut worst = (0.0f64, 0usize);
    for i in 0..got.len() {
        let err = (got[i] - want[i]).abs() / want[i].abs().max(floor);
        assert!(!err.is_nan(), "{what}: NaN at t = {} min", times[i]);
        if err > worst.0 {
            worst = (err, i);
        }
    }
    let (err, i) = worst;
    assert!(
        err <= REL,
        "{what}: relative error {err:.3e} > {REL:e} at t = {} min: closed form {}, reference {}",
        times[i],
        got[i],
        want[i]
    );
    err
}

/// `n` sample times spread over [t0, t1]: half uniform, half geometric from
/// t0 (so the fast phase is resolved), plus every event time.
fn sample_times(schedule: &Schedule, t0: f64, t1: f64, n: usize) -> Vec<f64> {
    let mut t: Vec<f64> = (0..n / 2).map(|i| t0 + (t1 - t0) * i as f64 / (n / 2 - 1) as f64).collect();
    t.extend((0..n / 2).map(|i| t0 + (t1 - t0) * 10f64.powf(-5.0 + 5.0 * i as f64 / (n / 2 - 1) as f64)));
    t.extend(schedule.event_times());
    t.sort_by(f64::total_cmp);
    t.dedup();
    t
}

/// Closed form against the ODE (curve and mass balance) and against Simpson
/// (integral), over `[0, t_end]`. Returns the three largest relative errors.
fn compare(name: &str, case: &str, pk: Pk, schedule: Schedule, t_end: f64) -> [f64; 3] {
    let plasma = Plasma::new(pk, schedule);
    let times = sample_times(&plasma.schedule, 0.0, t_end, 120);
    assert!(times.len() >= 50);
    let (ode, mass) = integrate_ode(&pk, &plasma.schedule, &times);
    let closed: Vec<f64> = times.iter().map(|&t| plasma.concentration(t)).collect();
    let peak = ode.iter().copied().fold(0.0, f64::max);
    let what = format!("{name}, {case}");
    let curve = check(&format!("{what}: c_p(t)"), &times, &closed, &ode, FLOOR * peak);
    let injected: Vec<f64> = times.iter().map(|&t| plasma.injected(t)).collect();
    let balance = check(&format!("{what}: injected(t)"), &times, &injected, &mass, FLOOR * peak);
    // Integrals over each gap between samples, and over the whole span.
    let (mut got, mut want, mut ends) = (Vec::new(), Vec::new(), Vec::new());
    for w in times.windows(2).chain(std::iter::once(&[0.0, t_end][..])) {
        got.push(plasma.integral(w[0], w[1]));
        want.push(simpson(&plasma, w[0], w[1]));
        ends.push(w[1]);
    }
    let integral = check(&format!("{what}: integral"), &ends, &got, &want, FLOOR * peak * t_end);
    println!("{what:<60} c_p {curve:.1e}  injected {balance:.1e}  integral {integral:.1e}");
    [curve, balance, integral]
}

fn cases(name: &str) -> Vec<[f64; 3]> {
    let p = preset(name).unwrap();
    let week = 7.0 * MIN_PER_DAY;
    let sched = |d: Vec<Dose>| Schedule::new(d).unwrap();
    vec![
        compare(name, "single bolus", p.pk, sched(vec![p.bolus(0.0)]), 14.0 * MIN_PER_DAY),
        compare(
            name,
            "4 boluses every 12 h",
            p.pk,
            Schedule::repeated(p.bolus(0.0), 4, 12.0 * MIN_PER_H).unwrap(),
            5.0 * MIN_PER_DAY,
        ),
        compare(
            name,
            "3 boluses every 3 weeks",
            p.pk,
            Schedule::repeated(p.bolus(0.0), 3, 3.0 * week).unwrap(),
            9.0 * week,
        ),
        compare(name, "30 min infusion", p.pk, sched(vec![p.infusion(0.0, 30.0)]), 7.0 * MIN_PER_DAY),
        compare(name, "24 h infusion", p.pk, sched(vec![p.infusion(0.0, MIN_PER_DAY)]), 10.0 * MIN_PER_DAY),
        compare(
            name,
            "3 × 30 min infusions every 3 weeks",
            p.pk,
            Schedule::repeated(p.infusion(0.0, 30.0), 3, 3.0 * week).unwrap(),
            9.0 * week,
        ),
        compare(
            name,
            "bolus + overlapping 24 h infusion + bolus",
            p.pk,
            sched(vec![p.bolus(0.0), p.infusion(60.0, MIN_PER_DAY), p.bolus(10.0 * MIN_PER_H)]),
            6.0 * MIN_PER_DAY,
        ),
    ]
}

#[test]
fn free_doxorubicin_matches_the_two_compartment_ode() {
    let worst = cases("free_doxorubicin").into_iter().flatten().fold(0.0, f64::max);
    println!("free_doxorubicin: largest relative error {worst:.2e}");
}

#[test]
fn liposomal_doxorubicin_matches_the_two_compartment_ode() {
    let worst = cases("liposomal_doxorubicin").into_iter().flatten().fold(0.0, f64::max);
    println!("liposomal_doxorubicin: largest relative error {worst:.2e}");
}

#[test]
fn every_preset_is_covered() {
    assert_eq!(PRESET_NAMES, ["free_doxorubicin", "liposomal_doxorubicin"]);
    for name in PRESET_NAMES {
        let p = preset(name).unwrap();
        // A preset's V_c and c0 give back the standard 90 mg dose of the salt.
        let mg = p.c0_per_dose * p.volume_l * DOXORUBICIN_HCL_MOLAR_MASS / 1000.0;
        assert!((mg - 90.0).abs() < 1e-9, "{name}: {mg} mg");
        // Half-lives are Gabizon et al. 1994's.
        let (ta, tb) = p.pk.half_lives();
        let want = if *name == "free_doxorubicin" { (0.07, 8.7) } else { (3.2, 45.2) };
        assert!((ta / MIN_PER_H - want.0).abs() < 1e-12 && (tb / MIN_PER_H - want.1).abs() < 1e-12, "{name}");
    }
}
