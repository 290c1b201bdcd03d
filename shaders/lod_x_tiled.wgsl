// Sweeps along x, tiled for coalesced memory access on GPUs; appended to
// lod.wgsl, whose bindings, `p` and `x_input` they use. With one x
// line per invocation (`lod_sweep_x`), neighbouring invocations read
// addresses a whole line apart. (Software adapters, with no coalescing to
// gain and costly barriers, use the per-line kernels.) A workgroup takes
// X_LINES consecutive lines and walks along x in tiles of X_TILE values: the tile is loaded with neighbouring
// invocations reading neighbouring x, each invocation runs its line's
// recurrence through the tile in workgroup memory, and the tile is stored
// the same way. The forward pass walks the tiles up, the backward pass down,
// carrying d'_prev and x_next in registers: the arithmetic is `solve_line`'s.
const X_LINES: u32 = 64u;
const X_TILE: u32 = 16u;
// A line's row in a tile, padded by one to spread rows over memory banks.
const X_ROW: u32 = 17u;

var<workgroup> tile: array<f32, 1088>;
var<workgroup> tile_a: array<f32, 1088>;
var<workgroup> tile_b: array<f32, 1088>;

// Tile values: t (0..X_LINES) handles, in round r, line r·4 + t/16 at x0 + t%16.
fn tile_slot(t: u32, r: u32) -> vec2<u32> {
    return vec2<u32>(r * 4u + t / 16u, t % 16u);
}

// `forward`: the first read of each value, through `x_input`.
fn load_field(first: u32, lines: u32, x0: u32, t: u32, forward: bool) {
    for (var r = 0u; r < 16u; r++) {
        let s = tile_slot(t, r);
        if first + s.x < lines && x0 + s.y < p.nx {
            let idx = (first + s.x) * p.nx + x0 + s.y;
            var v = field[idx];
            if forward {
                v = x_input(idx, v);
            }
            tile[s.x * X_ROW + s.y] = v;
        }
    }
}

fn store_field(first: u32, lines: u32, x0: u32, t: u32) {
    for (var r = 0u; r < 16u; r++) {
        let s = tile_slot(t, r);
        if first + s.x < lines && x0 + s.y < p.nx {
            field[(first + s.x) * p.nx + x0 + s.y] = tile[s.x * X_ROW + s.y];
        }
    }
}

// Per-voxel coefficients `part` (0: c', 1: 1/den, 2: sub) into `tile_a` or `tile_b`.
fn load_coeffs(first: u32, lines: u32, x0: u32, t: u32, part: u32, into_b: bool) {
    for (var r = 0u; r < 16u; r++) {
        let s = tile_slot(t, r);
        if first + s.x < lines && x0 + s.y < p.nx {
            let v = vcoeffs[part * p.n + (first + s.x) * p.nx + x0 + s.y];
            if into_b {
                tile_b[s.x * X_ROW + s.y] = v;
            } else {
                tile_a[s.x * X_ROW + s.y] = v;
            }
        }
    }
}

fn first_line(wg: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return (wg.y * nwg.x + wg.x) * X_LINES;
}

@compute @workgroup_size(64)
fn lod_sweep_x_tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) t: u32) {
    let first = first_line(wg, nwg);
    let lines = p.ny * p.nz;
    let len = p.nx;
    let tiles = (p.nx + X_TILE - 1u) / X_TILE;
    let mine = first + t < lines;
    var prev = 0.0;
    for (var k = 0u; k < tiles; k++) {
        let x0 = k * X_TILE;
        load_field(first, lines, x0, t, true);
        workgroupBarrier();
        if mine {
            for (var i = 0u; i < X_TILE && x0 + i < p.nx; i++) {
                let x = x0 + i;
                let v = (tile[t * X_ROW + i] + coeffs[2u * len + x] * prev) * coeffs[len + x];
                tile[t * X_ROW + i] = v;
                prev = v;
            }
        }
        workgroupBarrier();
        store_field(first, lines, x0, t);
        workgroupBarrier();
    }
    var next = 0.0;
    for (var k = tiles; k > 0u; k--) {
        let x0 = (k - 1u) * X_TILE;
        load_field(first, lines, x0, t, false);
        workgroupBarrier();
        if mine {
            for (var i = X_TILE; i > 0u; i--) {
                let x = x0 + i - 1u;
                if x + 1u < p.nx {
                    tile[t * X_ROW + i - 1u] = tile[t * X_ROW + i - 1u] - coeffs[x] * next;
                }
                if x < p.nx {
                    next = tile[t * X_ROW + i - 1u];
                }
            }
        }
        workgroupBarrier();
        store_field(first, lines, x0, t);
        workgroupBarrier();
    }
}

@compute @workgroup_size(64)
fn lod_tissue_x_tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) t: u32) {
    let first = first_line(wg, nwg);
    let lines = p.ny * p.nz;
    let tiles = (p.nx + X_TILE - 1u) / X_TILE;
    let mine = first + t < lines;
    var prev = 0.0;
    for (var k = 0u; k < tiles; k++) {
        let x0 = k * X_TILE;
        load_field(first, lines, x0, t, true);
        load_coeffs(first, lines, x0, t, 1u, false);
        load_coeffs(first, lines, x0, t, 2u, true);
        workgroupBarrier();
        if mine {
            for (var i = 0u; i < X_TILE && x0 + i < p.nx; i++) {
                let j = t * X_ROW + i;
                let v = (tile[j] + tile_b[j] * prev) * tile_a[j];
                tile[j] = v;
                prev = v;
            }
        }
        workgroupBarrier();
        store_field(first, lines, x0, t);
        workgroupBarrier();
    }
    var next = 0.0;
    for (var k = tiles; k > 0u; k--) {
        let x0 = (k - 1u) * X_TILE;
        load_field(first, lines, x0, t, false);
        load_coeffs(first, lines, x0, t, 0u, false);
        workgroupBarrier();
        if mine {
            for (var i = X_TILE; i > 0u; i--) {
                let x = x0 + i - 1u;
                let j = t * X_ROW + i - 1u;
                if x + 1u < p.nx {
                    tile[j] = tile[j] - tile_a[j] * next;
                }
                if x < p.nx {
                    next = tile[j];
                }
            }
        }
        workgroupBarrier();
        store_field(first, lines, x0, t);
        workgroupBarrier();
    }
}
