//! A small JSON reader for network files.
//!
//! Two things serde_json (as this crate builds it) does not give: the line
//! of every value, so that an error can name the line of the bad record,
//! and correctly rounded numbers (serde_json's default float parser may be
//! one unit in the last place off, which would break the exact round trip
//! of [`Network::to_json`](super::Network::to_json)). Numbers here are read
//! with Rust's `str::parse::<f64>`, which rounds correctly.
//!
//! Standard JSON (RFC 8259): objects, arrays, strings with escapes, numbers,
//! `true`, `false`, `null`. Objects keep their key order; a key given twice
//! is an error.

/// A JSON value and the line (from 1) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json {
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Value {
    /// A short description for error messages: the value itself for
    /// scalars, its type for containers.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => format!("{s:?}"),
            Value::Array(_) => "a list".into(),
            Value::Object(_) => "an object".into(),
        }
    }
}

/// Parse `text`; an error says "line L column C: what".
pub(crate) fn parse(text: &str) -> Result<Json, String> {
    let mut p = Parser { s: text.as_bytes(), i: 0, line: 1, line_start: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(p.err("unexpected text after the end of the JSON value"));
    }
    Ok(v)
}

/// Deepest nesting accepted (network files need 3).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    line: usize,
    line_start: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        // Column in characters, from 1.
        let col = String::from_utf8_lossy(&self.s[self.line_start..self.i.min(self.s.len())]).chars().count() + 1;
        format!("line {} column {col}: {what}", self.line)
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => {
                    self.i += 1;
                    self.line += 1;
                    self.line_start = self.i;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                _ => break,
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected `{}`", c as char)))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        let line = self.line;
        let value = match self.peek() {
            None => return Err(self.err("unexpected end of file")),
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number()?,
            Some(_) => return Err(self.err("expected a value (a number, string, list, object, true, false or null)")),
        };
        Ok(Json { line, value })
    }

    fn word(&mut self, w: &str, v: Value) -> Result<Value, String> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("expected a value (a number, string, list, object, true, false or null)"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut fields: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(fields));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err(if self.peek() == Some(b'}') {
                    "a trailing comma before `}`"
                } else {
                    "expected a field name in double quotes"
                }));
            }
            let key = self.string()?;
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(self.err(&format!("field `{key}` appears twice in one object")));
            }
            self.ws();
            self.expect(b':')?;
            self.ws();
            let v = self.value(depth + 1)?;
            fields.push((key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(fields));
                }
                _ => return Err(self.err("expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            if self.peek() == Some(b']') {
                return Err(self.err("a trailing comma before `]`"));
            }
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err("expected `,` or `]`")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let lead = self.peek();
        let n = digits(self);
        if n == 0 || (lead == Some(b'0') && n > 1) {
            return Err(self.err("malformed number"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.err("malformed number: digits must follow `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("malformed number: digits must follow the exponent"));
            }
        }
        // The slice is ASCII by construction.
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("malformed number"))?;
        text.parse::<f64>().map(Value::Number).map_err(|_| self.err("malformed number"))
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else { return Err(self.err("unterminated string")) };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else { return Err(self.err("unterminated string")) };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.s[self.i..].starts_with(b"\\u") {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.err("invalid \\u escape"))?
                        }
                        _ => return Err(self.err("invalid escape in string")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                b'\n' | b'\r' => return Err(self.err("line break inside a string")),
                c if c < 0x20 => return Err(self.err("control character inside a string")),
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("string is not valid UTF-8"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("short \\u escape"))?;
        let h = std::str::from_utf8(h).map_err(|_| self.err("invalid \\u escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_lines() {
        let j = parse("{\"a\": [1, -2.5e3, true, null],\n \"b\": \"x\\n\\u00e9\\ud83d\\ude00\"}").unwrap();
        let Value::Object(f) = j.value else { panic!() };
        assert_eq!(f[0].0, "a");
        let Value::Array(a) = &f[0].1.value else { panic!() };
        assert_eq!(a[1].value, Value::Number(-2500.0));
        assert_eq!(a[2].value, Value::Bool(true));
        assert_eq!(a[3].value, Value::Null);
        assert_eq!(f[1].1.line, 2);
        assert_eq!(f[1].1.value, Value::String("x\né😀".into()));
    }

    #[test]
    fn numbers_round_to_nearest() {
        for x in [52.750405473828955, 0.1 + 0.2, 1.0 / 3.0, 1e-300, 123456789.12345679, 5e-324] {
            let s = serde_json::to_string(&x).unwrap();
            assert_eq!(parse(&s).unwrap().value, Value::Number(x), "{s}");
        }
    }

    #[test]
    fn errors_say_where() {
        for (text, want) in [
            ("{\"a\": 1,}", "line 1 column 9: a trailing comma"),
            ("[1,\n 2,]", "line 2 column 4: a trailing comma"),
            ("{\"a\": 01}", "malformed number"),
            ("{\"a\": 1, \"a\": 2}", "appears twice"),
            ("{\"a\": 1} x", "after the end"),
            ("[1 2]", "expected `,` or `]`"),
            ("\"abc", "unterminated"),
            ("// c\n{}", "expected a value"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {want:?} not in {e:?}");
        }
    }
}
