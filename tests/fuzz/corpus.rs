//! What the fuzzer mutates: the shipped scenes and networks, and three
//! small scenes that import the shipped networks (no shipped scene reads a
//! network file).

pub struct Network {
    /// Name as a scene's `vessels.file` gives it.
    pub file: &'static str,
    pub text: &'static str,
    /// A grid covering the network's box: shape, dx (µm).
    pub grid: ([usize; 3], f64),
}

pub const SCENES: &[(&str, &str)] = &[
    ("default.toml", include_str!("../../scenes/default.toml")),
    ("biofvm_lod_100.toml", include_str!("../../scenes/biofvm_lod_100.toml")),
    ("biofvm_lod_100_4.toml", include_str!("../../scenes/biofvm_lod_100_4.toml")),
    ("therapy_control.toml", include_str!("../../scenes/therapy_control.toml")),
    ("therapy_course_21d.toml", include_str!("../../scenes/therapy_course_21d.toml")),
    ("therapy_folate_liposome.toml", include_str!("../../scenes/therapy_folate_liposome.toml")),
    ("therapy_free_doxorubicin.toml", include_str!("../../scenes/therapy_free_doxorubicin.toml")),
    ("therapy_liposomal_doxorubicin.toml", include_str!("../../scenes/therapy_liposomal_doxorubicin.toml")),
    ("therapy_liposome_inhibitor.toml", include_str!("../../scenes/therapy_liposome_inhibitor.toml")),
    ("therapy_liposome_sirna.toml", include_str!("../../scenes/therapy_liposome_sirna.toml")),
    ("therapy_polymeric_micelle.toml", include_str!("../../scenes/therapy_polymeric_micelle.toml")),
    ("therapy_radiotherapy.toml", include_str!("../../scenes/therapy_radiotherapy.toml")),
    ("therapy_radiotherapy_gold.toml", include_str!("../../scenes/therapy_radiotherapy_gold.toml")),
    ("vascular_tumour.toml", include_str!("../../scenes/vascular_tumour.toml")),
    ("imported_branching_json.toml", IMPORTED_JSON),
    ("imported_branching_csv.toml", IMPORTED_CSV),
    ("imported_capillary.toml", IMPORTED_CAPILLARY),
];

pub const NETWORKS: &[Network] = &[
    Network {
        file: "networks/branching.json",
        text: include_str!("../../scenes/networks/branching.json"),
        grid: ([40, 20, 10], 10.0),
    },
    Network {
        file: "networks/branching.csv",
        text: include_str!("../../scenes/networks/branching.csv"),
        grid: ([40, 20, 10], 10.0),
    },
    Network {
        file: "networks/single_capillary.json",
        text: include_str!("../../scenes/networks/single_capillary.json"),
        grid: ([34, 34, 34], 3.0),
    },
];

/// The shipped network a scene's `vessels.file` names, by the rule of
/// `Network::from_path` (the extension, case-insensitive, picks the
/// format): `Err` with the reason when there is none.
pub fn network_named(file: &str) -> Result<&'static Network, String> {
    let lower = file.to_ascii_lowercase();
    if !(lower.ends_with(".json") || lower.ends_with(".csv")) {
        return Err(format!("{file}: unknown network file type"));
    }
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    NETWORKS.iter().find(|n| n.file.rsplit('/').next() == Some(base)).ok_or_else(|| format!("{file}: no such file"))
}

const IMPORTED_JSON: &str = r#"# An imported network (branching.json) on its 400 x 200 x 100 µm box.
title = "Imported branching network, Poiseuille flow"
seed = 11

[grid]
shape = [40, 20, 10]
dx = 10.0

[time]
dt = 0.5
duration = 10.0
output_interval = 2.0

[vessels]
file = "networks/branching.json"
flow = "poiseuille"

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
plasma = { level = 40.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 }, reflection = { normal = 0.0, tumour = 0.0 } }

[[species]]
name = "doxorubicin"
diffusion = 7000.0
diffusion_tumour = 3500.0
solver = "implicit"
plasma = { preset = "free_doxorubicin" }
wall = { permeability = { normal = 21.0, tumour = 160.0 }, reflection = { normal = 0.0, tumour = 0.0 } }

[[species]]
name = "liposome"
radius = 50.0
plasma = { preset = "liposomal_doxorubicin", count = 2, every = 5.0 }

[[regions]]
name = "tumour"
sphere = { center = [200.0, 100.0, 50.0], radius = 80.0 }
tissue = "tumour"
consumption = { oxygen = { rate = 400.0, half_saturation = 2.5 } }

[output]
fields = ["oxygen", "liposome"]

[[output.slices]]
species = "doxorubicin"
axis = "z"
"#;

const IMPORTED_CSV: &str = r#"# An imported network (branching.csv), every vessel at one pressure.
title = "Imported branching network, uniform pressure"
seed = 12

[grid]
shape = [40, 20, 10]
dx = 10.0

[time]
dt = 0.1
duration = 2.0

[vessels]
file = "networks/branching.csv"
flow = "uniform"
pressure = 20.0

[interstitium]
pressure = true
advection = false

[[species]]
name = "drug"
diffusion = 7000.0
decay = 0.01
solver = "lod"
plasma = { level = 1.0 }
wall = { permeability = { normal = 21.0, tumour = 160.0 } }
boundary = { x_min = 0.0, x_max = "zero_flux" }

[[regions]]
name = "core"
box = { min = [150.0, 50.0, 0.0], max = [250.0, 150.0, 100.0] }
tissue = "necrotic"
uptake = { drug = 0.5 }

[output]
fields = ["drug"]
fields_every_output = true
"#;

const IMPORTED_CAPILLARY: &str = r#"# One imported capillary (single_capillary.json) in a 102 µm cube.
title = "Imported capillary, explicit solver"
seed = 13

[grid]
shape = [34, 34, 34]
dx = 3.0

[time]
dt = 0.001
duration = 0.01

[vessels]
file = "networks/single_capillary.json"

[[species]]
name = "oxygen"
unit = "mmHg"
diffusion = 1.0e5
decay = 0.1
solver = "explicit"
plasma = { level = 40.0 }
wall = { permeability = { normal = 3000.0, tumour = 3000.0 } }

[[regions]]
name = "tissue"
cylinder = { start = [51.0, 51.0, 0.0], end = [51.0, 51.0, 102.0], radius = 30.0 }
consumption = { oxygen = { rate = 40.0, half_saturation = 2.5 } }
supply = { oxygen = { rate = 0.01, target = 5.0 } }

[[output.slices]]
species = "oxygen"
axis = "x"
index = 17
"#;
