//! Non-finite numbers in what a run wrote: CSV cells, TOML values, JSON
//! literals, `.npy` float payloads and the float arrays of the VTK files
//! (`.vti`, `.vtp`). PNG cannot hold NaN and is skipped.

use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What is non-finite in `path`, if anything: one line naming the place.
pub fn violation(path: &Path) -> Option<String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let name = path.display();
    match ext.as_str() {
        "npy" => {
            let bytes = std::fs::read(path).ok()?;
            npy(&bytes).map(|e| format!("{name}: {e}"))
        }
        "csv" => {
            let text = std::fs::read_to_string(path).ok()?;
            // The header names columns (a species may be called `inf`).
            for (l, line) in text.lines().enumerate().skip(1) {
                for cell in line.split(',') {
                    if cell.trim().parse::<f64>().is_ok_and(|v| !v.is_finite()) {
                        return Some(format!("{name} line {}: `{}`", l + 1, cell.trim()));
                    }
                }
            }
            None
        }
        "toml" => {
            let text = std::fs::read_to_string(path).ok()?;
            match text.parse::<toml::Table>() {
                Ok(t) => toml_value(&toml::Value::Table(t), "").map(|k| format!("{name}: `{k}` is not finite")),
                Err(e) => Some(format!("{name}: not valid TOML: {e}")),
            }
        }
        "json" => {
            let text = std::fs::read_to_string(path).ok()?;
            // serde_json writes NaN and inf as null and refuses to read
            // NaN/Infinity: a file it cannot read holds such a literal.
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(_) => None,
                Err(e) => Some(format!("{name}: not valid JSON (a NaN or Infinity literal?): {e}")),
            }
        }
        "vti" | "vtp" => {
            let bytes = std::fs::read(path).ok()?;
            vtk(&bytes).map(|e| format!("{name}: {e}"))
        }
        _ => None,
    }
}

/// The first non-finite value of a VTK XML file's appended float arrays,
/// or a block its header does not describe.
fn vtk(b: &[u8]) -> Option<String> {
    let mark = b"<AppendedData encoding=\"raw\">\n    _";
    let Some(at) = b.windows(mark.len()).position(|w| w == mark) else {
        return Some("no appended data".into());
    };
    let Ok(xml) = std::str::from_utf8(&b[..at]) else { return Some("the XML is not UTF-8".into()) };
    let zlib = xml.contains("compressor=\"vtkZLibDataCompressor\"");
    let bin = &b[at + mark.len()..];
    for tag in xml.split("<DataArray").skip(1).filter(|t| t.contains("format=\"appended\"")) {
        let attr = |k: &str| tag.split(&format!(" {k}=\"")).nth(1).and_then(|v| v.split('"').next());
        let (Some(ty), Some(name), Some(offset)) = (attr("type"), attr("Name"), attr("offset")) else {
            return Some(format!("a data array lacks its type, name or offset: {tag}"));
        };
        let Ok(offset) = offset.trim().parse::<usize>() else { return Some(format!("{name}: offset {offset}")) };
        let data = match block(bin, offset, zlib) {
            Ok(d) => d,
            Err(e) => return Some(format!("{name}: {e}")),
        };
        let bad = match ty {
            "Float32" => data
                .chunks_exact(4)
                .map(|c| f32::from_ne_bytes(c.try_into().unwrap()) as f64)
                .position(|v| !v.is_finite()),
            "Float64" => {
                data.chunks_exact(8).map(|c| f64::from_ne_bytes(c.try_into().unwrap())).position(|v| !v.is_finite())
            }
            _ => None,
        };
        if let Some(i) = bad {
            return Some(format!("{name}: value {i} is not finite"));
        }
    }
    None
}

/// The bytes of the appended block at `offset`, by its UInt64 header.
fn block(bin: &[u8], offset: usize, zlib: bool) -> Result<Vec<u8>, String> {
    let word = |at: usize| {
        bin.get(at..at + 8).map(|w| u64::from_ne_bytes(w.try_into().unwrap()) as usize).ok_or("truncated header")
    };
    if !zlib {
        let n = word(offset)?;
        return bin.get(offset + 8..offset + 8 + n).map(<[u8]>::to_vec).ok_or_else(|| "truncated block".into());
    }
    let blocks = word(offset)?;
    let mut at = offset + 24 + 8 * blocks;
    let mut out = Vec::new();
    for k in 0..blocks {
        let c = word(offset + 24 + 8 * k)?;
        let z = bin.get(at..at + c).ok_or("truncated compressed block")?;
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(z), &mut out).map_err(|e| e.to_string())?;
        at += c;
    }
    Ok(out)
}

fn toml_value(v: &toml::Value, key: &str) -> Option<String> {
    match v {
        toml::Value::Float(f) if !f.is_finite() => Some(key.to_string()),
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| toml_value(v, &format!("{key}.{k}"))),
        toml::Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| toml_value(v, &format!("{key}.{i}"))),
        _ => None,
    }
}

/// The first non-finite value of a float `.npy`, or a malformed header.
fn npy(b: &[u8]) -> Option<String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Some("not an .npy file".into());
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        _ if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        _ => return Some("truncated header".into()),
    };
    let header = std::str::from_utf8(b.get(start..start + hlen)?).ok()?;
    let data = &b[start + hlen..];
    let (width, f32s) = if header.contains("'<f4'") {
        (4, true)
    } else if header.contains("'<f8'") {
        (8, false)
    } else {
        return None;
    };
    if !data.len().is_multiple_of(width) {
        return Some(format!("payload of {} bytes is not a whole number of values", data.len()));
    }
    for (i, c) in data.chunks_exact(width).enumerate() {
        let v = if f32s {
            f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64
        } else {
            f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
        };
        if !v.is_finite() {
            return Some(format!("value {i} is {v}"));
        }
    }
    None
}
