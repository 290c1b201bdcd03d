//! Published plasma pharmacokinetics presets (doxorubicin, free and
//! liposomal) with a typical dose, and the unit conversions they need.
//! Re-exported by [`super::pk`].

use super::pk::{Dose, Pk};

/// Doxorubicin free base, g/mol (C₂₇H₂₉NO₁₁); plasma levels are reported as
/// doxorubicin, so µg/mL × 1000/543.5 = µM.
pub const DOXORUBICIN_MOLAR_MASS: f64 = 543.5;
/// Doxorubicin hydrochloride, g/mol: clinical doses (mg/m²) are of the salt.
pub const DOXORUBICIN_HCL_MOLAR_MASS: f64 = 579.98;

/// Convert a mass concentration (µg/mL = mg/L) of a compound of molar mass
/// `molar_mass` (g/mol) to µM.
pub fn ug_per_ml_to_um(c: f64, molar_mass: f64) -> f64 {
    c * 1000.0 / molar_mass
}

/// A published disposition with a typical dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    pub pk: Pk,
    /// Plasma concentration one standard dose adds (µM) = dose / `volume_l`.
    pub c0_per_dose: f64,
    /// Central-compartment volume V_c (L) the dose is spread over.
    pub volume_l: f64,
    pub description: &'static str,
}

impl Preset {
    /// One standard dose as a bolus at `time` (min).
    pub fn bolus(&self, time: f64) -> Dose {
        Dose::Bolus { time, c0: self.c0_per_dose }
    }

    /// One standard dose infused from `start` over `duration` min.
    pub fn infusion(&self, start: f64, duration: f64) -> Dose {
        Dose::Infusion { start, duration, rate: self.c0_per_dose / duration }
    }
}

/// Names accepted by [`preset`].
pub const PRESET_NAMES: &[&str] = &["free_doxorubicin", "liposomal_doxorubicin"];

/// Standard dose of both presets: 50 mg/m² doxorubicin HCl (a common
/// single-agent dose of both forms) for a 1.8 m² adult = 90 mg, in µmol.
/// An assumption, not from Gabizon et al. 1994.
const STANDARD_DOSE_UMOL: f64 = 50.0 * 1.8 * 1000.0 / DOXORUBICIN_HCL_MOLAR_MASS;

/// Published human pharmacokinetics by name (see [`PRESET_NAMES`]).
///
/// Half-lives are from Gabizon A. et al. 1994, Cancer Res 54:987–992
/// (human plasma, total doxorubicin). The fast-phase fractions and central
/// volumes are our assumptions, chosen so that the derived clearance and
/// peak agree with commonly reported values; they are stated per preset.
pub fn preset(name: &str) -> Option<Preset> {
    let min_per_h = 60.0;
    match name {
        // Free doxorubicin. Paper: t½α = 0.07 h, t½β = 8.7 h.
        // Assumed: fa = 0.96 and V_c = 25 L (the fast phase is distribution
        // into tissue, so V_c exceeds plasma volume). With them c0 = 6.2 µM
        // (3.4 µg/mL) and clearance V_c/(fa/α + (1 − fa)/β) ≈ 42 L/h, within
        // the 30–60 L/h usually quoted for free doxorubicin; the
        // area volume CL/β ≈ 520 L matches its large tissue distribution.
        "free_doxorubicin" => Some(Preset {
            pk: Pk::from_half_lives(0.07 * min_per_h, 8.7 * min_per_h, 0.96).ok()?,
            c0_per_dose: STANDARD_DOSE_UMOL / 25.0,
            volume_l: 25.0,
            description: "free doxorubicin, human: t½ 0.07 h and 8.7 h (Gabizon 1994); fa 0.96, V_c 25 L, \
                          50 mg/m² × 1.8 m² (assumed)",
        }),
        // PEGylated liposomal doxorubicin (Doxil). Paper: t½α = 3.2 h,
        // t½β = 45.2 h; the liposomes stay close to the plasma volume.
        // Assumed: V_c = 4 L (≈ 2.2 L/m², a little above a 3 L plasma
        // volume), giving c0 = 38.8 µM = 21.1 µg/mL, within the 20–25 µg/mL
        // peaks reported at 50 mg/m²; fa = 0.1 (the slow phase carries most
        // of the AUC), giving clearance ≈ 0.068 L/h (0.038 L/h/m²).
        "liposomal_doxorubicin" => Some(Preset {
            pk: Pk::from_half_lives(3.2 * min_per_h, 45.2 * min_per_h, 0.1).ok()?,
            c0_per_dose: STANDARD_DOSE_UMOL / 4.0,
            volume_l: 4.0,
            description: "PEGylated liposomal doxorubicin (Doxil), human: t½ 3.2 h and 45.2 h (Gabizon 1994); \
                          fa 0.1, V_c 4 L, 50 mg/m² × 1.8 m² (assumed)",
        }),
        _ => None,
    }
}
