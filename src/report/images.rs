//! The PNG figures a run folder holds, found by their file names: slice
//! series (`slices/<name>_<axis><index>_t<time>min.png`, one frame per
//! output time), 3D views (`views/<name>_t<time>min.png`, the same) and
//! static maps (`maps/<map>_<axis><index>.png`).

use crate::{Error, Result};
use std::path::Path;

/// One slice series: its name (`oxygen_z025`) and its frames, (time in
/// min, PNG bytes) in time order.
pub struct SliceSeries {
    pub name: String,
    pub frames: Vec<(f64, Vec<u8>)>,
}

/// The `.png` files directly in `dir`, sorted by name; none when `dir` does
/// not exist.
fn pngs(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = Vec::new();
    for e in entries {
        let name = e.map_err(|e| Error::io(dir, e))?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".png") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// A slice file name split into its series and its time (min).
fn series_and_time(file: &str) -> Option<(&str, f64)> {
    let (series, time) = file.strip_suffix("min.png")?.rsplit_once("_t")?;
    Some((series, time.parse().ok().filter(|t: &f64| t.is_finite())?))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// Every series of frames under `dir/<sub>` (`slices` or `views`), by name.
pub fn slice_series(dir: &Path, sub: &str) -> Result<Vec<SliceSeries>> {
    let mut out: Vec<SliceSeries> = Vec::new();
    for file in pngs(&dir.join(sub))? {
        let Some((name, time)) = series_and_time(&file) else { continue };
        let bytes = read(&dir.join(sub).join(&file))?;
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => s.frames.push((time, bytes)),
            None => out.push(SliceSeries { name: name.to_string(), frames: vec![(time, bytes)] }),
        }
    }
    for s in &mut out {
        s.frames.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Ok(out)
}

/// Every figure under `dir/<sub>` as (file stem, PNG bytes), by name.
pub fn figures(dir: &Path, sub: &str) -> Result<Vec<(String, Vec<u8>)>> {
    pngs(&dir.join(sub))?
        .into_iter()
        .map(|f| Ok((f.trim_end_matches(".png").to_string(), read(&dir.join(sub).join(&f))?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{series_and_time, slice_series};
    use crate::output::slice::file_name;
    use crate::scene::Axis;

    #[test]
    fn slice_names_give_series_and_time() {
        let f = file_name("drug_t", Axis::Z, 25, 1234.5);
        assert_eq!(series_and_time(&f), Some(("drug_t_z025", 1234.5)));
        assert_eq!(series_and_time("notes.png"), None);
    }

    #[test]
    fn frames_are_grouped_and_ordered_by_time() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("slices")).unwrap();
        for (name, t) in [("o", 10.0), ("o", 2.0), ("d", 0.0)] {
            std::fs::write(tmp.path().join("slices").join(file_name(name, Axis::X, 3, t)), format!("{t}")).unwrap();
        }
        let s = slice_series(tmp.path(), "slices").unwrap();
        assert_eq!(s.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["d_x003", "o_x003"]);
        assert_eq!(s[1].frames.iter().map(|f| f.0).collect::<Vec<_>>(), [2.0, 10.0]);
        assert_eq!(s[1].frames[1].1, b"10");
    }
}
