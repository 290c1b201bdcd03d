//! Starting from data: species fields, cell densities and the tissue map
//! read from NPY files. A run whose initial fields come from the t = 0
//! dumps of another run (whose fields were set by numbers and regions)
//! reproduces that run bit for bit; every bad file is refused with exit
//! code 2, the key, the fix and no output folder.

mod common;
use common::cli::{oncovox, stderr, write_scene};
use oncovox::output::npy::encode_npy;
use std::collections::BTreeMap;
use std::path::Path;

/// Run A: every initial value set by numbers and regions. 10 × 8 × 6
/// voxels (no two axes alike, so a transposed array cannot pass), oxygen
/// held in a slab, drug supplied there, a tumour with a necrotic core and
/// two phenotypes in it, dumped at every output time from t = 0.
const A: &str = r#"
[grid]
shape = [10, 8, 6]
dx = 20.0
[time]
dt = 0.5
duration = 2.0
output_interval = 1.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 30.0
solver = "implicit"
[[species]]
name = "drug"
diffusion = 500.0
solver = "explicit"
initial = 0.5
[[regions]]
name = "vessel"
box = { min = [0.0, 0.0, 0.0], max = [30.0, 160.0, 120.0] }
hold = { oxygen = 38.0 }
supply = { drug = { rate = 1.0, target = 5.0 } }
[[regions]]
name = "tumour"
sphere = { center = [110.0, 80.0, 60.0], radius = 70.0 }
tissue = "tumour"
[[regions]]
name = "core"
sphere = { center = [110.0, 80.0, 60.0], radius = 30.0 }
tissue = "necrotic"
[cells]
oxygen = "oxygen"
drug = "drug"
interval = 0.5
[[cells.phenotype]]
name = "sensitive"
initial = 0.4
initial_necrotic = 0.1
pump_vmax = 0.5
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.2
pump_vmax = 2.0
[output]
fields = ["oxygen", "drug", "sensitive", "resistant", "cells_dead"]
fields_every_output = true
[[output.slices]]
species = "drug"
[[output.slices]]
species = "sensitive"
axis = "x"
"#;

fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// Scene B: A with every initial value from a file (`a/…` are A's t = 0
/// dumps), the tissue map from `tissue.npy`, and no region setting tissue.
fn scene_b() -> String {
    let mut b = A.to_string();
    for (from, to) in [
        ("initial = 30.0", "initial = { npy = \"a/fields/oxygen_step00000000.npy\" }"),
        ("initial = 0.5", "initial = { npy = \"a/fields/drug_step00000000.npy\" }"),
        ("initial = 0.4\ninitial_necrotic = 0.1", "initial = { npy = \"a/fields/sensitive_step00000000.npy\" }"),
        ("initial = 0.2", "initial = { npy = \"a/fields/resistant_step00000000.npy\" }"),
        ("tissue = \"tumour\"\n", ""),
        ("tissue = \"necrotic\"\n", ""),
        (
            "dx = 20.0\n",
            "dx = 20.0\ntissue = { npy = \"tissue.npy\", codes = { normal = 5, tumour = 7, necrotic = 9 } }\n",
        ),
    ] {
        b = replaced(&b, from, to);
    }
    b
}

/// An NPY file of bytes (`|u1`), shape (nz, ny, nx).
fn npy_u8(data: &[u8], [nx, ny, nz]: [usize; 3]) -> Vec<u8> {
    let dict = format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({nz}, {ny}, {nx}), }}\n");
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((dict.len() as u16).to_le_bytes());
    out.extend(dict.as_bytes());
    out.extend(data);
    out
}

fn run(scene: &Path, out: &Path) {
    let o = oncovox(
        &["run", scene.to_str().unwrap(), "--backend", "cpu", "-o", out.to_str().unwrap()],
        &[("RAYON_NUM_THREADS", "2")],
    );
    assert!(o.status.success(), "{}: {}", scene.display(), stderr(&o));
}

/// Every file of a run folder that holds fields or values computed from
/// them (not the summary and the report, with their wall times, dates and
/// scene hashes, the marker, the resolved scene or the input copies), by
/// path.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "fields", "slices", "maps"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let skip =
                ["summary.json", "report.html", "scene.resolved.toml", ".oncovox-output"].contains(&name.as_str());
            if p.is_file() && !skip {
                out.insert(format!("{sub}/{name}"), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: the same files");
    for (name, bytes) in a {
        assert!(bytes == &b[name], "{what}: {name} differs");
    }
}

#[test]
fn a_run_started_from_npy_fields_reproduces_the_run_they_were_dumped_from() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let scene_a = write_scene(dir, "a.toml", A);
    run(&scene_a, &dir.join("a"));
    // The tissue map of A's setup, in codes of our own choosing.
    let v = oncovox::run::load_scene(Some(&scene_a), &[]).unwrap();
    let grid = v.grid();
    let tissue = oncovox::world::tissue_map(&v, &grid, None);
    let code = |t: oncovox::grid::Tissue| [5u8, 7, 9][t.index()];
    let kinds: Vec<u8> = tissue.iter().map(|&t| code(t)).collect();
    for c in [5, 7, 9] {
        assert!(kinds.contains(&c), "A has all three tissues");
    }
    std::fs::write(dir.join("tissue.npy"), npy_u8(&kinds, grid.shape)).unwrap();
    let scene_b = write_scene(dir, "b.toml", &scene_b());
    run(&scene_b, &dir.join("b"));

    let (a, b) = (outputs(&dir.join("a")), outputs(&dir.join("b")));
    for f in ["/timeseries.csv", "fields/oxygen_step00000004.npy", "fields/sensitive_step00000004.npy"] {
        assert!(a.contains_key(f), "{f} in {:?}", a.keys());
    }
    assert!(a.keys().any(|k| k.ends_with(".gif")), "the slice animations are compared too");
    // The fields did change over the run: the comparison is not of constants.
    assert_ne!(a["fields/drug_step00000000.npy"], a["fields/drug_step00000004.npy"]);
    assert_ne!(a["fields/sensitive_step00000000.npy"], a["fields/sensitive_step00000004.npy"]);
    assert_same(&a, &b, "B against A");

    // B keeps copies of what it read, and its resolved scene reruns it.
    for f in ["species_oxygen", "species_drug", "phenotype_sensitive", "phenotype_resistant", "tissue"] {
        assert!(dir.join(format!("b/initial/{f}.npy")).is_file(), "{f}");
    }
    let resolved = std::fs::read_to_string(dir.join("b/scene.resolved.toml")).unwrap();
    assert!(resolved.contains("initial/tissue.npy") && resolved.contains("initial/species_oxygen.npy"), "{resolved}");
    std::fs::rename(dir.join("b"), dir.join("b_kept")).unwrap();
    run(&dir.join("b_kept/scene.resolved.toml"), &dir.join("c"));
    assert_same(&b, &outputs(&dir.join("c")), "the rerun of B's resolved scene against B");
}

#[test]
fn a_held_voxel_starts_at_its_held_value_over_the_file() {
    // The file gives 1.0 everywhere; the held slab (voxel centres x = 10
    // and 30 µm) starts at 38.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("one.npy"), encode_npy(&[1.0; 480], [10, 8, 6])).unwrap();
    let text = replaced(A, "initial = 30.0", "initial = { npy = \"one.npy\" }");
    let scene = write_scene(dir, "s.toml", &text);
    let v = oncovox::run::load_scene(Some(&scene), &[]).unwrap();
    let world = oncovox::run::build_world(&v, None).unwrap();
    let (g, f) = (world.grid, &world.species[0].initial);
    assert_eq!((f[g.idx(0, 3, 3)], f[g.idx(1, 3, 3)], f[g.idx(2, 3, 3)]), (38.0, 38.0, 1.0));
}

/// `oncovox run` of `text` in a folder holding `files`: exit code 2, every
/// word of `names` in the message, the fix, and no output or staging folder.
fn refused(text: &str, files: &[(&str, Vec<u8>)], names: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let scene = write_scene(dir, "s.toml", text);
    let out = dir.join("out");
    for cmd in ["check", "run"] {
        let mut args = vec![cmd, scene.to_str().unwrap(), "--backend", "cpu"];
        if cmd == "run" {
            args.extend(["-o", out.to_str().unwrap()]);
        }
        let o = oncovox(&args, &[("RAYON_NUM_THREADS", "2")]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: expected exit code 2, stderr:\n{err}");
        for name in names {
            assert!(err.contains(name), "{cmd}: the message should name `{name}`:\n{err}");
        }
        assert!(err.contains("fix:") && !err.contains("panicked"), "{err}");
    }
    assert!(!out.exists(), "no output folder may be written for a refused scene");
    let stray: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out"))
        .collect();
    assert!(stray.is_empty(), "no staging folder may remain: {stray:?}");
}

/// A with oxygen's initial field from `f.npy`.
fn oxygen_from_file() -> String {
    replaced(A, "initial = 30.0", "initial = { npy = \"f.npy\" }")
}

#[test]
fn a_missing_or_unreadable_file_is_refused() {
    refused(&oxygen_from_file(), &[], &["species.oxygen.initial", "f.npy", "no such file"]);
    refused(&oxygen_from_file(), &[("f.npy", b"P5 8 8 255 not numpy".to_vec())], &["not an NPY file", "numpy.save"]);
    let mut cut = encode_npy(&[1.0; 480], [10, 8, 6]);
    cut.truncate(cut.len() - 4);
    refused(&oxygen_from_file(), &[("f.npy", cut)], &["species.oxygen.initial", "cut short"]);
}

#[test]
fn a_file_of_the_wrong_shape_is_refused_naming_both_shapes_and_the_axis_order() {
    // [x, y, z] order instead of (nz, ny, nx): the same voxels, the wrong layout.
    let mut t = encode_npy(&[1.0; 480], [6, 8, 10]);
    refused(
        &oxygen_from_file(),
        &[("f.npy", t.clone())],
        &["species.oxygen.initial", "(10, 8, 6)", "(6, 8, 10)", "[z, y, x]"],
    );
    t = encode_npy(&[1.0; 100], [10, 10, 1]);
    refused(&oxygen_from_file(), &[("f.npy", t)], &["(1, 10, 10)", "grid.shape = [10, 8, 6]"]);
}

#[test]
fn nan_infinite_negative_and_huge_values_are_refused_at_their_voxel() {
    let at = |x: f32| {
        let mut f = vec![1.0f32; 480];
        f[3 + 10 * (2 + 8)] = x; // voxel (3, 2, 1)
        encode_npy(&f, [10, 8, 6])
    };
    let voxel = "(3, 2, 1)";
    refused(&oxygen_from_file(), &[("f.npy", at(f32::NAN))], &["species.oxygen.initial", "NaN", voxel]);
    refused(&oxygen_from_file(), &[("f.npy", at(f32::INFINITY))], &["inf", "not a finite number", voxel]);
    refused(&oxygen_from_file(), &[("f.npy", at(-0.5))], &["-0.5", "negative", voxel, "a[1, 2, 3]"]);
    refused(&oxygen_from_file(), &[("f.npy", at(1e20))], &["1e15", voxel]);
}

#[test]
fn integer_fields_and_dense_cells_are_refused() {
    refused(
        &oxygen_from_file(),
        &[("f.npy", npy_u8(&[1; 480], [10, 8, 6]))],
        &["species.oxygen.initial", "'|u1'", "float32"],
    );
    // 0.9 of sensitive cells everywhere plus 0.2 resistant ones in the tumour.
    let sens = replaced(A, "initial = 0.4\ninitial_necrotic = 0.1", "initial = { npy = \"n.npy\" }");
    let dense = [("n.npy", encode_npy(&[0.9; 480], [10, 8, 6]))];
    refused(&sens, &dense, &["cells.phenotype.*.initial", "max_density", "n.npy", "voxel"]);
    // A necrotic number beside a file that gives every voxel's density.
    let both = replaced(A, "initial = 0.4\n", "initial = { npy = \"n.npy\" }\n");
    refused(&both, &dense, &["cells.phenotype.sensitive.initial_necrotic", "necrotic"]);
}

#[test]
fn a_tissue_map_with_unknown_codes_or_clashing_codes_is_refused() {
    let text = replaced(A, "dx = 20.0\n", "dx = 20.0\ntissue = { npy = \"t.npy\" }\n");
    let mut codes = vec![0u8; 480];
    codes[7] = 4;
    refused(&text, &[("t.npy", npy_u8(&codes, [10, 8, 6]))], &["grid.tissue", "holds 4", "(7, 0, 0)", "codes"]);
    let half = [("t.npy", encode_npy(&[0.5; 480], [10, 8, 6]))];
    refused(&text, &half, &["grid.tissue", "holds 0.5"]);
    let clash = replaced(A, "dx = 20.0\n", "dx = 20.0\ntissue = { npy = \"t.npy\", codes = { tumour = 0 } }\n");
    refused(&clash, &[("t.npy", npy_u8(&[0; 480], [10, 8, 6]))], &["grid.tissue.codes"]);
}

#[test]
fn a_dumped_tissue_map_in_float32_is_read_as_codes() {
    // maps/tissue.npy holds the codes 0, 1, 2 as float32: fed back as is.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let f: Vec<f32> = (0..480).map(|i| (i % 3) as f32).collect();
    std::fs::write(dir.join("t.npy"), encode_npy(&f, [10, 8, 6])).unwrap();
    let text = replaced(A, "dx = 20.0\n", "dx = 20.0\ntissue = { npy = \"t.npy\" }\n");
    let text = replaced(&text, "tissue = \"tumour\"\n", "");
    let text = replaced(&text, "tissue = \"necrotic\"\n", "");
    let scene = write_scene(dir, "s.toml", &text);
    let v = oncovox::run::load_scene(Some(&scene), &[]).unwrap();
    let world = oncovox::run::build_world(&v, None).unwrap();
    assert!(world.tissue.iter().zip(&f).all(|(t, &c)| t.index() as f32 == c));
}
