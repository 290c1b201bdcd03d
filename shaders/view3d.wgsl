// 3D views: one ray per pixel through the grid, emission–absorption with
// trilinear sampling and front-to-back compositing. Twin of
// src/output/view3d/cpu.rs (same ray setup, steps and order, in f32).

// Keep in sync with `ViewParams` in src/output/view3d/mod.rs.
struct View {
    nx: u32,
    ny: u32,
    nz: u32,
    width: u32,
    height: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
    origin: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    dir: vec4<f32>,
    inv_dir: vec4<f32>,
    vessel: vec4<f32>,
    background: vec4<f32>,
    step: f32,
    sigma_field: f32,
    sigma_vessel: f32,
    inv_max: f32,
}

// A ray stops once less than this fraction of the background shows through
// (`MIN_TRANSMITTANCE`).
const VIEW_MIN_TRANSMITTANCE: f32 = 0.001953125;

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> view_field: array<f32>;
@group(0) @binding(2) var<storage, read> view_vessels: array<f32>;
@group(0) @binding(3) var<storage, read> view_table: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> view_out: array<vec4<f32>>;

fn view_at(f: u32, i: u32, j: u32, k: u32) -> f32 {
    let idx = (k * view.ny + j) * view.nx + i;
    if f == 0u {
        return view_field[idx];
    }
    return view_vessels[idx];
}

// Trilinear value at q (voxel edges; centres at i + 0.5), clamped to the
// outer voxels: f = 0 the field, 1 the vessel mask.
fn view_sample(f: u32, q: vec3<f32>) -> f32 {
    let n = vec3<f32>(f32(view.nx), f32(view.ny), f32(view.nz));
    let g = q - vec3<f32>(0.5);
    let fl = floor(g);
    let w = g - fl;
    let top = n - vec3<f32>(1.0);
    let lo = vec3<u32>(clamp(fl, vec3<f32>(0.0), top));
    let hi = vec3<u32>(clamp(fl + vec3<f32>(1.0), vec3<f32>(0.0), top));
    let x00 = view_at(f, lo.x, lo.y, lo.z) + w.x * (view_at(f, hi.x, lo.y, lo.z) - view_at(f, lo.x, lo.y, lo.z));
    let x10 = view_at(f, lo.x, hi.y, lo.z) + w.x * (view_at(f, hi.x, hi.y, lo.z) - view_at(f, lo.x, hi.y, lo.z));
    let x01 = view_at(f, lo.x, lo.y, hi.z) + w.x * (view_at(f, hi.x, lo.y, hi.z) - view_at(f, lo.x, lo.y, hi.z));
    let x11 = view_at(f, lo.x, hi.y, hi.z) + w.x * (view_at(f, hi.x, hi.y, hi.z) - view_at(f, lo.x, hi.y, hi.z));
    let y0 = x00 + w.y * (x10 - x00);
    let y1 = x01 + w.y * (x11 - x01);
    return y0 + w.z * (y1 - y0);
}

// The table's colour at v (0 … 1), linear between entries.
fn view_colour(v: f32) -> vec4<f32> {
    let last = arrayLength(&view_table) - 1u;
    let pos = v * f32(last);
    let i = min(u32(floor(pos)), last - 1u);
    let f = pos - f32(i);
    let a = view_table[i];
    let b = view_table[i + 1u];
    return a + f * (b - a);
}

@compute @workgroup_size(8, 8)
fn view3d_render(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= view.width || id.y >= view.height {
        return;
    }
    let s = (f32(id.x) + 0.5) - 0.5 * f32(view.width);
    let t = 0.5 * f32(view.height) - (f32(id.y) + 0.5);
    let o = view.origin.xyz + s * view.right.xyz + t * view.up.xyz;
    let n = vec3<f32>(f32(view.nx), f32(view.ny), f32(view.nz));
    let t0 = (vec3<f32>(0.0) - o) * view.inv_dir.xyz;
    let t1 = (n - o) * view.inv_dir.xyz;
    let lo = min(t0, t1);
    let hi = max(t0, t1);
    let near = max(max(lo.x, lo.y), lo.z);
    let far = min(min(hi.x, hi.y), hi.z);
    let bg = view.background.xyz;
    let px = id.y * view.width + id.x;
    if far <= near {
        view_out[px] = vec4<f32>(bg, 0.0);
        return;
    }
    let steps = max(ceil((far - near) / view.step), 1.0);
    let h = (far - near) / steps;
    var c = vec3<f32>(0.0);
    var tr = 1.0;
    var i = 0.0;
    loop {
        if i >= steps {
            break;
        }
        let d = near + (i + 0.5) * h;
        let q = o + d * view.dir.xyz;
        let v = clamp(view_sample(0u, q) * view.inv_max, 0.0, 1.0);
        let k_field = view.sigma_field * v;
        let k_vessel = view.sigma_vessel * view_sample(1u, q);
        let k = k_field + k_vessel;
        if k > 0.0 {
            let alpha = 1.0 - exp(-k * h);
            let e = view_colour(v).xyz;
            let weight = tr * alpha / k;
            c += weight * (k_field * e + k_vessel * view.vessel.xyz);
            tr *= 1.0 - alpha;
            if tr < VIEW_MIN_TRANSMITTANCE {
                break;
            }
        }
        i += 1.0;
    }
    view_out[px] = vec4<f32>(c + tr * bg, 1.0 - tr);
}
