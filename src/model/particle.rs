//! Particle (solute) radius → transport parameters: free diffusion
//! (Stokes–Einstein), interstitial hindrance (Ogston fibre matrix) and
//! vessel-wall permeability and reflection (Renkin pore theory).
//!
//! Radii are hydrodynamic (Stokes) radii in nm; diffusivities in µm²/min;
//! permeabilities in µm/min. The walls' hydraulic conductivity `L_p` is a
//! per-vessel-kind input, not derived here.
//!
//! Out-of-domain numbers (negative radii, NaN) give NaN rather than a panic;
//! scene validation keeps them out.

/// Boltzmann constant, J/K (exact in the 2019 SI).
pub const BOLTZMANN: f64 = 1.380649e-23;
/// Body temperature, 37 °C in K.
pub const BODY_TEMPERATURE: f64 = 310.15;
/// Viscosity of interstitial fluid, Pa·s: taken as water at 37 °C
/// (0.6913 mPa·s, CRC Handbook). With it a 50 nm radius gives
/// D = 6.57e-8 cm²/s, the ≈ 6.6e-8 cm²/s quoted for 100 nm liposomes.
pub const INTERSTITIAL_VISCOSITY: f64 = 0.6913e-3;
/// 1 m²/s in µm²/min (1e12 µm²/m² × 60 s/min).
const M2_PER_S: f64 = 6e13;

/// Stokes–Einstein free diffusivity `D = k_B·T/(6π·η·r)` in µm²/min, for a
/// sphere of radius `radius_nm` > 0 (nm) at `temperature` (K) in a fluid of
/// viscosity `viscosity` (Pa·s). NaN unless all three are > 0.
pub fn free_diffusion(radius_nm: f64, temperature: f64, viscosity: f64) -> f64 {
    if !(radius_nm > 0.0 && temperature > 0.0 && viscosity > 0.0) {
        return f64::NAN;
    }
    BOLTZMANN * temperature / (6.0 * std::f64::consts::PI * viscosity * radius_nm * 1e-9) * M2_PER_S
}

/// Default fibre volume fraction of tumour interstitium (collagen).
/// Assumption: tumour collagen is a few percent of tissue volume; Pluen et
/// al. 2001 (PNAS 98:4628) found interstitial hindrance in tumours follows
/// collagen content rather than glycosaminoglycans, hence collagen fibres.
pub const TUMOUR_FIBRE_FRACTION: f64 = 0.02;
/// Default fibre radius, nm: collagen fibrils about 40 nm thick
/// (assumption; fibrils range over tens of nm).
pub const COLLAGEN_FIBRE_RADIUS_NM: f64 = 20.0;

/// Ogston fibre-matrix hindrance `D_t/D_free = exp(−√φ·(1 + r/r_f))`
/// (Ogston, Preston & Wells 1973, Proc R Soc Lond A 333:297; the form used
/// by Pluen et al. 2001), for a sphere of radius `radius_nm` ≥ 0 in a random
/// matrix of straight fibres of radius `fibre_radius_nm` > 0 at volume
/// fraction `fibre_fraction` in [0, 1]. Dimensionless, falls with r; note
/// the model gives exp(−√φ), not 1, for a point solute; 1 when φ = 0.
pub fn ogston_hindrance(radius_nm: f64, fibre_fraction: f64, fibre_radius_nm: f64) -> f64 {
    if !(radius_nm >= 0.0 && (0.0..=1.0).contains(&fibre_fraction) && fibre_radius_nm > 0.0) {
        return f64::NAN;
    }
    (-fibre_fraction.sqrt() * (1.0 + radius_nm / fibre_radius_nm)).exp()
}

/// Steric partition coefficient `Φ = (1 − λ)²` of a sphere in a cylindrical
/// pore, `λ = r/r_pore` ≥ 0; 0 for λ ≥ 1.
pub fn pore_partition(lambda: f64) -> f64 {
    if lambda >= 1.0 { 0.0 } else { (1.0 - lambda).powi(2) }
}

/// Renkin's (1954) centreline wall-drag factor
/// `1 − 2.104λ + 2.09λ³ − 0.95λ⁵` (after Faxén); decreasing and > 0 on
/// [0, 1].
fn renkin_drag(lambda: f64) -> f64 {
    let l2 = lambda * lambda;
    1.0 - lambda * (2.104 - l2 * (2.09 - 0.95 * l2))
}

/// Diffusive hindrance `H(λ) = Φ·(1 − 2.104λ + 2.09λ³ − 0.95λ⁵)`: the
/// fraction of free diffusion a pore passes (Renkin 1954, J Gen Physiol
/// 38:225; reviewed by Deen 1987, AIChE J 33:1409). 1 at λ = 0, 0 for λ ≥ 1.
pub fn diffusive_hindrance(lambda: f64) -> f64 {
    if lambda >= 1.0 { 0.0 } else { pore_partition(lambda) * renkin_drag(lambda) }
}

/// Convective hindrance (sieving) `W(λ) = Φ·(2 − Φ)·(1 − 2.104λ + 2.09λ³ −
/// 0.95λ⁵)`: solute carried by pore flow relative to the fluid, with the
/// parabolic-profile partition `2Φ − Φ²` (Renkin 1954). 1 at λ = 0, 0 for
/// λ ≥ 1.
pub fn convective_hindrance(lambda: f64) -> f64 {
    if lambda >= 1.0 {
        0.0
    } else {
        let phi = pore_partition(lambda);
        phi * (2.0 - phi) * renkin_drag(lambda)
    }
}

/// A vessel wall as cylindrical pores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoreWall {
    /// Pore radius, nm.
    pub pore_radius_nm: f64,
    /// Pore area per unit wall area divided by the pore length, ε/L (1/µm).
    pub pore_fraction_per_length: f64,
}

/// Tumour vessels: pores 200 nm, the small end of the design notes'
/// 200–1200 nm (pore cut-offs of several hundred nm were measured in tumour
/// xenografts by Hobbs et al. 1998, PNAS 95:4607). ε/L calibrated (assumption)
/// so that a doxorubicin-sized solute (radius 0.6 nm, its Stokes–Einstein
/// D_free = 3.29e4 µm²/min at 37 °C) gets P = 160 µm/min, the Krogh-cord
/// value of the design notes. Small lipophilic drugs also cross through the
/// endothelial cells, so this pore area over-estimates what macromolecules
/// get (albumin comes out near 4e-5 cm/s against measured tumour values of
/// order 1e-7 cm/s): calibrate ε/L on a measured macromolecule, or give the
/// permeability directly, where absolute particle fluxes matter.
pub const TUMOUR_WALL: PoreWall = PoreWall { pore_radius_nm: 200.0, pore_fraction_per_length: 4.93e-3 };

/// Normal continuous capillaries: pores 6 nm (the 5–10 nm small-pore range
/// of the design notes). ε/L = 1e-3 /µm is an assumption of the order of
/// classic small-pore estimates (pore area ~0.1 % of the wall over a
/// ~0.5 µm cleft); it gives doxorubicin-sized solutes P ≈ 21 µm/min and
/// albumin (3.5 nm) P ≈ 2e-7 cm/s with σ ≈ 0.96.
pub const NORMAL_WALL: PoreWall = PoreWall { pore_radius_nm: 6.0, pore_fraction_per_length: 1e-3 };

impl PoreWall {
    /// A wall with its numbers checked: radius > 0, ε/L ≥ 0, both finite.
    pub fn new(pore_radius_nm: f64, pore_fraction_per_length: f64) -> Result<PoreWall, super::ParamError> {
        super::require_positive("pore_radius", pore_radius_nm, "nm")?;
        super::require_non_negative("pore_fraction", pore_fraction_per_length, "1/µm")?;
        Ok(PoreWall { pore_radius_nm, pore_fraction_per_length })
    }
}

/// Solute transport across a vessel wall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WallTransport {
    /// Diffusive permeability P, µm/min.
    pub permeability: f64,
    /// Solvent-drag reflection coefficient σ = 1 − W (0 passes freely with
    /// the fluid, 1 is fully reflected).
    pub reflection: f64,
}

/// Wall transport of a sphere of radius `radius_nm` (nm) with free-solution
/// diffusivity `d_free` (µm²/min; use [`free_diffusion`], the value the
/// default walls are calibrated with): `P = D_free·H(λ)·ε/L`,
/// `σ = 1 − W(λ)`, `λ = r/r_pore`. A particle at least as large as the
/// pores gets P = 0, σ = 1.
pub fn wall_transport(radius_nm: f64, d_free: f64, wall: &PoreWall) -> WallTransport {
    let lambda = radius_nm / wall.pore_radius_nm;
    if lambda.is_nan() || lambda < 0.0 {
        return WallTransport { permeability: f64::NAN, reflection: f64::NAN };
    }
    WallTransport {
        permeability: d_free * diffusive_hindrance(lambda) * wall.pore_fraction_per_length,
        reflection: 1.0 - convective_hindrance(lambda),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d37(r: f64) -> f64 {
        free_diffusion(r, BODY_TEMPERATURE, INTERSTITIAL_VISCOSITY)
    }

    #[test]
    fn stokes_einstein_liposome() {
        // 100 nm liposome (r = 50 nm): kT/(6πηr) = 6.5723e-12 m²/s.
        let d = d37(50.0);
        let cm2_per_s = d / 6e9;
        assert!((cm2_per_s - 6.5723e-8).abs() < 1e-12, "{cm2_per_s}");
        assert!((cm2_per_s / 6.6e-8 - 1.0).abs() < 0.01, "design notes quote ≈ 6.6e-8 cm²/s");
        assert!((d * 50.0 - d37(5.0) * 5.0).abs() < 1e-9 * d * 50.0, "D ∝ 1/r");
        assert!(free_diffusion(-1.0, BODY_TEMPERATURE, INTERSTITIAL_VISCOSITY).is_nan());
        assert!(free_diffusion(1.0, 0.0, INTERSTITIAL_VISCOSITY).is_nan());
    }

    #[test]
    fn ogston_falls_with_radius() {
        let (phi, rf) = (TUMOUR_FIBRE_FRACTION, COLLAGEN_FIBRE_RADIUS_NM);
        assert_eq!(ogston_hindrance(0.0, phi, rf), (-phi.sqrt()).exp());
        assert_eq!(ogston_hindrance(37.0, 0.0, rf), 1.0);
        let mut last = 1.0;
        for i in 0..200 {
            let h = ogston_hindrance(i as f64, phi, rf);
            assert!(h > 0.0 && h < last, "r = {i}");
            last = h;
        }
        assert!(ogston_hindrance(1.0, 1.5, rf).is_nan() && ogston_hindrance(-1.0, phi, rf).is_nan());
    }

    #[test]
    fn pore_hindrances_are_monotonic_and_vanish_at_the_pore_size() {
        assert_eq!((diffusive_hindrance(0.0), convective_hindrance(0.0)), (1.0, 1.0));
        let (mut h0, mut w0) = (1.0, 1.0);
        for i in 1..=1000 {
            let l = i as f64 / 1000.0;
            let (h, w) = (diffusive_hindrance(l), convective_hindrance(l));
            assert!(h < h0 && w < w0 && h >= 0.0 && w >= 0.0 && h <= w, "λ = {l}");
            (h0, w0) = (h, w);
        }
        assert_eq!((h0, w0), (0.0, 0.0));
        for l in [1.0, 1.5, 1e9, f64::INFINITY] {
            assert_eq!((diffusive_hindrance(l), convective_hindrance(l)), (0.0, 0.0));
        }
    }

    #[test]
    fn wall_transport_with_radius() {
        let (mut p0, mut s0) = (f64::INFINITY, -1.0);
        for i in 0..=250 {
            let r = i as f64;
            let t = wall_transport(r, d37(r.max(0.1)), &TUMOUR_WALL);
            assert!(t.permeability <= p0 && t.reflection >= s0 && (0.0..=1.0).contains(&t.reflection), "r = {r}");
            (p0, s0) = (t.permeability, t.reflection);
        }
        assert_eq!((p0, s0), (0.0, 1.0), "r ≥ r_pore is fully excluded");
        // The calibration of the tumour wall: doxorubicin-sized, P ≈ 160 µm/min.
        let dox = wall_transport(0.6, d37(0.6), &TUMOUR_WALL);
        assert!((dox.permeability - 160.0).abs() < 0.5 && dox.reflection < 0.01, "{dox:?}");
    }

    #[test]
    fn large_particles_leave_only_tumour_vessels() {
        for r in [15.0, 30.0] {
            let tumour = wall_transport(r, d37(r), &TUMOUR_WALL);
            let normal = wall_transport(r, d37(r), &NORMAL_WALL);
            assert!(tumour.permeability > 0.0 && tumour.reflection < 1.0, "{tumour:?}");
            assert_eq!((normal.permeability, normal.reflection), (0.0, 1.0));
        }
        let albumin = wall_transport(3.5, d37(3.5), &NORMAL_WALL);
        assert!((albumin.reflection - 0.96).abs() < 0.01, "{albumin:?}");
        assert!(PoreWall::new(0.0, 1e-3).is_err() && PoreWall::new(5.0, -1.0).is_err());
    }
}
