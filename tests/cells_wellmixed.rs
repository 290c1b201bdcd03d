//! Well-mixed check of the cell kinetics: one voxel, no transport, the
//! kinetics operator and the oxygen consumption step called every step for
//! 72 hours on each backend, against an adaptive Dormand–Prince solution (f64, tolerance
//! 1e-11) of the rate laws written out again here from `src/model/cells.rs`.

mod common;

use common::{backends, scene, setup};
use oncovox::model::cells::Layout;
use oncovox::scene::CellsSpec;

/// 72 h, min.
const COURSE: f64 = 72.0 * 60.0;

/// One voxel: oxygen, drug, inhibitor and carriers as species (no
/// diffusion in a single voxel), the voxel tumour tissue.
fn voxel_scene(dt: f64, species: &str, cells: &str) -> String {
    format!(
        r#"
[grid]
shape = [1, 1, 1]
dx = 20.0
[time]
dt = {dt}
duration = {COURSE}
{species}
[[regions]]
name = "tumour"
box = {{ min = [0, 0, 0], max = [20, 20, 20] }}
tissue = "tumour"
{cells}
"#
    )
}

fn species(name: &str, initial: f64) -> String {
    format!("[[species]]\nname = \"{name}\"\ndiffusion = 1000.0\ninitial = {initial}\n")
}

/// The state as the backends lay it out: linked fields, then cell state.
struct Ode<'a> {
    c: &'a CellsSpec,
    l: Layout,
}

impl Ode<'_> {
    fn e(&self) -> usize {
        self.l.ext()
    }

    /// dy/dt of the rate laws of src/model/cells.rs.
    fn rhs(&self, y: &[f64]) -> Vec<f64> {
        let (c, l, e) = (self.c, self.l, self.e());
        let np = l.phenotypes;
        let mut d = vec![0.0; y.len()];
        let pos = |v: f64| v.max(0.0);
        let (o2, drug, inh) = (pos(y[0]), pos(y[1]), pos(y[2]));
        let n: Vec<f64> = (0..np).map(|k| pos(y[e + k])).collect();
        let m: Vec<f64> = (0..np).map(|k| pos(y[e + np + k])).collect();
        let live: f64 = n.iter().sum();
        let dead = pos(y[e + l.dead()]);
        let crowd = (1.0 - (live + dead) / c.max_density).max(0.0);
        let f = o2 / (c.growth_o2 + o2);
        let hill4 = |x: f64, k: f64| 1.0 / (1.0 + (x / k).powi(4));
        let hyp = hill4(o2, c.hypoxic_o2);
        let nec = c.necrosis_rate * hill4(o2, c.necrosis_o2);
        let r = pos(y[e + l.sirna()]);
        let q = r / (r + c.sirna_half);
        d[0] = -c.o2_consumption * live * o2 / (c.o2_half_saturation + o2);
        let names: Vec<&str> = c.phenotypes.iter().map(|p| p.name.as_str()).collect();
        for (k, ph) in c.phenotypes.iter().enumerate() {
            let ci = if n[k] > 0.0 { m[k] / n[k] } else { 0.0 };
            let ec50 = ph.ec50 * (1.0 + (ph.bcl2 - 1.0) * (1.0 - q));
            let eff = if ci > 0.0 { ci.powf(ph.hill) / (ec50.powf(ph.hill) + ci.powf(ph.hill)) } else { 0.0 };
            let kill = ph.emax * (1.0 - ph.cycle_specificity + ph.cycle_specificity * f * crowd) * eff;
            let death = nec + kill;
            let influx = n[k] * (ph.influx * (drug - ci) + ph.influx_vmax * drug / (ph.influx_km + drug));
            let efflux = n[k] * ph.pump_vmax * ci / (ph.pump_km + ci) / (1.0 + inh / c.inhibitor_ki);
            let deact = ph.deactivation * m[k];
            d[e + k] += (ph.growth * f * crowd - death) * n[k];
            d[e + np + k] += influx - efflux - deact - death * m[k];
            d[1] += efflux - influx + death * m[k];
            d[e + l.dead()] += death * n[k];
            d[e + l.sink()] += deact;
            for (to, scale) in [(&ph.switch, 1.0), (&ph.switch_drug, eff), (&ph.switch_hypoxia, hyp)]
                .into_iter()
                .flat_map(|(map, s)| map.iter().map(move |(to, &rate)| (to, rate * s)))
            {
                let j = names.iter().position(|nm| nm == to).unwrap();
                d[e + k] -= scale * n[k];
                d[e + j] += scale * n[k];
                d[e + np + k] -= scale * m[k];
                d[e + np + j] += scale * m[k];
            }
        }
        d[e + l.dead()] -= c.clearance * dead;
        for (ci, cr) in c.carriers.iter().enumerate() {
            let v = |x: Option<f64>| x.unwrap_or(0.0);
            let free = pos(y[3 + ci]);
            let bound = pos(y[e + l.bound(ci)]);
            let inside = pos(y[e + l.internalised(ci)]);
            let rel = v(cr.release);
            let rel = rel + (cr.release_acidic.unwrap_or(rel) - rel) * hyp;
            let out = rel * free;
            let bind = v(cr.binding) * live * free;
            let unbind = v(cr.unbinding) * bound;
            let enter = v(cr.internalisation) * bound;
            let endo = v(cr.endosomal_release) * inside;
            let load = cr.drug_load.unwrap_or(1.0);
            d[3 + ci] += unbind - out - bind;
            d[e + l.bound(ci)] += bind - unbind - enter;
            d[e + l.internalised(ci)] += enter - endo;
            d[1] += load * out;
            d[2] += v(cr.inhibitor_load) * (out + endo);
            d[e + l.sirna()] += v(cr.sirna_load) * endo;
            for k in 0..np {
                d[e + np + k] += load * endo * n[k] / live;
            }
        }
        d[e + l.sirna()] -= c.sirna_decay * r;
        d
    }

    /// Dormand–Prince 5(4) from `t0` to `t1` with error control.
    fn integrate(&self, y: &mut Vec<f64>, t0: f64, t1: f64) {
        const A: [[f64; 6]; 6] = [
            [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
            [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
            [19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0, 0.0, 0.0],
            [9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0, 0.0],
            [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0],
        ];
        const B5: [f64; 7] = [35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0];
        const B4: [f64; 7] =
            [5179.0 / 57600.0, 0.0, 7571.0 / 16695.0, 393.0 / 640.0, -92097.0 / 339200.0, 187.0 / 2100.0, 1.0 / 40.0];
        let (mut t, mut h) = (t0, 0.1f64);
        while t < t1 {
            h = h.min(t1 - t);
            let mut k: Vec<Vec<f64>> = vec![self.rhs(y)];
            for (s, row) in A.iter().enumerate() {
                let ys: Vec<f64> =
                    (0..y.len()).map(|i| y[i] + h * (0..=s).map(|j| row[j] * k[j][i]).sum::<f64>()).collect();
                k.push(self.rhs(&ys));
            }
            let y5: Vec<f64> = (0..y.len()).map(|i| y[i] + h * (0..7).map(|j| B5[j] * k[j][i]).sum::<f64>()).collect();
            let err = (0..y.len())
                .map(|i| {
                    let y4 = y[i] + h * (0..7).map(|j| B4[j] * k[j][i]).sum::<f64>();
                    (y5[i] - y4).abs() / (1e-11 + 1e-11 * y5[i].abs().max(y[i].abs()))
                })
                .fold(0.0f64, f64::max);
            if err <= 1.0 {
                t += h;
                *y = y5;
            }
            h *= (0.9 * err.max(1e-10).powf(-0.2)).clamp(0.2, 5.0);
        }
    }
}

/// Run the kinetics alone for 72 h on every backend and compare with the
/// reference every 6 h; `check` sees the reference's final state.
fn compare(toml: &str, test: &str, check: &dyn Fn(&Ode, &[f64])) {
    let v = scene(toml);
    let (plan, world) = setup(&v);
    let c = v.scene.cells.as_ref().unwrap();
    let cp = plan.cells.as_ref().unwrap();
    let l = cp.kinetics.layout;
    let ode = Ode { c, l };
    let n_calls = (COURSE / cp.h).round() as usize;
    for (name, mut b) in backends(&plan, &world, test) {
        let state = b.read_cells().unwrap();
        let mut y: Vec<f64> =
            cp.ext_species.iter().map(|s| s.map_or(0.0, |s| world.species[s].initial[0] as f64)).collect();
        y.extend(state.iter().map(|&x| x as f64));
        let (mut worst, mut t) = (0.0f64, 0.0);
        let oxygen = cp.ext_species[0].unwrap();
        let every = ((360.0 / cp.h).round() as usize).max(1);
        for call in 1..=n_calls {
            // The kinetics, then oxygen consumption at the rate they set
            // (the transport's consumption step, as in a run).
            b.cell_kinetics(0);
            b.consume(oxygen);
            if call % every == 0 || call == n_calls {
                let t1 = call as f64 * cp.h;
                ode.integrate(&mut y, t, t1);
                t = t1;
                let mut got: Vec<f64> =
                    cp.ext_species.iter().map(|s| s.map_or(0.0, |s| b.read_field(s).unwrap()[0] as f64)).collect();
                got.extend(b.read_cells().unwrap().iter().map(|&x| x as f64));
                for (i, (&g, &r)) in got.iter().zip(&y).enumerate() {
                    // 1e-3 relative; values below 1e-4 (µM or volume
                    // fraction) are held to 1e-7 absolutely.
                    let bound = 1e-3 * r.abs() + 1e-7;
                    assert!((g - r).abs() <= bound, "{name}: value {i} at t = {t1} min is {g}, reference {r}");
                    worst = worst.max((g - r).abs() / bound);
                }
            }
        }
        eprintln!("{test} on {name}: worst difference {:.1} % of the bound over 72 h", 100.0 * worst);
        check(&ode, &y);
    }
}

#[test]
fn growth_switching_and_necrosis_match_the_ode_and_reach_the_stationary_mix() {
    let cells = r#"
[cells]
oxygen = "oxygen"
o2_consumption = 0.0
[[cells.phenotype]]
name = "a"
initial = 0.01
switch = { b = 1.0e-3, c = 5.0e-4 }
[[cells.phenotype]]
name = "b"
switch = { a = 2.0e-3 }
[[cells.phenotype]]
name = "c"
switch = { a = 1.0e-3, b = 1.5e-3 }
"#;
    let toml = voxel_scene(10.0, &species("oxygen", 40.0), cells);
    compare(&toml, "well-mixed growth and switching", &|ode, y| {
        // Stationary distribution π of the generator Q (πQ = 0, Σπ = 1):
        // equal growth rates, so the fractions converge to π.
        let c = ode.c;
        let np = c.phenotypes.len();
        let mut q = vec![vec![0.0f64; np]; np];
        for (k, ph) in c.phenotypes.iter().enumerate() {
            for (to, &r) in &ph.switch {
                let j = c.phenotypes.iter().position(|p| &p.name == to).unwrap();
                q[k][j] += r;
                q[k][k] -= r;
            }
        }
        // Solve Qᵀπ = 0 with the last equation replaced by Σπ = 1.
        let mut a: Vec<Vec<f64>> = (0..np).map(|i| (0..np).map(|j| q[j][i]).collect()).collect();
        let mut b = vec![0.0; np];
        a[np - 1] = vec![1.0; np];
        b[np - 1] = 1.0;
        for col in 0..np {
            let piv = (col..np).max_by(|&x, &z| a[x][col].abs().total_cmp(&a[z][col].abs())).unwrap();
            a.swap(col, piv);
            b.swap(col, piv);
            for row in 0..np {
                if row != col {
                    let f = a[row][col] / a[col][col];
                    let pivot = a[col].clone();
                    for (x, p) in a[row].iter_mut().zip(&pivot) {
                        *x -= f * p;
                    }
                    b[row] -= f * b[col];
                }
            }
        }
        let pi: Vec<f64> = (0..np).map(|i| b[i] / a[i][i]).collect();
        let e = ode.e();
        let live: f64 = (0..np).map(|k| y[e + k]).sum();
        for k in 0..np {
            let frac = y[e + k] / live;
            assert!((frac - pi[k]).abs() < 1e-4, "phenotype {k}: fraction {frac}, stationary {}", pi[k]);
        }
        assert!(live > 0.05, "the cells grew ({live})");
    });
}

#[test]
fn drug_uptake_efflux_kill_carriers_and_sirna_match_the_ode() {
    let sp =
        [species("oxygen", 30.0), species("doxorubicin", 2.0), species("tariquidar", 0.0), species("liposome", 5.0)]
            .concat();
    let cells = r#"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
inhibitor = "tariquidar"
o2_consumption = 0.02
[[cells.phenotype]]
name = "sensitive"
initial = 0.3
influx = 0.2
emax = 0.003
ec50 = 0.5
deactivation = 1.0e-4
switch = { resistant = 1.0e-4 }
switch_drug = { resistant = 2.0e-4 }
switch_hypoxia = { resistant = 3.0e-4 }
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.1
influx = 0.1
influx_vmax = 0.05
influx_km = 2.0
pump_vmax = 1.5
pump_km = 0.8
bcl2 = 4.0
deactivation = 5.0e-4
growth = 3.0e-4
cycle_specificity = 0.5
switch = { sensitive = 5.0e-5 }
[[cells.carrier]]
species = "liposome"
drug_load = 1.0
inhibitor_load = 0.05
sirna_load = 0.5
binding = 0.01
unbinding = 0.002
internalisation = 0.005
endosomal_release = 0.01
release = 5.0e-4
release_acidic = 5.0e-3
"#;
    let toml = voxel_scene(0.25, &sp, cells);
    compare(&toml, "well-mixed drug and carriers", &|ode, y| {
        let e = ode.e();
        assert!(y[0] < 30.0 * 0.9, "oxygen fell enough to reach hypoxia-dependent terms ({})", y[0]);
        assert!(y[e + ode.l.sink()] > 0.0 && y[e + ode.l.sirna()] > 0.0);
    });
}
