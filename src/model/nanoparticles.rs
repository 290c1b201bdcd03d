//! Nanoparticle class presets: the carrier kinetics of `[[cells.carriers]]`
//! (`class = "liposome"` …) and each class's typical size, surface and
//! plasma half-lives.
//!
//! Rates are first order, 1/min; binding is per unit live-cell volume
//! fraction (the kinetics multiply it by `L`, see `src/model/cells.rs`).
//! A class preset fills every kinetic key a scene leaves out; the scene
//! still sets the transport species' `radius` (use [`CarrierClass::radius_nm`]).
//!
//! Every number says where it comes from: a paper (first author, year,
//! journal) or "assumption:" with the reasoning. Cellular kinetics of
//! nanoparticles in tumours are poorly measured; most binding, unbinding and
//! internalisation rates here are assumptions of the right order, shared
//! across classes unless a class has a reason to differ. Release half-times
//! are the better-founded numbers.

use std::f64::consts::LN_2;

/// Kinetics and typical size of one nanoparticle class. Rates 1/min.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CarrierClass {
    pub name: &'static str,
    /// Typical hydrodynamic radius, nm (scenes set the species' `radius`).
    pub radius_nm: f64,
    /// Surface, for documentation (e.g. "PEG", "folate-PEG", "citrate").
    pub surface: &'static str,
    /// Binding to cells per unit live-cell volume fraction, 1/min.
    pub binding: f64,
    /// Unbinding of bound particles, 1/min.
    pub unbinding: f64,
    /// Internalisation of bound particles, 1/min.
    pub internalisation: f64,
    /// Payload release inside cells (endosome/lysosome), 1/min.
    pub endosomal_release: f64,
    /// Payload release outside cells at pH 7.4, 1/min.
    pub release: f64,
    /// Payload release outside cells at pH ≈ 6.5 (hypoxic tumour), 1/min.
    pub release_acidic: f64,
    /// Radiation dose enhancement at saturating load (gold), 0 otherwise:
    /// the dose is multiplied by `1 + dose_enhancement·c/(c + enhancement_half)`.
    pub dose_enhancement: f64,
    /// Carrier concentration giving half of `dose_enhancement`, carrier
    /// unit (µM; for gold, µM of gold atoms, see [`GOLD_MOLAR_MASS`]).
    pub enhancement_half: f64,
    /// Plasma half-lives (fast, slow), min, for documentation and `check`.
    pub half_lives_min: (f64, f64),
}

/// First-order rate (1/min) of a process with half-time `minutes`.
const fn per_half_time(minutes: f64) -> f64 {
    LN_2 / minutes
}

const HOUR: f64 = 60.0;
const DAY: f64 = 24.0 * HOUR;

/// Gold, g/mol (IUPAC standard atomic weight 196.966570). Gold's carrier
/// unit is µM of gold atoms: `c` mg Au per g tissue (≈ per mL, density 1)
/// is `c·1e6/GOLD_MOLAR_MASS` µM, so 1 mg Au/g ≈ 5077 µM.
pub const GOLD_MOLAR_MASS: f64 = 196.966_570;

/// Binding of untargeted, PEG- (or dextran-) shielded particles per unit
/// live-cell density. Assumption: PEG suppresses protein adsorption and
/// cell uptake (Cho EC 2010, Small 6:517: uptake of gold by SK-BR-3 cells
/// ranks cationic ≫ antibody-targeted > PEG); 1e-3/min gives a binding
/// time of ≈ 1/(1e-3 × 0.5) ≈ 33 h in tissue half filled with live cells,
/// slow next to the hours particles spend in tumour interstitium.
const STEALTH_BINDING: f64 = 1e-3;
/// Unbinding of nonspecifically adsorbed particles. Assumption: reversible
/// weak adsorption with a residence of ≈ 1.2 h (t½ ≈ 70 min), so about a
/// third of bound particles are internalised before they come off.
const NONSPECIFIC_UNBINDING: f64 = 1e-2;
/// Internalisation of bound particles, t½ 2 h. Chithrani 2006 (Nano Lett
/// 6:662): uptake half-lives of 14, 50 and 74 nm gold in HeLa cells are
/// 2.10, 1.90 and 2.24 h; assumption: the same order for other classes of
/// 15–100 nm, since clathrin/caveolae endocytosis sets it more than the core.
const INTERNALISATION: f64 = per_half_time(2.0 * HOUR);
/// Enhancement half-constant of classes without dose enhancement: unused
/// (`dose_enhancement` is 0); 1, the scene default.
const NO_ENHANCEMENT_HALF: f64 = 1.0;

/// Ligand (folate) targeting gain on binding. Gabizon 2004 (Adv Drug Deliv
/// Rev 56:1177) review folate-PEG liposomes: in vitro they are bound and
/// taken up by folate-receptor-rich cells far more than untargeted PEG
/// liposomes, and in an ascitic model targeting shifts liposomes into the
/// cellular compartment; Kirpotin 2006 (Cancer Res 66:6732) found the same
/// for anti-HER2 liposomes: more cell uptake, unchanged tumour accumulation.
/// Assumption: × 10, an order of magnitude, conservative for tissue where
/// receptor expression is heterogeneous.
pub const TARGETING_GAIN: f64 = 10.0;

/// The class presets; see each entry for its sources.
pub const CLASSES: &[CarrierClass] = &[
    // PEGylated liposome (Doxil / Caelyx type).
    CarrierClass {
        name: "liposome",
        // Barenholz 2012 (J Control Release 160:117): Doxil 80–90 nm
        // diameter; rounded to the 100 nm of PEGylated liposomes in general
        // (the 50 nm of particle.rs's Stokes–Einstein check).
        radius_nm: 50.0,
        surface: "PEG",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Assumption: t½ 6 h. Doxil's drug sits as a doxorubicin-sulfate gel
        // in a rigid HSPC/cholesterol bilayer (Barenholz 2012) and leaves
        // lysosomes slowly, over hours rather than minutes.
        endosomal_release: per_half_time(6.0 * HOUR),
        // Assumption: leakage t½ 7 days. Gabizon 1994 (Cancer Res 54:987)
        // and Gabizon 2003 (Clin Pharmacokinet 42:419) find circulating
        // doxorubicin largely liposome-encapsulated over the ~2-day
        // circulation (Barenholz 2012: little leakage in plasma); with
        // t½ 7 d about 82% stays encapsulated after 2 days.
        release: per_half_time(7.0 * DAY),
        // Assumption: twice as fast (t½ 3.5 d). The ammonium-sulfate gradient
        // that holds the drug is not built to open at pH 6.5; mildly acidic
        // interstitium speeds leakage only modestly.
        release_acidic: per_half_time(3.5 * DAY),
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Gabizon 1994 (Cancer Res 54:987), human: t½α 3.2 h, t½β 45.2 h
        // (the liposomal_doxorubicin PK preset).
        half_lives_min: (3.2 * HOUR, 45.2 * HOUR),
    },
    // PLGA-PEG polymeric nanoparticle (e.g. docetaxel-loaded BIND-014 type).
    CarrierClass {
        name: "polymeric",
        // Hrkach 2012 (Sci Transl Med 4:128ra39): PLGA-PEG docetaxel
        // particles ≈ 100 nm diameter; Danhier 2012 (J Control Release
        // 161:505) reviews PLGA particles of 100–200 nm.
        radius_nm: 50.0,
        surface: "PEG",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Panyam 2002 (FASEB J 16:1217): PLGA particles escape
        // endo-lysosomes within ~10 min, but the payload still leaves the
        // matrix by diffusion. Assumption: t½ 4 h, faster than outside (1 d)
        // because the acidic, esterase-rich lysosome speeds hydrolysis.
        endosomal_release: per_half_time(4.0 * HOUR),
        // Assumption: first-order t½ 1 day, standing in for the diffusion /
        // erosion release over ~1–2 days typical of PLGA-PEG particles
        // (Danhier 2012, J Control Release 161:505; the initial burst is
        // not modelled).
        release: per_half_time(1.0 * DAY),
        // Assumption: 1.5× faster (t½ 16 h). Ester hydrolysis of PLGA is
        // acid-catalysed (Makadia & Siegel 2011, Polymers 3:1377), but pH
        // 6.5 against 7.4 changes it modestly.
        release_acidic: per_half_time(16.0 * HOUR),
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Assumption: (30 min, 10 h). PEG coating lengthens PLGA particle
        // circulation in mice from minutes to hours (Gref 1994, Science
        // 263:1600); no single human figure.
        half_lives_min: (30.0, 10.0 * HOUR),
    },
    // pH-sensitive polymeric micelle (NK911 / Genexol-PM size class).
    CarrierClass {
        name: "micelle",
        // Cabral 2011 (Nat Nanotechnol 6:815): 30 nm micelles penetrated
        // poorly permeable pancreatic tumours, 70 nm ones did not; NK911
        // and Genexol-PM are 20–50 nm.
        radius_nm: 15.0,
        surface: "PEG",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Bae Y 2003 (Angew Chem Int Ed 42:4640): hydrazone-linked
        // doxorubicin micelles are stable at pH 7.4 and release at
        // endosomal pH 5–6. Assumption: t½ 30 min in endosomes, faster than
        // the extracellular acidic rate since the pH is lower.
        endosomal_release: per_half_time(30.0),
        // Assumption: t½ 12 h. Micelles dissociate below their critical
        // micelle concentration and physically loaded drug partitions into
        // plasma proteins, so they leak far faster than liposomes.
        release: per_half_time(12.0 * HOUR),
        // Lee ES, Na K, Bae YH 2003 (J Control Release 91:103):
        // poly(L-histidine)-PEG micelles destabilise and release fast below
        // pH ≈ 7.0–6.8, the tumour extracellular range. Assumption: t½ 1 h.
        release_acidic: per_half_time(1.0 * HOUR),
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Assumption: (30 min, 10 h), shorter-lived than liposomes because
        // of dissociation in plasma.
        half_lives_min: (30.0, 10.0 * HOUR),
    },
    // PAMAM dendrimer, generation 5.
    CarrierClass {
        name: "dendrimer",
        // Kukowska-Latallo 2005 (Cancer Res 65:5317): G5 PAMAM carriers
        // ≈ 5 nm across; G5 is ≈ 5.4 nm in diameter (Tomalia's series).
        radius_nm: 2.7,
        // Acetylated surface as in Kukowska-Latallo 2005: neutralised amines
        // bind cells unspecifically no more than PEG does.
        surface: "acetylated",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Assumption: t½ 2 h. Interior tertiary amines (pKa ≈ 6; Cakara
        // 2003, Macromolecules 36:4201) protonate in endosomes and swell
        // the dendrimer (proton-sponge effect).
        endosomal_release: per_half_time(2.0 * HOUR),
        // Assumption: t½ 12 h for drug held non-covalently or by labile
        // linkers; amide conjugates (Kukowska-Latallo 2005) release slower.
        release: per_half_time(12.0 * HOUR),
        // Assumption: twice as fast (t½ 6 h), the tertiary amines being
        // partly protonated at pH 6.5.
        release_acidic: per_half_time(6.0 * HOUR),
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Assumption: (10 min, 2 h). At ≈ 5.4 nm, G5 sits at the renal
        // filtration threshold of ≈ 5.5 nm hydrodynamic diameter (Choi 2007,
        // Nat Biotechnol 25:1165), so it leaves plasma fast.
        half_lives_min: (10.0, 2.0 * HOUR),
    },
    // PEG-coated gold nanoparticle: a radiosensitiser, no drug.
    CarrierClass {
        name: "gold",
        // Core ≈ 15 nm (the 14 nm citrate gold of Chithrani 2006); a 2–5 kDa
        // PEG shell adds ≈ 5 nm per side. Assumption: hydrodynamic diameter
        // 25 nm.
        radius_nm: 12.5,
        surface: "PEG",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        // Chithrani 2006 (Nano Lett 6:662): uptake t½ 2.10 h for 14 nm gold.
        internalisation: per_half_time(2.10 * HOUR),
        // No payload: gold releases nothing inside or outside cells.
        endosomal_release: 0.0,
        release: 0.0,
        release_acidic: 0.0,
        // Hainfeld 2004 (Phys Med Biol 49:N309): 1.9 nm gold at 7 mg Au/g
        // tumour with 250 kVp X-rays gave 86% one-year survival in mice
        // against 20% for radiation alone; Monte Carlo (Cho 2005, Phys Med
        // Biol 50:3491) puts the physical enhancement at kV energies at tens
        // of percent at that load. Assumption: enhancement 1.0 at saturating
        // load, half of it (0.5, dose × 1.5) at 7 mg Au/g: a kV-beam figure.
        // MV beams give far less (Mesbahi 2013, BioImpacts 3:29: < 3% at 6
        // and 18 MV); scenes with MV beams should set it near 0.02. A
        // saturating law is a simplification: the physical dose gain rises
        // roughly linearly with gold mass fraction.
        dose_enhancement: 1.0,
        // 7 mg Au per g tissue in µM of gold atoms (≈ 35 540 µM), density 1.
        enhancement_half: 7.0 / GOLD_MOLAR_MASS * 1e6,
        // Assumption: (1 h, 12 h), mouse order. Zhang 2009 (Biomaterials
        // 30:1928): 20 nm gold with PEG 5000 was cleared slowest of 20–80 nm.
        half_lives_min: (1.0 * HOUR, 12.0 * HOUR),
    },
    // Superparamagnetic iron oxide (ferumoxytol-like), release by magnetic
    // hyperthermia (a scene `trigger`).
    CarrierClass {
        name: "iron_oxide",
        // Ferumoxytol: ≈ 30 nm hydrodynamic diameter, carboxymethyl-dextran
        // coat (Landry 2005, Am J Nephrol 25:400; Feraheme label).
        radius_nm: 15.0,
        surface: "dextran",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Assumption: t½ 6 h for payload adsorbed or conjugated to the
        // coat; lysosomes strip the dextran over hours (the core itself
        // dissolves over days).
        endosomal_release: per_half_time(6.0 * HOUR),
        // Assumption: t½ 5 days. Thermoresponsive coats hold their payload
        // at 37 °C and release it when an alternating magnetic field heats
        // the cores (Kumar & Mohammad 2011, Adv Drug Deliv Rev 63:789); the
        // triggered rate is the scene's `trigger.release`.
        release: per_half_time(5.0 * DAY),
        // Assumption: no pH gating, the same as at pH 7.4.
        release_acidic: per_half_time(5.0 * DAY),
        // Iron (Z = 26) adds no useful dose enhancement.
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Landry 2005 / Feraheme label: human plasma t½ ≈ 15 h (one phase,
        // capacity-limited); both entries set to it.
        half_lives_min: (15.0 * HOUR, 15.0 * HOUR),
    },
    // Mesoporous silica with pH-gated pores.
    CarrierClass {
        name: "silica",
        // Slowing 2008 (Adv Drug Deliv Rev 60:1278): MSN drug carriers
        // ≈ 100–200 nm; assumption: 100 nm diameter.
        radius_nm: 50.0,
        surface: "PEG",
        binding: STEALTH_BINDING,
        unbinding: NONSPECIFIC_UNBINDING,
        internalisation: INTERNALISATION,
        // Meng 2010 (J Am Chem Soc 132:12690): pH-sensitive nanovalves on
        // MSN stay shut at pH 7.4 and open in acidic endosomes, releasing
        // doxorubicin inside cells. Assumption: t½ 1 h there.
        endosomal_release: per_half_time(1.0 * HOUR),
        // Assumption: t½ 7 days: capped pores are designed for near-zero
        // premature release (Slowing 2008).
        release: per_half_time(7.0 * DAY),
        // Assumption: t½ 1 day at pH 6.5: the valves open fully only at
        // endosomal pH (≈ 5–6), so tumour interstitium opens them in part.
        release_acidic: per_half_time(1.0 * DAY),
        dose_enhancement: 0.0,
        enhancement_half: NO_ENHANCEMENT_HALF,
        // Assumption: (30 min, 5 h). Silica particles are taken up by liver
        // and spleen faster than PEG liposomes; PEGylation slows it (He
        // 2011, Small 7:271).
        half_lives_min: (30.0, 5.0 * HOUR),
    },
];

/// The class preset called `name`, if any (see [`names`]).
pub fn class(name: &str) -> Option<&'static CarrierClass> {
    CLASSES.iter().find(|c| c.name == name)
}

/// Names of all classes, in [`CLASSES`] order (for error messages).
pub fn names() -> Vec<&'static str> {
    CLASSES.iter().map(|c| c.name).collect()
}

/// A ligand-targeted variant of `c`: binding × [`TARGETING_GAIN`] and
/// surface "folate-PEG"; everything else as `c`.
pub fn targeted(c: &CarrierClass) -> CarrierClass {
    CarrierClass { binding: c.binding * TARGETING_GAIN, surface: "folate-PEG", ..*c }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(c: &CarrierClass) -> [f64; 8] {
        [
            c.binding,
            c.unbinding,
            c.internalisation,
            c.endosomal_release,
            c.release,
            c.release_acidic,
            c.dose_enhancement,
            c.enhancement_half,
        ]
    }

    #[test]
    fn classes_are_physical() {
        assert_eq!(CLASSES.len(), 7);
        for c in CLASSES {
            assert!(c.radius_nm.is_finite() && c.radius_nm > 0.0, "{}", c.name);
            for r in rates(c) {
                assert!(r.is_finite() && r >= 0.0, "{}: {r}", c.name);
            }
            assert!(c.enhancement_half > 0.0, "{}", c.name);
            let (fast, slow) = c.half_lives_min;
            assert!(fast.is_finite() && fast > 0.0 && fast <= slow && slow.is_finite(), "{}", c.name);
            assert!(!c.surface.is_empty(), "{}", c.name);
            // Cell kinetics no faster than about a minute: keeps the
            // kinetics sub-step count small.
            assert!(rates(c)[..6].iter().all(|&r| r < 0.1), "{}", c.name);
        }
    }

    #[test]
    fn names_unique_and_found() {
        let n = names();
        assert_eq!(n, ["liposome", "polymeric", "micelle", "dendrimer", "gold", "iron_oxide", "silica"]);
        for (i, a) in n.iter().enumerate() {
            assert!(n[i + 1..].iter().all(|b| a != b), "{a} twice");
            assert_eq!(class(a).map(|c| c.name), Some(*a));
        }
        assert!(class("quantum_dot").is_none() && class("").is_none() && class("Gold").is_none());
    }

    #[test]
    fn gold_enhances_dose_and_releases_nothing() {
        let g = class("gold").unwrap();
        assert!(g.dose_enhancement > 0.0);
        assert_eq!((g.release, g.release_acidic, g.endosomal_release), (0.0, 0.0, 0.0));
        // 7 mg Au/g in µM of gold atoms.
        assert!((g.enhancement_half - 35_539.0).abs() < 1.0, "{}", g.enhancement_half);
        for c in CLASSES.iter().filter(|c| c.name != "gold") {
            assert_eq!(c.dose_enhancement, 0.0, "{}", c.name);
        }
    }

    #[test]
    fn sizes_ordered() {
        let r = |n| class(n).unwrap().radius_nm;
        assert!(r("micelle") < r("liposome"));
        assert!(r("dendrimer") < r("gold") && r("gold") < r("micelle"));
        assert!(r("dendrimer") < 3.0, "G5 PAMAM is ≈ 5 nm across");
    }

    #[test]
    fn acidic_release_not_slower() {
        for c in CLASSES {
            assert!(c.release_acidic >= c.release, "{}", c.name);
        }
        for n in ["liposome", "polymeric", "micelle", "dendrimer", "silica"] {
            let c = class(n).unwrap();
            assert!(c.release_acidic > c.release, "{n} is pH-sensitive");
        }
        let m = class("micelle").unwrap();
        assert!(m.release_acidic >= 10.0 * m.release, "pH-sensitive micelles open below pH 6.8");
        // Doxil leaks over days at pH 7.4.
        let l = class("liposome").unwrap();
        assert!(LN_2 / l.release > 2.0 * DAY);
    }

    #[test]
    fn targeted_only_raises_binding() {
        for c in CLASSES {
            let t = targeted(c);
            assert_eq!(t.binding, c.binding * TARGETING_GAIN, "{}", c.name);
            assert!(t.binding > c.binding);
            assert_eq!(t.surface, "folate-PEG");
            assert_eq!(CarrierClass { binding: c.binding, surface: c.surface, ..t }, *c, "{}", c.name);
        }
    }
}
