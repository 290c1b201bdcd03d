//! Resistance mechanisms one at a time, and the countermeasure of each.
//!
//! Each drug test holds wells: voxels of a row with no diffusion between
//! them (`diffusion = 0`), each its own closed, well-mixed culture. Every
//! well starts with the same cells; the wells differ only in what is given
//! at t = 0 (free drug, inhibitor, carriers, or the oxygen level). The test
//! writes those fields, calls the kinetics operator every 15 min for 48 h
//! on every backend, and reads each phenotype's survival `n(48 h)/n(0)`
//! (it can exceed 1: cells grow, doubling in 48 h at most).
//!
//! The drug is a bolus of 5 µM left in the closed well (no washout): an in
//! vitro exposure. It is slowly permeating (passive influx 0.005/min,
//! uptake t½ ≈ 2.3 h), EC50 1 µM, Hill 2, E_max 0.002/min. Both phenotypes
//! of a test share one well and every parameter but the one mechanism. The
//! rate laws are in `src/model/cells.rs`; every parameter here is a test
//! assumption chosen to sit in a plausible range, not a measurement.
//!
//! The radiotherapy tests check one fraction against the closed-form
//! linear-quadratic survival with oxygen modification and gold dose
//! enhancement (`lq_survival`).

mod common;

use common::{backends, scene, setup};
use oncovox::model::cells::lq_survival;
use oncovox::scene::Validated;
use oncovox::solver::Scheduler;

/// Exposure, min.
const EXPOSURE: f64 = 48.0 * 60.0;
/// Kinetics interval and transport step, min.
const INTERVAL: f64 = 15.0;
/// Free drug given per well, µM; carriers carry the same amount.
const DOSE: f64 = 5.0;
/// Growth with ample oxygen and room: doubling in 48 h, 1/min.
const GROWTH: f64 = std::f64::consts::LN_2 / 2880.0;
/// Survival bounds: the free dose clears the sensitive phenotype (below
/// `CLEARED`) and spares the resistant one (above `SPARED`); a
/// countermeasure at least halves the resistant survival.
const CLEARED: f64 = 0.05;
const SPARED: f64 = 0.5;
const MARGIN: f64 = 0.5;

/// A row of `wells` voxels, all tumour; species have no diffusion, so each
/// voxel is a closed culture (no decay: nothing washes out).
fn wells_scene(wells: usize, species: &[&str], cells: &str) -> String {
    let mut sp = String::new();
    for name in species {
        sp += &format!("[[species]]\nname = \"{name}\"\ndiffusion = 0.0\n");
    }
    let x = 20 * wells;
    format!(
        r#"
[grid]
shape = [{wells}, 1, 1]
dx = 20.0
[time]
dt = {INTERVAL}
duration = {EXPOSURE}
{sp}
[[regions]]
name = "tumour"
box = {{ min = [0, 0, 0], max = [{x}, 20, 20] }}
tissue = "tumour"
{cells}
"#
    )
}

/// The `[cells]` header of the drug tests: oxygen fixed (no consumption),
/// no spread between wells, kinetics every 15 min.
fn cells_header(extra: &str) -> String {
    format!(
        r#"
[cells]
oxygen = "oxygen"
drug = "drug"
interval = {INTERVAL}
o2_consumption = 0.0
spread = 0.0
{extra}
"#
    )
}

/// A phenotype with the shared drug handling of every test plus `extra`.
fn phenotype(name: &str, extra: &str) -> String {
    format!(
        r#"
[[cells.phenotype]]
name = "{name}"
initial = 0.05
growth = {GROWTH}
influx = 0.005
emax = 0.002
ec50 = 1.0
hill = 2.0
{extra}
"#
    )
}

/// A liposome that binds cells (t½ ≈ 2.3 h at 10 % live density), is
/// internalised (t½ ≈ 70 min) and releases its payload inside over hours
/// (t½ ≈ 6 h, the liposome preset's endosomal release), leaking little
/// outside (t½ ≈ 4.8 days); `extra` sets its loads.
fn liposome(species: &str, extra: &str) -> String {
    format!(
        r#"
[[cells.carrier]]
species = "{species}"
binding = 0.05
unbinding = 0.0
internalisation = 0.01
endosomal_release = 0.002
release = 1.0e-4
{extra}
"#
    )
}

/// Survival `n(end)/n(0)` per backend, well and phenotype, after `fields`
/// (species name, value per well) are written and the kinetics run for
/// `EXPOSURE`.
fn expose(test: &str, toml: &str, fields: &[(&str, Vec<f64>)]) -> Vec<(&'static str, Vec<Vec<f64>>)> {
    let v = scene(toml);
    let (plan, world) = setup(&v);
    let cp = plan.cells.as_ref().unwrap();
    let l = cp.kinetics.layout;
    let n = plan.grid.len();
    let calls = (EXPOSURE / cp.h).round() as usize;
    let mut out = Vec::new();
    for (name, mut b) in backends(&plan, &world, test) {
        for (species, values) in fields {
            let s = v.scene.species_index(species).unwrap();
            assert_eq!(values.len(), n);
            b.write_field(s, &values.iter().map(|&x| x as f32).collect::<Vec<_>>()).unwrap();
        }
        let before = b.read_cells().unwrap();
        for _ in 0..calls {
            b.cell_kinetics(0);
        }
        let after = b.read_cells().unwrap();
        let survival = (0..n)
            .map(|w| {
                (0..l.phenotypes)
                    .map(|k| after[l.density(k) * n + w] as f64 / before[l.density(k) * n + w] as f64)
                    .collect()
            })
            .collect();
        out.push((name, survival));
    }
    out
}

/// The free-drug well clears the sensitive phenotype (0) and spares the
/// resistant one (1).
fn assert_selective(test: &str, backend: &str, free: &[f64]) {
    assert!(
        free[0] < CLEARED,
        "{test} on {backend}: sensitive survival {:.4} under free drug, want < {CLEARED}",
        free[0]
    );
    assert!(
        free[1] > SPARED,
        "{test} on {backend}: resistant survival {:.4} under free drug, want > {SPARED}",
        free[1]
    );
}

/// `with` is at most `MARGIN` times `without`.
fn assert_countered(test: &str, backend: &str, what: &str, without: f64, with: f64) {
    assert!(
        with < MARGIN * without,
        "{test} on {backend}: {what} leaves resistant survival {with:.4}, want < {MARGIN} × {without:.4}"
    );
}

/// P-glycoprotein efflux (`pump_vmax` 0.1 µM/min, K_m 1 µM) alone. Free
/// drug: the pump keeps the resistant cells' drug near 0.3 µM while the
/// sensitive ones reach ≈ 5 µM (passive influx at 5 µM, 0.025 µM/min, is
/// well below the pump's V_max). Countermeasures, each in its own well:
/// the inhibitor at 4 × `inhibitor_ki` (0.2 µM, constant: nothing takes it
/// up or clears it; the pump slowed fivefold), and the same 5 µM of drug
/// in liposomes that release it inside the cells, faster than the
/// saturated pump can return it.
#[test]
fn pgp_efflux_is_countered_by_the_inhibitor_and_by_intracellular_release() {
    let test = "P-gp efflux";
    let cells = cells_header("inhibitor = \"inhibitor\"\ninhibitor_ki = 0.05")
        + &phenotype("sensitive", "")
        + &phenotype("resistant", "pump_vmax = 0.1\npump_km = 1.0")
        + &liposome("liposome", "");
    let species = ["oxygen", "drug", "inhibitor", "liposome"];
    let toml = wells_scene(3, &species, &cells);
    let fields = [
        ("oxygen", vec![40.0; 3]),
        ("drug", vec![DOSE, DOSE, 0.0]),
        ("inhibitor", vec![0.0, 4.0 * 0.05, 0.0]),
        ("liposome", vec![0.0, 0.0, DOSE]),
    ];
    for (b, s) in expose(test, &toml, &fields) {
        eprintln!(
            "{test} on {b}: survival sensitive {:.4}, resistant {:.4} (free drug); resistant {:.4} with \
             inhibitor, {:.4} with intracellular release (sensitive {:.4}, {:.4})",
            s[0][0], s[0][1], s[1][1], s[2][1], s[1][0], s[2][0]
        );
        assert_selective(test, b, &s[0]);
        assert_countered(test, b, "the inhibitor", s[0][1], s[1][1]);
        assert_countered(test, b, "intracellular release", s[0][1], s[2][1]);
    }
}

/// Bcl-2 overexpression alone: the resistant EC50 is 10 × higher
/// (`bcl2 = 10`). Countermeasure: Bcl-2 siRNA delivered by a carrier
/// (`sirna_load`), which knocks the EC50 back towards the sensitive one.
/// Two pairings, each differing only in the siRNA: free drug with or
/// without an siRNA-only carrier (`drug_load = 0`), and the drug in
/// liposomes with or without the same siRNA co-loaded (10 units of siRNA
/// per well in both cases).
#[test]
fn bcl2_is_countered_by_sirna() {
    let test = "Bcl-2";
    let cells = cells_header("sirna_half = 1.0")
        + &phenotype("sensitive", "")
        + &phenotype("resistant", "bcl2 = 10.0")
        + &liposome("sirna_np", "drug_load = 0.0\nsirna_load = 10.0")
        + &liposome("liposome", "")
        + &liposome("liposome_sirna", &format!("sirna_load = {}", 10.0 / DOSE));
    let species = ["oxygen", "drug", "sirna_np", "liposome", "liposome_sirna"];
    let toml = wells_scene(4, &species, &cells);
    let fields = [
        ("oxygen", vec![40.0; 4]),
        ("drug", vec![DOSE, DOSE, 0.0, 0.0]),
        ("sirna_np", vec![0.0, 1.0, 0.0, 0.0]),
        ("liposome", vec![0.0, 0.0, DOSE, 0.0]),
        ("liposome_sirna", vec![0.0, 0.0, 0.0, DOSE]),
    ];
    for (b, s) in expose(test, &toml, &fields) {
        eprintln!(
            "{test} on {b}: survival sensitive {:.4}, resistant {:.4} (free drug); resistant {:.4} with siRNA \
             carrier; liposomal drug: resistant {:.4} without siRNA, {:.4} co-loaded",
            s[0][0], s[0][1], s[1][1], s[2][1], s[3][1]
        );
        assert_selective(test, b, &s[0]);
        assert_countered(test, b, "the siRNA carrier", s[0][1], s[1][1]);
        assert_countered(test, b, "co-loaded siRNA", s[2][1], s[3][1]);
    }
}

/// Hypoxia alone. One phenotype and a cycle-specific drug
/// (`cycle_specificity = 0.98`: the kill needs proliferating cells, and
/// proliferation follows `O/(5 mmHg + O)`), so the same cells are
/// compared in three wells that differ only in oxygen: 40 mmHg (oxic, the
/// "sensitive" case), 0.5 mmHg (hypoxic, the "resistant" case: the cells
/// hardly cycle) and 20 mmHg (the hypoxic well oxygenated, e.g. by
/// carbogen breathing: the countermeasure). Necrosis is switched off so
/// that only the drug kills: at 0.5 mmHg the model's anoxic necrosis would
/// otherwise kill the hypoxic cells by itself, a separate effect.
#[test]
fn hypoxia_is_countered_by_oxygenation() {
    let test = "hypoxia";
    let cells = cells_header("necrosis_rate = 0.0") + &phenotype("cells", "cycle_specificity = 0.98");
    let toml = wells_scene(3, &["oxygen", "drug"], &cells);
    let fields = [("oxygen", vec![40.0, 0.5, 20.0]), ("drug", vec![DOSE; 3])];
    for (b, s) in expose(test, &toml, &fields) {
        let (oxic, hypoxic, oxygenated) = (s[0][0], s[1][0], s[2][0]);
        eprintln!(
            "{test} on {b}: survival {oxic:.4} at 40 mmHg, {hypoxic:.4} at 0.5 mmHg, {oxygenated:.4} when \
             oxygenated to 20 mmHg"
        );
        assert_selective(test, b, &[oxic, hypoxic]);
        assert_countered(test, b, "oxygenation", hypoxic, oxygenated);
    }
}

/// Drug deactivation alone (`deactivation = 0.05`/min, e.g. glutathione
/// conjugation): passive influx at the free dose's concentration E can hold
/// only `c = P·E/(P + k_d)` ≈ E/11 in the resistant cells, and the
/// deactivation drains the well's drug. Countermeasure: intracellular
/// release — the same 5 µM in liposomes released inside the cells, which
/// raises the intracellular concentration well above what passive influx
/// can sustain against first-order deactivation; the Hill-type kill
/// rewards that. The model has no deactivation inhibitor (such as
/// buthionine sulfoximine for glutathione), so this is the countermeasure
/// it supports.
#[test]
fn deactivation_is_countered_by_intracellular_release() {
    let test = "deactivation";
    let cells = cells_header("")
        + &phenotype("sensitive", "")
        + &phenotype("resistant", "deactivation = 0.05")
        + &liposome("liposome", "");
    let toml = wells_scene(2, &["oxygen", "drug", "liposome"], &cells);
    let fields = [("oxygen", vec![40.0; 2]), ("drug", vec![DOSE, 0.0]), ("liposome", vec![0.0, DOSE])];
    for (b, s) in expose(test, &toml, &fields) {
        eprintln!(
            "{test} on {b}: survival sensitive {:.4}, resistant {:.4} (free drug); resistant {:.4} with \
             intracellular release (sensitive {:.4})",
            s[0][0], s[0][1], s[1][1], s[1][0]
        );
        assert_selective(test, b, &s[0]);
        assert_countered(test, b, "intracellular release", s[0][1], s[1][1]);
    }
}

/// A grid of oxygen levels (along x) and gold loads (along y) for the
/// radiotherapy tests: two phenotypes of different radiosensitivity, a
/// gold carrier of the `gold` class (dose enhancement 1 at saturating load,
/// half of it at 7 mg Au/g ≈ 35 540 µM of gold atoms), OER 2.8 with half
/// effect at 2.5 mmHg. No growth and no necrosis: only radiation changes
/// the densities.
fn radiotherapy_scene(oxygen: &[f64], gold: &[f64]) -> Validated {
    let (nx, ny) = (oxygen.len(), gold.len());
    let toml = format!(
        r#"
[grid]
shape = [{nx}, {ny}, 1]
dx = 20.0
[time]
dt = 10.0
duration = 120.0
[[species]]
name = "oxygen"
diffusion = 0.0
[[species]]
name = "gold"
diffusion = 0.0
[[regions]]
name = "tumour"
box = {{ min = [0, 0, 0], max = [{}, {}, 20] }}
tissue = "tumour"
[cells]
oxygen = "oxygen"
interval = 10.0
o2_consumption = 0.0
spread = 0.0
necrosis_rate = 0.0
[[cells.phenotype]]
name = "early"
initial = 0.3
growth = 0.0
alpha = 0.3
beta = 0.03
[[cells.phenotype]]
name = "late"
initial = 0.2
growth = 0.0
alpha = 0.15
beta = 0.05
[[cells.carrier]]
species = "gold"
class = "gold"
drug_load = 0.0
[cells.radiotherapy]
times = [60.0]
dose = 2.0
oer_max = 2.8
oer_k = 2.5
"#,
        20 * nx,
        20 * ny
    );
    scene(&toml)
}

/// Oxygen and gold per voxel of the radiotherapy grid, x fastest.
fn radiotherapy_fields(oxygen: &[f64], gold: &[f64]) -> (Vec<f32>, Vec<f32>) {
    let o = gold.iter().flat_map(|_| oxygen.iter().map(|&x| x as f32)).collect();
    let g = gold.iter().flat_map(|&g| oxygen.iter().map(move |_| g as f32)).collect();
    (o, g)
}

/// One fraction of 2 Gy and one of 8 Gy (each from the same state) leave
/// each phenotype at `lq_survival` of its density within 1e-5 relative, at
/// oxygen from anoxic to well oxygenated and gold from none to beyond half
/// saturation, on every backend.
#[test]
fn one_fraction_matches_the_linear_quadratic_survival() {
    let test = "radiotherapy LQ";
    let oxygen = [0.0, 0.5, 2.5, 10.0, 60.0];
    let gold = [0.0, 10_000.0, 35_540.0, 150_000.0];
    let v = radiotherapy_scene(&oxygen, &gold);
    let (plan, world) = setup(&v);
    let c = v.scene.cells.as_ref().unwrap();
    let (rt, gc) = (c.radiotherapy.as_ref().unwrap(), &c.carriers[0]);
    let (de, half) = (gc.dose_enhancement.unwrap(), gc.enhancement_half.unwrap());
    assert!(de > 0.0, "the gold class enhances the dose");
    let l = plan.cells.as_ref().unwrap().kinetics.layout;
    let n = plan.grid.len();
    let (o2, au) = radiotherapy_fields(&oxygen, &gold);
    for (name, mut b) in backends(&plan, &world, test) {
        b.write_field(v.scene.species_index("oxygen").unwrap(), &o2).unwrap();
        b.write_field(v.scene.species_index("gold").unwrap(), &au).unwrap();
        let before = b.read_cells().unwrap();
        let mut worst = 0.0f64;
        for dose in [2.0f32, 8.0] {
            b.write_cells(&before).unwrap();
            b.irradiate(dose);
            let after = b.read_cells().unwrap();
            for (k, ph) in c.phenotypes.iter().enumerate() {
                for i in 0..n {
                    let load = au[i] as f64;
                    let def = 1.0 + de * load / (load + half);
                    let want = lq_survival(ph.alpha, ph.beta, dose as f64, o2[i] as f64, rt.oer_max, rt.oer_k, def);
                    let got = after[l.density(k) * n + i] as f64 / before[l.density(k) * n + i] as f64;
                    let rel = (got - want).abs() / want;
                    assert!(
                        rel < 1e-5,
                        "{test} on {name}: {} at {} mmHg, gold {load} µM, {dose} Gy: survival {got}, LQ {want}",
                        ph.name,
                        o2[i],
                    );
                    worst = worst.max(rel);
                }
            }
        }
        eprintln!(
            "{test} on {name}: {} survivals (2 phenotypes × {} oxygen × {} gold × 2 doses) within {worst:.2e} \
             relative of the closed form",
            2 * n * 2,
            oxygen.len(),
            gold.len()
        );
    }
}

/// Hypoxic cells survive a fraction better than oxic ones: one 2 Gy
/// fraction given by the scheduler (the scene's `radiotherapy.times`),
/// without gold; survival falls monotonically with oxygen, the anoxic
/// voxel keeps at least 1.3 × the well-oxygenated one's survival, and each
/// value is the closed form (no growth or other death in this scene).
#[test]
fn hypoxic_cells_survive_a_fraction_better_than_oxic_ones() {
    let test = "radiotherapy OER";
    let oxygen = [0.0, 1.0, 5.0, 20.0, 60.0];
    let v = radiotherapy_scene(&oxygen, &[0.0]);
    let (plan, world) = setup(&v);
    let c = v.scene.cells.as_ref().unwrap();
    let rt = c.radiotherapy.as_ref().unwrap();
    let l = plan.cells.as_ref().unwrap().kinetics.layout;
    let n = plan.grid.len();
    let (o2, _) = radiotherapy_fields(&oxygen, &[0.0]);
    let steps = (v.scene.time.duration / v.scene.time.dt).round() as u64;
    for (name, b) in backends(&plan, &world, test) {
        let mut s = Scheduler::new(plan.clone(), b);
        s.backend.write_field(v.scene.species_index("oxygen").unwrap(), &o2).unwrap();
        let before = s.read_cells().unwrap();
        s.advance(steps).unwrap();
        let after = s.read_cells().unwrap();
        for (k, ph) in c.phenotypes.iter().enumerate() {
            let surv: Vec<f64> =
                (0..n).map(|i| after[l.density(k) * n + i] as f64 / before[l.density(k) * n + i] as f64).collect();
            eprintln!(
                "{test} on {name}: {} after {} Gy: survival {} at {:?} mmHg",
                ph.name,
                rt.dose,
                surv.iter().map(|s| format!("{s:.4}")).collect::<Vec<_>>().join(", "),
                oxygen
            );
            for i in 0..n {
                let want = lq_survival(ph.alpha, ph.beta, rt.dose, oxygen[i], rt.oer_max, rt.oer_k, 1.0);
                assert!(
                    (surv[i] - want).abs() < 1e-5 * want,
                    "{test} on {name}: {} at {} mmHg: survival {}, LQ {want}",
                    ph.name,
                    oxygen[i],
                    surv[i]
                );
            }
            for i in 1..n {
                assert!(surv[i] < surv[i - 1], "{test} on {name}: survival does not fall with oxygen: {surv:?}");
            }
            assert!(
                surv[0] > 1.3 * surv[n - 1],
                "{test} on {name}: {} anoxic survival {:.4} is not clearly above the oxic {:.4}",
                ph.name,
                surv[0],
                surv[n - 1]
            );
        }
    }
}
