//! Seeded text mutations of scenes (TOML), networks (JSON, CSV) and
//! `--set` overrides: the mistakes and the hostility of a real user, not
//! random bytes alone. Every mutant is a pure function of its seed.

use oncovox::vessels::SplitMix64;
use std::ops::Range;

/// Numbers a user (or a unit slip) puts where a sane value was.
pub const EXTREMES: &[&str] = &[
    "0",
    "-0.0",
    "-1",
    "1",
    "1e-30",
    "-1e-30",
    "5e-324",
    "1e30",
    "1e39",
    "3.5e38",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "1.8e19",
    "1e12",
    "1e15",
    "123456789012345678901234567890",
    "0.1",
    "0.5",
    "1e-9",
    "1e-3",
    "1e5",
    "65536",
    "100000",
];

/// Strings a user types into a string key.
const STRINGS: &[&str] = &[
    "",
    " ",
    "lod",
    "explicit",
    "implicit",
    "steady",
    "auto",
    "LOD",
    "poiseuille",
    "uniform",
    "normal",
    "tumour",
    "necrotic",
    "tumor",
    "fixed",
    "zero_flux",
    "x",
    "y",
    "z",
    "w",
    "oxygen",
    "doxorubicin",
    "liposome",
    "drug",
    "cells_live",
    "cells_dead",
    "free_doxorubicin",
    "liposomal_doxorubicin",
    "nope",
    "networks/branching.json",
    "networks/branching.csv",
    "networks/single_capillary.json",
    "networks/BRANCHING.JSON",
    "networks/branching",
    "networks/branching.txt",
    "../../../../etc/passwd",
    "/dev/zero",
    "nan",
    "µM",
    "名前",
    "\\u0000",
    "a-b_c",
    "has space",
    "1e308",
];

/// Characters a paste, an editor or a terminal adds.
const JUNK: &[&str] = &[
    "\0", "\u{1}", "\u{7}", "\u{8}", "\t", "\r", "\r\n", "\n", "\u{7f}", "\u{feff}", "\u{202e}", "\u{a0}", "µ", "\"",
    "'", "[", "]", "{", "}", "=", ",", "#", ".", "-", "+", "e", "\\", "[[", "]]", "\"\"\"", "'''", "\u{fffd}", "🦀",
];

/// Values of the wrong type for any key.
const WRONG_TYPES: &[&str] = &[
    "true",
    "\"1.0\"",
    "[]",
    "[[]]",
    "{}",
    "[1.0, \"a\"]",
    "1979-05-27T07:32:00Z",
    "{ a = 1 }",
    "0x10",
    "0o7",
    "0b1",
    "1_000",
    "[0, 0, 0]",
    "[8, 8, 8, 8]",
    "[8, 8]",
];

pub struct Mutator {
    pub rng: SplitMix64,
}

impl Mutator {
    pub fn new(seed: u64) -> Self {
        Mutator { rng: SplitMix64::new(seed) }
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.rng.next_u64() % n as u64) as usize }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.next_f64() < p
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &'a [&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// A number from [`EXTREMES`], or a random magnitude.
    pub fn extreme(&mut self) -> String {
        if self.chance(0.8) {
            self.pick(EXTREMES).to_string()
        } else {
            let e = self.below(620) as i32 - 310;
            let sign = if self.chance(0.3) { "-" } else { "" };
            format!("{sign}{}e{e}", 1 + self.below(9))
        }
    }

    /// How many mutations: mostly one, so that most mutants reach the
    /// later stages; up to `max`.
    fn count(&mut self, max: usize) -> usize {
        match self.below(10) {
            0..=5 => 1,
            6..=8 => 2.min(max),
            _ => (1 + self.below(max.max(1))).max(1),
        }
    }

    /// One to `max` scene mutations.
    pub fn scene(&mut self, text: &str, max: usize) -> String {
        let mut t = text.to_string();
        for _ in 0..self.count(max) {
            t = self.scene_once(&t);
        }
        t
    }

    fn scene_once(&mut self, t: &str) -> String {
        match self.below(20) {
            0..=4 => self.replace_number(t),
            5 => self.scale_number(t),
            6 => self.flip_sign(t),
            7 => self.delete_line(t),
            8 => self.duplicate_line(t),
            9 => self.duplicate_table(t),
            10 => self.swap_numbers(t),
            11 => self.truncate(t),
            12 => self.insert_junk(t),
            13 | 14 => self.replace_string(t),
            15 => self.change_arity(t),
            16 => self.wrong_type(t),
            17 | 18 => self.insert_key(t),
            _ => self.replace_number(t),
        }
    }

    /// One to `max` network mutations; `csv` chooses the CSV-specific ones.
    pub fn network(&mut self, text: &str, csv: bool, max: usize) -> String {
        let mut t = text.to_string();
        for _ in 0..self.count(max) {
            t = match self.below(18) {
                0..=3 => self.replace_number(&t),
                4 => self.scale_number(&t),
                5 => self.flip_sign(&t),
                6 => self.unit_slip(&t),
                7 => self.dangling_id(&t, csv),
                8 => self.duplicate_id(&t, csv),
                9 => self.missing_field(&t, csv),
                10 => self.truncate(&t),
                11 => self.delete_line(&t),
                12 => self.duplicate_line(&t),
                13 => self.insert_junk(&t),
                14 => self.swap_numbers(&t),
                15 => self.replace_string(&t),
                16 => self.grow(&t, csv),
                _ => self.replace_number(&t),
            };
        }
        t
    }

    fn replace_number(&mut self, t: &str) -> String {
        let spans = numbers(t);
        if spans.is_empty() {
            return self.insert_junk(t);
        }
        let r = spans[self.below(spans.len())].clone();
        let v = self.extreme();
        splice(t, r, &v)
    }

    fn scale_number(&mut self, t: &str) -> String {
        let spans = numbers(t);
        if spans.is_empty() {
            return t.to_string();
        }
        let r = spans[self.below(spans.len())].clone();
        let x: f64 = t[r.clone()].replace('_', "").parse().unwrap_or(1.0);
        let f = *[1e3, 1e-3, 1e6, 1e-6, 10.0, 0.1].get(self.below(6)).unwrap_or(&1e3);
        let v = x * f;
        // Integers stay integers when they can, as a user would write them.
        let s = if !t[r.clone()].contains(['.', 'e', 'E']) && v.fract() == 0.0 && v.abs() < 1e19 {
            format!("{}", v as i128)
        } else {
            format!("{v:e}")
        };
        splice(t, r, &s)
    }

    fn flip_sign(&mut self, t: &str) -> String {
        let spans = numbers(t);
        if spans.is_empty() {
            return t.to_string();
        }
        let r = spans[self.below(spans.len())].clone();
        let s = &t[r.clone()];
        let flipped = match s.strip_prefix('-') {
            Some(rest) => rest.to_string(),
            None => format!("-{}", s.trim_start_matches('+')),
        };
        splice(t, r, &flipped)
    }

    /// Every number times 1000 (a network written in nm, not µm).
    fn unit_slip(&mut self, t: &str) -> String {
        let mut out = String::with_capacity(t.len() + 64);
        let mut last = 0;
        for r in numbers(t) {
            out.push_str(&t[last..r.start]);
            let s = &t[r.clone()];
            // Ids too: the file stays consistent, only its unit is wrong.
            match (s.parse::<i64>().ok().and_then(|i| i.checked_mul(1000)), s.parse::<f64>()) {
                (Some(i), _) => out.push_str(&i.to_string()),
                (None, Ok(x)) => out.push_str(&format!("{}", x * 1000.0)),
                (None, Err(_)) => out.push_str(s),
            }
            last = r.end;
        }
        out.push_str(&t[last..]);
        out
    }

    fn delete_line(&mut self, t: &str) -> String {
        let lines: Vec<&str> = t.split_inclusive('\n').collect();
        if lines.is_empty() {
            return String::new();
        }
        let i = self.below(lines.len());
        let n = if self.chance(0.2) { 1 + self.below(5) } else { 1 };
        lines.iter().enumerate().filter(|(k, _)| *k < i || *k >= i + n).map(|(_, l)| *l).collect()
    }

    fn duplicate_line(&mut self, t: &str) -> String {
        let lines: Vec<&str> = t.split_inclusive('\n').collect();
        if lines.is_empty() {
            return t.to_string();
        }
        let i = self.below(lines.len());
        let at = if self.chance(0.5) { i } else { self.below(lines.len()) };
        let mut line = lines[i].to_string();
        if !line.ends_with('\n') {
            line.push('\n');
        }
        let copies = if self.chance(0.05) { 50 } else { 1 };
        let mut out = String::new();
        for (k, l) in lines.iter().enumerate() {
            if k == at {
                for _ in 0..copies {
                    out.push_str(&line);
                }
            }
            out.push_str(l);
        }
        out
    }

    /// Copy a whole `[table]` or `[[array]]` block to the end of the file.
    fn duplicate_table(&mut self, t: &str) -> String {
        let lines: Vec<&str> = t.split_inclusive('\n').collect();
        let heads: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with('[')).collect();
        if heads.is_empty() {
            return self.duplicate_line(t);
        }
        let h = self.below(heads.len());
        let end = heads.get(h + 1).copied().unwrap_or(lines.len());
        let block: String = lines[heads[h]..end].concat();
        let mut out = t.to_string();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&block);
        out
    }

    fn swap_numbers(&mut self, t: &str) -> String {
        let spans = numbers(t);
        if spans.len() < 2 {
            return t.to_string();
        }
        let (mut a, mut b) = (self.below(spans.len()), self.below(spans.len()));
        if a == b {
            return t.to_string();
        }
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        let (ra, rb) = (spans[a].clone(), spans[b].clone());
        format!("{}{}{}{}{}", &t[..ra.start], &t[rb.clone()], &t[ra.end..rb.start], &t[ra.clone()], &t[rb.end..])
    }

    fn truncate(&mut self, t: &str) -> String {
        let mut at = self.below(t.len() + 1);
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        t[..at].to_string()
    }

    fn insert_junk(&mut self, t: &str) -> String {
        let mut at = self.below(t.len() + 1);
        while !t.is_char_boundary(at) {
            at -= 1;
        }
        let junk: String = if self.chance(0.3) {
            // A run of random characters, control ones included.
            (0..1 + self.below(16)).map(|_| char::from_u32(self.below(0x250) as u32).unwrap_or('?')).collect()
        } else {
            self.pick(JUNK).to_string()
        };
        splice(t, at..at, &junk)
    }

    fn replace_string(&mut self, t: &str) -> String {
        let spans = strings(t);
        if spans.is_empty() {
            return self.replace_number(t);
        }
        let r = spans[self.below(spans.len())].clone();
        let v = match self.below(10) {
            0 => "x".repeat(1 + self.below(5000)),
            1 => {
                // Another string of the same file (a species name where a
                // solver name goes, a region name where a species goes).
                let o = spans[self.below(spans.len())].clone();
                t[o].to_string()
            }
            _ => self.pick(STRINGS).to_string(),
        };
        splice(t, r, &v)
    }

    /// Add or drop an element of a numeric array, or empty it.
    fn change_arity(&mut self, t: &str) -> String {
        let arrays = arrays(t);
        if arrays.is_empty() {
            return self.replace_number(t);
        }
        let r = arrays[self.below(arrays.len())].clone();
        let inner = &t[r.start + 1..r.end - 1];
        let mut items: Vec<String> = inner.split(',').map(|s| s.trim().to_string()).collect();
        match self.below(4) {
            0 => items.push(items.last().cloned().unwrap_or_else(|| "8".into())),
            1 => {
                items.pop();
            }
            2 => items.clear(),
            _ => {
                let extra = self.extreme();
                items.push(extra);
            }
        }
        splice(t, r, &format!("[{}]", items.join(", ")))
    }

    fn wrong_type(&mut self, t: &str) -> String {
        let spans = if self.chance(0.5) { numbers(t) } else { strings_with_quotes(t) };
        if spans.is_empty() {
            return self.insert_junk(t);
        }
        let r = spans[self.below(spans.len())].clone();
        let v = self.pick(WRONG_TYPES).to_string();
        splice(t, r, &v)
    }

    /// A `key = value` line with a key the file already uses elsewhere (or
    /// a key it leaves at its default), after a random table header.
    fn insert_key(&mut self, t: &str) -> String {
        const KEYS: &[&str] = &[
            "substepping = false",
            "solver = \"explicit\"",
            "solver = \"implicit\"",
            "solver = \"steady\"",
            "solver = \"lod\"",
            "dt = 1e-9",
            "dt = 1e30",
            "tolerance = 1e-300",
            "lod_held_layer = \"fixed\"",
            "x_min = 1e308",
            "x_min = 0.0",
            "z_max = \"zero_flux\"",
            "retardation = 1e308",
            "radius = 1e-30",
            "radius = 1e30",
            "decay = 1e308",
            "initial = 3.4e38",
            "output_interval = 1e-9",
            "count = 4294967295",
            "count = 100000",
            "every = 1e-9",
            "infusion = 1e30",
            "fields_every_output = true",
            "index = 4294967295",
            "range = [0.0, 1e-45]",
            "range = [1e38, 3e38]",
            "spacing = 16.5",
            "spacing = 1e30",
            "tumour_density = 20.0",
            "viscosity = 1e-300",
            "pressure = 1e308",
            "boundary_pressure = -1e308",
            "advection = true",
            "file = \"networks/branching.json\"",
            "file = \"networks/branching.csv\"",
            "file = \"networks/single_capillary.json\"",
            "flow = \"uniform\"",
            "seed = 18446744073709551615",
            "update_every = 1e-9",
            "diffusion = 1e30",
            "diffusion_tumour = 0.0",
        ];
        let lines: Vec<&str> = t.split_inclusive('\n').collect();
        let heads: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with('[')).collect();
        let line = if self.chance(0.7) {
            self.pick(KEYS).to_string()
        } else {
            let keys = keys(t);
            if keys.is_empty() {
                return t.to_string();
            }
            let k = keys[self.below(keys.len())].clone();
            format!("{k} = {}", self.extreme())
        };
        let at = if heads.is_empty() { 0 } else { heads[self.below(heads.len())] + 1 };
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i == at {
                out.push_str(&line);
                out.push('\n');
            }
            out.push_str(l);
        }
        if at >= lines.len() {
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// A node id of a segment pointing nowhere.
    fn dangling_id(&mut self, t: &str, csv: bool) -> String {
        let v = *["99", "-1", "4294967296", "18446744073709551616", "1e3", "0.5", "\"0\"", "null"]
            .get(self.below(8))
            .unwrap_or(&"99");
        if csv {
            let lines = segment_lines(t);
            if lines.is_empty() {
                return t.to_string();
            }
            let (start, line) = lines[self.below(lines.len())].clone();
            let cells: Vec<&str> = line.split(',').collect();
            let col = if self.chance(0.5) { 6 } else { 7 };
            if cells.len() <= col {
                return t.to_string();
            }
            let new: Vec<&str> = cells.iter().enumerate().map(|(i, c)| if i == col { v } else { *c }).collect();
            splice(t, start..start + line.len(), &new.join(","))
        } else {
            let key = if self.chance(0.5) { "\"a\":" } else { "\"b\":" };
            self.replace_json_value(t, key, v)
        }
    }

    /// Two nodes with the same id.
    fn duplicate_id(&mut self, t: &str, csv: bool) -> String {
        if csv {
            let lines: Vec<(usize, &str)> = line_spans(t).into_iter().filter(|(_, l)| l.starts_with("node,")).collect();
            if lines.len() < 2 {
                return t.to_string();
            }
            let (s, l) = lines[self.below(lines.len())];
            let other = lines[self.below(lines.len())].1;
            let id = other.split(',').nth(1).unwrap_or("0");
            let cells: Vec<&str> = l.split(',').collect();
            let new: Vec<&str> = cells.iter().enumerate().map(|(i, c)| if i == 1 { id } else { *c }).collect();
            splice(t, s..s + l.len(), &new.join(","))
        } else {
            self.replace_json_value(t, "\"id\":", "0")
        }
    }

    /// A field left out (JSON) or a cell left empty (CSV).
    fn missing_field(&mut self, t: &str, csv: bool) -> String {
        if csv {
            let lines = line_spans(t);
            if lines.is_empty() {
                return t.to_string();
            }
            let (s, l) = lines[self.below(lines.len())];
            let cells: Vec<&str> = l.split(',').collect();
            let drop = self.below(cells.len());
            let new: Vec<&str> = if self.chance(0.5) {
                cells.iter().enumerate().map(|(i, c)| if i == drop { "" } else { *c }).collect()
            } else {
                cells.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, c)| *c).collect()
            };
            splice(t, s..s + l.len(), &new.join(","))
        } else {
            let key = *["\"x\":", "\"y\":", "\"z\":", "\"id\":", "\"a\":", "\"b\":", "\"radius\":", "\"kind\":"]
                .get(self.below(8))
                .unwrap_or(&"\"x\":");
            let hits: Vec<usize> = t.match_indices(key).map(|(i, _)| i).collect();
            if hits.is_empty() {
                return t.to_string();
            }
            let at = hits[self.below(hits.len())];
            // Up to and including the next comma, or to the closing brace.
            let rest = &t[at..];
            let end = rest.find(',').map(|i| i + 1).into_iter().chain(rest.find('}')).min().unwrap_or(rest.len());
            splice(t, at..at + end, "")
        }
    }

    /// Many more nodes and segments: a chain appended to the network.
    fn grow(&mut self, t: &str, csv: bool) -> String {
        let most = if self.chance(0.1) { 3000 } else { 100 };
        let n = 1 + self.below(most);
        let step = *[10.0, 1.0, 0.001, 1e6].get(self.below(4)).unwrap_or(&10.0);
        let base = 1000;
        if csv {
            let mut out = t.to_string();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            for i in 0..n {
                let p = if i == 0 {
                    "30"
                } else if i + 1 == n {
                    "10"
                } else {
                    ""
                };
                out.push_str(&format!("node,{},{},50,50,{p},,,,,\n", base + i, i as f64 * step));
            }
            for i in 1..n {
                out.push_str(&format!("segment,,,,,,{},{},3,tumour,\n", base + i - 1, base + i));
            }
            out
        } else {
            // Insert into the lists before their closing brackets.
            let mut nodes = String::new();
            for i in 0..n {
                let p = if i == 0 {
                    ", \"pressure\": 30"
                } else if i + 1 == n {
                    ", \"pressure\": 10"
                } else {
                    ""
                };
                nodes.push_str(&format!(
                    ",\n    {{\"id\": {}, \"x\": {}, \"y\": 50, \"z\": 50{p}}}",
                    base + i,
                    i as f64 * step
                ));
            }
            let mut segs = String::new();
            for i in 1..n {
                segs.push_str(&format!(
                    ",\n    {{\"a\": {}, \"b\": {}, \"radius\": 3, \"kind\": \"tumour\"}}",
                    base + i - 1,
                    base + i
                ));
            }
            let out = insert_before_list_end(t, "\"nodes\"", &nodes);
            insert_before_list_end(&out, "\"segments\"", &segs)
        }
    }

    fn replace_json_value(&mut self, t: &str, key: &str, v: &str) -> String {
        let hits: Vec<usize> = t.match_indices(key).map(|(i, _)| i + key.len()).collect();
        if hits.is_empty() {
            return t.to_string();
        }
        let at = hits[self.below(hits.len())];
        let rest = &t[at..];
        let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
        splice(t, at..at + end, &format!(" {v}"))
    }

    /// A random `--set` override: a real key with an extreme or wrong
    /// value, or a malformed override.
    pub fn set(&mut self, paths: &[String]) -> String {
        const MALFORMED: &[&str] = &[
            "=",
            "=1",
            "grid",
            "grid.=1",
            "..=1",
            "grid..dx=1",
            "grid=1",
            "grid.shape.0=5",
            "grid.dx.x=5",
            "species.nope.decay=1",
            "species.99.decay=1",
            "species.18446744073709551616.decay=1",
            "regions.0.sphere=1",
            "output.slices.0.index=4294967295",
            "time.dt=",
            "time=[]",
            "species=[]",
            "species.0={}",
            "regions=[]",
            "vessels={}",
            "cells={}",
            "arms.0.set=[\"time.dt=1e-9\"]",
            "grid.shape=[8,8,8,8]",
            "grid.shape=[1,1,1]",
            "grid.shape=[0,8,8]",
            "grid.shape=[65536,65536,1]",
            "grid.shape=[2147483647,1,1]",
            "grid.shape=[4294967295,4294967295,4294967295]",
            "grid.shape=[8,8,-8]",
            "title=\u{0}",
            "seed=-1",
            "time.duration=nan",
            "time.dt=inf",
            "=",
        ];
        if paths.is_empty() || self.chance(0.25) {
            return self.pick(MALFORMED).to_string();
        }
        let p = &paths[self.below(paths.len())];
        let v = match self.below(6) {
            0 => self.pick(WRONG_TYPES).to_string(),
            1 => self.pick(STRINGS).to_string(),
            _ => self.extreme(),
        };
        format!("{p}={v}")
    }
}

fn splice(t: &str, r: Range<usize>, with: &str) -> String {
    let mut s = String::with_capacity(t.len() + with.len());
    s.push_str(&t[..r.start]);
    s.push_str(with);
    s.push_str(&t[r.end..]);
    s
}

fn insert_before_list_end(t: &str, key: &str, what: &str) -> String {
    let Some(k) = t.find(key) else { return t.to_string() };
    let Some(open) = t[k..].find('[').map(|i| k + i) else { return t.to_string() };
    // The matching bracket (the lists hold objects, not nested lists).
    let Some(close) = t[open..].find(']').map(|i| open + i) else { return t.to_string() };
    let body = t[open + 1..close].trim_end();
    let cut = open + 1 + body.len();
    let what = if body.trim().is_empty() { what.trim_start_matches(',') } else { what };
    splice(t, cut..cut, what)
}

fn line_spans(t: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for l in t.split_inclusive('\n') {
        let body = l.trim_end_matches(['\n', '\r']);
        out.push((at, body));
        at += l.len();
    }
    out
}

fn segment_lines(t: &str) -> Vec<(usize, String)> {
    line_spans(t).into_iter().filter(|(_, l)| l.starts_with("segment,")).map(|(s, l)| (s, l.to_string())).collect()
}

/// Byte ranges of the numbers in `t` (not the digits inside names).
pub fn numbers(t: &str) -> Vec<Range<usize>> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit()
            || ((b[i] == b'-' || b[i] == b'+' || b[i] == b'.') && b.get(i + 1).is_some_and(|c| c.is_ascii_digit()));
        let prev_ok = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
        if starts && prev_ok {
            let s = i;
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_digit()
                    || b[i] == b'.'
                    || b[i] == b'_'
                    || ((b[i] == b'e' || b[i] == b'E') && i + 1 < b.len())
                    || ((b[i] == b'-' || b[i] == b'+') && (b[i - 1] == b'e' || b[i - 1] == b'E')))
            {
                i += 1;
            }
            out.push(s..i);
        } else {
            i += 1;
        }
    }
    out
}

/// Byte ranges of the contents of `"..."` strings (no escapes inside).
fn strings(t: &str) -> Vec<Range<usize>> {
    strings_with_quotes(t).into_iter().map(|r| r.start + 1..r.end - 1).collect()
}

fn strings_with_quotes(t: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (start, line) in line_spans(t) {
        // Skip comments: a `#` before any quote.
        let body = match (line.find('#'), line.find('"')) {
            (Some(h), Some(q)) if h < q => continue,
            _ => line,
        };
        let mut open: Option<usize> = None;
        for (i, c) in body.char_indices() {
            if c == '"' {
                match open.take() {
                    Some(o) => out.push(start + o..start + i + 1),
                    None => open = Some(i),
                }
            }
        }
    }
    out
}

/// Byte ranges of single-line `[ ... ]` arrays of numbers (brackets included).
fn arrays(t: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (start, line) in line_spans(t) {
        let Some(eq) = line.find('=') else { continue };
        let mut i = eq;
        while let Some(o) = line[i..].find('[').map(|k| i + k) {
            let Some(c) = line[o..].find(']').map(|k| o + k) else { break };
            let inner = &line[o + 1..c];
            if !inner.contains(['[', '"', '{']) {
                out.push(start + o..start + c + 1);
            }
            i = c + 1;
        }
    }
    out
}

/// Keys assigned in the file (`name = ...`).
fn keys(t: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in t.lines() {
        let l = line.trim_start();
        if l.starts_with(['#', '[']) {
            continue;
        }
        if let Some((k, _)) = l.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !out.iter().any(|o| o == k)
            {
                out.push(k.to_string());
            }
        }
    }
    out
}

/// Dotted `--set` paths of every value of a scene (array-of-table elements
/// by name and by index).
pub fn set_paths(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else { return Vec::new() };
    let mut out = Vec::new();
    walk(&toml::Value::Table(table), String::new(), &mut out);
    out
}

fn walk(v: &toml::Value, prefix: String, out: &mut Vec<String>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                walk(v, join(k), out);
            }
        }
        toml::Value::Array(items) if items.iter().all(|i| i.is_table()) && !items.is_empty() => {
            for (i, it) in items.iter().enumerate() {
                let name = it.get("name").or_else(|| it.get("species")).and_then(|n| n.as_str());
                let sel = name.map(str::to_string).unwrap_or_else(|| i.to_string());
                walk(it, join(&sel), out);
            }
        }
        _ => out.push(prefix),
    }
}
