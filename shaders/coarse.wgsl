// Coarse-grid helpers shared by multigrid.wgsl and coupled.wgsl (twins:
// the `kids` closures of src/solver/multigrid/levels.rs and cpu.rs).

// Children of coarse index c along an axis of nf fine cells: [start, end).
fn kids(c: u32, nf: u32) -> vec2<u32> {
    if nf > 1u {
        return vec2<u32>(2u * c, min(2u * c + 2u, nf));
    }
    return vec2<u32>(c, c + 1u);
}

// The fine cells [start, end) along x, y, z that coarse cell ci of a level
// of cx × cy × … cells covers, on a finer level of nx × ny × nz.
struct Children {
    x: vec2<u32>,
    y: vec2<u32>,
    z: vec2<u32>,
}

fn children(ci: u32, cx: u32, cy: u32, nx: u32, ny: u32, nz: u32) -> Children {
    let cplane = cx * cy;
    let kc = ci / cplane;
    let rem = ci - kc * cplane;
    let jc = rem / cx;
    let ic = rem - jc * cx;
    return Children(kids(ic, nx), kids(jc, ny), kids(kc, nz));
}
