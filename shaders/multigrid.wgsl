// Multigrid kernels for −∇·(K∇u) + a·u = b (interstitial pressure, coupled
// implicit species steps, steady species).
// Host code: src/solver/multigrid/gpu.rs. CPU twins: src/solver/multigrid/cpu.rs,
// levels.rs and exact.rs, with the same arithmetic in the same order.
// Keep `MgDims` in sync with `MgDims` in src/solver/multigrid/gpu.rs.

struct MgDims {
    // This level's cells along x, y, z, and their count.
    nx: u32,
    ny: u32,
    nz: u32,
    n: u32,
    // The next coarser level's (this level's own on the coarsest).
    cx: u32,
    cy: u32,
    cz: u32,
    cn: u32,
    // Smoothing: the colour (i + j + k) % 2 to update, and ⌈nx/2⌉.
    colour: u32,
    half_x: u32,
    // Bit f set where domain face f (x_min, x_max, y_min, …) is Dirichlet.
    dirichlet: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> dims: MgDims;
// This level's correction and right side.
@group(0) @binding(1) var<storage, read_write> e: array<f32>;
@group(0) @binding(2) var<storage, read_write> rhs: array<f32>;
// [T_x, T_y, T_z, S] per cell, conductance units (src/solver/multigrid/levels.rs).
@group(0) @binding(3) var<storage, read> coef: array<vec4<f32>>;
// The next coarser level's right side and correction.
@group(0) @binding(4) var<storage, read_write> coarse_rhs: array<f32>;
@group(0) @binding(5) var<storage, read> coarse_e: array<f32>;
// Finest solution p = hi + lo, mmHg, and right side f, µm³/min.
@group(0) @binding(6) var<storage, read_write> sol: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read> rhs_f: array<f32>;
// Sums of r² per workgroup of mg_residual, then their total.
@group(0) @binding(8) var<storage, read_write> partial: array<f32>;
@group(0) @binding(9) var<storage, read_write> total: array<f32>;

var<workgroup> tree: array<f32, 256>;

fn cell(idx: u32) -> vec3<u32> {
    let plane = dims.nx * dims.ny;
    let k = idx / plane;
    let rem = idx - k * plane;
    let j = rem / dims.nx;
    return vec3<u32>(rem - j * dims.nx, j, k);
}

// One red–black Gauss–Seidel half-sweep: (rhs + Σ T e_nb) / (S + Σ T),
// faces x−, x+, y−, y+, z−, z+. One invocation per cell of the colour.
@compute @workgroup_size(256)
fn mg_smooth(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) local: u32) {
    let t = flat_index(wg, nwg, local, 256u);
    let rows = dims.ny * dims.nz;
    if t >= dims.half_x * rows {
        return;
    }
    let row = t / dims.half_x;
    let m = t - row * dims.half_x;
    let k = row / dims.ny;
    let j = row - k * dims.ny;
    let i = 2u * m + ((j + k + dims.colour) & 1u);
    if i >= dims.nx {
        return;
    }
    let idx = i + dims.nx * row;
    let sy = dims.nx;
    let sz = dims.nx * dims.ny;
    let c = coef[idx];
    var sum = rhs[idx];
    var diag = c.w;
    if i > 0u {
        let tf = coef[idx - 1u].x;
        sum += tf * e[idx - 1u];
        diag += tf;
    }
    if i + 1u < dims.nx {
        sum += c.x * e[idx + 1u];
        diag += c.x;
    }
    if j > 0u {
        let tf = coef[idx - sy].y;
        sum += tf * e[idx - sy];
        diag += tf;
    }
    if j + 1u < dims.ny {
        sum += c.y * e[idx + sy];
        diag += c.y;
    }
    if k > 0u {
        let tf = coef[idx - sz].z;
        sum += tf * e[idx - sz];
        diag += tf;
    }
    if k + 1u < dims.nz {
        sum += c.z * e[idx + sz];
        diag += c.z;
    }
    e[idx] = sum / diag;
}

// f32 residual rhs − S e − Σ T (e − e_nb) of one cell of this level.
fn residual_f32(i: u32, j: u32, k: u32) -> f32 {
    let sy = dims.nx;
    let sz = dims.nx * dims.ny;
    let idx = i + sy * j + sz * k;
    let c = coef[idx];
    let ei = e[idx];
    var r = rhs[idx] - c.w * ei;
    if i > 0u {
        r -= coef[idx - 1u].x * (ei - e[idx - 1u]);
    }
    if i + 1u < dims.nx {
        r -= c.x * (ei - e[idx + 1u]);
    }
    if j > 0u {
        r -= coef[idx - sy].y * (ei - e[idx - sy]);
    }
    if j + 1u < dims.ny {
        r -= c.y * (ei - e[idx + sy]);
    }
    if k > 0u {
        r -= coef[idx - sz].z * (ei - e[idx - sz]);
    }
    if k + 1u < dims.nz {
        r -= c.z * (ei - e[idx + sz]);
    }
    return r;
}

// Coarse right side: the sum of the children's residuals (k, j, i order).
@compute @workgroup_size(256)
fn mg_restrict(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) local: u32) {
    let ci = flat_index(wg, nwg, local, 256u);
    if ci >= dims.cn {
        return;
    }
    let ch = children(ci, dims.cx, dims.cy, dims.nx, dims.ny, dims.nz);
    let kr = ch.z;
    let jr = ch.y;
    let ir = ch.x;
    var sum = 0.0;
    for (var k = kr.x; k < kr.y; k++) {
        for (var j = jr.x; j < jr.y; j++) {
            for (var i = ir.x; i < ir.y; i++) {
                sum += residual_f32(i, j, k);
            }
        }
    }
    coarse_rhs[ci] = sum;
}

struct AxisWeights {
    m: u32,
    b: u32,
    wm: f32,
    wb: f32,
}

// Trilinear weights along one axis for fine index i (cpu.rs: axis_weights);
// `faces` holds this axis' Dirichlet bits (1: lower, 2: upper).
fn axis_weights(i: u32, nf: u32, nc: u32, faces: u32) -> AxisWeights {
    if nf == 1u {
        return AxisWeights(0u, 0u, 1.0, 0.0);
    }
    let m = i / 2u;
    if 2u * m + 1u >= nf {
        return AxisWeights(m, m, 1.0, 0.0);
    }
    if (i & 1u) == 0u {
        if m > 0u {
            return AxisWeights(m, m - 1u, 0.75, 0.25);
        }
        return AxisWeights(m, m, 0.75, select(0.25, -0.25, (faces & 1u) != 0u));
    }
    if m + 1u < nc {
        return AxisWeights(m, m + 1u, 0.75, 0.25);
    }
    return AxisWeights(m, m, 0.75, select(0.25, -0.25, (faces & 2u) != 0u));
}

// e += trilinear interpolation of the coarser level's correction.
@compute @workgroup_size(256)
fn mg_prolong(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= dims.n {
        return;
    }
    let q = cell(idx);
    let ax = axis_weights(q.x, dims.nx, dims.cx, dims.dirichlet & 3u);
    let ay = axis_weights(q.y, dims.ny, dims.cy, (dims.dirichlet >> 2u) & 3u);
    let az = axis_weights(q.z, dims.nz, dims.cz, (dims.dirichlet >> 4u) & 3u);
    var xs = array<u32, 2>(ax.m, ax.b);
    var ys = array<u32, 2>(ay.m, ay.b);
    var zs = array<u32, 2>(az.m, az.b);
    var xw = array<f32, 2>(ax.wm, ax.wb);
    var yw = array<f32, 2>(ay.wm, ay.wb);
    var zw = array<f32, 2>(az.wm, az.wb);
    var acc = 0.0;
    for (var cz = 0u; cz < 2u; cz++) {
        for (var cy = 0u; cy < 2u; cy++) {
            for (var cx = 0u; cx < 2u; cx++) {
                let w = zw[cz] * yw[cy] * xw[cx];
                acc += w * coarse_e[xs[cx] + dims.cx * (ys[cy] + dims.cy * zs[cz])];
            }
        }
    }
    e[idx] += acc;
}

// ---- Exact sums of f32 products in integers (twin: exact.rs) ----
// WGSL lets compilers reassociate and fuse float operations, which breaks
// float error-free transforms; integer operations are exact everywhere.

// 64-bit two's-complement integers as vec2<u32>(low word, high word).
fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

fn neg64(a: vec2<u32>) -> vec2<u32> {
    return add64(vec2<u32>(~a.x, ~a.y), vec2<u32>(1u, 0u));
}

// a << s, s < 64.
fn shl64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if s == 0u {
        return a;
    }
    if s >= 32u {
        return vec2<u32>(0u, a.x << (s - 32u));
    }
    return vec2<u32>(a.x << s, (a.y << s) | (a.x >> (32u - s)));
}

// a >> s (logical); 0 for s ≥ 64.
fn shr64(a: vec2<u32>, s: u32) -> vec2<u32> {
    if s >= 64u {
        return vec2<u32>(0u, 0u);
    }
    if s == 0u {
        return a;
    }
    if s >= 32u {
        return vec2<u32>(a.y >> (s - 32u), 0u);
    }
    return vec2<u32>((a.x >> s) | (a.y << (32u - s)), a.y >> s);
}

fn clz64(a: vec2<u32>) -> u32 {
    if a.y != 0u {
        return countLeadingZeros(a.y);
    }
    return 32u + countLeadingZeros(a.x);
}

// a·b for a, b < 2^24, from 12-bit halves (every partial product < 2^25).
fn mul24(a: u32, b: u32) -> vec2<u32> {
    let ah = a >> 12u;
    let al = a & 0xfffu;
    let bh = b >> 12u;
    let bl = b & 0xfffu;
    let hh = ah * bh;
    let mid = ah * bl + al * bh;
    let ll = al * bl;
    var r = vec2<u32>(hh << 24u, hh >> 8u);
    r = add64(r, vec2<u32>(mid << 12u, mid >> 20u));
    return add64(r, vec2<u32>(ll, 0u));
}

struct Parts {
    neg: bool,
    m: u32,
    e: i32,
}

// x = ±m·2^e, m < 2^24; zero and subnormals give m = 0.
fn parts(x: f32) -> Parts {
    let b = bitcast<u32>(x);
    let ef = (b >> 23u) & 0xffu;
    if ef == 0u {
        return Parts(false, 0u, 0);
    }
    return Parts((b >> 31u) == 1u, (b & 0x7fffffu) | 0x800000u, i32(ef) - 150);
}

const TERMS: u32 = 27u;
var<private> term_a: array<f32, 27>;
var<private> term_b: array<f32, 27>;

struct Fixed {
    acc: vec2<u32>,
    g: i32,
}

// Σ term_a[k]·term_b[k], k < count, as acc·2^-g (exact.rs: fixed_dot).
fn fixed_dot(count: u32) -> Fixed {
    var found = false;
    var emax = 0;
    for (var t = 0u; t < count; t++) {
        let x = parts(term_a[t]);
        let y = parts(term_b[t]);
        if x.m != 0u && y.m != 0u {
            if !found || x.e + y.e > emax {
                emax = x.e + y.e;
            }
            found = true;
        }
    }
    if !found {
        return Fixed(vec2<u32>(0u, 0u), 0);
    }
    let g = 10 - emax;
    var acc = vec2<u32>(0u, 0u);
    for (var t = 0u; t < count; t++) {
        let x = parts(term_a[t]);
        let y = parts(term_b[t]);
        if x.m == 0u || y.m == 0u {
            continue;
        }
        let shift = x.e + y.e + g;
        var v = mul24(x.m, y.m);
        if shift >= 0 {
            v = shl64(v, u32(shift));
        } else {
            v = shr64(v, u32(-shift));
        }
        if x.neg != y.neg {
            v = neg64(v);
        }
        acc = add64(acc, v);
    }
    return Fixed(acc, g);
}

struct Split {
    x: f32,
    rest: vec2<u32>,
}

// acc·2^-g truncated toward zero to f32, and what is left (exact.rs: to_f32).
fn to_f32(acc: vec2<u32>, g: i32) -> Split {
    if acc.x == 0u && acc.y == 0u {
        return Split(0.0, acc);
    }
    let neg = (acc.y >> 31u) == 1u;
    let mag = select(acc, neg64(acc), neg);
    let t = 63 - i32(clz64(mag));
    var m: u32;
    var kept: vec2<u32>;
    if t > 23 {
        let s = u32(t - 23);
        let top = shr64(mag, s);
        m = top.x;
        kept = shl64(top, s);
    } else {
        m = shl64(mag, u32(23 - t)).x;
        kept = mag;
    }
    let sign = select(0u, 0x80000000u, neg);
    let ef = t - 23 - g + 150;
    if ef <= 0 {
        return Split(bitcast<f32>(sign), acc);
    }
    if ef >= 255 {
        return Split(bitcast<f32>(sign | 0x7f800000u), vec2<u32>(0u, 0u));
    }
    let x = bitcast<f32>(sign | (u32(ef) << 23u) | (m & 0x7fffffu));
    var rest = add64(mag, neg64(kept));
    if neg {
        rest = neg64(rest);
    }
    return Split(x, rest);
}

fn face_terms(n: u32, t: f32, p: vec2<f32>, nb: vec2<f32>) -> u32 {
    term_a[n] = -t;
    term_b[n] = p.x;
    term_a[n + 1u] = -t;
    term_b[n + 1u] = p.y;
    term_a[n + 2u] = t;
    term_b[n + 2u] = nb.x;
    term_a[n + 3u] = t;
    term_b[n + 3u] = nb.y;
    return n + 4u;
}

// Exact f − S p − Σ T (p − p_nb) of one finest cell, truncated to f32.
fn residual_exact(idx: u32) -> f32 {
    let q = cell(idx);
    let sy = dims.nx;
    let sz = dims.nx * dims.ny;
    let c = coef[idx];
    let p = sol[idx];
    term_a[0] = rhs_f[idx];
    term_b[0] = 1.0;
    term_a[1] = -c.w;
    term_b[1] = p.x;
    term_a[2] = -c.w;
    term_b[2] = p.y;
    var n = 3u;
    if q.x > 0u {
        n = face_terms(n, coef[idx - 1u].x, p, sol[idx - 1u]);
    }
    if q.x + 1u < dims.nx {
        n = face_terms(n, c.x, p, sol[idx + 1u]);
    }
    if q.y > 0u {
        n = face_terms(n, coef[idx - sy].y, p, sol[idx - sy]);
    }
    if q.y + 1u < dims.ny {
        n = face_terms(n, c.y, p, sol[idx + sy]);
    }
    if q.z > 0u {
        n = face_terms(n, coef[idx - sz].z, p, sol[idx - sz]);
    }
    if q.z + 1u < dims.nz {
        n = face_terms(n, c.z, p, sol[idx + sz]);
    }
    let fx = fixed_dot(n);
    return to_f32(fx.acc, fx.g).x;
}

// Finest level: rhs = f − A p exactly, and per-workgroup sums of rhs².
@compute @workgroup_size(256)
fn mg_residual(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    var r2 = 0.0;
    if idx < dims.n {
        let r = residual_exact(idx);
        rhs[idx] = r;
        r2 = r * r;
    }
    tree[local] = r2;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
        if local < s {
            tree[local] += tree[local + s];
        }
        workgroupBarrier();
    }
    if local == 0u {
        partial[wg.y * nwg.x + wg.x] = tree[0];
    }
}

// One workgroup: total[0] = Σ partial.
@compute @workgroup_size(256)
fn mg_sum(@builtin(local_invocation_index) local: u32) {
    let count = arrayLength(&partial);
    var s = 0.0;
    for (var i = local; i < count; i += 256u) {
        s += partial[i];
    }
    tree[local] = s;
    workgroupBarrier();
    for (var h = 128u; h > 0u; h >>= 1u) {
        if local < h {
            tree[local] += tree[local + h];
        }
        workgroupBarrier();
    }
    if local == 0u {
        total[0] = tree[0];
    }
}

// Finest level: p = hi + lo ← p + e exactly, kept to about 48 bits.
@compute @workgroup_size(256)
fn mg_correct(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let idx = flat_index(wg, nwg, local, 256u);
    if idx >= dims.n {
        return;
    }
    let p = sol[idx];
    term_a[0] = p.x;
    term_a[1] = p.y;
    term_a[2] = e[idx];
    term_b[0] = 1.0;
    term_b[1] = 1.0;
    term_b[2] = 1.0;
    let fx = fixed_dot(3u);
    let hi = to_f32(fx.acc, fx.g);
    let lo = to_f32(hi.rest, fx.g);
    sol[idx] = vec2<f32>(hi.x, lo.x);
}
