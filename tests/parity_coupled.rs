//! GPU/CPU parity of the coupled solver (software driver in CI): one
//! implicit step and one steady solve alone, and whole multi-rate steps of
//! a vascular scene (steady oxygen, implicit species with their own steps,
//! advection) and of a scene with cells (steady oxygen re-solved after each
//! cell update). Tolerances: rel 1e-4 + abs 1e-6 per solve, the f32
//! kernels agreeing to rounding (the GPU fuses multiply–adds; its exact
//! residual is the CPU's f64 one to the f32 rounding of the result) and
//! each solve stopping at its tolerance (1e-8 here), which bounds how far
//! two converging runs can be apart; ten times that after whole runs.

mod common;
use common::scenes::VASCULAR;
use common::*;
use oncovox::solver::Scheduler;

const REL: f32 = 1e-4;
const ABS: f32 = 1e-6;

/// VASCULAR with steady oxygen, the drug implicit with its own 0.2 min
/// step, the particle implicit at the base step (advected), solves to 1e-8.
fn coupled_vascular() -> String {
    VASCULAR
        .replace(
            "solver = \"lod\"\nplasma = { level = 38.0 }",
            "solver = \"steady\"\ntolerance = 1e-8\nplasma = { level = 38.0 }",
        )
        .replace(
            "solver = \"explicit\"\nplasma = { preset = \"free_doxorubicin\" }",
            "solver = \"implicit\"\ndt = 0.2\ntolerance = 1e-8\nplasma = { preset = \"free_doxorubicin\" }",
        )
        .replace("retardation = 1.5", "retardation = 1.5\nsolver = \"implicit\"\ntolerance = 1e-8")
}

#[test]
fn coupled_solves_match_cpu() {
    let v = scene(&coupled_vascular());
    let (plan, world) = setup(&v);
    assert_eq!(
        plan.species.iter().map(|s| s.method.name()).collect::<Vec<_>>(),
        ["steady", "implicit", "implicit"],
        "the scene does not exercise both coupled solvers"
    );
    assert!(plan.species[2].advected(), "the particle is not advected");
    let Some(mut g) = gpu(&plan, &world, "coupled solves") else { return };
    let mut c = cpu(&plan, &world);
    // The steady solve alone, then one implicit step of each implicit species.
    let sg = g.steady_solve(0, 0).unwrap();
    let sc = c.steady_solve(0, 0).unwrap();
    println!("steady: gpu {sg:?}, cpu {sc:?}");
    assert_close("steady oxygen", &g.read_field(0).unwrap(), &c.read_field(0).unwrap(), REL, ABS);
    assert_ne!(c.read_field(0).unwrap(), world.species[0].initial, "the steady solve changed nothing");
    for s in [1, 2] {
        let (a, b) = (g.implicit_step(s, 0, 4).unwrap(), c.implicit_step(s, 0, 4).unwrap());
        println!("implicit {s}: gpu {a:?}, cpu {b:?}");
        let (x, y) = (g.read_field(s).unwrap(), c.read_field(s).unwrap());
        assert!(y.iter().any(|&v| v > 0.0), "species {s}: the step brought nothing in");
        assert_close(&format!("implicit step of species {s}"), &x, &y, REL, ABS);
    }
}

#[test]
fn whole_multi_rate_steps_match_cpu() {
    let v = scene(&coupled_vascular());
    let (plan, world) = setup(&v);
    let Some(g) = gpu(&plan, &world, "whole multi-rate steps") else { return };
    let mut sg = Scheduler::new(plan.clone(), g);
    let mut sc = Scheduler::new(plan.clone(), cpu(&plan, &world));
    for _ in 0..2 {
        sg.advance(10).unwrap();
        sc.advance(10).unwrap();
    }
    // The drug stepped 0.2 min at a time (plus the cut at each sync).
    assert_eq!(sc.logs[1].solves, 6, "drug steps");
    assert_eq!(sc.logs[2].solves, 20, "particle steps");
    for s in 0..plan.species.len() {
        let (x, y) = (sg.read_field(s).unwrap(), sc.read_field(s).unwrap());
        finite_non_negative(&format!("species {s}"), &x);
        assert_close(&format!("20 multi-rate steps, species {s}"), &x, &y, 10.0 * REL, 10.0 * ABS);
    }
}

#[test]
fn coupled_steps_with_cells_match_cpu() {
    // The cell scene of parity_cells.rs with steady oxygen and an implicit
    // drug: oxygen is solved again after every cell update.
    let cells = common::scenes::CELLS
        .replacen("solver = \"lod\"", "solver = \"steady\"\ntolerance = 1e-8", 1)
        .replacen("decay = 0.01\nsolver = \"explicit\"", "decay = 0.01\nsolver = \"implicit\"\ntolerance = 1e-8", 1);
    let v = scene(&cells);
    let (plan, world) = setup(&v);
    assert_eq!((plan.species[0].method.name(), plan.species[1].method.name()), ("steady", "implicit"));
    let Some(g) = gpu(&plan, &world, "coupled steps with cells") else { return };
    let mut sg = Scheduler::new(plan.clone(), g);
    let mut sc = Scheduler::new(plan.clone(), cpu(&plan, &world));
    sg.advance(20).unwrap();
    sc.advance(20).unwrap();
    // A solve at the start and after each of the ten kinetics updates.
    assert_eq!(sc.logs[0].solves, 11, "steady oxygen solves");
    let (a, b) = (sg.read_cells().unwrap(), sc.read_cells().unwrap());
    finite_non_negative("cells", &a);
    assert_close("20 steps with cells, cell state", &a, &b, 10.0 * REL, 10.0 * 1e-5);
    for s in 0..plan.species.len() {
        let (x, y) = (sg.read_field(s).unwrap(), sc.read_field(s).unwrap());
        finite_non_negative(&format!("species {s}"), &x);
        assert_close(&format!("20 steps with cells, species {s}"), &x, &y, 10.0 * REL, 10.0 * 1e-5);
    }
}
