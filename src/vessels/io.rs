//! Reading and writing networks: JSON and CSV, as documented (with
//! examples) in `scenes/networks/README.md`.
//!
//! Every error in a file is a scene error under the key `vessels.file`
//! whose message names the file, the record (its line, and in JSON its
//! place in the list, e.g. `line 12, segments[3]`) and the field, and whose
//! fix says what to write.

use super::json::{self, Json, Value};
use super::{Network, Node, Segment, VesselKind};
use crate::{Error, Result};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The error key of every problem in a network file.
pub const FILE_KEY: &str = "vessels.file";

fn bad<T>(message: String, fix: impl Into<String>) -> Result<T> {
    Err(Error::scene(FILE_KEY, message, fix))
}

/// The most bytes a network file may hold (about ten million segments).
pub const MAX_NETWORK_BYTES: u64 = 1 << 30;

/// A network file's text, read with [`MAX_NETWORK_BYTES`] as the limit: a
/// directory, a named pipe, a larger file or one that is not UTF-8 is an
/// input error naming the file.
fn read_text(path: &Path, name: &str) -> Result<String> {
    use std::io::Read;
    let fix = "give a .json or .csv network file (UTF-8 text; formats in scenes/networks/README.md)";
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_fifo() || meta.file_type().is_socket() {
            return bad(format!("{name}: is a named pipe or socket, not a network file"), fix);
        }
    }
    if meta.is_dir() {
        return bad(format!("{name}: is a directory, not a network file"), fix);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_NETWORK_BYTES + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_NETWORK_BYTES {
        return bad(format!("{name}: is larger than {} MiB", MAX_NETWORK_BYTES >> 20), fix);
    }
    String::from_utf8(bytes)
        .or_else(|e| bad(format!("{name}: is not UTF-8 text (byte {} is not)", e.utf8_error().valid_up_to()), fix))
}

impl Network {
    /// Read a network from a `.json` or `.csv` file (chosen by extension)
    /// and validate it ([`Network::validate`]).
    pub fn from_path(path: &Path) -> Result<Network> {
        Network::read(path, None)
    }

    /// [`Network::from_path`] for the grid box `[0, extent]` (µm): the
    /// network must also fit it ([`Network::validate_within`]), each error
    /// naming the file's record and field.
    pub fn from_path_within(path: &Path, extent: [f64; 3]) -> Result<Network> {
        Network::read(path, Some(extent))
    }

    fn read(path: &Path, extent: Option<[f64; 3]>) -> Result<Network> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let name = path.display().to_string();
        let parse: fn(&str, &str, Option<[f64; 3]>) -> Result<Network> = match ext.as_deref() {
            Some("json") => Network::parse_json,
            Some("csv") => Network::parse_csv,
            _ => {
                return bad(
                    format!("{name}: unknown network file type (extension {:?})", ext.unwrap_or_default()),
                    "give the network as a .json or .csv file (formats in scenes/networks/README.md)",
                );
            }
        };
        let text = read_text(path, &name)?;
        parse(&text, &name, extent)
    }

    /// Write the network to `path`, as JSON or CSV by its extension.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => self.to_csv(),
            Some("json") => self.to_json(),
            _ => {
                return bad(format!("{}: unknown network file type", path.display()), "save networks as .json or .csv");
            }
        };
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    /// The network in the JSON format [`Network::from_path`] reads, one
    /// record per line; node ids are the node indices. Numbers are written
    /// in shortest round-trip form, so reading it back gives the same
    /// network bit for bit.
    pub fn to_json(&self) -> String {
        let mut s = String::from("{\n  \"nodes\": [\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let [x, y, z] = n.pos.map(num);
            let _ = write!(s, "    {{\"id\": {i}, \"x\": {x}, \"y\": {y}, \"z\": {z}");
            if let Some(p) = n.pressure {
                let _ = write!(s, ", \"pressure\": {}", num(p));
            }
            s.push_str(if i + 1 < self.nodes.len() { "},\n" } else { "}\n" });
        }
        s.push_str("  ],\n  \"segments\": [\n");
        for (i, g) in self.segments.iter().enumerate() {
            let _ = write!(
                s,
                "    {{\"a\": {}, \"b\": {}, \"radius\": {}, \"kind\": \"{}\", \"maturity\": {}",
                g.a,
                g.b,
                num(g.radius),
                g.kind.name(),
                num(g.maturity)
            );
            s.push_str(if i + 1 < self.segments.len() { "},\n" } else { "}\n" });
        }
        s.push_str("  ]\n}\n");
        s
    }

    /// The network in the CSV format [`Network::from_path`] reads (one file,
    /// a `type` column saying `node` or `segment`); node ids are indices.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("type,id,x,y,z,pressure,a,b,radius,kind,maturity\n");
        for (i, n) in self.nodes.iter().enumerate() {
            let p = n.pressure.map(|p| p.to_string()).unwrap_or_default();
            let _ = writeln!(s, "node,{i},{},{},{},{p},,,,,", n.pos[0], n.pos[1], n.pos[2]);
        }
        for g in &self.segments {
            let _ = writeln!(s, "segment,,,,,,{},{},{},{},{}", g.a, g.b, g.radius, g.kind.name(), g.maturity);
        }
        s
    }

    /// Parse the JSON format; `file` names the source in errors.
    pub fn from_json_str(text: &str, file: &str) -> Result<Network> {
        Network::parse_json(text, file, None)
    }

    /// Parse the CSV format; `file` names the source in errors.
    pub fn from_csv_str(text: &str, file: &str) -> Result<Network> {
        Network::parse_csv(text, file, None)
    }

    fn parse_json(text: &str, file: &str, extent: Option<[f64; 3]>) -> Result<Network> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root = json::parse(text).map_err(|e| {
            Error::scene(
                FILE_KEY,
                format!("{file}: not valid JSON: {e}"),
                "fix the JSON syntax there (a missing comma, quote or bracket, a trailing comma, or a comment)",
            )
        })?;
        let root = object(&root, &format!("{file}: the top level"))?;
        check_keys(root, &["nodes", "segments", "comment"], &format!("{file}: the top level"))?;
        let list = |key: &str, example: &str| -> Result<&Vec<Json>> {
            match get(root, key).map(|v| &v.value) {
                Some(Value::Array(a)) => Ok(a),
                Some(_) => bad(format!("{file}: `{key}` is not a list"), format!("write \"{key}\": [{example}, ...]")),
                None => bad(format!("{file}: no `{key}` list"), format!("add \"{key}\": [{example}, ...]")),
            }
        };
        let raw_nodes = list("nodes", "{\"id\": 0, \"x\": 0, \"y\": 0, \"z\": 0}")?;
        let raw_segs = list("segments", "{\"a\": 0, \"b\": 1, \"radius\": 4, \"kind\": \"normal\"}")?;

        let mut ids = IdMap::default();
        let mut net = Network::default();
        let mut node_recs = Vec::with_capacity(raw_nodes.len());
        for (i, v) in raw_nodes.iter().enumerate() {
            let rec = format!("{file} line {}, nodes[{i}]", v.line);
            let obj = object(v, &rec)?;
            check_keys(obj, &["id", "x", "y", "z", "pressure"], &rec)?;
            let id = id_field(get(obj, "id"), &rec, "id")?;
            let mut pos = [0.0; 3];
            for (c, axis) in pos.iter_mut().zip(["x", "y", "z"]) {
                *c = number(get(obj, axis), &rec, axis, "µm")?;
            }
            let pressure = match get(obj, "pressure") {
                None | Some(Json { value: Value::Null, .. }) => None,
                v => Some(number(v, &rec, "pressure", "mmHg")?),
            };
            ids.insert(id, net.nodes.len(), &rec)?;
            node_recs.push(format!("{rec} (id {id})"));
            net.nodes.push(Node { pos, pressure });
        }
        let mut seg_recs = Vec::with_capacity(raw_segs.len());
        for (s, v) in raw_segs.iter().enumerate() {
            let rec = format!("{file} line {}, segments[{s}]", v.line);
            let obj = object(v, &rec)?;
            check_keys(obj, &["a", "b", "radius", "kind", "maturity"], &rec)?;
            let a = ids.get(id_field(get(obj, "a"), &rec, "a")?, &rec, "a")?;
            let b = ids.get(id_field(get(obj, "b"), &rec, "b")?, &rec, "b")?;
            let radius = number(get(obj, "radius"), &rec, "radius", "µm")?;
            let kind = match get(obj, "kind").map(|v| &v.value) {
                Some(Value::String(k)) => kind(k, &rec)?,
                Some(other) => {
                    return bad(
                        format!("{rec}: `kind` is {}, not a string", other.describe()),
                        "write \"kind\": \"normal\" or \"tumour\"",
                    );
                }
                None => return bad(format!("{rec}: no `kind` field"), "add \"kind\": \"normal\" or \"tumour\""),
            };
            let maturity = match get(obj, "maturity") {
                None | Some(Json { value: Value::Null, .. }) => kind.default_maturity(),
                v => number(v, &rec, "maturity", "0..1")?,
            };
            seg_recs.push(rec);
            net.segments.push(Segment { a, b, radius, kind, maturity });
        }
        net.validate_named(FILE_KEY, extent, &|i| node_recs[i].clone(), &|s| seg_recs[s].clone())?;
        Ok(net)
    }

    fn parse_csv(text: &str, file: &str, extent: Option<[f64; 3]>) -> Result<Network> {
        const COLUMNS: [&str; 11] = ["type", "id", "x", "y", "z", "pressure", "a", "b", "radius", "kind", "maturity"];
        const REQUIRED: [&str; 9] = ["type", "id", "x", "y", "z", "a", "b", "radius", "kind"];
        const NODE: [&str; 5] = ["id", "x", "y", "z", "pressure"];
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return bad(
                format!("{file}: no header line"),
                format!("start the file with the header {}", COLUMNS.join(",")),
            );
        };
        // Column position of each known column name.
        let mut col: HashMap<&str, usize> = HashMap::new();
        let names: Vec<String> = header.split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
        for (i, name) in names.iter().enumerate() {
            let Some(known) = COLUMNS.iter().find(|c| **c == name) else {
                return bad(
                    format!("{file} line {header_line}: unknown column `{name}` in the header"),
                    format!("use only the columns {}", COLUMNS.join(",")),
                );
            };
            if col.insert(known, i).is_some() {
                return bad(
                    format!("{file} line {header_line}: column `{name}` appears twice"),
                    "name each column once",
                );
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|c| !col.contains_key(**c)) {
            return bad(
                format!("{file} line {header_line}: the header has no `{missing}` column"),
                format!("use the header {}", COLUMNS.join(",")),
            );
        }

        let mut ids = IdMap::default();
        let mut net = Network::default();
        let mut node_lines = Vec::new();
        let mut seg_lines = Vec::new();
        // Segment ends by id, resolved once every node is read.
        let mut ends: Vec<(u64, u64, usize)> = Vec::new();
        for (line, row) in lines {
            let rec = format!("{file} line {line}");
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            if cells.len() != names.len() {
                return bad(
                    format!("{rec}: {} cells, but the header has {} columns", cells.len(), names.len()),
                    "give every row one cell per header column (leave unused cells empty: `node,0,1,2,3,,,,,,`)",
                );
            }
            let cell = |name: &str| col.get(name).map(|&i| cells[i]).filter(|c| !c.is_empty());
            let typ = cell("type").unwrap_or("").to_ascii_lowercase();
            let is_node = match typ.as_str() {
                "node" => true,
                "segment" => false,
                _ => {
                    return bad(
                        format!("{rec}: `type` is {typ:?}, not `node` or `segment`"),
                        "start every row with node or segment",
                    );
                }
            };
            let rec = format!("{rec} ({typ})");
            for name in &COLUMNS[1..] {
                if NODE.contains(name) != is_node && cell(name).is_some() {
                    return bad(
                        format!(
                            "{rec}: `{name}` is set, but it belongs to {} rows",
                            if is_node { "segment" } else { "node" }
                        ),
                        "leave that cell empty (the columns may be shifted: count the commas)",
                    );
                }
            }
            let num = |name: &str, unit: &str| -> Result<f64> {
                match cell(name) {
                    None => bad(format!("{rec}: `{name}` is empty"), format!("give `{name}` in {unit}")),
                    Some(c) => c.parse::<f64>().or_else(|_| {
                        bad(
                            format!("{rec}: `{name}` = {c:?} is not a number"),
                            format!("give `{name}` as a number in {unit}"),
                        )
                    }),
                }
            };
            let id = |name: &str| -> Result<u64> {
                let v = num(name, "an integer id")?;
                as_id(v).ok_or_else(|| {
                    Error::scene(
                        FILE_KEY,
                        format!("{rec}: `{name}` = {v} is not a node id"),
                        "node ids are whole numbers ≥ 0",
                    )
                })
            };
            if is_node {
                let node_id = id("id")?;
                let pos = [num("x", "µm")?, num("y", "µm")?, num("z", "µm")?];
                let pressure = if cell("pressure").is_some() { Some(num("pressure", "mmHg")?) } else { None };
                ids.insert(node_id, net.nodes.len(), &rec)?;
                node_lines.push((line, node_id));
                net.nodes.push(Node { pos, pressure });
            } else {
                let (a, b) = (id("a")?, id("b")?);
                let radius = num("radius", "µm")?;
                let kind = match cell("kind") {
                    Some(k) => kind(k, &rec)?,
                    None => return bad(format!("{rec}: `kind` is empty"), "write normal or tumour"),
                };
                let maturity =
                    if cell("maturity").is_some() { num("maturity", "0..1")? } else { kind.default_maturity() };
                ends.push((a, b, line));
                seg_lines.push(line);
                net.segments.push(Segment { a: 0, b: 0, radius, kind, maturity });
            }
        }
        for (seg, &(a, b, line)) in net.segments.iter_mut().zip(&ends) {
            let rec = format!("{file} line {line} (segment)");
            seg.a = ids.get(a, &rec, "a")?;
            seg.b = ids.get(b, &rec, "b")?;
        }
        net.validate_named(
            FILE_KEY,
            extent,
            &|i| format!("{file} line {} (node id {})", node_lines[i].0, node_lines[i].1),
            &|s| format!("{file} line {} (segment)", seg_lines[s]),
        )?;
        Ok(net)
    }
}

/// Node ids as written in a file → node indices.
#[derive(Default)]
struct IdMap(HashMap<u64, usize>);

impl IdMap {
    fn insert(&mut self, id: u64, index: usize, rec: &str) -> Result<()> {
        if self.0.insert(id, index).is_some() {
            return bad(format!("{rec}: node id {id} is used twice"), "give every node its own id");
        }
        Ok(())
    }

    fn get(&self, id: u64, rec: &str, field: &str) -> Result<usize> {
        match self.0.get(&id) {
            Some(&i) => Ok(i),
            None => bad(
                format!("{rec}: `{field}` = {id} is not the id of any node"),
                format!("list node {id} among the nodes, or join the segment to an existing node"),
            ),
        }
    }
}

/// A whole number ≥ 0 (3 or 3.0) as an id.
fn as_id(v: f64) -> Option<u64> {
    (v >= 0.0 && v.fract() == 0.0 && v < 2f64.powi(53)).then_some(v as u64)
}

type Fields = [(String, Json)];

fn object<'a>(v: &'a Json, rec: &str) -> Result<&'a Fields> {
    match &v.value {
        Value::Object(f) => Ok(f),
        other => bad(format!("{rec} is {}, not an object", other.describe()), "write each record as {...}"),
    }
}

fn get<'a>(obj: &'a Fields, key: &str) -> Option<&'a Json> {
    obj.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn check_keys(obj: &Fields, allowed: &[&str], rec: &str) -> Result<()> {
    match obj.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some((k, _)) => {
            bad(format!("{rec}: unknown field `{k}`"), format!("use only the fields {}", allowed.join(", ")))
        }
    }
}

fn number(v: Option<&Json>, rec: &str, field: &str, unit: &str) -> Result<f64> {
    match v.map(|v| &v.value) {
        Some(Value::Number(n)) => Ok(*n),
        Some(other) => bad(
            format!("{rec}: `{field}` is {}, not a number", other.describe()),
            format!("write `{field}` as a number in {unit}, without quotes"),
        ),
        None => bad(format!("{rec}: no `{field}` field"), format!("add \"{field}\": <number in {unit}>")),
    }
}

fn id_field(v: Option<&Json>, rec: &str, field: &str) -> Result<u64> {
    let x = number(v, rec, field, "an integer node id")?;
    as_id(x).ok_or_else(|| {
        Error::scene(FILE_KEY, format!("{rec}: `{field}` = {x} is not a node id"), "node ids are whole numbers ≥ 0")
    })
}

fn kind(k: &str, rec: &str) -> Result<VesselKind> {
    match k.trim().to_ascii_lowercase().as_str() {
        "normal" => Ok(VesselKind::Normal),
        "tumour" | "tumor" => Ok(VesselKind::Tumour),
        _ => bad(format!("{rec}: `kind` is {k:?}"), "write kind as normal or tumour"),
    }
}

/// A finite f64 in JSON's shortest round-trip form; `null` otherwise.
fn num(x: f64) -> String {
    if x.is_finite() { serde_json::to_string(&x).unwrap_or_else(|_| "null".into()) } else { "null".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"{"nodes": [{"id": 7, "x": 0, "y": 0, "z": 0, "pressure": 20},
        {"id": 9, "x": 0, "y": 0, "z": 50.5}],
        "segments": [{"a": 7, "b": 9, "radius": 4, "kind": "tumor"}]}"#;

    #[test]
    fn json_ids_are_mapped_and_defaults_applied() {
        let n = Network::from_json_str(TWO, "t.json").unwrap();
        assert_eq!(n.nodes.len(), 2);
        assert_eq!(n.nodes[1].pressure, None);
        assert_eq!((n.segments[0].a, n.segments[0].b), (0, 1));
        assert_eq!(n.segments[0].kind, VesselKind::Tumour);
        assert_eq!(n.segments[0].maturity, 0.0);
    }

    #[test]
    fn json_and_csv_round_trip_exactly() {
        let mut n = Network::from_json_str(TWO, "t.json").unwrap();
        n.nodes[1].pos = [0.1 + 0.2, 1.0 / 3.0, 1e-7];
        n.segments[0].maturity = 0.123456789012345;
        assert_eq!(Network::from_json_str(&n.to_json(), "x.json").unwrap(), n);
        assert_eq!(Network::from_csv_str(&n.to_csv(), "x.csv").unwrap(), n);
    }

    #[test]
    fn errors_name_record_and_field() {
        let cases = [
            (r#"{"nodes": [], "segments": [], "extra": 1}"#, "unknown field `extra`"),
            (r#"{"nodes": [{"id": 0, "x": 0, "y": 0}], "segments": []}"#, "nodes[0]: no `z` field"),
            (r#"{"nodes": [{"id": 0, "x": "1", "y": 0, "z": 0}], "segments": []}"#, "`x` is \"1\", not a number"),
            (r#"{"nodes": [{"id": -1, "x": 0, "y": 0, "z": 0}], "segments": []}"#, "is not a node id"),
            (r#"{"nodes": [], "segments": [}"#, "line 1 column"),
        ];
        for (text, want) in cases {
            let e = Network::from_json_str(text, "t.json").unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("t.json") && e.contains("fix:"), "{want:?} not in {e}");
        }
    }

    #[test]
    fn csv_errors_name_line_and_field() {
        let h = "type,id,x,y,z,pressure,a,b,radius,kind,maturity\n";
        let cases = [
            (format!("{h}node,0,0,0,0,,,,,,\nnode,1,0,0,\n"), "line 3: 5 cells"),
            (format!("{h}node,0,0,0,0,,,,,,\nsegment,,,,,,0,1,4,normal,\n"), "line 3 (segment): `b` = 1 is not"),
            (
                format!("# c\n{h}node,0,0,0,0,,,,,,\nnode,1,0,0,9,,,,,,\nsegment,,,,,,0,1,,normal,\n"),
                "line 5 (segment): `radius` is empty",
            ),
            (format!("{h}vessel,0,0,0,0,,,,,,\n"), "line 2: `type`"),
            (format!("{h}node,0,0,0,0,,,,4,,\n"), "`radius` is set"),
            ("type,id,x,y,z,a,b,radius\n".to_string(), "no `kind` column"),
        ];
        for (text, want) in cases {
            let e = Network::from_csv_str(&text, "t.csv").unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("t.csv"), "{want:?} not in {e}");
        }
    }
}
