// The coupled solver's kernels around the multigrid of multigrid.wgsl: the
// linearisation of every finest row, the sink's restriction to the coarser
// levels, the norm of the right side, the store back into the field and
// the clamp of a steady iterate.
// Host code: src/solver/coupled/gpu.rs. CPU twins: src/solver/coupled/mod.rs
// (`linearise`), cpu.rs (norm, store), src/solver/multigrid/levels.rs
// (`Hierarchy::set_sink`, `diagonal`) and cpu.rs (`clamp_solution`).
// Keep `Linearise` and `SinkDims` in sync with src/solver/coupled/gpu.rs.

struct Linearise {
    // 1/h, or 0 for the steady problem.
    alpha: f32,
    // Plasma level (the step's mean), species unit.
    plasma: f32,
    half_saturation: f32,
    // Voxel volume, µm³.
    volume: f32,
    // Finest cells.
    n: u32,
    // Newton (1) or Picard (0) on the consumption.
    newton: u32,
    // Start the solution at the field (1), or keep it (0).
    restart: u32,
    // The species is consumed (vmax holds its maximum rates).
    has_vmax: u32,
}

// One level's cells and the next coarser level's.
struct SinkDims {
    nx: u32,
    ny: u32,
    nz: u32,
    n: u32,
    cx: u32,
    cy: u32,
    cz: u32,
    cn: u32,
}

// levels.rs: HELD and CLOSED.
const HELD: f32 = -1.0;
const CLOSED: f32 = -2.0;
// mod.rs: TINY.
const TINY: f32 = 1e-20;

@group(0) @binding(0) var<uniform> lin: Linearise;
@group(0) @binding(1) var<storage, read> field: array<f32>;
// (λ + L, G, I, 0) per voxel (coupled/mod.rs: Rates).
@group(0) @binding(2) var<storage, read> rates: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> vmax: array<f32>;
// (Level::fixed, Hierarchy::rhs_fixed) of each finest cell.
@group(0) @binding(4) var<storage, read> fixed0: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> coef0: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> f: array<f32>;
@group(0) @binding(7) var<storage, read_write> sink0: array<f32>;
@group(0) @binding(8) var<storage, read_write> sol: array<vec2<f32>>;

// Diagonal of a cell from its sink a·V and fixed part (levels.rs: diagonal).
fn diagonal(a: f32, fx: f32) -> f32 {
    if fx == HELD || (fx == CLOSED && a == 0.0) {
        return 1.0;
    }
    if fx == CLOSED {
        return a;
    }
    return a + fx;
}

// Twin of coupled::linearise: one finest row's sink a·V and right side f.
fn linearise(c: f32, r: vec4<f32>, v: f32, fx: vec2<f32>) -> vec2<f32> {
    if fx.x == HELD {
        return vec2<f32>(0.0, fx.y);
    }
    let cs = max(c, 0.0);
    let k = lin.half_saturation;
    var m = 0.0;
    var q = 0.0;
    if v > 0.0 {
        let d = k + cs;
        if lin.newton != 0u && k > 0.0 {
            m = v * k / (d * d);
            q = v * cs * cs / (d * d);
        } else {
            m = v / max(d, TINY);
        }
    }
    let a = (lin.alpha + r.x + m) * lin.volume;
    let b = (lin.alpha * c + r.y + r.z * lin.plasma - q) * lin.volume;
    if fx.x == CLOSED && a == 0.0 {
        return vec2<f32>(0.0, c);
    }
    return vec2<f32>(a, b + fx.y);
}

@compute @workgroup_size(256)
fn coupled_linearise(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, 256u);
    if i >= lin.n {
        return;
    }
    let c = field[i];
    var v = 0.0;
    if lin.has_vmax != 0u {
        v = vmax[i];
    }
    let fx = fixed0[i];
    let row = linearise(c, rates[i], v, fx);
    sink0[i] = row.x;
    f[i] = row.y;
    coef0[i].w = diagonal(row.x, fx.x);
    if lin.restart != 0u {
        sol[i] = vec2<f32>(c, 0.0);
    }
}

// ---- Sink restriction: one level to the next coarser ----

@group(0) @binding(10) var<uniform> sd: SinkDims;
@group(0) @binding(11) var<storage, read> fine_sink: array<f32>;
@group(0) @binding(12) var<storage, read_write> coarse_sink: array<f32>;
@group(0) @binding(13) var<storage, read_write> coarse_coef: array<vec4<f32>>;
@group(0) @binding(14) var<storage, read> coarse_fixed: array<f32>;

// Each coarse cell sums its children's sink (k, j, i order: levels.rs
// restrict_sum) and rebuilds its diagonal.
@compute @workgroup_size(256)
fn coupled_sink_restrict(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) local: u32) {
    let ci = flat_index(wg, nwg, local, 256u);
    if ci >= sd.cn {
        return;
    }
    let ch = children(ci, sd.cx, sd.cy, sd.nx, sd.ny, sd.nz);
    let kr = ch.z;
    let jr = ch.y;
    let ir = ch.x;
    var s = 0.0;
    for (var k = kr.x; k < kr.y; k++) {
        for (var j = jr.x; j < jr.y; j++) {
            for (var i = ir.x; i < ir.y; i++) {
                s += fine_sink[i + sd.nx * (j + sd.ny * k)];
            }
        }
    }
    coarse_sink[ci] = s;
    coarse_coef[ci].w = diagonal(s, coarse_fixed[ci]);
}

// ---- Norm of the right side over counted rows ----

@group(0) @binding(15) var<storage, read> f_in: array<f32>;
@group(0) @binding(16) var<storage, read> sink_in: array<f32>;
@group(0) @binding(17) var<storage, read> fixed_in: array<vec2<f32>>;
@group(0) @binding(18) var<storage, read_write> partial: array<f32>;

var<workgroup> tree: array<f32, 256>;

// Per-workgroup sums of f² over rows that are neither held nor identity
// rows for want of any coupling (coupled/cpu.rs: linearise).
@compute @workgroup_size(256)
fn coupled_norm(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, 256u);
    var s = 0.0;
    if i < lin.n {
        let fx = fixed_in[i].x;
        if fx != HELD && !(sink_in[i] == 0.0 && fx < 0.0) {
            s = f_in[i] * f_in[i];
        }
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
        partial[wg.y * nwg.x + wg.x] = tree[0];
    }
}

// ---- Store and clamp ----

@group(0) @binding(19) var<storage, read_write> field_out: array<f32>;
@group(0) @binding(20) var<storage, read> sol_in: array<vec2<f32>>;

// The solution back into the field, clamped at zero; held voxels keep
// their value (coupled/cpu.rs: store).
@compute @workgroup_size(256)
fn coupled_store(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, 256u);
    if i >= lin.n {
        return;
    }
    if fixed_in[i].x != HELD {
        let p = sol_in[i];
        field_out[i] = max(p.x + p.y, 0.0);
    }
}

// Negative solution values become zero (multigrid/cpu.rs: clamp_solution).
@compute @workgroup_size(256)
fn coupled_clamp(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) local: u32) {
    let i = flat_index(wg, nwg, local, 256u);
    if i >= lin.n {
        return;
    }
    let p = sol[i];
    if p.x + p.y < 0.0 {
        sol[i] = vec2<f32>(0.0, 0.0);
    }
}
