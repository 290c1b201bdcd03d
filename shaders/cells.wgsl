// Cell kinetics, radiotherapy and spread. CPU twins: src/solver/cpu/cells.rs;
// rate laws and the parameter table: src/model/cells.rs.
// `ext` holds the linked transport fields (oxygen, drug, inhibitor, one per
// carrier) and `state` the cell state, each an array of `n` per value.

// Keep in sync with CellParams in src/solver/gpu/cells.rs.
struct CellParams {
    n: u32,
    nx: u32,
    ny: u32,
    nz: u32,
    phenotypes: u32,
    carriers: u32,
    substeps: u32,
    trigger_on: u32,
    // Kinetics interval, min.
    h: f32,
    // Radiotherapy: dose Gy, OER max, OER half oxygen mmHg.
    dose: f32,
    oer_max: f32,
    oer_k: f32,
    // Spread: N_max, threshold, r = spread·dt_sub/dx².
    nmax: f32,
    threshold: f32,
    r: f32,
    // dt·V_O: oxygen consumption per unit live density over one transport step.
    o2_dt_rate: f32,
    // A grid split into slabs of z-planes: n, nz are this slab's; z0 is its
    // first plane in the grid and nz_all the grid's depth.
    z0: u32,
    nz_all: u32,
    // Runge–Kutta sub-steps of a voxel without cells (release_outside).
    release_substeps: u32,
    _pad: u32,
}

const MAX_VARS: u32 = 40u;
const MAX_CARRIERS: u32 = 4u;
// Table offsets (src/model/cells.rs: GLOBAL, PHENO, CARRIER and slot modules).
const GLOBAL: u32 = 12u;
const PHENO: u32 = 16u;
const CARRIER: u32 = 12u;

@group(0) @binding(0) var<uniform> cp: CellParams;
@group(0) @binding(1) var<storage, read_write> ext: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<f32>;
@group(0) @binding(3) var<storage, read> table: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<u32>;
@group(0) @binding(5) var<storage, read> state_in: array<f32>;
// The oxygen species' consumption dt·V per voxel (pointwise.wgsl `consume`),
// rewritten by the kinetics: the base (regions) plus dt·V_O·(live density).
@group(0) @binding(6) var<storage, read_write> o2_rate: array<f32>;
@group(0) @binding(7) var<storage, read> o2_base: array<f32>;

fn n_ext() -> u32 {
    return 3u + cp.carriers;
}
fn n_vars() -> u32 {
    return n_ext() + 2u * cp.phenotypes + 2u * cp.carriers + 3u;
}
// State indices (not counting ext).
fn i_density(k: u32) -> u32 {
    return k;
}
fn i_drug(k: u32) -> u32 {
    return cp.phenotypes + k;
}
fn i_dead() -> u32 {
    return 2u * cp.phenotypes;
}
fn i_bound(c: u32) -> u32 {
    return 2u * cp.phenotypes + 1u + c;
}
fn i_internalised(c: u32) -> u32 {
    return 2u * cp.phenotypes + 1u + cp.carriers + c;
}
fn i_sirna() -> u32 {
    return 2u * cp.phenotypes + 1u + 2u * cp.carriers;
}
fn i_sink() -> u32 {
    return i_sirna() + 1u;
}
fn t_pheno(k: u32) -> u32 {
    return GLOBAL + PHENO * k;
}
fn t_switching(which: u32) -> u32 {
    return GLOBAL + PHENO * cp.phenotypes + which * cp.phenotypes * cp.phenotypes;
}
fn t_carrier(c: u32) -> u32 {
    return t_switching(3u) + CARRIER * c;
}

// 1/(1 + (x/k)⁴).
fn below(x: f32, k: f32) -> f32 {
    let u = x / k;
    let u2 = u * u;
    return 1.0 / (1.0 + u2 * u2);
}

// x^h of the Hill terms (model::cells::hill_power): products for h = 1…4.
fn hill_power(x: f32, h: f32) -> f32 {
    if h == 1.0 {
        return x;
    }
    if h == 2.0 {
        return x * x;
    }
    if h == 3.0 {
        return x * x * x;
    }
    if h == 4.0 {
        let x2 = x * x;
        return x2 * x2;
    }
    return pow(x, h);
}

fn rhs(y: ptr<function, array<f32, MAX_VARS>>, dy: ptr<function, array<f32, MAX_VARS>>, trigger: u32) {
    let np = cp.phenotypes;
    let nc = cp.carriers;
    let e = n_ext();
    for (var v = 0u; v < n_vars(); v++) {
        (*dy)[v] = 0.0;
    }
    let o2 = max((*y)[0], 0.0);
    let drug = max((*y)[1], 0.0);
    let inhibitor = max((*y)[2], 0.0);
    var live = 0.0;
    for (var k = 0u; k < np; k++) {
        live += max((*y)[e + i_density(k)], 0.0);
    }
    let dead = max((*y)[e + i_dead()], 0.0);
    let crowd = max(1.0 - (live + dead) / table[0], 0.0);
    let fo = o2 / (table[1] + o2);
    let hyp = below(o2, table[2]);
    let necrosis = table[4] * below(o2, table[3]);
    let sirna = max((*y)[e + i_sirna()], 0.0);
    let knock = sirna / (sirna + table[9]);
    let pump = 1.0 / (1.0 + inhibitor / table[8]);
    for (var k = 0u; k < np; k++) {
        let q = t_pheno(k);
        let n = max((*y)[e + i_density(k)], 0.0);
        let m = max((*y)[e + i_drug(k)], 0.0);
        let ci = m / max(n, 1e-12);
        let ec50 = table[q + 8u] * (1.0 + (table[q + 10u] - 1.0) * (1.0 - knock));
        var eff = 0.0;
        if ci > 0.0 {
            eff = 1.0 / (1.0 + hill_power(ec50 / ci, table[q + 9u]));
        }
        let s = table[q + 11u];
        let kill = table[q + 7u] * (1.0 - s + s * fo * crowd) * eff;
        let death = necrosis + kill;
        let influx = n * (table[q + 1u] * (drug - ci) + table[q + 2u] * drug / (table[q + 3u] + drug));
        let efflux = n * table[q + 4u] * ci / (table[q + 5u] + ci) * pump;
        let deact = table[q + 6u] * m;
        (*dy)[e + i_density(k)] += (table[q] * fo * crowd - death) * n;
        (*dy)[e + i_drug(k)] += influx - efflux - deact - death * m;
        (*dy)[1] += efflux - influx + death * m;
        (*dy)[e + i_dead()] += death * n;
        (*dy)[e + i_sink()] += deact;
        for (var j = 0u; j < np; j++) {
            let at = k * np + j;
            let r0 = table[t_switching(0u) + at];
            let r1 = table[t_switching(1u) + at];
            let r2 = table[t_switching(2u) + at];
            if r0 == 0.0 && r1 == 0.0 && r2 == 0.0 {
                // A zero rate moves +0: nothing to add.
                continue;
            }
            let rate = r0 + r1 * eff + r2 * hyp;
            (*dy)[e + i_density(k)] -= rate * n;
            (*dy)[e + i_density(j)] += rate * n;
            (*dy)[e + i_drug(k)] -= rate * m;
            (*dy)[e + i_drug(j)] += rate * m;
        }
    }
    (*dy)[e + i_dead()] -= table[5] * dead;
    for (var c = 0u; c < nc; c++) {
        let q = t_carrier(c);
        let free = max((*y)[3u + c], 0.0);
        let bound = max((*y)[e + i_bound(c)], 0.0);
        let inside = max((*y)[e + i_internalised(c)], 0.0);
        var release = table[q + 7u] + (table[q + 8u] - table[q + 7u]) * hyp;
        if (trigger & (1u << c)) != 0u {
            release += table[q + 9u];
        }
        let out = release * free;
        let bind = table[q + 3u] * live * free;
        let unbind = table[q + 4u] * bound;
        let enter = table[q + 5u] * bound;
        let endo = table[q + 6u] * inside;
        (*dy)[3u + c] += unbind - out - bind;
        (*dy)[e + i_bound(c)] += bind - unbind - enter;
        (*dy)[e + i_internalised(c)] += enter - endo;
        (*dy)[1] += table[q] * out;
        (*dy)[2] += table[q + 1u] * (out + endo);
        (*dy)[e + i_sirna()] += table[q + 2u] * endo;
        let payload = table[q] * endo;
        if live > 0.0 {
            for (var k = 0u; k < np; k++) {
                (*dy)[e + i_drug(k)] += payload * (max((*y)[e + i_density(k)], 0.0) / live);
            }
        } else {
            (*dy)[1] += payload;
        }
    }
    (*dy)[e + i_sirna()] -= table[10] * sirna;
}

// Rates of the free carriers (into kf), and of drug and inhibitor
// (returned), at the free carriers fs of a voxel without cells.
fn release_rates(fs: ptr<function, array<f32, MAX_CARRIERS>>, kf: ptr<function, array<f32, MAX_CARRIERS>>,
                 release: ptr<function, array<f32, MAX_CARRIERS>>) -> vec2<f32> {
    var kd = 0.0;
    var kx = 0.0;
    for (var c = 0u; c < cp.carriers; c++) {
        let q = t_carrier(c);
        let out = (*release)[c] * max((*fs)[c], 0.0);
        (*kf)[c] = 0.0 - out;
        kd += table[q] * out;
        kx += table[q + 1u] * out;
    }
    return vec2<f32>(kd, kx);
}

// Kinetics over cp.h min of a voxel without cells (model::cells, "Voxels
// without cells"): each free carrier released into drug and inhibitor
// through the Runge–Kutta stages of the full integration, every other value
// clamped at zero, as the full integration in cp.release_substeps sub-steps
// leaves it.
fn release_outside(y: ptr<function, array<f32, MAX_VARS>>, trigger: u32) {
    let h = cp.h / f32(cp.release_substeps);
    let hyp = below(max((*y)[0], 0.0), table[2]);
    var release: array<f32, MAX_CARRIERS>;
    for (var c = 0u; c < cp.carriers; c++) {
        let q = t_carrier(c);
        var triggered = 0.0;
        if (trigger & (1u << c)) != 0u {
            triggered = table[q + 9u];
        }
        release[c] = table[q + 7u] + (table[q + 8u] - table[q + 7u]) * hyp + triggered;
    }
    var f: array<f32, MAX_CARRIERS>;
    var fs: array<f32, MAX_CARRIERS>;
    var kf: array<f32, MAX_CARRIERS>;
    var acc: array<f32, MAX_CARRIERS>;
    for (var s = 0u; s < cp.release_substeps; s++) {
        for (var c = 0u; c < cp.carriers; c++) {
            f[c] = (*y)[3u + c];
        }
        var k = release_rates(&f, &kf, &release);
        var ad = k.x;
        var ax = k.y;
        for (var c = 0u; c < cp.carriers; c++) {
            acc[c] = kf[c];
            fs[c] = f[c] + 0.5 * h * kf[c];
        }
        k = release_rates(&fs, &kf, &release);
        ad += 2.0 * k.x;
        ax += 2.0 * k.y;
        for (var c = 0u; c < cp.carriers; c++) {
            acc[c] += 2.0 * kf[c];
            fs[c] = f[c] + 0.5 * h * kf[c];
        }
        k = release_rates(&fs, &kf, &release);
        ad += 2.0 * k.x;
        ax += 2.0 * k.y;
        for (var c = 0u; c < cp.carriers; c++) {
            acc[c] += 2.0 * kf[c];
            fs[c] = f[c] + h * kf[c];
        }
        k = release_rates(&fs, &kf, &release);
        for (var c = 0u; c < cp.carriers; c++) {
            (*y)[3u + c] = max(f[c] + h / 6.0 * (acc[c] + kf[c]), 0.0);
        }
        (*y)[1] = max((*y)[1] + h / 6.0 * (ad + k.x), 0.0);
        (*y)[2] = max((*y)[2] + h / 6.0 * (ax + k.y), 0.0);
    }
    for (var v = 0u; v < n_vars(); v++) {
        (*y)[v] = max((*y)[v], 0.0);
    }
}

fn load(idx: u32) -> array<f32, MAX_VARS> {
    var y: array<f32, MAX_VARS>;
    let e = n_ext();
    for (var v = 0u; v < e; v++) {
        y[v] = ext[v * cp.n + idx];
    }
    for (var v = e; v < n_vars(); v++) {
        y[v] = state[(v - e) * cp.n + idx];
    }
    return y;
}

fn store(idx: u32, y: ptr<function, array<f32, MAX_VARS>>) {
    let e = n_ext();
    for (var v = 0u; v < e; v++) {
        ext[v * cp.n + idx] = (*y)[v];
    }
    for (var v = e; v < n_vars(); v++) {
        state[(v - e) * cp.n + idx] = (*y)[v];
    }
}

// Kinetics over cp.h min: in a voxel with cells cp.substeps classical
// Runge–Kutta steps, clamped at zero, else release_outside (its own
// cp.release_substeps); then the oxygen
// consumption rate of the new live density.
@compute @workgroup_size(64)
fn cell_kinetics(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 64u);
    if idx >= cp.n {
        return;
    }
    var y = load(idx);
    let trigger = mask[min(idx, arrayLength(&mask) - 1u)] & cp.trigger_on;
    let vars = n_vars();
    let e = n_ext();
    // A voxel has cells when any state value but the sink is positive.
    var cells = false;
    for (var v = e; v < e + i_sink(); v++) {
        cells = cells || y[v] > 0.0;
    }
    if cells {
        let h = cp.h / f32(cp.substeps);
        var k: array<f32, MAX_VARS>;
        var acc: array<f32, MAX_VARS>;
        var ys: array<f32, MAX_VARS>;
        for (var s = 0u; s < cp.substeps; s++) {
            rhs(&y, &k, trigger);
            for (var v = 0u; v < vars; v++) {
                acc[v] = k[v];
                ys[v] = y[v] + 0.5 * h * k[v];
            }
            rhs(&ys, &k, trigger);
            for (var v = 0u; v < vars; v++) {
                acc[v] += 2.0 * k[v];
                ys[v] = y[v] + 0.5 * h * k[v];
            }
            rhs(&ys, &k, trigger);
            for (var v = 0u; v < vars; v++) {
                acc[v] += 2.0 * k[v];
                ys[v] = y[v] + h * k[v];
            }
            rhs(&ys, &k, trigger);
            for (var v = 0u; v < vars; v++) {
                y[v] = max(y[v] + h / 6.0 * (acc[v] + k[v]), 0.0);
            }
        }
    } else {
        release_outside(&y, trigger);
    }
    store(idx, &y);
    var live = 0.0;
    for (var k = 0u; k < cp.phenotypes; k++) {
        live += y[e + i_density(k)];
    }
    o2_rate[idx] = o2_base[idx] + cp.o2_dt_rate * live;
}

// One radiotherapy fraction of cp.dose Gy (linear-quadratic, OER, gold enhancement).
@compute @workgroup_size(64)
fn irradiate(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 64u);
    if idx >= cp.n {
        return;
    }
    let e = n_ext();
    var y = load(idx);
    let o2 = max(y[0], 0.0);
    var def = 1.0;
    for (var c = 0u; c < cp.carriers; c++) {
        let q = t_carrier(c);
        let amount = y[3u + c] + y[e + i_bound(c)] + y[e + i_internalised(c)];
        def += table[q + 10u] * amount / (amount + table[q + 11u]);
    }
    let d = cp.dose * ((cp.oer_max * o2 + cp.oer_k) / (o2 + cp.oer_k) / cp.oer_max) * def;
    for (var k = 0u; k < cp.phenotypes; k++) {
        let q = t_pheno(k);
        let survive = exp(-table[q + 12u] * d - table[q + 13u] * d * d);
        let n = y[e + i_density(k)];
        let m = y[e + i_drug(k)];
        y[e + i_density(k)] = n * survive;
        y[e + i_dead()] += n - n * survive;
        y[e + i_drug(k)] = m * survive;
        y[1] += m - m * survive;
    }
    store(idx, &y);
}

// On a grid split into slabs: the moving values (every state value but the
// sink) of the planes just below and above this slab, one plane per value,
// copied from the neighbouring slabs before each spread sub-step.
@group(0) @binding(8) var<storage, read> halo_lo: array<f32>;
@group(0) @binding(9) var<storage, read> halo_hi: array<f32>;

// Value `var_` of neighbour `f` (index `nb`) of voxel `v` in plane `k` of
// the slab: from state_in, or from a halo across a cut.
fn neighbour(var_: u32, f: u32, v: u32, nb: u32, k: u32) -> f32 {
    let plane = cp.nx * cp.ny;
    if f == 4u && k == 0u {
        return halo_lo[var_ * plane + v];
    }
    if f == 5u && k + 1u == cp.nz {
        return halo_hi[var_ * plane + v - k * plane];
    }
    return state_in[var_ * cp.n + nb];
}

// Excess density max(0, N/N_max − threshold) and N of neighbour `f` of
// voxel `v` (f = 6: the voxel itself).
fn excess(f: u32, v: u32, nb: u32, k: u32) -> vec2<f32> {
    var total = 0.0;
    for (var p = 0u; p < cp.phenotypes; p++) {
        total += neighbour(i_density(p), f, v, nb, k);
    }
    total += neighbour(i_dead(), f, v, nb, k);
    return vec2<f32>(max(total / cp.nmax - cp.threshold, 0.0), total);
}

// One explicit spread sub-step, state_in → state (every value but the sink moves).
@compute @workgroup_size(64)
fn cell_spread(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) local: u32) {
    let v = flat_index(wg, nwg, local, 64u);
    if v >= cp.n {
        return;
    }
    let i = v % cp.nx;
    let j = (v / cp.nx) % cp.ny;
    let k = v / (cp.nx * cp.ny);
    let kg = cp.z0 + k;
    let own = excess(6u, v, v, k);
    var nb: array<u32, 6>;
    var has: array<bool, 6>;
    nb[0] = v - 1u;
    has[0] = i > 0u;
    nb[1] = v + 1u;
    has[1] = i + 1u < cp.nx;
    nb[2] = v - cp.nx;
    has[2] = j > 0u;
    nb[3] = v + cp.nx;
    has[3] = j + 1u < cp.ny;
    nb[4] = v - cp.nx * cp.ny;
    has[4] = kg > 0u;
    nb[5] = v + cp.nx * cp.ny;
    has[5] = kg + 1u < cp.nz_all;
    var flux: array<f32, 6>;
    var donor: array<vec2<f32>, 6>;
    for (var f = 0u; f < 6u; f++) {
        flux[f] = 0.0;
        if has[f] {
            let other = excess(f, v, nb[f], k);
            flux[f] = cp.r * cp.nmax * (own.x - other.x);
            donor[f] = other;
        }
    }
    let moving = 2u * cp.phenotypes + 2u * cp.carriers + 2u;
    for (var var_ = 0u; var_ < moving; var_++) {
        let base = var_ * cp.n;
        var change = 0.0;
        for (var f = 0u; f < 6u; f++) {
            if flux[f] > 0.0 {
                change -= flux[f] * state_in[base + v] / own.y;
            } else if flux[f] < 0.0 {
                change -= flux[f] * neighbour(var_, f, v, nb[f], k) / donor[f].y;
            }
        }
        state[base + v] = state_in[base + v] + change;
    }
    let sink = (moving) * cp.n + v;
    state[sink] = state_in[sink];
}
