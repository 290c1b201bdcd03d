//! 3D views: the default scene's oxygen rendered on the CPU and on the GPU
//! (the software driver in CI) agree within an image tolerance; a run
//! writes a view at every output time on its own backend; a bad name is
//! refused.

mod common;

use common::cli::{oncovox, stderr};
use oncovox::output::view3d::{self, Renderer, SIZE, ViewParams};
use oncovox::solver::Scheduler;

/// The default scene, shortened (oxygen is steady, solved at the start).
const SHORT: &[&str] = &["time.duration=0.1", "time.output_interval=0.1"];

/// Pixels of `img` that are not the background colour.
fn drawn(img: &image::RgbImage, p: &ViewParams) -> usize {
    let bg = view3d::to_rgb(&[p.background], 1, 1).get_pixel(0, 0).0;
    img.pixels().filter(|px| px.0 != bg).count()
}

#[test]
fn default_scene_oxygen_view_agrees_on_cpu_and_gpu() {
    let sets: Vec<String> = SHORT.iter().map(|s| s.to_string()).collect();
    let v = oncovox::run::load_scene(None, &sets).unwrap_or_else(|e| panic!("{e}"));
    let (plan, world) = common::setup(&v);
    let mask = view3d::vessel_mask(&v.scene, &world);
    assert!(mask.iter().any(|&m| m > 0.0), "the default scene's capillaries are vessels");
    let shape = world.grid.shape;
    let mut sched = Scheduler::new(plan.clone(), common::cpu(&plan, &world));
    sched.start().unwrap();
    let o2 = sched.read_field(v.scene.species_index("oxygen").unwrap()).unwrap();
    let vmax = o2.iter().fold(0.0f32, |m, &x| m.max(x));
    let p = ViewParams::new(shape, SIZE, SIZE, vmax);
    let mut cpu = Renderer::new(shape, mask.clone(), None).unwrap();
    assert_eq!(cpu.kind(), "cpu");
    let a = view3d::to_rgb(&cpu.render(&p, &o2).unwrap(), SIZE, SIZE);
    // Not blank: most of the picture is the grid, with red vessels in it.
    let total = (SIZE * SIZE) as usize;
    assert!(drawn(&a, &p) > total / 3, "only {} of {total} pixels drawn", drawn(&a, &p));
    let red = a.pixels().filter(|px| px.0[0] > 2 * px.0[1].max(px.0[2]) && px.0[0] > 100).count();
    assert!(red > 500, "{red} vessel pixels");
    let Some(gpu) = common::device("default_scene_oxygen_view_agrees_on_cpu_and_gpu") else { return };
    let mut on_gpu = Renderer::new(shape, mask, Some(&gpu)).unwrap();
    assert_eq!(on_gpu.kind(), "gpu");
    let b = view3d::to_rgb(&on_gpu.render(&p, &o2).unwrap(), SIZE, SIZE);
    assert!(drawn(&b, &p) > total / 3);
    let diffs: Vec<u8> =
        a.pixels().zip(b.pixels()).map(|(x, y)| (0..3).map(|c| x.0[c].abs_diff(y.0[c])).max().unwrap()).collect();
    let same = diffs.iter().filter(|&&d| d == 0).count() as f64 / total as f64;
    let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / total as f64;
    let worst = diffs.iter().copied().max().unwrap();
    eprintln!("3D view parity: {same:.5} of pixels identical, mean {mean:.5}/255, worst {worst}/255");
    // Both twins composite the same steps in f32; they differ by the
    // device's exp and division (a few ulp) and fused multiply-adds, which
    // move a channel across an 8-bit rounding boundary now and then
    // (lavapipe: 1e-4 of pixels by 1/255, none by more; VALIDATION.md).
    assert!(worst <= 2, "a pixel differs by {worst}/255 (mean {mean})");
    assert!(same >= 0.999, "only {same} of pixels identical (mean {mean}, worst {worst})");
    assert!(mean <= 0.02, "mean difference {mean}/255 (worst {worst})");
}

/// Run the shortened default scene with a 3D view of oxygen on `backend`.
fn run_with_view(backend: &str) -> (tempfile::TempDir, std::process::Output) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args =
        vec!["run", "-o", out.to_str().unwrap(), "--backend", backend, "--set", "output.view3d=[\"oxygen\"]"];
    for s in SHORT {
        args.extend(["--set", s]);
    }
    let o = oncovox(&args, &[]);
    (tmp, o)
}

/// Every view file of a finished run, checked to be a non-blank picture.
fn views_of(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out/views"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for n in &names {
        let img = image::open(dir.join("out/views").join(n)).unwrap().to_rgb8();
        let colours: std::collections::HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
        assert!(colours.len() > 100, "{n} looks blank ({} colours)", colours.len());
    }
    names
}

#[test]
fn a_run_writes_a_view_at_every_output_time_on_its_backend() {
    let (tmp, o) = run_with_view("cpu");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("3D views: rendered on the cpu"), "{}", stderr(&o));
    assert_eq!(views_of(tmp.path()), ["oxygen_t00000.00min.png", "oxygen_t00000.10min.png"]);
    // The report shows them: one series with a slider over both times.
    let html = std::fs::read_to_string(tmp.path().join("out/report.html")).unwrap();
    let at = html.find("<div class=\"series\" id=\"view-oxygen\">").expect("the report holds the views");
    let series = &html[at..at + html[at..].find("</div>").unwrap()];
    assert!(series.contains("type=\"range\" min=\"0\" max=\"1\""), "{series}");
    assert_eq!(series.matches("data-time=").count(), 2);
    if common::device("a_run_writes_a_view_at_every_output_time_on_its_backend").is_none() {
        return;
    }
    let (tmp, o) = run_with_view("gpu");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("3D views: rendered on the gpu"), "{}", stderr(&o));
    assert_eq!(views_of(tmp.path()).len(), 2);
}

#[test]
fn an_unknown_view_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = oncovox(&["run", "-o", out.to_str().unwrap(), "--set", "output.view3d=[\"oxygen\", \"nope\"]"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("output.view3d.1") && stderr(&o).contains("oxygen"), "{}", stderr(&o));
    assert!(!out.exists());
    let o = oncovox(&["run", "-o", out.to_str().unwrap(), "--set", "output.view3d=[\"oxygen\", \"oxygen\"]"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("output.view3d.1"), "{}", stderr(&o));
}
