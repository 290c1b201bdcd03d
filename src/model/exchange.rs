//! Kedem–Katchalsky exchange between plasma and tissue, per unit tissue
//! volume: the fluid filtration `J_v` through vessel walls and the solute
//! flux it carries with diffusion (Baxter & Jain 1989, Microvasc Res 37:77).
//!
//! Per unit volume: `S/V` (1/µm) is the vessel wall area per tissue volume,
//! `P` the wall permeability (µm/min), `L_p` the hydraulic conductivity
//! (µm/(mmHg·min)), pressures in mmHg; `J_v` and the coefficients come out
//! in 1/min.

/// `f(Pe) = Pe/(e^Pe − 1)`: the share of diffusive transport left against
/// (Pe > 0) or added by (Pe < 0) a convective flow. Positive, 1 at Pe = 0,
/// `f(−Pe) = f(Pe) + Pe`; accurate to a few ulp for every finite Pe (series
/// near 0, no overflow at large |Pe|). `f(+∞) = 0`, `f(−∞) = +∞`.
pub fn peclet_factor(pe: f64) -> f64 {
    if pe.abs() < 1e-2 {
        // Bernoulli series 1 − x/2 + x²/12 − x⁴/720 + x⁶/30240; the next term,
        // x⁸/1209600, is below 1e-22 here.
        let x2 = pe * pe;
        1.0 - 0.5 * pe + x2 * (1.0 / 12.0 - x2 * (1.0 / 720.0 - x2 / 30240.0))
    } else if pe > 0.0 {
        // Pe·e^{−Pe}/(1 − e^{−Pe}): no overflow; underflows to 0 past Pe ≈ 745.
        if pe == f64::INFINITY { 0.0 } else { pe * (-pe).exp() / -(-pe).exp_m1() }
    } else {
        // Pe/(e^Pe − 1) → |Pe| for large negative Pe.
        pe / pe.exp_m1()
    }
}

/// Fluid filtration per tissue volume (Starling), 1/min:
/// `J_v = L_p·(S/V)·(p_v − p_i − σ_T·(π_v − π_i))` with `lp` in
/// µm/(mmHg·min), `sv` in 1/µm, vascular and interstitial hydrostatic
/// (`p_v`, `p_i`) and oncotic (`pi_v`, `pi_i`) pressures in mmHg and the
/// oncotic reflection coefficient `sigma_t` (0…1). Positive out of the
/// vessels.
pub fn fluid_filtration(lp: f64, sv: f64, p_v: f64, p_i: f64, sigma_t: f64, pi_v: f64, pi_i: f64) -> f64 {
    lp * sv * (p_v - p_i - sigma_t * (pi_v - pi_i))
}

/// Solute exchange coefficients: the flux into tissue per tissue volume is
/// `q = inflow·c_p − loss·c` (µM/min for concentrations in µM).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Exchange {
    /// Coefficient of the plasma concentration, 1/min, ≥ 0.
    pub inflow: f64,
    /// Coefficient of the tissue concentration, 1/min, ≥ 0.
    pub loss: f64,
}

impl Exchange {
    /// `q = inflow·c_p − loss·c`, µM/min.
    pub fn flux(&self, c_plasma: f64, c_tissue: f64) -> f64 {
        self.inflow * c_plasma - self.loss * c_tissue
    }
}

/// Kedem–Katchalsky solute exchange for wall permeability `p` ≥ 0 (µm/min),
/// wall area per volume `sv` ≥ 0 (1/µm), fluid filtration `jv` (1/min, any
/// sign; see [`fluid_filtration`]) and solvent-drag reflection `sigma`
/// (0…1):
///
/// `q = P·S/V·(c_p − c)·f(Pe) + J_v(1 − σ)·c_p`, `Pe = J_v(1 − σ)/(P·S/V)`,
/// `f` = [`peclet_factor`] (the design notes' form), which is Patlak's
/// `J_v(1 − σ)·(c_p − c·e^{−Pe})/(1 − e^{−Pe})` (Patlak, Goldstein &
/// Hoffman 1963, J Theor Biol 5:426; used by Baxter & Jain 1989). So
/// `loss = P·S/V·f(Pe)` and `inflow = loss + J_v(1 − σ) = P·S/V·f(−Pe)`,
/// both ≥ 0 for either sign of `J_v`, computed without cancellation.
/// With `P·S/V = 0` the flux is pure convection (upwind); with `sv = 0`
/// there is no wall and both are 0.
pub fn solute_exchange(p: f64, sv: f64, jv: f64, sigma: f64) -> Exchange {
    if sv == 0.0 {
        return Exchange::default();
    }
    let convection = jv * (1.0 - sigma);
    let ps = p * sv;
    let pe = convection / ps;
    if ps == 0.0 || pe.is_infinite() {
        return Exchange { inflow: convection.max(0.0), loss: (-convection).max(0.0) };
    }
    Exchange { inflow: ps * peclet_factor(-pe), loss: ps * peclet_factor(pe) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs())
    }

    /// `x/(e^x − 1)` from the exponential series of the denominator, exact
    /// to double rounding for |x| ≤ 1.
    fn reference(x: f64) -> f64 {
        let mut term = 1.0;
        let mut denom = 0.0;
        for n in 1..40 {
            term *= x / n as f64;
            denom += term / x;
        }
        1.0 / denom
    }

    #[test]
    fn peclet_factor_is_accurate_everywhere() {
        assert_eq!(peclet_factor(0.0), 1.0);
        for x in [1e-300, 1e-12, 1e-6, 1e-3, 0.00999, 0.01, 0.01001, 0.1, 0.5, 1.0] {
            for pe in [x, -x] {
                assert!(
                    close(peclet_factor(pe), reference(pe), 4e-16),
                    "f({pe}) = {} vs {}",
                    peclet_factor(pe),
                    reference(pe)
                );
            }
        }
        for x in [2.0, 30.0, 700.0] {
            assert!(close(peclet_factor(x), x / x.exp_m1(), 1e-14), "f({x})");
            assert!(close(peclet_factor(-x), peclet_factor(x) + x, 1e-15), "f(−{x})");
        }
        assert!(peclet_factor(1000.0) >= 0.0 && peclet_factor(700.0) > 0.0);
        assert_eq!((peclet_factor(f64::INFINITY), peclet_factor(-1e6)), (0.0, 1e6));
        assert_eq!(peclet_factor(f64::NEG_INFINITY), f64::INFINITY);
    }

    #[test]
    fn no_filtration_is_pure_diffusion() {
        let e = solute_exchange(160.0, 0.02, 0.0, 0.1);
        assert_eq!((e.inflow, e.loss), (3.2, 3.2));
        assert_eq!(e.flux(2.0, 0.5), 3.2 * 1.5);
        // Continuous through jv = 0.
        let (l, r) = (solute_exchange(160.0, 0.02, -1e-9, 0.1), solute_exchange(160.0, 0.02, 1e-9, 0.1));
        assert!((l.inflow - r.inflow).abs() < 1e-9 && (l.loss - r.loss).abs() < 1e-9);
    }

    #[test]
    fn coefficients_are_non_negative_and_kedem_katchalsky() {
        for jv in [-5.0, -1e-3, 0.0, 1e-3, 0.3, 5.0, 1e3] {
            for p in [0.0, 1e-6, 2.0, 160.0] {
                let e = solute_exchange(p, 0.01, jv, 0.3);
                assert!(e.inflow >= 0.0 && e.loss >= 0.0, "p={p} jv={jv}: {e:?}");
                // q = P·S/V·(c_p − c)·f(Pe) + J_v(1 − σ)·c_p at c_p = 2, c = 0.5.
                let (ps, conv) = (p * 0.01, jv * 0.7);
                let want = if ps > 0.0 { ps * 1.5 * peclet_factor(conv / ps) + conv * 2.0 } else { e.flux(2.0, 0.5) };
                assert!((e.flux(2.0, 0.5) - want).abs() <= 1e-12 * (want.abs() + ps + conv.abs()), "p={p} jv={jv}");
            }
        }
    }

    #[test]
    fn convection_dominated_limits() {
        // Pe = 1e3·0.5/(1·0.01) = 5e4: inflow = J_v(1 − σ), loss vanishes.
        let e = solute_exchange(1.0, 0.01, 1e3, 0.5);
        assert!(close(e.inflow, 500.0, 1e-15) && e.loss == 0.0, "{e:?}");
        // Reabsorption carries tissue solute back: loss = −J_v(1 − σ).
        let e = solute_exchange(1.0, 0.01, -1e3, 0.5);
        assert!(close(e.loss, 500.0, 1e-15) && e.inflow == 0.0, "{e:?}");
        assert_eq!(solute_exchange(0.0, 0.01, 2.0, 0.5), Exchange { inflow: 1.0, loss: 0.0 });
        assert_eq!(solute_exchange(0.0, 0.01, -2.0, 0.5), Exchange { inflow: 0.0, loss: 1.0 });
        assert_eq!(solute_exchange(160.0, 0.0, 2.0, 0.5), Exchange::default());
        assert_eq!(fluid_filtration(2.0, 0.01, 20.0, 5.0, 0.8, 25.0, 10.0), 2.0 * 0.01 * (15.0 - 12.0));
    }
}
