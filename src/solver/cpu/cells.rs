//! CPU twins of `shaders/cells.wgsl`: cell kinetics (per voxel, fourth-order
//! Runge–Kutta sub-steps), radiotherapy fractions and the pressure-driven
//! spread of cells into neighbouring voxels. Rate laws: `model::cells`.
//!
//! Values are structure-of-arrays: `ext` holds the linked transport fields
//! (`Layout::ext` arrays of `n`), `state` the cell state (`Layout::state`
//! arrays of `n`).

use super::columns::for_each_block_pair;
use crate::model::cells::{EXT_CARRIER0, EXT_DRUG, EXT_INHIBITOR, EXT_OXYGEN, Layout, MAX_VARS, c, g, p};
use rayon::prelude::*;

/// Voxels per parallel block.
const BLOCK: usize = 2048;

/// What one kinetics call integrates.
#[derive(Debug, Clone, Copy)]
pub struct KineticsCall<'a> {
    pub layout: Layout,
    pub params: &'a [f32],
    /// Interval, min, split into `substeps`.
    pub h: f32,
    pub substeps: u32,
    /// Carriers whose trigger is on now (bit c); a voxel's `mask` says
    /// whether it lies in each carrier's trigger region.
    pub trigger_on: u32,
}

/// Cell kinetics over `call.h` min in every voxel.
pub fn kinetics(ext: &mut [f32], state: &mut [f32], mask: Option<&[u32]>, call: &KineticsCall) {
    per_voxel(ext, state, call.layout, |y, voxel| {
        let bits = mask.map_or(0, |m| m[voxel]) & call.trigger_on;
        integrate(y, call, bits);
    });
}

/// Run `f` on every voxel's values (`ext` then `state`, gathered into one
/// array) and store them back; blocks of voxels in parallel.
fn per_voxel(ext: &mut [f32], state: &mut [f32], layout: Layout, f: impl Fn(&mut [f32; MAX_VARS], usize) + Sync) {
    let (ne, vars) = (layout.ext(), layout.vars());
    let n = ext.len() / ne;
    for_each_block_pair(ext, state, n, BLOCK, |mut e, mut s| {
        let (len, start) = (e.len(), e.start());
        let mut rows: [&mut [f32]; MAX_VARS] = std::array::from_fn(|_| &mut [][..]);
        for (slot, row) in rows.iter_mut().zip(e.rows().chain(s.rows())) {
            *slot = row;
        }
        let rows = &mut rows[..vars];
        let mut y = [0.0f32; MAX_VARS];
        for i in 0..len {
            for (y, row) in y.iter_mut().zip(rows.iter()) {
                *y = row[i];
            }
            f(&mut y, start + i);
            for (&y, row) in y.iter().zip(rows.iter_mut()) {
                row[i] = y;
            }
        }
    });
}

/// One kinetics interval of one voxel: `substeps` classical Runge–Kutta
/// steps, clamped at zero.
pub fn integrate(y: &mut [f32; MAX_VARS], call: &KineticsCall, trigger: u32) {
    let vars = call.layout.vars();
    let h = call.h / call.substeps as f32;
    let (mut k, mut acc, mut ys) = ([0.0f32; MAX_VARS], [0.0f32; MAX_VARS], [0.0f32; MAX_VARS]);
    for _ in 0..call.substeps {
        rhs(y, &mut k, call, trigger);
        for v in 0..vars {
            acc[v] = k[v];
            ys[v] = y[v] + 0.5 * h * k[v];
        }
        rhs(&ys, &mut k, call, trigger);
        for v in 0..vars {
            acc[v] += 2.0 * k[v];
            ys[v] = y[v] + 0.5 * h * k[v];
        }
        rhs(&ys, &mut k, call, trigger);
        for v in 0..vars {
            acc[v] += 2.0 * k[v];
            ys[v] = y[v] + h * k[v];
        }
        rhs(&ys, &mut k, call, trigger);
        for v in 0..vars {
            y[v] = (y[v] + h / 6.0 * (acc[v] + k[v])).max(0.0);
        }
    }
}

/// `1/(1 + (x/k)⁴)`: 1 well below `k`, ½ at `k`, 0 well above.
fn below(x: f32, k: f32) -> f32 {
    let u = x / k;
    let u2 = u * u;
    1.0 / (1.0 + u2 * u2)
}

/// Time derivative of every value of one voxel (see `model::cells`; oxygen
/// is consumed by the transport's consumption step, at the rate
/// [`oxygen_rate`] sets).
pub fn rhs(y: &[f32; MAX_VARS], dy: &mut [f32; MAX_VARS], call: &KineticsCall, trigger: u32) {
    let l = call.layout;
    let t = call.params;
    let (np, nc, e) = (l.phenotypes, l.carriers, l.ext());
    dy.fill(0.0);
    let o2 = y[EXT_OXYGEN].max(0.0);
    let drug = y[EXT_DRUG].max(0.0);
    let inhibitor = y[EXT_INHIBITOR].max(0.0);
    let mut live = 0.0f32;
    for k in 0..np {
        live += y[e + l.density(k)].max(0.0);
    }
    let dead = y[e + l.dead()].max(0.0);
    let crowd = (1.0 - (live + dead) / t[g::MAX_DENSITY]).max(0.0);
    let fo = o2 / (t[g::GROWTH_O2] + o2);
    let hyp = below(o2, t[g::HYPOXIC_O2]);
    let necrosis = t[g::NECROSIS_RATE] * below(o2, t[g::NECROSIS_O2]);
    let sirna = y[e + l.sirna()].max(0.0);
    let knock = sirna / (sirna + t[g::SIRNA_HALF]);
    let pump = 1.0 / (1.0 + inhibitor / t[g::INHIBITOR_KI]);
    for k in 0..np {
        let q = l.pheno(k);
        let n = y[e + l.density(k)].max(0.0);
        let m = y[e + l.drug(k)].max(0.0);
        let ci = m / n.max(1e-12);
        let ec50 = t[q + p::EC50] * (1.0 + (t[q + p::BCL2] - 1.0) * (1.0 - knock));
        let eff = if ci > 0.0 { 1.0 / (1.0 + (ec50 / ci).powf(t[q + p::HILL])) } else { 0.0 };
        let s = t[q + p::CYCLE];
        let kill = t[q + p::EMAX] * (1.0 - s + s * fo * crowd) * eff;
        let death = necrosis + kill;
        let influx = n * (t[q + p::INFLUX] * (drug - ci) + t[q + p::INFLUX_VMAX] * drug / (t[q + p::INFLUX_KM] + drug));
        let efflux = n * t[q + p::PUMP_VMAX] * ci / (t[q + p::PUMP_KM] + ci) * pump;
        let deact = t[q + p::DEACTIVATION] * m;
        dy[e + l.density(k)] += (t[q + p::GROWTH] * fo * crowd - death) * n;
        dy[e + l.drug(k)] += influx - efflux - deact - death * m;
        dy[EXT_DRUG] += efflux - influx + death * m;
        dy[e + l.dead()] += death * n;
        dy[e + l.sink()] += deact;
        for j in 0..np {
            let at = k * np + j;
            let rate = t[l.switching(0) + at] + t[l.switching(1) + at] * eff + t[l.switching(2) + at] * hyp;
            dy[e + l.density(k)] -= rate * n;
            dy[e + l.density(j)] += rate * n;
            dy[e + l.drug(k)] -= rate * m;
            dy[e + l.drug(j)] += rate * m;
        }
    }
    dy[e + l.dead()] -= t[g::CLEARANCE] * dead;
    for ci in 0..nc {
        let q = l.carrier(ci);
        let free = y[EXT_CARRIER0 + ci].max(0.0);
        let bound = y[e + l.bound(ci)].max(0.0);
        let inside = y[e + l.internalised(ci)].max(0.0);
        let mut release = t[q + c::RELEASE] + (t[q + c::RELEASE_ACIDIC] - t[q + c::RELEASE]) * hyp;
        if trigger & (1 << ci) != 0 {
            release += t[q + c::TRIGGER_RELEASE];
        }
        let out = release * free;
        let bind = t[q + c::BINDING] * live * free;
        let unbind = t[q + c::UNBINDING] * bound;
        let enter = t[q + c::INTERNALISATION] * bound;
        let endo = t[q + c::ENDOSOMAL] * inside;
        dy[EXT_CARRIER0 + ci] += unbind - out - bind;
        dy[e + l.bound(ci)] += bind - unbind - enter;
        dy[e + l.internalised(ci)] += enter - endo;
        dy[EXT_DRUG] += t[q + c::DRUG_LOAD] * out;
        dy[EXT_INHIBITOR] += t[q + c::INHIBITOR_LOAD] * (out + endo);
        dy[e + l.sirna()] += t[q + c::SIRNA_LOAD] * endo;
        let payload = t[q + c::DRUG_LOAD] * endo;
        if live > 0.0 {
            for k in 0..np {
                dy[e + l.drug(k)] += payload * (y[e + l.density(k)].max(0.0) / live);
            }
        } else {
            dy[EXT_DRUG] += payload;
        }
    }
    dy[e + l.sirna()] -= t[g::SIRNA_DECAY] * sirna;
}

/// The oxygen species' consumption `dt·V` per voxel after a kinetics call:
/// the regions' `base` plus `dt_rate·L`, `L` the live density.
pub fn oxygen_rate(state: &[f32], base: &[f32], out: &mut [f32], layout: Layout, dt_rate: f32) {
    let n = out.len();
    out.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        for (i, o) in out.iter_mut().enumerate() {
            let v = b * BLOCK + i;
            let mut live = 0.0f32;
            for k in 0..layout.phenotypes {
                live += state[layout.density(k) * n + v];
            }
            *o = base[v] + dt_rate * live;
        }
    });
}

/// One radiotherapy fraction of `dose` Gy: each phenotype keeps the
/// linear-quadratic surviving fraction at the local oxygen and gold load;
/// the killed cells join the dead and their drug returns to the tissue.
pub fn irradiate(ext: &mut [f32], state: &mut [f32], layout: Layout, params: &[f32], rt: [f32; 3]) {
    per_voxel(ext, state, layout, |y, _| irradiate_voxel(y, layout, params, rt));
}

/// One voxel of [`irradiate`]; `rt` = (dose Gy, OER max, OER half oxygen mmHg).
pub fn irradiate_voxel(y: &mut [f32; MAX_VARS], l: Layout, t: &[f32], rt: [f32; 3]) {
    let e = l.ext();
    let [dose, oer_max, oer_k] = rt;
    let o2 = y[EXT_OXYGEN].max(0.0);
    let mut def = 1.0f32;
    for ci in 0..l.carriers {
        let q = l.carrier(ci);
        let load = y[EXT_CARRIER0 + ci] + y[e + l.bound(ci)] + y[e + l.internalised(ci)];
        def += t[q + c::DOSE_ENHANCEMENT] * load / (load + t[q + c::ENHANCEMENT_HALF]);
    }
    let d = dose * ((oer_max * o2 + oer_k) / (o2 + oer_k) / oer_max) * def;
    for k in 0..l.phenotypes {
        let q = l.pheno(k);
        let survive = (-t[q + p::ALPHA] * d - t[q + p::BETA] * d * d).exp();
        let n = y[e + l.density(k)];
        let m = y[e + l.drug(k)];
        y[e + l.density(k)] = n * survive;
        y[e + l.dead()] += n - n * survive;
        y[e + l.drug(k)] = m * survive;
        y[EXT_DRUG] += m - m * survive;
    }
}

/// One explicit sub-step of the spread: where a voxel's density `N` exceeds
/// `threshold·N_max`, cells (with their drug, dead cells and particles)
/// move down the excess `max(0, N/N_max − threshold)` to the six
/// neighbours at `r·N_max` per unit difference, taking the donor's
/// composition. Zero flux through the grid's faces. Conservative; stable
/// for `6·r ≤ 1`. `excess` is scratch of one (excess, N) pair per voxel.
#[allow(clippy::too_many_arguments, reason = "the kernel's uniform, spelled out")]
pub fn spread(
    src: &[f32],
    dst: &mut [f32],
    layout: Layout,
    shape: [usize; 3],
    nmax: f32,
    threshold: f32,
    r: f32,
    excess: &mut [(f32, f32)],
) {
    let n = shape[0] * shape[1] * shape[2];
    let moving = layout.state() - 1; // everything but the sink
    excess.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        for (i, o) in out.iter_mut().enumerate() {
            let v = b * BLOCK + i;
            let mut total = 0.0f32;
            for k in 0..layout.phenotypes {
                total += src[layout.density(k) * n + v];
            }
            total += src[layout.dead() * n + v];
            *o = ((total / nmax - threshold).max(0.0), total);
        }
    });
    let excess = &*excess;
    let [nx, ny, nz] = shape;
    dst.par_chunks_mut(n).enumerate().for_each(|(var, out)| {
        let field = &src[var * n..(var + 1) * n];
        if var >= moving {
            out.copy_from_slice(field);
            return;
        }
        out.par_chunks_mut(nx).enumerate().for_each(|(row, out)| {
            let (j, k) = (row % ny, row / ny);
            for (i, o) in out.iter_mut().enumerate() {
                let v = row * nx + i;
                let (pv, nv) = excess[v];
                let neighbours = [
                    (i > 0).then(|| v - 1),
                    (i + 1 < nx).then(|| v + 1),
                    (j > 0).then(|| v - nx),
                    (j + 1 < ny).then(|| v + nx),
                    (k > 0).then(|| v - nx * ny),
                    (k + 1 < nz).then(|| v + nx * ny),
                ];
                let mut change = 0.0f32;
                for u in neighbours.into_iter().flatten() {
                    let (pu, nu) = excess[u];
                    let flux = r * nmax * (pv - pu);
                    if flux > 0.0 {
                        change -= flux * field[v] / nv;
                    } else if flux < 0.0 {
                        change -= flux * field[u] / nu;
                    }
                }
                *o = field[v] + change;
            }
        });
    });
}
