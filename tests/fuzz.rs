//! Fuzzing: seeded mutants of the shipped scenes and networks through
//! parsing, validation, planning, vessel network, flow and voxelisation
//! (panics caught per stage), and short CPU runs on tiny grids whose output
//! files must hold no NaN or inf. Harness: `tests/fuzz/mod.rs`.
//!
//! CI runs `fuzz_ci` (fixed seed, 20 000+ cases). The long run:
//!
//! ```text
//! ONCOVOX_FUZZ_SCENES=1000000 ONCOVOX_FUZZ_NETWORKS=100000 \
//!     cargo test --release --test fuzz -- --ignored --nocapture
//! ```
//!
//! Environment: `ONCOVOX_FUZZ_SCENES`, `ONCOVOX_FUZZ_NETWORKS`,
//! `ONCOVOX_FUZZ_RUNS` (case counts), `ONCOVOX_FUZZ_SEED` (default 1),
//! `ONCOVOX_FUZZ_THREADS` (default: all cores), `ONCOVOX_FUZZ_DIR` (where
//! reproducers go, in a new folder `oncovox-fuzz-<ci|long>-<pid>`; default
//! the system's temporary directory).

#[path = "fuzz/mod.rs"]
mod harness;

use harness::{Config, Report, corpus, fuzz};
use oncovox::scene::{Scene, Validated};

fn env_u64(key: &str, default: u64) -> u64 {
    match std::env::var(key) {
        Ok(v) => v.trim().replace('_', "").parse().unwrap_or_else(|_| panic!("{key}={v} is not a whole number")),
        Err(_) => default,
    }
}

fn config(name: &str, scenes: u64, networks: u64, runs: u64) -> Config {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    // A fresh folder of this session's own, inside the one given: nothing
    // else there is touched.
    let base = std::env::var_os("ONCOVOX_FUZZ_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("oncovox-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Config {
        seed: env_u64("ONCOVOX_FUZZ_SEED", 1),
        scenes: env_u64("ONCOVOX_FUZZ_SCENES", scenes),
        networks: env_u64("ONCOVOX_FUZZ_NETWORKS", networks),
        runs: env_u64("ONCOVOX_FUZZ_RUNS", runs),
        threads: env_u64("ONCOVOX_FUZZ_THREADS", threads as u64) as usize,
        dir,
        progress: true,
    }
}

fn check(r: &Report) {
    eprintln!("{}", r.text);
    let (nonfinite, maps) = (r.runs.nonfinite_outputs, r.scenes.nonfinite_maps + r.networks.nonfinite_maps);
    assert!(
        r.panics() == 0 && nonfinite == 0 && maps == 0 && r.too_slow() == 0,
        "fuzzing found {} panics, {} output files with NaN/inf, {} vessel maps with NaN/inf and {} cases over 60 s:\n{}",
        r.panics(),
        nonfinite,
        maps,
        r.too_slow(),
        r.text
    );
}

/// Every scene and network of the corpus reads and validates unmutated, so
/// that mutants start from working files.
#[test]
fn corpus_is_valid() {
    for (name, text) in corpus::SCENES {
        let scene = Scene::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        Validated::new(scene).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for n in corpus::NETWORKS {
        let net = if n.file.ends_with(".csv") {
            oncovox::vessels::Network::from_csv_str(n.text, n.file)
        } else {
            oncovox::vessels::Network::from_json_str(n.text, n.file)
        };
        net.unwrap_or_else(|e| panic!("{}: {e}", n.file));
    }
}

/// The CI share: 12 000 scene and 8 000 network mutants and 48 runs.
#[test]
fn fuzz_ci() {
    check(&fuzz(&config("ci", 12_000, 8_000, 48)));
}

/// The long run (counts from the environment; see the module docs).
#[test]
#[ignore = "long: run with --ignored and the case counts in the environment"]
fn fuzz_long() {
    check(&fuzz(&config("long", 1_000_000, 100_000, 200)));
}
