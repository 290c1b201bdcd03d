//! Every WGSL module parses and validates with naga, on any machine (no
//! adapter needed), composed from its files as at run time.

use oncovox::solver::gpu::shaders::{all_sources, files};

#[test]
fn every_wgsl_kernel_validates_with_naga() {
    let sources = all_sources();
    assert!(sources.len() >= 3);
    for (file, src) in sources {
        let module =
            naga::front::wgsl::parse_str(&src).unwrap_or_else(|e| panic!("{file}: {}", e.emit_to_string(&src)));
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(!module.entry_points.is_empty(), "{file} has no entry point");
    }
}

#[test]
fn every_file_in_shaders_is_loaded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let loaded = files();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".wgsl") && name != "common.wgsl" {
            assert!(loaded.contains(&name.as_str()), "shaders/{name} is not in any shader module");
        }
    }
}
