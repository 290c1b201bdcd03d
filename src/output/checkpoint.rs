//! Checkpoints: the complete state of a run at an output time, in
//! `checkpoints/t<time>min/` of its output folder, from which `oncovox run
//! --resume` goes on into a new folder as if the run had never stopped.
//!
//! A checkpoint is three files:
//! - `scene.toml`: the resolved scene (as `scene.resolved.toml`);
//! - `arrays.bin`: every array of the state, little-endian f32, one after
//!   another: the fields, the cell state, the cells' linked slots, the
//!   oxygen consumption the cells set, the coupled solvers' solutions
//!   (`[hi, lo]` per voxel) and the slice frames kept for the PNGs and GIFs;
//! - `checkpoint.json`, written last: the step and time, the backend's
//!   clock, the scheduler's clocks and counters, what the recorder has
//!   gathered (the time series so far, the files written, the exposure and
//!   cell metrics), the name and length of each array in `arrays.bin`, and
//!   its SHA-256.

use super::folder::OutputDir;
use super::provenance::sha256_hex;
use super::writer::RecorderState;
use crate::solver::{BackendState, SchedulerState};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The checkpoints' folder within a run's folder.
pub const DIR: &str = "checkpoints";
/// The file that holds a checkpoint's clocks and table of arrays.
pub const FILE: &str = "checkpoint.json";
/// The version of the layout of a checkpoint.
const FORMAT: u32 = 1;

/// A run's state at an output time.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub step: u64,
    pub time_min: f64,
    /// The backend that wrote it ("cpu" or "gpu").
    pub backend: String,
    pub scheduler: SchedulerState,
    pub recorder: RecorderState,
    pub state: BackendState,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    oncovox_version: String,
    step: u64,
    time_min: f64,
    backend: String,
    clock: u64,
    scheduler: SchedulerState,
    recorder: RecorderState,
    /// Each array of `arrays.bin` in order: its name and length (values).
    arrays: Vec<(String, usize)>,
    arrays_sha256: String,
}

/// The folder of the checkpoint at `time` (min) of a run with step `dt`,
/// relative to the output folder: `checkpoints/t00001440.00min`.
pub fn folder(time: f64, dt: f64) -> String {
    let d = super::vtk::decimals(dt);
    format!("{DIR}/t{time:0w$.d$}min", w = 9 + d)
}

/// Write `c` into the staging folder `out` with the resolved scene text;
/// returns the checkpoint's folder (relative).
pub fn write(out: &OutputDir, c: &Checkpoint, scene: &str, dt: f64) -> Result<String> {
    let rel = folder(c.time_min, dt);
    let mut names = Vec::new();
    let mut bytes = Vec::new();
    let mut add = |name: String, values: &[f32]| {
        names.push((name, values.len()));
        bytes.reserve(4 * values.len());
        for v in values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    };
    let st = &c.state;
    for (s, f) in st.fields.iter().enumerate() {
        add(format!("field {s}"), f);
    }
    add("cells".into(), &st.cells);
    add("linked".into(), &st.linked);
    add("oxygen rate".into(), &st.oxygen_rate);
    for (s, w) in st.solutions.iter().enumerate() {
        if let Some(w) = w {
            add(format!("solution {s}"), w);
        }
    }
    for (k, frames) in c.recorder.frames.iter().enumerate() {
        for (f, values) in frames.iter().enumerate() {
            add(format!("slice {k} frame {f}"), values);
        }
    }
    let header = Header {
        format: FORMAT,
        oncovox_version: env!("CARGO_PKG_VERSION").into(),
        step: c.step,
        time_min: c.time_min,
        backend: c.backend.clone(),
        clock: st.clock,
        scheduler: c.scheduler.clone(),
        recorder: c.recorder.clone(),
        arrays: names,
        arrays_sha256: sha256_hex(&bytes),
    };
    out.write(&format!("{rel}/scene.toml"), scene.as_bytes())?;
    out.write(&format!("{rel}/arrays.bin"), &bytes)?;
    let json = serde_json::to_string_pretty(&header).map_err(|e| Error::Numerical(format!("checkpoint: {e}")))?;
    out.write(&format!("{rel}/{FILE}"), json.as_bytes())?;
    Ok(rel)
}

fn refuse(dir: &Path, what: impl std::fmt::Display, fix: &str) -> Error {
    Error::scene("--resume", format!("{}: {what}", dir.display()), fix)
}

const GIVE: &str = "give the output folder of a run written with output.checkpoint_interval (or one checkpoint \
                    folder in its checkpoints/)";

/// The checkpoint `--resume DIR` means: DIR itself when it is one, else
/// the latest in `DIR/checkpoints/`. Returns its folder and the run folder
/// that holds it.
pub fn find(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    // `..` of a relative checkpoint folder is its run folder only when absolute.
    let dir = &dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if dir.join(FILE).is_file() {
        let run = dir.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_else(|| ".".into());
        return Ok((dir.to_path_buf(), run));
    }
    if !dir.is_dir() {
        return Err(refuse(dir, "no such folder", GIVE));
    }
    let mut best: Option<(u64, PathBuf)> = None;
    let listing = std::fs::read_dir(dir.join(DIR)).map_err(|_| refuse(dir, format!("holds no {DIR}/ folder"), GIVE))?;
    for e in listing.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join(FILE)) else { continue };
        let Ok(h) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let Some(step) = h.get("step").and_then(|s| s.as_u64()) else { continue };
        if best.as_ref().is_none_or(|(b, _)| step > *b) {
            best = Some((step, e.path()));
        }
    }
    match best {
        Some((_, path)) => Ok((path, dir.to_path_buf())),
        None => Err(refuse(dir, format!("holds no complete checkpoint ({DIR}/*/{FILE})"), GIVE)),
    }
}

/// Read the checkpoint in folder `dir`, and its scene text.
pub fn read(dir: &Path) -> Result<(Checkpoint, String)> {
    let bad = |what: String| refuse(dir, what, "resume from a complete checkpoint written by this version of oncovox");
    let text = std::fs::read_to_string(dir.join(FILE)).map_err(|e| bad(format!("{FILE} cannot be read ({e})")))?;
    let h: Header = serde_json::from_str(&text).map_err(|e| bad(format!("{FILE} is not a checkpoint ({e})")))?;
    if h.format != FORMAT {
        return Err(bad(format!("is checkpoint format {}, this oncovox reads format {FORMAT}", h.format)));
    }
    let scene =
        std::fs::read_to_string(dir.join("scene.toml")).map_err(|e| bad(format!("scene.toml cannot be read ({e})")))?;
    let bytes = std::fs::read(dir.join("arrays.bin")).map_err(|e| bad(format!("arrays.bin cannot be read ({e})")))?;
    if sha256_hex(&bytes) != h.arrays_sha256 {
        return Err(bad("arrays.bin does not match its SHA-256 in checkpoint.json (damaged or cut short)".into()));
    }
    let mut at = 0usize;
    let mut arrays = std::collections::HashMap::new();
    for (name, len) in &h.arrays {
        let end = at + 4 * len;
        let Some(b) = bytes.get(at..end) else { return Err(bad("arrays.bin is shorter than its table".into())) };
        let values: Vec<f32> = b.chunks_exact(4).map(|w| f32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        arrays.insert(name.clone(), values);
        at = end;
    }
    let mut take = |name: String| arrays.remove(&name);
    let species = h.scheduler.reached.len();
    let fields = (0..species)
        .map(|s| take(format!("field {s}")).ok_or_else(|| bad(format!("arrays.bin lacks field {s}"))))
        .collect::<Result<Vec<_>>>()?;
    let state = BackendState {
        clock: h.clock,
        fields,
        cells: take("cells".into()).unwrap_or_default(),
        linked: take("linked".into()).unwrap_or_default(),
        oxygen_rate: take("oxygen rate".into()).unwrap_or_default(),
        solutions: (0..species).map(|s| take(format!("solution {s}"))).collect(),
    };
    let mut recorder = h.recorder;
    recorder.frames = recorder
        .frame_times
        .iter()
        .enumerate()
        .map(|(k, times)| {
            (0..times.len())
                .map(|f| take(format!("slice {k} frame {f}")).ok_or_else(|| bad(format!("arrays.bin lacks slice {k}"))))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let c =
        Checkpoint { step: h.step, time_min: h.time_min, backend: h.backend, scheduler: h.scheduler, recorder, state };
    Ok((c, scene))
}
