//! Scenes shared by several test files.

/// 19 × 13 × 11 voxels: LOD with Dirichlet faces, explicit diffusion, a
/// source sphere and an oblique held cylinder (`parity.rs`, `parity_split.rs`).
pub const PARITY: &str = r#"
[grid]
shape = [19, 13, 11]
dx = 10.0
[time]
dt = 0.05
duration = 0.05
[[species]]
name = "lod"
diffusion = 2000.0
decay = 0.3
solver = "lod"
boundary = { x_min = 2.0, z_max = 0.5 }
[[species]]
name = "explicit"
diffusion = 100.0
decay = 0.2
solver = "explicit"
boundary = { y_max = 1.5 }
[[regions]]
name = "blob"
sphere = { center = [90.0, 60.0, 50.0], radius = 40.0 }
supply = { lod = { rate = 2.0, target = 3.0 }, explicit = { rate = 1.0, target = 4.0 } }
uptake = { lod = 0.7 }
[[regions]]
name = "vessel"
cylinder = { start = [0.0, 0.0, 0.0], end = [190.0, 130.0, 110.0], radius = 15.0 }
hold = { lod = 5.0, explicit = 3.0 }
"#;

/// Vessels, interstitial flow, consumption and tissue-dependent diffusion:
/// every vascular operator (`parity_vascular.rs`, `parity_split.rs`).
pub const VASCULAR: &str = r#"
seed = 7
[grid]
shape = [24, 20, 16]
dx = 20.0
[time]
dt = 0.05
duration = 1.0
[vessels]
spacing = 100.0
[interstitium]
boundary_pressure = 0.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
diffusion_tumour = 5.0e4
decay = 0.1
solver = "lod"
plasma = { level = 38.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 }, reflection = { normal = 0.0, tumour = 0.0 } }
[[species]]
name = "drug"
diffusion = 700.0
diffusion_tumour = 300.0
diffusion_necrotic = 900.0
decay = 0.01
solver = "explicit"
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 20.0, tumour = 160.0 } }
[[species]]
name = "particle"
radius = 30.0
plasma = { half_lives = [60.0, 600.0], fast_fraction = 0.3, dose = 2.0 }
retardation = 1.5
[[regions]]
name = "tumour"
sphere = { center = [240.0, 200.0, 160.0], radius = 130.0 }
tissue = "tumour"
consumption = { oxygen = { rate = 20.0, half_saturation = 2.5 } }
[[regions]]
name = "core"
sphere = { center = [240.0, 200.0, 160.0], radius = 50.0 }
tissue = "necrotic"
"#;

/// Two steps of one species on 8³ voxels: a run that writes a complete
/// output folder at once (`output_folder.rs`, `kill.rs`).
pub const TINY_RUN: &str = r#"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.01
duration = 0.02
output_interval = 0.01
[[species]]
name = "oxygen"
diffusion = 1.0e5
decay = 0.1
initial = 10.0
"#;
