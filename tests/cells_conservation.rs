//! Every cell operator keeps densities and concentrations non-negative and
//! conserves drug: extracellular + intracellular + carried by free, bound
//! and internalised particles + deactivated, within 1e-4 relative, on
//! both backends. The spread also conserves cells.

mod common;

use common::{backends, random_field, scene, setup};
use oncovox::model::cells::{EXT_CARRIER0, EXT_DRUG};

const SCENE: &str = r#"
[grid]
shape = [9, 7, 6]
dx = 20.0
[time]
dt = 0.5
duration = 10.0
[[species]]
name = "oxygen"
diffusion = 1.0e5
initial = 8.0
[[species]]
name = "doxorubicin"
diffusion = 7000.0
initial = 1.0
[[species]]
name = "tariquidar"
diffusion = 5000.0
[[species]]
name = "liposome"
diffusion = 300.0
[[species]]
name = "micelle"
diffusion = 800.0
[[regions]]
name = "heat"
box = { min = [0, 0, 0], max = [100, 140, 120] }
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
inhibitor = "tariquidar"
interval = 2.0
spread = 50.0
spread_threshold = 0.3
[[cells.phenotype]]
name = "sensitive"
influx = 0.2
emax = 0.01
deactivation = 1.0e-3
switch = { resistant = 1.0e-3 }
switch_drug = { resistant = 5.0e-3 }
switch_hypoxia = { resistant = 2.0e-3 }
[[cells.phenotype]]
name = "resistant"
influx = 0.1
influx_vmax = 0.2
pump_vmax = 1.0
bcl2 = 3.0
deactivation = 5.0e-3
switch = { sensitive = 1.0e-3 }
[[cells.carrier]]
species = "liposome"
class = "liposome"
drug_load = 1.0
inhibitor_load = 0.1
sirna_load = 0.5
binding = 0.05
internalisation = 0.02
endosomal_release = 0.05
trigger = { region = "heat", start = 0.0, end = 5.0, release = 0.2 }
[[cells.carrier]]
species = "micelle"
class = "micelle"
drug_load = 2.0
[cells.radiotherapy]
times = [0.0]
dose = 2.0
"#;

/// Total drug of all voxels: fields, cell state and the carriers' loads.
fn drug_total(b: &mut dyn oncovox::solver::Backend, plan: &oncovox::solver::Plan) -> (f64, f64, f32) {
    let cp = plan.cells.as_ref().unwrap();
    let l = cp.kinetics.layout;
    let n = plan.grid.len();
    let state = b.read_cells().unwrap();
    let field =
        |slot: usize, b: &mut dyn oncovox::solver::Backend| b.read_field(cp.ext_species[slot].unwrap()).unwrap();
    let sum = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>();
    let arr = |i: usize| &state[i * n..(i + 1) * n];
    let mut total = sum(&field(EXT_DRUG, b)) + sum(arr(l.sink()));
    for k in 0..l.phenotypes {
        total += sum(arr(l.drug(k)));
    }
    for c in 0..l.carriers {
        let load = cp.kinetics.params[l.carrier(c)] as f64;
        total += load * (sum(&field(EXT_CARRIER0 + c, b)) + sum(arr(l.bound(c))) + sum(arr(l.internalised(c))));
    }
    let cells: f64 = (0..l.phenotypes).map(|k| sum(arr(l.density(k)))).sum::<f64>() + sum(arr(l.dead()));
    let mut lowest = state.iter().fold(f32::INFINITY, |m, &x| m.min(x));
    for s in cp.ext_species.iter().flatten() {
        lowest = lowest.min(b.read_field(*s).unwrap().iter().fold(f32::INFINITY, |m, &x| m.min(x)));
    }
    (total, cells, lowest)
}

#[test]
fn cell_operators_conserve_drug_and_stay_non_negative() {
    let v = scene(SCENE);
    let (plan, world) = setup(&v);
    let cp = plan.cells.as_ref().unwrap();
    let l = cp.kinetics.layout;
    let n = plan.grid.len();
    assert!(cp.spread_substeps > 0);
    for (name, mut b) in backends(&plan, &world, "cell conservation") {
        // Dense cells next to empty voxels (so the spread moves them), drug
        // inside and outside, carriers free, bound and internalised.
        let mut state = Vec::new();
        for i in 0..l.state() {
            let hi = if i < l.phenotypes { 0.45 } else { 2.0 };
            let mut f = random_field(n, 11 + i as u64, 0.0, hi);
            if i < l.phenotypes || i == l.dead() {
                for (v, x) in f.iter_mut().enumerate() {
                    if v % 3 == 0 {
                        *x = 0.0;
                    }
                }
            }
            if i == l.sink() {
                f.fill(0.0);
            }
            state.extend(f);
        }
        b.write_cells(&state).unwrap();
        for (slot, s) in cp.ext_species.iter().enumerate() {
            let hi = if slot == 0 { 30.0 } else { 3.0 };
            b.write_field(s.unwrap(), &random_field(n, 100 + slot as u64, 0.0, hi)).unwrap();
        }
        let (start, cells0, _) = drug_total(b.as_mut(), &plan);
        type Op<'a> = (&'a str, &'a dyn Fn(&mut dyn oncovox::solver::Backend));
        let ops: [Op; 4] = [
            ("kinetics", &|b| b.cell_kinetics(0)),
            ("kinetics with trigger", &|b| b.cell_kinetics(1)),
            ("radiotherapy", &|b| b.irradiate(2.0)),
            ("spread", &|b| b.cell_spread()),
        ];
        let mut worst = 0.0f64;
        for round in 0..5 {
            for (op, f) in &ops {
                let (before, cells_before, _) = drug_total(b.as_mut(), &plan);
                f(b.as_mut());
                let (after, cells_after, lowest) = drug_total(b.as_mut(), &plan);
                let rel = (after - before).abs() / before;
                worst = worst.max(rel);
                assert!(rel <= 1e-4, "{name}, {op}, round {round}: drug {before} → {after} ({rel:.2e})");
                assert!(lowest >= 0.0, "{name}, {op}: a value fell to {lowest}");
                if *op == "spread" {
                    let rc = (cells_after - cells_before).abs() / cells_before;
                    assert!(rc <= 1e-5, "{name}: spread changed the cells by {rc:.2e}");
                }
            }
        }
        let (end, cells1, _) = drug_total(b.as_mut(), &plan);
        assert!(cells1 != cells0, "{name}: the operators changed no cell");
        eprintln!("{name}: drug {start:.6} → {end:.6}; worst change per operator {worst:.1e} (bound 1e-4)");
    }
}
