//! CPU twins of `shaders/cells.wgsl`: cell kinetics (per voxel, fourth-order
//! Runge–Kutta sub-steps), radiotherapy fractions and the pressure-driven
//! spread of cells into neighbouring voxels. Rate laws: `model::cells`.
//!
//! Values are structure-of-arrays. The kinetics and the fractions take one
//! row of `n` per value of a voxel (`Layout::vars`: the linked transport
//! fields, then the cell state), so a backend can hand over its fields
//! without copying them; the spread takes the state as `Layout::state`
//! arrays of `n`.
//!
//! The kinetics sort each block of voxels (`model::cells`, "Voxels without
//! cells"): voxels with cells are gathered and integrated [`LANES`] at a
//! time, one voxel per lane of every operation, so the compiler emits vector
//! instructions (also built for AVX, chosen at run time); voxels without
//! cells but with free carriers take the carriers' release alone, in lanes
//! too; then one pass clamps the block at zero, writing only where a value
//! is negative, which is all the kinetics do to the remaining voxels. A
//! voxel's values do not depend on the voxels that share its lanes or its
//! block, nor on the thread count.

use crate::model::cells::{EXT_CARRIER0, EXT_DRUG, EXT_INHIBITOR, EXT_OXYGEN, Layout, MAX_CARRIERS, MAX_VARS, c, g, p};
use rayon::prelude::*;
use std::ops::{Add, AddAssign, Div, Mul, Sub, SubAssign};

/// Voxels per parallel block.
const BLOCK: usize = 2048;

/// Voxels integrated together, one per lane (eight f32 fill a 256-bit
/// vector register).
pub const LANES: usize = 8;

/// What one kinetics call integrates.
#[derive(Debug, Clone, Copy)]
pub struct KineticsCall<'a> {
    pub layout: Layout,
    pub params: &'a [f32],
    /// Interval, min, split into `substeps` in voxels with cells and into
    /// `release_substeps` in voxels without.
    pub h: f32,
    pub substeps: u32,
    pub release_substeps: u32,
    /// Carriers whose trigger is on now (bit c); a voxel's `mask` says
    /// whether it lies in each carrier's trigger region.
    pub trigger_on: u32,
}

/// The oxygen consumption that a kinetics call rewrites: `out = base +
/// dt_rate·L` per voxel, `L` the new live density.
pub struct OxygenRate<'a> {
    pub base: &'a [f32],
    pub out: &'a mut [f32],
    pub dt_rate: f32,
}

/// One value of [`LANES`] voxels. Every operation acts lane by lane with
/// the f32 arithmetic of one voxel alone, so a voxel's result does not
/// depend on which voxels share its lanes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lanes(pub [f32; LANES]);

impl Lanes {
    pub const ZERO: Lanes = Lanes([0.0; LANES]);

    #[inline(always)]
    fn zip(self, o: Lanes, f: impl Fn(f32, f32) -> f32) -> Lanes {
        let mut r = [0.0f32; LANES];
        for ((r, &a), &b) in r.iter_mut().zip(&self.0).zip(&o.0) {
            *r = f(a, b);
        }
        Lanes(r)
    }

    #[inline(always)]
    fn map(self, f: impl Fn(f32) -> f32) -> Lanes {
        self.zip(self, |a, _| f(a))
    }

    /// `max(x, 0)` per lane.
    #[inline(always)]
    fn pos(self) -> Lanes {
        self.map(|x| x.max(0.0))
    }
}

macro_rules! lane_op {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: Lanes) -> Lanes {
                self.zip(o, |a, b| a $op b)
            }
        }
        impl $tr<f32> for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: f32) -> Lanes {
                self.map(|a| a $op o)
            }
        }
        impl $tr<Lanes> for f32 {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: Lanes) -> Lanes {
                o.map(|b| self $op b)
            }
        }
    };
}
lane_op!(Add, add, +);
lane_op!(Sub, sub, -);
lane_op!(Mul, mul, *);
lane_op!(Div, div, /);

impl AddAssign for Lanes {
    #[inline(always)]
    fn add_assign(&mut self, o: Lanes) {
        *self = *self + o;
    }
}

impl SubAssign for Lanes {
    #[inline(always)]
    fn sub_assign(&mut self, o: Lanes) {
        *self = *self - o;
    }
}

/// The values of [`LANES`] voxels, indexed as `Layout::vars` (linked
/// fields, then state).
pub type Voxels = [Lanes; MAX_VARS];

/// Rows of one block: `Layout::vars` slices of the block's voxels.
type Rows<'a, 'b> = &'b mut [&'a mut [f32]];

/// Split every row (`n` values each) into blocks of `BLOCK` voxels and run
/// `f` on each block's rows with the block's first voxel, blocks in
/// parallel. The blocks do not depend on the thread count.
fn for_each_block(rows: Vec<&mut [f32]>, f: impl Fn(Rows, usize) + Sync) {
    let vars = rows.len();
    let n = rows.first().map_or(0, |r| r.len());
    assert!(vars <= MAX_VARS + 1 && rows.iter().all(|r| r.len() == n));
    let blocks = n.div_ceil(BLOCK);
    let mut cut: Vec<Option<&mut [f32]>> = (0..blocks * vars).map(|_| None).collect();
    for (v, row) in rows.into_iter().enumerate() {
        for (b, part) in row.chunks_mut(BLOCK).enumerate() {
            cut[b * vars + v] = Some(part);
        }
    }
    cut.par_chunks_mut(vars.max(1)).enumerate().for_each(|(b, parts)| {
        let mut block: [&mut [f32]; MAX_VARS + 1] = std::array::from_fn(|_| &mut [][..]);
        for (slot, part) in block.iter_mut().zip(parts.iter_mut()) {
            *slot = part.take().unwrap_or_default();
        }
        f(&mut block[..vars], b * BLOCK);
    });
}

/// Cell kinetics over `call.h` min in every voxel; `rows` are the
/// `Layout::vars` rows (linked fields, then state) of `n` voxels each.
/// Then the oxygen consumption rate of the new live density.
pub fn kinetics<'a>(mut rows: Vec<&'a mut [f32]>, mask: Option<&[u32]>, call: &KineticsCall, o2: OxygenRate<'a>) {
    let vars = call.layout.vars();
    assert_eq!(rows.len(), vars);
    let OxygenRate { base, out, dt_rate } = o2;
    rows.push(out);
    for_each_block(rows, |rows, start| {
        let (rows, out) = rows.split_at_mut(vars);
        let base = &base[start..start + out[0].len()];
        kinetics_block(rows, start, mask, call);
        oxygen_rate(rows, base, out[0], call.layout, dt_rate);
    });
}

/// One block of the kinetics: its voxels with cells in groups of [`LANES`]
/// ([`integrate`]), then its voxels without cells that hold free carriers
/// ([`release_outside`]), then every value clamped at zero, which is all
/// that the kinetics do to the other voxels (see `model::cells`, "Voxels
/// without cells") and leaves the integrated ones as they are.
fn kinetics_block(rows: Rows, start: usize, mask: Option<&[u32]>, call: &KineticsCall) {
    let l = call.layout;
    let (e, len) = (l.ext(), rows[0].len());
    // A voxel has cells when any state value but the sink is positive.
    let mut cells = [false; BLOCK];
    for row in &rows[e..e + l.sink()] {
        for (c, &x) in cells[..len].iter_mut().zip(row.iter()) {
            *c |= x > 0.0;
        }
    }
    let mut carried = [false; BLOCK];
    for row in &rows[EXT_CARRIER0..e] {
        for (c, &x) in carried[..len].iter_mut().zip(row.iter()) {
            *c |= x > 0.0;
        }
    }
    let (mut with, mut count) = ([0u16; BLOCK], 0);
    let (mut free, mut free_count) = ([0u16; BLOCK], 0);
    for (i, (&c, &f)) in cells[..len].iter().zip(&carried[..len]).enumerate() {
        with[count] = i as u16;
        count += c as usize;
        free[free_count] = i as u16;
        free_count += (f && !c) as usize;
    }
    let trigger = |i: usize| mask.map_or(0, |m| m[start + i]) & call.trigger_on;
    for group in with[..count].chunks(LANES) {
        // Lanes past the group's voxels repeat its last one and are not stored.
        let at = |lane: usize| group[lane.min(group.len() - 1)] as usize;
        let mut y = [Lanes::ZERO; MAX_VARS];
        for (y, row) in y.iter_mut().zip(rows.iter()) {
            *y = Lanes(std::array::from_fn(|lane| row[at(lane)]));
        }
        integrate(&mut y, call, &std::array::from_fn(|lane| trigger(at(lane))));
        for (y, row) in y.iter().zip(rows.iter_mut()) {
            for (lane, &i) in group.iter().enumerate() {
                row[i as usize] = y.0[lane];
            }
        }
    }
    for group in free[..free_count].chunks(LANES) {
        let at = |lane: usize| group[lane.min(group.len() - 1)] as usize;
        let mut y = [Lanes::ZERO; MAX_VARS];
        for (y, row) in y[..e].iter_mut().zip(rows.iter()) {
            *y = Lanes(std::array::from_fn(|lane| row[at(lane)]));
        }
        release_outside(&mut y, call, &std::array::from_fn(|lane| trigger(at(lane))));
        for (y, row) in y[..e].iter().zip(rows.iter_mut()) {
            for (lane, &i) in group.iter().enumerate() {
                row[i as usize] = y.0[lane];
            }
        }
    }
    for row in rows.iter_mut() {
        for chunk in row.chunks_mut(64) {
            if chunk.iter().fold(false, |any, &x| any | (x < 0.0 || x.is_nan())) {
                chunk.iter_mut().for_each(|x| *x = x.max(0.0));
            }
        }
    }
}

/// One kinetics interval of [`LANES`] voxels without cells but with free
/// carriers (`y`'s linked fields; see `model::cells`, "Voxels without
/// cells"): each free carrier is released into drug and inhibitor through
/// the stages and the clamp of [`integrate`] in `release_substeps`
/// sub-steps, the only rates there that are not a finite number times zero.
/// Oxygen is left as it is (the caller clamps it), and so are the values of
/// the stages that no rate here reads.
pub fn release_outside(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX.
        return unsafe { avx::release_outside(y, call, trigger) };
    }
    release_outside_lanes(y, call, trigger)
}

#[inline(always)]
fn release_outside_lanes(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
    let l = call.layout;
    let t = call.params;
    let nc = l.carriers;
    let h = call.h / call.release_substeps as f32;
    let hyp = below(y[EXT_OXYGEN].pos(), t[g::HYPOXIC_O2]);
    let mut release = [Lanes::ZERO; MAX_CARRIERS];
    for (ci, release) in release[..nc].iter_mut().enumerate() {
        let q = l.carrier(ci);
        let bit = 1 << ci;
        let triggered = Lanes(trigger.map(|b| if b & bit != 0 { t[q + c::TRIGGER_RELEASE] } else { 0.0 }));
        *release = t[q + c::RELEASE] + (t[q + c::RELEASE_ACIDIC] - t[q + c::RELEASE]) * hyp + triggered;
    }
    // Rates of the free carriers (into `kf`), drug and inhibitor at `fs`.
    let rates = |fs: &[Lanes], kf: &mut [Lanes]| {
        let (mut kd, mut kx) = (Lanes::ZERO, Lanes::ZERO);
        for ci in 0..nc {
            let q = l.carrier(ci);
            let out = release[ci] * fs[ci].pos();
            kf[ci] = 0.0 - out;
            kd += t[q + c::DRUG_LOAD] * out;
            kx += t[q + c::INHIBITOR_LOAD] * out;
        }
        (kd, kx)
    };
    let f = EXT_CARRIER0..EXT_CARRIER0 + nc;
    let (mut kf, mut acc, mut fs) =
        ([Lanes::ZERO; MAX_CARRIERS], [Lanes::ZERO; MAX_CARRIERS], [Lanes::ZERO; MAX_CARRIERS]);
    for _ in 0..call.release_substeps {
        let (kd, kx) = rates(&y[f.clone()], &mut kf);
        let (mut ad, mut ax) = (kd, kx);
        for ci in 0..nc {
            acc[ci] = kf[ci];
            fs[ci] = y[f.start + ci] + 0.5 * h * kf[ci];
        }
        let (kd, kx) = rates(&fs, &mut kf);
        ad += 2.0 * kd;
        ax += 2.0 * kx;
        for ci in 0..nc {
            acc[ci] += 2.0 * kf[ci];
            fs[ci] = y[f.start + ci] + 0.5 * h * kf[ci];
        }
        let (kd, kx) = rates(&fs, &mut kf);
        ad += 2.0 * kd;
        ax += 2.0 * kx;
        for ci in 0..nc {
            acc[ci] += 2.0 * kf[ci];
            fs[ci] = y[f.start + ci] + h * kf[ci];
        }
        let (kd, kx) = rates(&fs, &mut kf);
        for ci in 0..nc {
            y[f.start + ci] = (y[f.start + ci] + h / 6.0 * (acc[ci] + kf[ci])).pos();
        }
        y[EXT_DRUG] = (y[EXT_DRUG] + h / 6.0 * (ad + kd)).pos();
        y[EXT_INHIBITOR] = (y[EXT_INHIBITOR] + h / 6.0 * (ax + kx)).pos();
    }
}

/// One kinetics interval of [`LANES`] voxels with cells: `substeps`
/// classical Runge–Kutta steps, clamped at zero; `trigger` holds each
/// lane's triggered carriers (bit c).
pub fn integrate(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX.
        return unsafe { avx::integrate(y, call, trigger) };
    }
    integrate_lanes(y, call, trigger)
}

/// The lane kernels compiled for AVX: the same f32 operations in 256-bit
/// registers (no fused multiply-adds: Rust never contracts), so the results
/// are those of the baseline build, bit for bit.
#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{KineticsCall, LANES, Voxels};

    #[target_feature(enable = "avx")]
    pub fn integrate(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
        super::integrate_lanes(y, call, trigger)
    }

    #[target_feature(enable = "avx")]
    pub fn release_outside(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
        super::release_outside_lanes(y, call, trigger)
    }
}

#[inline(always)]
fn integrate_lanes(y: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
    let vars = call.layout.vars();
    let h = call.h / call.substeps as f32;
    let (mut k, mut acc, mut ys) = ([Lanes::ZERO; MAX_VARS], [Lanes::ZERO; MAX_VARS], [Lanes::ZERO; MAX_VARS]);
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
            y[v] = (y[v] + h / 6.0 * (acc[v] + k[v])).pos();
        }
    }
}

/// `a` in the lanes where `cond` holds, `b` elsewhere.
#[inline(always)]
fn pick(cond: &[bool; LANES], a: Lanes, b: Lanes) -> Lanes {
    Lanes(std::array::from_fn(|i| if cond[i] { a.0[i] } else { b.0[i] }))
}

/// `1/(1 + (x/k)⁴)`: 1 well below `k`, ½ at `k`, 0 well above.
#[inline(always)]
fn below(x: Lanes, k: f32) -> Lanes {
    let u = x / k;
    let u2 = u * u;
    1.0 / (1.0 + u2 * u2)
}

/// `x^h` per lane as `model::cells::hill_power` takes it (the branch taken
/// once for all lanes).
#[inline(always)]
fn hill_power(x: Lanes, h: f32) -> Lanes {
    if h == 1.0 {
        x
    } else if h == 2.0 {
        x * x
    } else if h == 3.0 {
        x * x * x
    } else if h == 4.0 {
        let x2 = x * x;
        x2 * x2
    } else {
        x.map(|v| v.powf(h))
    }
}

/// Time derivative of every value of [`LANES`] voxels (see `model::cells`;
/// oxygen is consumed by the transport's consumption step, at the rate
/// [`kinetics`] sets).
#[inline(always)]
pub fn rhs(y: &Voxels, dy: &mut Voxels, call: &KineticsCall, trigger: &[u32; LANES]) {
    let l = call.layout;
    let t = call.params;
    let (np, nc, e) = (l.phenotypes, l.carriers, l.ext());
    dy[..l.vars()].fill(Lanes::ZERO);
    let o2 = y[EXT_OXYGEN].pos();
    let drug = y[EXT_DRUG].pos();
    let inhibitor = y[EXT_INHIBITOR].pos();
    let mut live = Lanes::ZERO;
    for k in 0..np {
        live += y[e + l.density(k)].pos();
    }
    let dead = y[e + l.dead()].pos();
    let crowd = (1.0 - (live + dead) / t[g::MAX_DENSITY]).pos();
    let fo = o2 / (t[g::GROWTH_O2] + o2);
    let hyp = below(o2, t[g::HYPOXIC_O2]);
    let necrosis = t[g::NECROSIS_RATE] * below(o2, t[g::NECROSIS_O2]);
    let sirna = y[e + l.sirna()].pos();
    let knock = sirna / (sirna + t[g::SIRNA_HALF]);
    let pump = 1.0 / (1.0 + inhibitor / t[g::INHIBITOR_KI]);
    for k in 0..np {
        let q = l.pheno(k);
        let n = y[e + l.density(k)].pos();
        let m = y[e + l.drug(k)].pos();
        let ci = m / n.map(|x| x.max(1e-12));
        let ec50 = t[q + p::EC50] * (1.0 + (t[q + p::BCL2] - 1.0) * (1.0 - knock));
        let eff = pick(&ci.0.map(|x| x > 0.0), 1.0 / (1.0 + hill_power(ec50 / ci, t[q + p::HILL])), Lanes::ZERO);
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
            let [r0, r1, r2] = [0, 1, 2].map(|which| t[l.switching(which) + at]);
            if r0 == 0.0 && r1 == 0.0 && r2 == 0.0 {
                // A zero rate moves +0: nothing to add.
                continue;
            }
            let rate = r0 + r1 * eff + r2 * hyp;
            dy[e + l.density(k)] -= rate * n;
            dy[e + l.density(j)] += rate * n;
            dy[e + l.drug(k)] -= rate * m;
            dy[e + l.drug(j)] += rate * m;
        }
    }
    dy[e + l.dead()] -= t[g::CLEARANCE] * dead;
    let shared: [bool; LANES] = live.0.map(|x| x > 0.0);
    for ci in 0..nc {
        let q = l.carrier(ci);
        let free = y[EXT_CARRIER0 + ci].pos();
        let bound = y[e + l.bound(ci)].pos();
        let inside = y[e + l.internalised(ci)].pos();
        let bit = 1 << ci;
        let triggered = Lanes(trigger.map(|b| if b & bit != 0 { t[q + c::TRIGGER_RELEASE] } else { 0.0 }));
        let release = t[q + c::RELEASE] + (t[q + c::RELEASE_ACIDIC] - t[q + c::RELEASE]) * hyp + triggered;
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
        // Into the phenotypes in proportion to their density where there
        // are live cells, else back to the tissue (adding +0 elsewhere).
        for k in 0..np {
            let share = payload * (y[e + l.density(k)].pos() / live);
            dy[e + l.drug(k)] += pick(&shared, share, Lanes::ZERO);
        }
        dy[EXT_DRUG] += pick(&shared, Lanes::ZERO, payload);
    }
    dy[e + l.sirna()] -= t[g::SIRNA_DECAY] * sirna;
}

/// The oxygen species' consumption `dt·V` per voxel of a block after its
/// kinetics: the regions' `base` plus `dt_rate·L`, `L` the live density.
fn oxygen_rate(rows: Rows, base: &[f32], out: &mut [f32], layout: Layout, dt_rate: f32) {
    let e = layout.ext();
    let mut live = [0.0f32; BLOCK];
    let live = &mut live[..out.len()];
    for k in 0..layout.phenotypes {
        for (x, &n) in live.iter_mut().zip(rows[e + layout.density(k)].iter()) {
            *x += n;
        }
    }
    for ((o, &b), &x) in out.iter_mut().zip(base).zip(live.iter()) {
        *o = b + dt_rate * x;
    }
}

/// One radiotherapy fraction of `dose` Gy: each phenotype keeps the
/// linear-quadratic surviving fraction at the local oxygen and gold load;
/// the killed cells join the dead and their drug returns to the tissue.
/// `rows` as for [`kinetics`].
pub fn irradiate(rows: Vec<&mut [f32]>, layout: Layout, params: &[f32], rt: [f32; 3]) {
    assert_eq!(rows.len(), layout.vars());
    for_each_block(rows, |rows, _| {
        let mut y = [0.0f32; MAX_VARS];
        for i in 0..rows[0].len() {
            for (y, row) in y.iter_mut().zip(rows.iter()) {
                *y = row[i];
            }
            irradiate_voxel(&mut y, layout, params, rt);
            for (&y, row) in y.iter().zip(rows.iter_mut()) {
                row[i] = y;
            }
        }
    });
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
    // Rows (of x) with a voxel above the threshold: only they and their four
    // neighbouring rows exchange anything; every other row is copied, which
    // is what the loop below gives it (no flux has a sign, so it adds +0.0:
    // the same value, though a -0.0 would come out as +0.0 there).
    let crowded: Vec<bool> = excess.par_chunks(nx).map(|r| r.iter().any(|&(p, _)| p > 0.0)).collect();
    let moves = |row: usize| {
        let (j, k) = (row % ny, row / ny);
        crowded[row]
            || (j > 0 && crowded[row - 1])
            || (j + 1 < ny && crowded[row + 1])
            || (k > 0 && crowded[row - ny])
            || (k + 1 < nz && crowded[row + ny])
    };
    dst.par_chunks_mut(n).enumerate().for_each(|(var, out)| {
        let field = &src[var * n..(var + 1) * n];
        if var >= moving {
            out.copy_from_slice(field);
            return;
        }
        out.par_chunks_mut(nx).enumerate().for_each(|(row, out)| {
            if !moves(row) {
                out.copy_from_slice(&field[row * nx..(row + 1) * nx]);
                return;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic value in `[lo, hi)` for index `i` of stream `s`.
    fn noise(s: u64, i: u64, lo: f32, hi: f32) -> f32 {
        let mut x = (s.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xBF58_476D_1CE4_E5B9)).wrapping_add(i);
        x ^= x >> 31;
        x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 29;
        lo + (hi - lo) * (x >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A parameter table with every rate on: three phenotypes (Hill 2, 1.5
    /// and 3), two carriers, switching between different phenotypes only.
    fn table(l: Layout) -> Vec<f32> {
        let mut t: Vec<f32> = (0..l.params_len()).map(|i| noise(1, i as u64, 0.05, 0.5)).collect();
        t[g::MAX_DENSITY] = 1.0;
        for (slot, v) in [(g::GROWTH_O2, 5.0), (g::HYPOXIC_O2, 10.0), (g::NECROSIS_O2, 2.5), (g::INHIBITOR_KI, 0.1)] {
            t[slot] = v;
        }
        for (k, hill) in [2.0, 1.5, 3.0].into_iter().enumerate().take(l.phenotypes) {
            let q = l.pheno(k);
            t[q + p::HILL] = hill;
            t[q + p::BCL2] += 1.0;
            for which in 0..3 {
                t[l.switching(which) + k * l.phenotypes + k] = 0.0;
            }
        }
        t
    }

    /// Rows of `n` voxels: cells in about half of them (some with only
    /// dead cells, bound carriers or siRNA), none in the rest, whose state
    /// is zero or slightly negative; free carriers in some voxels of
    /// either kind, and a few negative linked values.
    fn voxels(l: Layout, n: usize) -> Vec<Vec<f32>> {
        let mut rows: Vec<Vec<f32>> = (0..l.vars())
            .map(|v| (0..n).map(|i| noise(2 + v as u64, i as u64, -0.02, 1.0).max(0.0)).collect())
            .collect();
        let e = l.ext();
        for i in 0..n {
            rows[EXT_OXYGEN][i] *= 40.0;
            let kind = i % 7;
            if kind >= 3 {
                // Without cells: every state value but the sink at most zero.
                for row in &mut rows[e..e + l.sink()] {
                    row[i] = -row[i] * 0.01 * (i % 2) as f32;
                }
            }
            if kind == 1 {
                // Only dead cells and bound carriers.
                for k in 0..l.phenotypes {
                    rows[e + l.density(k)][i] = 0.0;
                    rows[e + l.drug(k)][i] = 0.0;
                }
            }
            if kind == 4 || kind == 5 {
                for ci in 0..l.carriers {
                    rows[EXT_CARRIER0 + ci][i] = 0.0;
                }
            }
            if kind == 5 {
                rows[EXT_DRUG][i] = -0.01;
            }
        }
        rows
    }

    #[test]
    fn kinetics_equal_the_full_integration_of_every_voxel_alone() {
        // The split into voxels with and without cells, the lanes and the
        // blocks change no value: every voxel as `integrate` leaves it when
        // it fills all lanes alone, in `substeps` sub-steps with cells and
        // `release_substeps` without.
        let l = Layout { phenotypes: 3, carriers: 2 };
        let t = table(l);
        let n = BLOCK + 333;
        let mask: Vec<u32> = (0..n).map(|i| (i % 4) as u32).collect();
        for (substeps, release_substeps, trigger_on) in [(1, 1, 0), (2, 1, 0b10), (3, 3, 0b11), (4, 2, 0b01)] {
            let call = KineticsCall { layout: l, params: &t, h: 1.5, substeps, release_substeps, trigger_on };
            let mut rows = voxels(l, n);
            let before = rows.clone();
            let base: Vec<f32> = (0..n).map(|i| noise(9, i as u64, 0.0, 1.0)).collect();
            let mut out = vec![0.0f32; n];
            let o2 = OxygenRate { base: &base, out: &mut out, dt_rate: 0.25 };
            kinetics(rows.iter_mut().map(|r| &mut r[..]).collect(), Some(&mask), &call, o2);
            let (mut with, mut without) = (0, 0);
            for i in 0..n {
                let mut y = [Lanes::ZERO; MAX_VARS];
                for (y, row) in y.iter_mut().zip(&before) {
                    *y = Lanes([row[i]; LANES]);
                }
                let has_cells = before[l.ext()..l.ext() + l.sink()].iter().any(|r| r[i] > 0.0);
                let alone = KineticsCall { substeps: if has_cells { substeps } else { release_substeps }, ..call };
                integrate(&mut y, &alone, &[mask[i] & trigger_on; LANES]);
                for (v, row) in rows.iter().enumerate() {
                    assert!(
                        row[i] == y[v].0[0],
                        "substeps {substeps}/{release_substeps}, voxel {i}, value {v}: {} by kinetics, {} alone",
                        row[i],
                        y[v].0[0]
                    );
                }
                let live: f32 = (0..l.phenotypes).map(|k| rows[l.ext() + l.density(k)][i]).sum();
                assert_eq!(out[i], base[i] + 0.25 * live);
                *(if has_cells { &mut with } else { &mut without }) += 1;
            }
            assert!(with > n / 3 && without > n / 3, "{with} voxels with cells, {without} without");
            assert_ne!(rows, before, "the kinetics changed nothing");
        }
    }

    #[test]
    fn carriers_release_drug_outside_cells() {
        // A voxel without cells but with free carriers is not left alone.
        let l = Layout { phenotypes: 1, carriers: 1 };
        let t = table(l);
        let call = KineticsCall { layout: l, params: &t, h: 1.0, substeps: 1, release_substeps: 1, trigger_on: 0 };
        let mut y = [Lanes::ZERO; MAX_VARS];
        y[EXT_OXYGEN] = Lanes([20.0; LANES]);
        y[EXT_CARRIER0] = Lanes([1.0; LANES]);
        release_outside(&mut y, &call, &[0; LANES]);
        assert!(y[EXT_CARRIER0].0[0] < 1.0 && y[EXT_DRUG].0[0] > 0.0 && y[EXT_INHIBITOR].0[0] > 0.0);
    }

    #[test]
    fn hill_powers_in_lanes_are_those_of_the_model() {
        let x = Lanes(std::array::from_fn(|i| 0.3 + 1.7 * i as f32));
        for h in [1.0, 2.0, 3.0, 4.0, 1.5, 2.5] {
            assert_eq!(hill_power(x, h), x.map(|v| crate::model::cells::hill_power(v, h)), "h = {h}");
        }
        assert_eq!(crate::model::cells::hill_power(3.0, 4.0), 81.0);
        assert_eq!(crate::model::cells::hill_power(3.0, 3.0), 27.0);
    }
    #[test]
    fn spread_skips_only_rows_that_exchange_nothing() {
        // Crowded voxels at a corner, on a face and inside; every voxel as a
        // loop over all voxels and all six faces leaves it.
        let l = Layout { phenotypes: 2, carriers: 1 };
        let shape = [9, 7, 5];
        let n = shape.iter().product::<usize>();
        let (nmax, threshold, r) = (1.0f32, 0.8f32, 0.1f32);
        let mut src: Vec<f32> = (0..l.state() * n).map(|i| noise(3, i as u64, 0.0, 0.3)).collect();
        let crowded = [0, 4 + 9 * 3 + 63 * 4, 3 + 9 * 2 + 63 * 2];
        for &v in &crowded {
            src[l.density(0) * n + v] = 0.9;
        }
        let mut dst = vec![0.0f32; src.len()];
        let mut excess = vec![(0.0, 0.0); n];
        spread(&src, &mut dst, l, shape, nmax, threshold, r, &mut excess);
        let [nx, ny, nz] = shape;
        let total =
            |v: usize| (0..l.phenotypes).map(|k| src[l.density(k) * n + v]).sum::<f32>() + src[l.dead() * n + v];
        let pressure = |v: usize| (total(v) / nmax - threshold).max(0.0);
        for var in 0..l.state() {
            let field = &src[var * n..(var + 1) * n];
            for v in 0..n {
                let (i, j, k) = (v % nx, (v / nx) % ny, v / (nx * ny));
                let mut change = 0.0f32;
                for (ok, u) in [
                    (i > 0, v.wrapping_sub(1)),
                    (i + 1 < nx, v + 1),
                    (j > 0, v.wrapping_sub(nx)),
                    (j + 1 < ny, v + nx),
                    (k > 0, v.wrapping_sub(nx * ny)),
                    (k + 1 < nz, v + nx * ny),
                ] {
                    if !ok || var >= l.state() - 1 {
                        continue;
                    }
                    let flux = r * nmax * (pressure(v) - pressure(u));
                    if flux > 0.0 {
                        change -= flux * field[v] / total(v);
                    } else if flux < 0.0 {
                        change -= flux * field[u] / total(u);
                    }
                }
                assert_eq!(dst[var * n + v], field[v] + change, "variable {var}, voxel {v}");
            }
        }
        for &v in &crowded {
            assert!(dst[l.density(0) * n + v] < 0.9, "voxel {v} did not spread");
        }
    }
}
