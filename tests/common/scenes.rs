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

/// 12×10×8 voxels of 20 µm (`parity_cells.rs`, `state_roundtrip.rs`): a tumour with a necrotic core and a capillary
/// along z; oxygen by LOD, the rest explicit (two fields each, so the
/// gather must follow the ping-pong). Kinetics every 2 steps (2 Runge–Kutta
/// sub-steps), spread in 3 sub-steps, a 2 Gy fraction at step 10, the
/// liposome trigger open over steps 4–11 in the left half.
pub const CELLS: &str = r#"
[grid]
shape = [12, 10, 8]
dx = 20.0
[time]
dt = 0.05
duration = 1.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 12.0
solver = "lod"
[[species]]
name = "doxorubicin"
diffusion = 700.0
decay = 0.01
solver = "explicit"
[[species]]
name = "tariquidar"
diffusion = 500.0
solver = "explicit"
[[species]]
name = "liposome"
diffusion = 40.0
solver = "explicit"
initial = 0.5
[[species]]
name = "gold"
diffusion = 20.0
solver = "explicit"
initial = 1.0
[[regions]]
name = "capillary"
cylinder = { start = [30.0, 30.0, 0.0], end = [30.0, 30.0, 160.0], radius = 15.0 }
hold = { oxygen = 40.0 }
supply = { doxorubicin = { rate = 5.0, target = 5.0 }, tariquidar = { rate = 1.0, target = 0.2 }, liposome = { rate = 2.0, target = 3.0 }, gold = { rate = 1.0, target = 2.0 } }
[[regions]]
name = "tumour"
sphere = { center = [130.0, 110.0, 80.0], radius = 70.0 }
tissue = "tumour"
uptake = { oxygen = 3.0 }
[[regions]]
name = "core"
sphere = { center = [130.0, 110.0, 80.0], radius = 25.0 }
tissue = "necrotic"
[[regions]]
name = "hot"
box = { min = [0.0, 0.0, 0.0], max = [120.0, 200.0, 160.0] }

[cells]
oxygen = "oxygen"
drug = "doxorubicin"
inhibitor = "tariquidar"
interval = 0.1
max_density = 1.0
spread = 2000.0
spread_threshold = 0.5
o2_consumption = 10.0
necrosis_rate = 0.05
clearance = 0.02
sirna_half = 0.5
sirna_decay = 0.01

[[cells.phenotype]]
name = "sensitive"
initial = 0.6
initial_necrotic = 0.2
growth = 0.05
influx = 0.5
influx_vmax = 0.3
emax = 0.2
ec50 = 0.5
deactivation = 0.01
cycle_specificity = 0.5
switch = { resistant = 0.01 }
switch_drug = { resistant = 0.1 }
switch_hypoxia = { resistant = 0.05 }

[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.3
initial_necrotic = 0.1
growth = 0.03
influx = 0.3
pump_vmax = 2.0
pump_km = 0.5
emax = 0.1
ec50 = 1.0
hill = 1.5
bcl2 = 4.0
alpha = 0.15
beta = 0.05
switch = { sensitive = 0.02 }
switch_drug = { sensitive = 0.03 }
switch_hypoxia = { sensitive = 0.01 }

[[cells.carrier]]
species = "liposome"
drug_load = 2.0
inhibitor_load = 0.1
sirna_load = 0.5
binding = 0.2
unbinding = 0.05
internalisation = 0.1
endosomal_release = 0.2
release = 0.01
release_acidic = 0.05
dose_enhancement = 0.1
trigger = { region = "hot", start = 0.2, end = 0.6, release = 0.5 }

[[cells.carrier]]
species = "gold"
drug_load = 0.0
binding = 0.1
unbinding = 0.02
internalisation = 0.05
dose_enhancement = 0.5
enhancement_half = 1.0

[cells.radiotherapy]
times = [0.5]
dose = 2.0
"#;

/// 8³ voxels, a tumour with cells and a drug: a few hundred ms per arm
/// (`sweep.rs`, `sweep_mpi.rs`).
pub const SWEEP: &str = r#"
[grid]
shape = [8, 8, 8]
dx = 10.0
[time]
dt = 0.5
duration = 10.0
output_interval = 5.0
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1000.0
initial = 1.0
[[species]]
name = "doxorubicin"
diffusion = 500.0
[[regions]]
name = "tumour"
sphere = { center = [40.0, 40.0, 40.0], radius = 30.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
[[cells.phenotype]]
name = "sensitive"
initial = 0.3
"#;

/// 18 × 16 × 14 voxels of 20 µm (`checkpoint_resume.rs`, `run_mpi.rs`), 16 min in steps of 1 min, outputs every 4
/// min, checkpoints every 8. Doxorubicin boluses at 0, 6 and 12 min,
/// liposomes at 0 and 9, fractions at 2 and 10: each schedule crosses t = 8.
pub const RESUME: &str = r#"
seed = 3
[grid]
shape = [18, 16, 14]
dx = 20.0
[time]
dt = 1.0
duration = 16.0
output_interval = 4.0
[vessels]
spacing = 90.0
[interstitium]
boundary_pressure = 0.0
advection = true
[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
initial = 20.0
solver = "steady"
plasma = { level = 38.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 }, reflection = { normal = 0.0, tumour = 0.0 } }
[[species]]
name = "doxorubicin"
diffusion = 700.0
decay = 0.01
solver = "implicit"
plasma = { preset = "free_doxorubicin", count = 3, every = 6.0 }
wall = { permeability = { normal = 20.0, tumour = 160.0 } }
[[species]]
name = "liposome"
solver = "implicit"
radius = 50.0
plasma = { preset = "liposomal_doxorubicin", count = 2, every = 9.0 }
[[species]]
name = "tracer"
diffusion = 500.0
decay = 0.01
solver = "lod"
initial = 1.0
[[regions]]
name = "normal_tissue"
box = { min = [0.0, 0.0, 0.0], max = [360.0, 320.0, 280.0] }
tissue = "normal"
consumption = { oxygen = { rate = 40.0, half_saturation = 2.5 } }
[[regions]]
name = "tumour"
sphere = { center = [180.0, 160.0, 140.0], radius = 110.0 }
tissue = "tumour"
[cells]
oxygen = "oxygen"
drug = "doxorubicin"
interval = 2.0
o2_half_saturation = 2.5
[[cells.phenotype]]
name = "sensitive"
initial = 0.5
switch = { resistant = 1.0e-3 }
[[cells.phenotype]]
name = "resistant"
resistant = true
initial = 0.1
pump_vmax = 0.5
[[cells.carrier]]
species = "liposome"
class = "liposome"
drug_load = 1.0
[cells.radiotherapy]
times = [2.0, 10.0]
dose = 2.0
[output]
vtk = true
view3d = ["oxygen"]
fields = ["oxygen", "doxorubicin", "liposome", "tracer", "sensitive", "cells_dead"]
fields_every_output = true
checkpoint_interval = 8.0
[[output.slices]]
species = "doxorubicin"
[[output.slices]]
species = "sensitive"
"#;
