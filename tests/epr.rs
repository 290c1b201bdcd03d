//! Size and the EPR effect. Five particle sizes (hydrodynamic radius 0.6,
//! 3, 10, 30, 60 nm) see the same plasma curve, so only transport differs:
//! Stokes–Einstein diffusion with matrix hindrance, and wall permeability
//! and reflection from pore theory with tumour pores of 200 nm and normal
//! pores of 6 nm. Over the run, the tumour-to-normal exposure ratio (AUC of
//! the tumour mean over AUC of the normal-tissue mean) must rise with size,
//! and the absolute tumour exposure must fall with size.

mod common;
use common::*;
use oncovox::output::metrics::Metrics;
use oncovox::solver::Scheduler;

const RADII: [f64; 5] = [0.6, 3.0, 10.0, 30.0, 60.0];

fn scene_text() -> String {
    let mut t = String::from(
        r#"
seed = 11
[grid]
shape = [32, 32, 24]
dx = 20.0
[time]
dt = 0.1
duration = 60.0
[vessels]
spacing = 100.0
normal = { hydraulic_conductivity = 0.0216, oncotic_reflection = 0.91, pore_radius = 6.0, pore_fraction = 0.05 }
tumour = { hydraulic_conductivity = 0.168, oncotic_reflection = 0.82, pore_radius = 200.0, pore_fraction = 0.05 }
[interstitium]
[[regions]]
name = "tumour"
sphere = { center = [320.0, 320.0, 240.0], radius = 200.0 }
tissue = "tumour"
[[regions]]
name = "core"
sphere = { center = [320.0, 320.0, 240.0], radius = 60.0 }
tissue = "necrotic"
"#,
    );
    for (i, r) in RADII.iter().enumerate() {
        t.push_str(&format!(
            "[[species]]\nname = \"r{i}\"\nradius = {r}\nsolver = \"explicit\"\n\
             plasma = {{ half_lives = [60.0, 600.0], fast_fraction = 0.3, dose = 1.0 }}\n"
        ));
    }
    t
}

#[test]
fn exposure_ratio_rises_and_tumour_exposure_falls_with_particle_size() {
    let v = scene(&scene_text());
    let (plan, world) = setup(&v);
    let mut metrics = Metrics::new(&world);
    let n = plan.species.len();
    let backend = cpu(&plan, &world);
    let mut s = Scheduler::new(plan.clone(), backend);
    let read = |s: &mut Scheduler| (0..n).map(|i| s.read_field(i).unwrap()).collect::<Vec<_>>();
    metrics.sample(0.0, &read(&mut s));
    while s.step_count() < plan.steps {
        s.advance(5).unwrap();
        metrics.sample(s.time(), &read(&mut s));
    }
    let e = metrics.latest();
    println!(
        "| radius nm | D normal µm²/min | P tumour µm/min | P normal µm/min | σ tumour | σ normal | AUC tumour | AUC normal | ratio |"
    );
    for (i, r) in RADII.iter().enumerate() {
        let t = &world.species[i].transport;
        let w = t.wall.unwrap();
        println!(
            "| {r} | {:.3e} | {:.3e} | {:.3e} | {:.3} | {:.3} | {:.4e} | {:.4e} | {:.3} |",
            t.diffusion[0],
            w[1].permeability,
            w[0].permeability,
            w[1].reflection,
            w[0].reflection,
            e[i].auc_tumour,
            e[i].auc_normal,
            e[i].ratio().unwrap_or(f64::INFINITY)
        );
    }
    for i in 1..n {
        let (a, b) = (&e[i - 1], &e[i]);
        assert!(b.auc_tumour < a.auc_tumour, "tumour exposure does not fall from r{} to r{i}", i - 1);
        let (ra, rb) = (a.ratio().unwrap_or(f64::INFINITY), b.ratio().unwrap_or(f64::INFINITY));
        assert!(rb > ra, "exposure ratio does not rise from r{} ({ra}) to r{i} ({rb})", i - 1);
    }
}
