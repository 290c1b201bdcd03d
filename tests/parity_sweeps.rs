//! The two GPU x sweeps — tiled (coalesced, the default on hardware GPUs)
//! and one line per invocation (the default on software adapters) — against
//! the CPU backend, uniform and per-voxel coefficients, on grids whose line
//! length and line count fall below, on and across the tile (16 values) and
//! the workgroup (64 lines); and the passes fused into the sweeps (sources
//! or vessel exchange into the x sweep, consumption into the z sweep)
//! against the CPU's separate operators. Runs on any adapter (the software
//! Vulkan driver in CI).
//!
//! Tolerance: as `parity.rs`, rel 1e-5 and abs 1e-6 (the same operations
//! in the same order).

mod common;
use common::*;

fn scene_of(shape: [usize; 3], tissue: bool) -> oncovox::scene::Validated {
    let [nx, ny, nz] = shape;
    let tumour = if tissue {
        format!(
            "diffusion_tumour = 300.0\n[[regions]]\nname = \"tumour\"\nbox = {{ min = [0.0, 0.0, 0.0], max = [{}, {}, {}] }}\ntissue = \"tumour\"\n",
            nx as f64 * 5.0,
            ny as f64 * 10.0,
            nz as f64 * 10.0
        )
    } else {
        String::new()
    };
    scene(&format!(
        "[grid]\nshape = [{nx}, {ny}, {nz}]\ndx = 10.0\n[time]\ndt = 0.05\nduration = 0.05\n\
         [[species]]\nname = \"c\"\ndiffusion = 2000.0\ndecay = 0.3\nsolver = \"lod\"\nboundary = {{ x_min = 2.0 }}\n{tumour}"
    ))
}

#[test]
fn both_x_sweeps_match_cpu() {
    for shape in [[7, 3, 2], [16, 8, 8], [19, 13, 11], [33, 65, 1], [40, 9, 15]] {
        for tissue in [false, true] {
            let v = scene_of(shape, tissue);
            let (plan, world) = setup(&v);
            assert_eq!(plan.species[0].heterogeneous, tissue);
            for tiled in [true, false] {
                let test = format!("x sweep {shape:?}, tissue {tissue}, tiled {tiled}");
                let Some(mut g) = gpu_x(&plan, &world, &test, tiled) else { return };
                let mut c = cpu(&plan, &world);
                let f = random_field(plan.grid.len(), 5, 0.0, 10.0);
                for b in [c.as_mut(), g.as_mut()] {
                    b.write_field(0, &f).unwrap();
                    b.lod_sweep(0, 0);
                }
                let (a, b) = (g.read_field(0).unwrap(), c.read_field(0).unwrap());
                assert_close(&test, &a, &b, 1e-5, 1e-6);
                assert_ne!(b, f, "{test}: the sweep changed nothing");
            }
        }
    }
}

/// The sources, or the vessel exchange, fused into the x sweep (LOD species
/// without advection) against the CPU's two operators, both x sweeps, whole
/// grid and four slabs.
#[test]
fn sources_fused_into_the_x_sweep_match_cpu() {
    use common::scenes::{PARITY, VASCULAR};
    // Vessels without interstitial flow: exchange, no advection.
    let no_flow = VASCULAR.replace("[interstitium]\nboundary_pressure = 0.0\n", "");
    for (name, toml, exchange) in [("sources", PARITY.to_string(), false), ("exchange", no_flow, true)] {
        let v = scene(&toml);
        let (plan, world) = setup(&v);
        let sp = &plan.species[0];
        assert!(sp.fuses_sources_into_x() && sp.has_exchange == exchange, "{name}: species 0 should fuse");
        for tiled in [true, false] {
            let test = format!("{name} fused into the x sweep, tiled {tiled}");
            let Some(g) = gpu_x(&plan, &world, &test, tiled) else { return };
            let split = gpu_split(&plan, &world, &test, binding_for_slabs(&plan, 4)).unwrap();
            let mut c = cpu(&plan, &world);
            let f = random_field(plan.grid.len(), 9, 0.0, 10.0);
            c.write_field(0, &f).unwrap();
            c.sources_then_sweep_x(0, exchange);
            let want = c.read_field(0).unwrap();
            assert_ne!(want, f, "{test}: nothing changed");
            for (what, mut g) in [("whole", g), ("4 slabs", split)] {
                g.write_field(0, &f).unwrap();
                g.sources_then_sweep_x(0, exchange);
                assert_close(&format!("{test}, {what}"), &g.read_field(0).unwrap(), &want, 1e-5, 1e-6);
            }
        }
    }
}

/// The consumption fused into the z sweep against the CPU's z sweep then
/// consumption, uniform and per-voxel coefficients, whole grid and four
/// slabs (where it rides on the backward pass).
#[test]
fn consumption_fused_into_the_z_sweep_matches_cpu() {
    use common::scenes::{PARITY, VASCULAR};
    let uniform = PARITY.replace(
        "uptake = { lod = 0.7 }",
        "uptake = { lod = 0.7 }\nconsumption = { lod = { rate = 5.0, half_saturation = 2.0 } }",
    );
    for (name, toml) in [("uniform", uniform), ("tissue", VASCULAR.to_string())] {
        let v = scene(&toml);
        let (plan, world) = setup(&v);
        assert!(plan.species[0].fuses_consumption_into_z(), "{name}: species 0 should fuse");
        let test = format!("{name}: consumption fused into the z sweep");
        let Some(g) = gpu(&plan, &world, &test) else { return };
        let split = gpu_split(&plan, &world, &test, binding_for_slabs(&plan, 4)).unwrap();
        let mut c = cpu(&plan, &world);
        let f = random_field(plan.grid.len(), 11, 0.0, 10.0);
        c.write_field(0, &f).unwrap();
        c.sweep_z_then_consume(0);
        let want = c.read_field(0).unwrap();
        let mut plain = cpu(&plan, &world);
        plain.write_field(0, &f).unwrap();
        plain.lod_sweep(0, 2);
        assert_ne!(want, plain.read_field(0).unwrap(), "{test}: the consumption changed nothing");
        for (what, mut g) in [("whole", g), ("4 slabs", split)] {
            g.write_field(0, &f).unwrap();
            g.sweep_z_then_consume(0);
            assert_close(&format!("{test}, {what}"), &g.read_field(0).unwrap(), &want, 1e-5, 1e-6);
        }
    }
}
