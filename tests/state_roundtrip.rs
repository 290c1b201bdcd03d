//! A backend's state saved mid-run and loaded into a fresh backend goes on
//! exactly as the first one does: on the CPU, on the GPU with the whole grid
//! in one slab, and on the GPU split into four slabs (the split buffers are
//! read and written slab by slab). The scene of `parity_cells.rs` (every
//! cell operator, a fraction and a trigger window on both sides of the
//! save); a checkpoint of the CPU goes on on the GPU within the parity
//! tolerance of `parity_cells.rs`.

mod common;
use common::scenes::CELLS;
use common::*;
use oncovox::solver::{Backend, BackendState, Plan, Scheduler, SchedulerState};
use oncovox::world::World;

/// Steps before the save (kinetics every 2 steps: the save falls between
/// two updates) and after it (across the fraction at step 10).
const BEFORE: u64 = 7;
const AFTER: u64 = 9;

type Make<'a> = Box<dyn Fn() -> Option<Box<dyn Backend>> + 'a>;
/// The fields and the cell state.
type End = (Vec<Vec<f32>>, Vec<f32>);

/// The fields and the cell state at the end.
fn end_state(s: &mut Scheduler) -> End {
    let fields = (0..s.plan.species.len()).map(|i| s.read_field(i).unwrap()).collect();
    (fields, s.read_cells().unwrap())
}

/// Step `BEFORE`, save, and step `AFTER` more; returns the saved states and
/// the end.
fn through(plan: &Plan, b: Box<dyn Backend>) -> (SchedulerState, BackendState, End) {
    let mut s = Scheduler::new(plan.clone(), b);
    s.advance(BEFORE).unwrap();
    let (st, bs) = (s.state(), s.backend.save_state().unwrap());
    s.advance(AFTER).unwrap();
    (st, bs, end_state(&mut s))
}

/// Load the saved states into `b` and step `AFTER`.
fn resumed(plan: &Plan, b: Box<dyn Backend>, st: &SchedulerState, bs: &BackendState) -> End {
    let mut s = Scheduler::new(plan.clone(), b);
    s.restore(st.clone()).unwrap();
    s.backend.load_state(bs).unwrap();
    assert_eq!(s.step_count(), BEFORE);
    s.advance(AFTER).unwrap();
    end_state(&mut s)
}

fn makers<'a>(plan: &'a Plan, world: &'a World, test: &'a str) -> Vec<(&'static str, Make<'a>)> {
    vec![
        ("cpu", Box::new(move || Some(cpu(plan, world)))),
        ("gpu", Box::new(move || gpu(plan, world, test))),
        ("gpu in 4 slabs", Box::new(move || gpu_split(plan, world, test, binding_for_slabs(plan, 4)))),
    ]
}

#[test]
fn a_saved_state_goes_on_bit_for_bit_in_a_fresh_backend() {
    let test = "a_saved_state_goes_on_bit_for_bit_in_a_fresh_backend";
    let (plan, world) = setup(&scene(CELLS));
    for (name, make) in makers(&plan, &world, test) {
        let Some(first) = make() else { continue };
        let (st, bs, end) = through(&plan, first);
        assert_eq!(bs.clock, BEFORE, "{name}: the plasma clock");
        assert!(!bs.cells.is_empty() && bs.linked.len() == 5 * plan.grid.len(), "{name}: the cell arrays");
        assert!(bs.oxygen_rate.iter().any(|&r| r > 0.0), "{name}: the oxygen rate the cells set");
        let again = resumed(&plan, make().unwrap(), &st, &bs);
        for (s, (a, b)) in end.0.iter().zip(&again.0).enumerate() {
            assert!(a == b, "{name}: species {} differs after the load", plan.species[s].name);
        }
        assert!(end.1 == again.1, "{name}: the cell state differs after the load");
        // A state of another scene is refused, not loaded.
        let mut wrong = bs.clone();
        wrong.fields.pop();
        assert!(make().unwrap().load_state(&wrong).is_err(), "{name}: a state with a species missing");
    }
}

#[test]
fn a_cpu_state_goes_on_on_the_gpu_within_the_parity_tolerance() {
    let test = "a_cpu_state_goes_on_on_the_gpu_within_the_parity_tolerance";
    let (plan, world) = setup(&scene(CELLS));
    let (st, bs, end) = through(&plan, cpu(&plan, &world));
    let Some(g) = gpu(&plan, &world, test) else { return };
    let on_gpu = resumed(&plan, g, &st, &bs);
    for (s, (a, b)) in end.0.iter().zip(&on_gpu.0).enumerate() {
        assert_close(&plan.species[s].name, b, a, 1e-4, 1e-5);
    }
    assert_close("cell state", &on_gpu.1, &end.1, 1e-4, 1e-5);
}
