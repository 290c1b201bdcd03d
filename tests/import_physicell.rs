//! `oncovox import physicell`: three PhysiCell settings files (in the 1.10,
//! 1.12 and 1.14 formats, tests/data/physicell/) import; the written scene
//! says what the XML says, key by key; it runs (CPU backend, five steps),
//! its resolved scene is the imported one, and the fields obey the imported
//! faces and decay. Broken settings exit with code 2 naming the element and
//! write nothing; an existing -o file is left alone without --force.

mod common;
use common::cli::{oncovox, stderr};
use oncovox::scene::{Bc, Face, HeldLayer, Scene, SolverChoice};
use std::path::{Path, PathBuf};

const ZF: Bc = Bc::ZeroFlux;
const fn held(v: f64) -> Bc {
    Bc::Dirichlet(v)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/physicell").join(name)
}

struct Imported {
    dir: tempfile::TempDir,
    path: PathBuf,
    text: String,
    scene: Scene,
    warnings: Vec<String>,
}

/// Import `settings` (XML text) into a fresh folder; it must succeed.
fn import_text(settings: &str) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("PhysiCell_settings.xml");
    std::fs::write(&xml, settings).unwrap();
    let path = dir.path().join("scene.toml");
    let o = oncovox(&["import", "physicell", xml.to_str().unwrap(), "-o", path.to_str().unwrap()], &[]);
    let err = stderr(&o);
    assert!(o.status.success(), "import failed:\n{err}");
    let warnings: Vec<String> = err.lines().filter_map(|l| l.strip_prefix("warning: ")).map(str::to_string).collect();
    let text = std::fs::read_to_string(&path).unwrap();
    let scene = Scene::from_toml(&text).unwrap_or_else(|e| panic!("the written scene does not parse: {e}\n{text}"));
    for w in &warnings {
        assert!(text.contains(&format!("#   - {w}\n")), "warning not at the top of the scene: {w}\n{text}");
    }
    Imported { dir, path, text, scene, warnings }
}

fn import(name: &str) -> Imported {
    import_text(&std::fs::read_to_string(fixture(name)).unwrap())
}

/// Run the imported scene for `duration` min on the CPU; the resolved scene it wrote and its folder.
fn run(imp: &Imported, duration: &str, sets: &[&str]) -> (Scene, PathBuf) {
    let out = imp.dir.path().join("out");
    let set = format!("time.duration={duration}");
    let mut args = vec!["run", imp.path.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"];
    args.extend(["--set", &set]);
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = oncovox(&args, &[]);
    assert!(o.status.success(), "the imported scene does not run:\n{}", stderr(&o));
    let resolved = std::fs::read_to_string(out.join("scene.resolved.toml")).unwrap();
    (Scene::from_toml(&resolved).unwrap(), out)
}

/// What a `<variable>` says, in oncovox's units.
struct Species {
    name: &'static str,
    unit: &'static str,
    diffusion: f64,
    decay: f64,
    initial: f64,
    faces: [Bc; 6],
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn assert_species(scene: &Scene, expect: &[Species]) {
    let names: Vec<&str> = scene.species.iter().map(|s| s.name.as_str()).collect();
    let wanted: Vec<&str> = expect.iter().map(|s| s.name).collect();
    assert_eq!(names, wanted);
    for (s, e) in scene.species.iter().zip(expect) {
        assert_eq!(s.unit, e.unit, "{}", e.name);
        assert!(close(s.diffusion.unwrap(), e.diffusion), "{}: diffusion {:?} ≠ {}", e.name, s.diffusion, e.diffusion);
        assert!(close(s.decay, e.decay), "{}: decay {} ≠ {}", e.name, s.decay, e.decay);
        assert_eq!(s.initial.npy(), None, "{}: a uniform initial value", e.name);
        let initial = s.initial.value();
        assert!(close(initial, e.initial), "{}: initial {initial} ≠ {}", e.name, e.initial);
        assert_eq!(s.solver, SolverChoice::Lod, "{}: BioFVM's scheme", e.name);
        assert_eq!(s.boundary.lod_held_layer, HeldLayer::Reset, "{}: BioFVM's held layers", e.name);
        for f in Face::ALL {
            assert_eq!(s.boundary.face(f), e.faces[f as usize], "{}: face {}", e.name, f.key());
        }
    }
}

/// The run used the imported scene: same grid, steps, output and species.
fn assert_runs_as_imported(written: &Scene, resolved: &Scene) {
    assert_eq!(resolved.grid.shape, written.grid.shape);
    assert_eq!(resolved.grid.dx, written.grid.dx);
    assert_eq!(resolved.time.dt, written.time.dt);
    assert_eq!(resolved.time.output_interval, written.time.output_interval);
    if !written.output.fields.is_empty() {
        assert_eq!(resolved.output.fields, written.output.fields);
    }
    let slices = |s: &Scene| s.output.slices.iter().map(|x| x.species.clone()).collect::<Vec<_>>();
    assert_eq!(slices(resolved), slices(written));
    assert_eq!(resolved.species.len(), written.species.len());
    for (r, w) in resolved.species.iter().zip(&written.species) {
        assert_eq!(
            (&r.name, &r.unit, r.diffusion, r.decay, &r.initial),
            (&w.name, &w.unit, w.diffusion, w.decay, &w.initial)
        );
        assert_eq!((r.solver, r.boundary.lod_held_layer), (w.solver, w.boundary.lod_held_layer));
        for f in Face::ALL {
            assert_eq!(r.boundary.face(f), w.boundary.face(f), "{}: {}", r.name, f.key());
        }
    }
}

fn assert_warns(imp: &Imported, parts: &[&str]) {
    for p in parts {
        assert!(imp.warnings.iter().any(|w| w.contains(p)), "no warning mentions {p}: {:#?}", imp.warnings);
    }
}

/// The last NPY dump of `species`: shape (nz, ny, nx) and values.
fn last_field(out: &Path, species: &str) -> (Vec<usize>, Vec<f32>) {
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(out.join("fields"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("{species}_step")))
        .collect();
    dumps.sort();
    let bytes = std::fs::read(dumps.last().unwrap_or_else(|| panic!("no dump of {species}"))).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    let dims = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape: Vec<usize> = dims.split(',').filter_map(|d| d.trim().parse().ok()).collect();
    let data = bytes[10 + len..].chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    (shape, data)
}

/// A field with voxel (i, j, k) at `a[(k·ny + j)·nx + i]`.
struct Field {
    n: [usize; 3],
    v: Vec<f32>,
}

impl Field {
    fn read(out: &Path, species: &str, shape: [u32; 3]) -> Field {
        let (npy, v) = last_field(out, species);
        assert_eq!(npy, vec![shape[2] as usize, shape[1] as usize, shape[0] as usize], "{species}: NPY shape");
        Field { n: shape.map(|s| s as usize), v }
    }
    fn at(&self, i: usize, j: usize, k: usize) -> f32 {
        self.v[(k * self.n[1] + j) * self.n[0] + i]
    }
    fn voxels(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let [nx, ny, nz] = self.n;
        (0..nz).flat_map(move |k| (0..ny).flat_map(move |j| (0..nx).map(move |i| (i, j, k))))
    }
    /// Uniform at the value LOD's decay alone gives after `steps` steps.
    fn assert_uniform_decay(&self, species: &str, initial: f64, decay: f64, dt: f64, steps: i32) {
        let expect = initial * (1.0 + decay * dt / 3.0).powi(-3 * steps);
        for v in &self.v {
            // f32 rounding over a few steps.
            assert!(
                ((*v as f64) - expect).abs() <= 1e-5 * expect,
                "{species}: {v} ≠ {expect} (zero-flux faces, decay only)"
            );
        }
    }
}

#[test]
fn oxygen_3d_all_faces_held() {
    let imp = import("oxygen_3d.xml");
    let s = &imp.scene;
    // <domain>: x −100…100, y −80…80, z −60…60 µm, dx = dy = dz = 20.
    assert_eq!(s.grid.shape, [10, 8, 6]);
    assert_eq!(s.grid.dx, 20.0);
    assert!(imp.text.contains("position plus (-100.0, -80.0, -60.0) µm"), "the origin is stated:\n{}", imp.text);
    // <max_time units="hours">2</max_time>, <dt_diffusion>0.01, <full_data><interval>30.
    assert_eq!((s.time.dt, s.time.duration, s.time.output_interval), (0.01, 120.0, Some(30.0)));
    assert_species(
        s,
        &[Species { name: "oxygen", unit: "mmHg", diffusion: 1e5, decay: 0.1, initial: 10.0, faces: [held(38.0); 6] }],
    );
    assert_eq!(s.output.fields, ["oxygen"]);
    assert!(s.output.fields_every_output && s.output.slices.is_empty(), "full_data on, SVG off");
    assert_warns(
        &imp,
        &["<cell_definitions>", "tumour", "<user_parameters>", "number_of_cells", "<overall><dt_mechanics>"],
    );
    assert_warns(&imp, &["<overall><dt_phenotype>", "<parallel>", "<options>", "calculate_gradients", "120 min"]);
    assert!(!imp.warnings.iter().any(|w| w.contains("track_internalized")), "a disabled option loses nothing");

    let (resolved, out) = run(&imp, "0.05", &[]);
    assert_runs_as_imported(s, &resolved);
    let f = Field::read(&out, "oxygen", s.grid.shape);
    let [nx, ny, nz] = f.n;
    for (i, j, k) in f.voxels() {
        let face = i == 0 || j == 0 || k == 0 || i == nx - 1 || j == ny - 1 || k == nz - 1;
        let v = f.at(i, j, k);
        if face {
            assert_eq!(v, 38.0, "held face voxel ({i}, {j}, {k})");
        } else {
            assert!(
                v > 10.0 && v < 38.0,
                "inner voxel ({i}, {j}, {k}) = {v}: between the initial 10 and the faces' 38"
            );
        }
    }
}

#[test]
fn oxygen_and_drug_2d_some_faces_held() {
    let imp = import("oxygen_drug_2d.xml");
    let s = &imp.scene;
    // <domain>: x 0…400, y 0…300 µm, dx 20, use_2D: one layer.
    assert_eq!(s.grid.shape, [20, 15, 1]);
    assert_eq!(s.grid.dx, 20.0);
    assert!(imp.text.contains("position plus (0.0, 0.0, -10.0) µm"), "BioFVM's 2D layer is centred on z = 0");
    assert_eq!((s.time.dt, s.time.duration, s.time.output_interval), (0.02, 1440.0, Some(60.0)));
    assert_species(
        s,
        &[
            // xmin on (38), xmax off, ymin on (20), ymax off; zmin on but 2D has no z faces.
            Species {
                name: "oxygen",
                unit: "mmHg",
                diffusion: 1e5,
                decay: 0.1,
                initial: 10.0,
                faces: [held(38.0), ZF, held(20.0), ZF, ZF, ZF],
            },
            // <decay_rate units="1/hour">0.6</decay_rate>; Dirichlet disabled.
            Species { name: "chemo_drug", unit: "uM", diffusion: 300.0, decay: 0.01, initial: 5.0, faces: [ZF; 6] },
        ],
    );
    assert_eq!(s.output.fields, ["oxygen", "chemo_drug"]);
    let slices: Vec<&str> = s.output.slices.iter().map(|x| x.species.as_str()).collect();
    assert_eq!(slices, ["oxygen", "chemo_drug"], "SVG on: a slice per substrate");
    assert_warns(&imp, &["cancer, stroma", "<cell_rules>", "<initial_conditions>", "drug_dose", "<save><SVG>"]);
    assert_warns(&imp, &["calculate_gradients", "track_internalized_substrates_in_each_agent", "\"chemo_drug\""]);
    assert_warns(&imp, &["0.6 1/hour converted to 0.01 1/min"]);

    let (resolved, out) = run(&imp, "0.1", &[]);
    assert_runs_as_imported(s, &resolved);
    let o = Field::read(&out, "oxygen", s.grid.shape);
    let [nx, ny, _] = o.n;
    for j in 1..ny {
        assert_eq!(o.at(0, j, 0), 38.0, "x_min layer held at 38");
    }
    for i in 0..nx {
        assert_eq!(o.at(i, 0, 0), 20.0, "y_min layer held at 20 (applied after x_min)");
    }
    // Were the z faces held, the one layer would be 38 everywhere.
    let far = o.at(nx - 1, ny - 1, 0);
    assert!(far < 30.0 && far > 9.0, "far corner {far}: the z faces and x_max, y_max are zero flux");
    Field::read(&out, "chemo_drug", s.grid.shape).assert_uniform_decay("chemo_drug", 5.0, 0.01, 0.02, 5);
}

#[test]
fn three_substrates_per_face_options() {
    let imp = import("three_substrates.xml");
    let s = &imp.scene;
    // y 0…170 µm is 5.67 voxels of 30: the grid extends to 180 µm, as BioFVM's does.
    assert_eq!(s.grid.shape, [8, 6, 3]);
    assert_eq!(s.grid.dx, 30.0);
    // <max_time units="days">0.5</max_time>; full_data off, so the SVG interval.
    assert_eq!((s.time.dt, s.time.duration, s.time.output_interval), (0.05, 720.0, Some(120.0)));
    assert_species(
        s,
        &[
            Species { name: "oxygen", unit: "mmHg", diffusion: 1e5, decay: 0.1, initial: 38.0, faces: [held(38.0); 6] },
            // 600 micron^2/s, 1.44 1/day; every face disabled.
            Species { name: "glucose", unit: "mM", diffusion: 36_000.0, decay: 0.001, initial: 5.5, faces: [ZF; 6] },
            // Its own condition is disabled, but xmin is enabled and oxygen enables its condition, so BioFVM holds it.
            Species {
                name: "interferon",
                unit: "dimensionless",
                diffusion: 1200.0,
                decay: 0.02,
                initial: 0.0,
                faces: [held(2.5), ZF, ZF, ZF, ZF, ZF],
            },
        ],
    );
    assert!(s.output.fields.is_empty(), "full_data off");
    assert_eq!(s.output.slices.len(), 3);
    assert_warns(&imp, &["<domain><y_max>", "180.0 µm", "0.5 days converted to 720 min", "600.0 micron^2/s converted"]);
    assert_warns(&imp, &["substrates.csv", "<cell_rules>", "random_seed"]);

    let fields = "output.fields=[\"oxygen\", \"glucose\", \"interferon\"]";
    let (resolved, out) = run(&imp, "0.25", &[fields]);
    assert_runs_as_imported(s, &resolved);
    Field::read(&out, "glucose", s.grid.shape).assert_uniform_decay("glucose", 5.5, 0.001, 0.05, 5);
    let f = Field::read(&out, "interferon", s.grid.shape);
    let [nx, ny, nz] = f.n;
    for (i, j, k) in f.voxels() {
        let v = f.at(i, j, k);
        if i == 0 {
            assert_eq!(v, 2.5, "x_min layer held");
        } else {
            assert!((0.0..2.5).contains(&v), "({i}, {j}, {k}) = {v}");
        }
    }
    assert!(f.at(1, ny / 2, nz / 2) > f.at(nx - 1, ny / 2, nz / 2), "interferon spreads from x_min");
    assert!(f.at(1, ny / 2, nz / 2) > 0.0);
}

#[test]
fn faces_enabled_only_in_options_follow_physicell() {
    // With no variable enabling its <Dirichlet_boundary_condition>, PhysiCell holds no face at all.
    let text = std::fs::read_to_string(fixture("three_substrates.xml")).unwrap();
    let text = text.replace("enabled=\"True\">38.0", "enabled=\"false\">38.0");
    let imp = import_text(&text);
    for sp in &imp.scene.species {
        for f in Face::ALL {
            assert_eq!(sp.boundary.face(f), ZF, "{}: {}", sp.name, f.key());
        }
    }
    assert_warns(&imp, &["<variable name=\"interferon\"><Dirichlet_options>: xmin enabled but zero flux"]);
}

/// Import broken settings: exit code 2, `what` in the message, no file written.
fn assert_refused(settings: &str, what: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("PhysiCell_settings.xml");
    std::fs::write(&xml, settings).unwrap();
    let out = dir.path().join("scene.toml");
    let o = oncovox(&["import", "physicell", xml.to_str().unwrap(), "-o", out.to_str().unwrap()], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "expected exit code 2:\n{err}");
    for w in what {
        assert!(err.contains(w), "the message should name {w}:\n{err}");
    }
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1, "one error:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "only the settings file may remain: {left:?}");
}

fn base() -> String {
    std::fs::read_to_string(fixture("oxygen_3d.xml")).unwrap()
}

#[test]
fn malformed_xml_is_refused() {
    let text = base().replace("</PhysiCell_settings>", "");
    assert_refused(&text, &["PhysiCell_settings.xml", "not well-formed XML"]);
    assert_refused(&base().replace("<dx>20</dx>", "<dx>20</dy>"), &["not well-formed XML"]);
    assert_refused("<settings/>", &["<settings>", "not <PhysiCell_settings>"]);
}

#[test]
fn missing_elements_are_refused() {
    let text = base();
    let (a, b) = (text.find("<domain>").unwrap(), text.find("</domain>").unwrap() + "</domain>".len());
    assert_refused(&format!("{}{}", &text[..a], &text[b..]), &["<domain>", "is missing"]);
    assert_refused(&text.replace("<dx>20</dx>", ""), &["<domain><dx>", "is missing"]);
    assert_refused(&text.replace("<max_time units=\"hours\">2</max_time>", ""), &["<overall><max_time>", "is missing"]);
    let no_decay = text.replace("<decay_rate units=\"1/min\">0.1</decay_rate>", "");
    assert_refused(&no_decay, &["<variable name=\"oxygen\"><physical_parameter_set><decay_rate>", "is missing"]);
    assert_refused(
        &text.replace("<dx>20</dx>", "<dx>twenty</dx>"),
        &["<domain><dx>", "\"twenty\" is not a finite number"],
    );
}

#[test]
fn unknown_units_are_refused() {
    let text = base();
    let d = text.replace("units=\"micron^2/min\">100000.0", "units=\"furlong^2/fortnight\">100000.0");
    assert_refused(&d, &["<diffusion_coefficient>", "furlong^2/fortnight"]);
    assert_refused(&text.replace("units=\"1/min\">0.1", "units=\"1/moon\">0.1"), &["<decay_rate>", "1/moon"]);
    assert_refused(&text.replace("units=\"hours\">2", "units=\"moons\">2"), &["<overall><max_time>", "moons"]);
    let mm = text.replace("<space_units>micron", "<space_units>mm");
    assert_refused(&mm, &["<overall><space_units>", "\"mm\" is not a length unit"]);
}

#[test]
fn non_cubic_voxels_and_bad_values_are_refused() {
    let text = base();
    assert_refused(&text.replace("<dy>20</dy>", "<dy>10</dy>"), &["<domain><dy>", "cubic"]);
    assert_refused(&text.replace("<x_max>100</x_max>", "<x_max>-100</x_max>"), &["<domain><x_max>"]);
    let negative = text.replace("enabled=\"true\">38.0", "enabled=\"true\">-1");
    assert_refused(&negative, &["<Dirichlet_boundary_condition>", "at least 0"]);
    let face = text.replace(
        "</Dirichlet_boundary_condition>",
        "</Dirichlet_boundary_condition><Dirichlet_options><boundary_value ID=\"top\" enabled=\"true\">1</boundary_value></Dirichlet_options>",
    );
    assert_refused(&face, &["<boundary_value ID=\"top\">", "not a face"]);
}

#[test]
fn an_existing_output_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scene.toml");
    std::fs::write(&out, "# my own scene\n").unwrap();
    let xml = fixture("oxygen_3d.xml");
    let args = ["import", "physicell", xml.to_str().unwrap(), "-o", out.to_str().unwrap()];
    let o = oncovox(&args, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("exists") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# my own scene\n", "the user's file is untouched");
    let o = oncovox(&[&args[..], &["--force"]].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(Scene::from_toml(&text).unwrap().grid.shape, [10, 8, 6], "--force replaced it with the scene");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
}

#[test]
fn two_d_needs_square_voxels_but_not_dz() {
    let text = std::fs::read_to_string(fixture("oxygen_drug_2d.xml")).unwrap();
    let imp = import_text(&text.replace("<dz>20</dz>", "<dz>5</dz>"));
    assert_eq!((imp.scene.grid.shape, imp.scene.grid.dx), ([20, 15, 1], 20.0));
    assert_warns(&imp, &["<domain><dz>: 5.0 µm not imported"]);
    assert_refused(&text.replace("<dy>20</dy>", "<dy>10</dy>"), &["<domain><dy>", "cubic"]);
    let zero = text.replace("<interval units=\"min\">60</interval>", "<interval units=\"min\">0</interval>");
    assert_refused(&zero, &["<save><full_data><interval>", "greater than 0"]);
}
