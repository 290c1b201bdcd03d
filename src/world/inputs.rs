//! The scene's NPY inputs read against the grid: species fields and cell
//! densities at t = 0 (`initial = { npy = … }`) and the tissue map
//! (`grid.tissue`). Each file must hold exactly the layout of the dumps in
//! `fields/*.npy`: shape (nz, ny, nx), C order, x fastest. Every refusal
//! names the key, the file and the fix.

use super::npy_read::{NpyArray, show_shape};
use crate::grid::{Grid, Tissue};
use crate::scene::{MAX_MAGNITUDE, Validated, initial_total};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What the NPY files of a scene give, per voxel (x fastest).
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Per species: its field at t = 0, when `initial` names a file.
    pub species: Vec<Option<Vec<f32>>>,
    /// Per phenotype: its density at t = 0 in every voxel, when `initial`
    /// names a file.
    pub phenotypes: Vec<Option<Vec<f32>>>,
    /// The tissue of `grid.tissue`, before regions paint over it.
    pub tissue: Option<Vec<Tissue>>,
}

impl Inputs {
    /// Read every NPY file the scene names (relative to `v.base_dir`).
    pub fn load(v: &Validated, grid: &Grid) -> Result<Inputs> {
        let s = &v.scene;
        let species = s
            .species
            .iter()
            .map(|sp| {
                let key = format!("species.{}.initial", sp.name);
                sp.initial.npy().map(|p| field(v, grid, &key, p)).transpose()
            })
            .collect::<Result<_>>()?;
        let phenotypes: Vec<Option<Vec<f32>>> = match &s.cells {
            Some(c) => c
                .phenotypes
                .iter()
                .map(|ph| {
                    let key = format!("cells.phenotype.{}.initial", ph.name);
                    ph.initial.npy().map(|p| field(v, grid, &key, p)).transpose()
                })
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        let tissue = s.grid.tissue.as_ref().map(|t| tissue(v, grid, t)).transpose()?;
        let inputs = Inputs { species, phenotypes, tissue };
        inputs.check_cell_totals(v, grid)?;
        Ok(inputs)
    }

    /// The phenotypes' densities at t = 0 (from files, or the numbers by
    /// tissue) add up to at most `cells.max_density` in every voxel.
    fn check_cell_totals(&self, v: &Validated, grid: &Grid) -> Result<()> {
        let Some(c) = &v.scene.cells else { return Ok(()) };
        if self.phenotypes.iter().all(Option::is_none) {
            return Ok(()); // The uniform numbers are checked with the scene.
        }
        let tissue = super::tissue_map(v, grid, self.tissue.as_deref());
        for (i, t) in tissue.iter().enumerate() {
            let total: f64 = c
                .phenotypes
                .iter()
                .zip(&self.phenotypes)
                .map(|(ph, f)| match (f, t) {
                    (Some(f), _) => f[i] as f64,
                    (None, Tissue::Tumour) => ph.initial.value(),
                    (None, Tissue::Necrotic) => ph.initial_necrotic,
                    (None, Tissue::Normal) => 0.0,
                })
                .sum();
            if total > c.max_density {
                let files: Vec<&str> = c.phenotypes.iter().filter_map(|ph| ph.initial.npy()).collect();
                let at = format!(" at voxel {} (from {})", voxel(grid, i), files.join(", "));
                initial_total("cells.phenotype.*.initial", total, c.max_density, &at)?;
            }
        }
        Ok(())
    }
}

/// `(i, j, k)` of voxel `n` and where an NPY array holds it.
fn voxel(grid: &Grid, n: usize) -> String {
    let [nx, ny, _] = grid.shape;
    let (i, j, k) = (n % nx, (n / nx) % ny, n / (nx * ny));
    format!("(i, j, k) = ({i}, {j}, {k}), a[{k}, {j}, {i}] of the array")
}

/// A field at t = 0: finite, ≥ 0, at most [`MAX_MAGNITUDE`], float32 or
/// float64.
fn field(v: &Validated, grid: &Grid, key: &str, rel: &str) -> Result<Vec<f32>> {
    let (path, a) = read(v, grid, key, rel)?;
    let shown = path.display();
    if !a.dtype.is_float() {
        return Err(Error::scene(
            key,
            format!("{shown} holds dtype '{}'; an initial field is float32 or float64", a.descr),
            "save it as float32: numpy.save(\"f.npy\", a.astype(\"<f4\"))",
        ));
    }
    let mut out = Vec::with_capacity(a.len());
    for n in 0..a.len() {
        let x = a.f64_at(n);
        if !(0.0..=MAX_MAGNITUDE).contains(&x) {
            let why = if !x.is_finite() {
                "not a finite number"
            } else if x < 0.0 {
                "negative"
            } else {
                "beyond 1e15, the largest magnitude a scene number may have"
            };
            return Err(Error::scene(
                key,
                format!("{shown} holds {x} at voxel {}: {why}", voxel(grid, n)),
                "give finite values ≥ 0 (concentrations, or volume fractions for cells), e.g. numpy.nan_to_num(a).clip(0)",
            ));
        }
        out.push(x as f32);
    }
    Ok(out)
}

/// The tissue map: integer codes (or float32/64 whole numbers, as
/// `maps/tissue.npy` holds them), each one of `grid.tissue.codes`.
fn tissue(v: &Validated, grid: &Grid, spec: &crate::scene::TissueMapSpec) -> Result<Vec<Tissue>> {
    let key = "grid.tissue";
    let (path, a) = read(v, grid, key, &spec.npy)?;
    let shown = path.display();
    let pairs = spec.codes.pairs();
    let codes = pairs.iter().map(|(c, t)| format!("{} {c}", t.name())).collect::<Vec<_>>().join(", ");
    let mut out = Vec::with_capacity(a.len());
    for n in 0..a.len() {
        let t = a.int_at(n).and_then(|c| pairs.iter().find(|(code, _)| *code == c).map(|p| p.1));
        let Some(t) = t else {
            return Err(Error::scene(
                key,
                format!("{shown} holds {} at voxel {}, which is no tissue code ({codes})", a.f64_at(n), voxel(grid, n)),
                "give grid.tissue.codes = { normal = …, tumour = …, necrotic = … } for the integers the map holds, \
                 or correct the map",
            ));
        };
        out.push(t);
    }
    Ok(out)
}

/// Read and parse `rel` (relative to the scene's folder) and check its
/// shape against the grid.
fn read(v: &Validated, grid: &Grid, key: &str, rel: &str) -> Result<(PathBuf, NpyArray)> {
    let path = v.base_dir.join(rel);
    let fix = format!(
        "give the path of an .npy file relative to the scene file's folder ({})",
        if v.base_dir.as_os_str().is_empty() { Path::new(".") } else { &v.base_dir }.display()
    );
    // Header and the largest dtype's data: anything longer is refused unread.
    let limit = 8 * grid.len() as u64 + (1 << 20);
    let bytes = read_limited(&path, limit).map_err(|what| Error::scene(key, what, fix.clone()))?;
    let shown = path.display();
    let a = NpyArray::parse(bytes).map_err(|e| Error::scene(key, format!("{shown} {}", e.what), e.fix))?;
    let [nx, ny, nz] = grid.shape;
    if a.shape != [nz, ny, nx] {
        return Err(Error::scene(
            key,
            format!(
                "{shown} has shape {}, but grid.shape = [{nx}, {ny}, {nz}] needs ({nz}, {ny}, {nx}): an NPY array \
                 is indexed [z, y, x] (x fastest), as the dumps in fields/*.npy are",
                show_shape(&a.shape)
            ),
            "save the array with shape (nz, ny, nx), e.g. a dump of output.fields; an array indexed [x, y, z] \
             becomes one with numpy.ascontiguousarray(a.transpose(2, 1, 0))",
        ));
    }
    Ok((path, a))
}

/// The bytes of `path`, refusing what is not a regular file or is longer
/// than `limit`.
fn read_limited(path: &Path, limit: u64) -> std::result::Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("cannot read {shown}: no such file"),
        _ => format!("cannot read {shown}: {e}"),
    })?;
    if !meta.is_file() {
        return Err(format!("cannot read {shown}: not a regular file"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{shown} is larger than any NPY array of the grid's voxels ({limit} bytes)"));
    }
    Ok(bytes)
}
