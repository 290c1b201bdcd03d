//! Reading NPY files (numpy format versions 1, 2 and 3): a C-order array
//! of little-endian floats (`<f4`, `<f8`) or integers (`i1` … `<u8`), the
//! files `numpy.save` writes and `output::npy` writes. Anything else is
//! refused with what is wrong and how to save the array instead.

/// Element types read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    F4,
    F8,
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
}

impl Dtype {
    fn of(code: &str) -> Option<Dtype> {
        Some(match code {
            "f4" => Dtype::F4,
            "f8" => Dtype::F8,
            "i1" => Dtype::I1,
            "u1" => Dtype::U1,
            "i2" => Dtype::I2,
            "u2" => Dtype::U2,
            "i4" => Dtype::I4,
            "u4" => Dtype::U4,
            "i8" => Dtype::I8,
            "u8" => Dtype::U8,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::I1 | Dtype::U1 => 1,
            Dtype::I2 | Dtype::U2 => 2,
            Dtype::F4 | Dtype::I4 | Dtype::U4 => 4,
            Dtype::F8 | Dtype::I8 | Dtype::U8 => 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Dtype::F4 | Dtype::F8)
    }
}

/// What is wrong with a file, and how to write it instead.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyError {
    pub what: String,
    pub fix: String,
}

fn refuse<T>(what: impl Into<String>, fix: impl Into<String>) -> Result<T, NpyError> {
    Err(NpyError { what: what.into(), fix: fix.into() })
}

const SAVE: &str = "save the array with numpy.save (e.g. numpy.save(\"f.npy\", a.astype(\"<f4\")))";

/// A whole array: its dtype as the header names it, its shape and its
/// little-endian bytes.
#[derive(Debug, Clone)]
pub struct NpyArray {
    pub descr: String,
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    data: Vec<u8>,
}

impl NpyArray {
    /// Parse the bytes of an NPY file.
    pub fn parse(mut bytes: Vec<u8>) -> Result<NpyArray, NpyError> {
        if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
            return refuse("is not an NPY file (it does not start with the NPY magic \\x93NUMPY)", SAVE);
        }
        let (len, start): (usize, usize) = match bytes[6] {
            1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
            2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
            v => return refuse(format!("is NPY format version {v}, which is not known (1, 2 and 3 are)"), SAVE),
        };
        let Some(header) = bytes.get(start..start.saturating_add(len)) else {
            return refuse("ends inside its NPY header", SAVE);
        };
        let header = String::from_utf8_lossy(header).into_owned();
        let descr = quoted_after(&header, "descr").ok_or_else(|| NpyError {
            what: format!("has no plain 'descr' in its header ({header:?})"),
            fix: SAVE.into(),
        })?;
        let fortran = match word_after(&header, "fortran_order") {
            Some("False") => false,
            Some("True") => true,
            _ => return refuse(format!("has no 'fortran_order' in its header ({header:?})"), SAVE),
        };
        let shape = shape_after(&header).ok_or_else(|| NpyError {
            what: format!("has no readable 'shape' in its header ({header:?})"),
            fix: SAVE.into(),
        })?;
        let (order, code) = descr.split_at(descr.len().min(1));
        let dtype = match (order, Dtype::of(code)) {
            ("<" | "|", Some(d)) if order == "<" || d.size() == 1 => d,
            (">", Some(_)) => {
                return refuse(
                    format!("holds big-endian data ('{descr}'); only little-endian arrays are read"),
                    format!("save it little-endian: numpy.save(\"f.npy\", a.astype(\"<{code}\"))"),
                );
            }
            _ => {
                return refuse(
                    format!("holds dtype '{descr}', which is not a float32/float64 or integer array"),
                    "save it as float32: numpy.save(\"f.npy\", a.astype(\"<f4\"))",
                );
            }
        };
        if fortran && shape.iter().filter(|&&n| n > 1).count() > 1 {
            return refuse(
                "is stored in Fortran order (fortran_order: True); the arrays read are C-order, x fastest",
                "save a C-order copy: numpy.save(\"f.npy\", numpy.ascontiguousarray(a))",
            );
        }
        let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let want = count.and_then(|n| n.checked_mul(dtype.size()));
        let have = bytes.len() - (start + len);
        if want != Some(have) {
            return refuse(
                format!(
                    "holds {have} data bytes, but its header promises shape {} of {descr} ({} bytes): the file is cut \
                     short or has bytes after the array",
                    show_shape(&shape),
                    want.map_or("too many".into(), |w| w.to_string())
                ),
                SAVE,
            );
        }
        bytes.drain(..start + len);
        Ok(NpyArray { descr, dtype, shape, data: bytes })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / self.dtype.size()
    }

    /// Element `i` (C order) as f64 (exact for every dtype but 64-bit
    /// integers beyond 2⁵³).
    pub fn f64_at(&self, i: usize) -> f64 {
        let s = self.dtype.size();
        let b = &self.data[i * s..(i + 1) * s];
        let a = |n: usize| -> [u8; 8] { std::array::from_fn(|k| if k < n { b[k] } else { 0 }) };
        match self.dtype {
            Dtype::F4 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::F8 => f64::from_le_bytes(a(8)),
            Dtype::I1 => b[0] as i8 as f64,
            Dtype::U1 => b[0] as f64,
            Dtype::I2 => i16::from_le_bytes([b[0], b[1]]) as f64,
            Dtype::U2 => u16::from_le_bytes([b[0], b[1]]) as f64,
            Dtype::I4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::U4 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::I8 => i64::from_le_bytes(a(8)) as f64,
            Dtype::U8 => u64::from_le_bytes(a(8)) as f64,
        }
    }

    /// Element `i` as an integer: exact for integer dtypes; a float only
    /// when it is a whole number in range (`None` otherwise).
    pub fn int_at(&self, i: usize) -> Option<i64> {
        let s = self.dtype.size();
        let b = &self.data[i * s..(i + 1) * s];
        match self.dtype {
            Dtype::I8 => Some(i64::from_le_bytes(std::array::from_fn(|k| b[k]))),
            Dtype::U8 => i64::try_from(u64::from_le_bytes(std::array::from_fn(|k| b[k]))).ok(),
            d if d.is_float() => {
                let x = self.f64_at(i);
                (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
            }
            _ => Some(self.f64_at(i) as i64),
        }
    }
}

/// `(a, b, c)` as numpy shows a shape.
pub fn show_shape(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!("({})", shape.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

/// The text after `'key':` in a header dict, leading spaces skipped.
fn after<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'")).or_else(|| header.find(&format!("\"{key}\"")))?;
    let rest = header[at + key.len() + 2..].trim_start();
    Some(rest.strip_prefix(':')?.trim_start())
}

fn quoted_after(header: &str, key: &str) -> Option<String> {
    let rest = after(header, key)?;
    let q = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &rest[1..];
    Some(body[..body.find(q)?].to_string())
}

fn word_after<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let rest = after(header, key)?;
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn shape_after(header: &str) -> Option<Vec<usize>> {
    let rest = after(header, "shape")?.strip_prefix('(')?;
    let body = &rest[..rest.find(')')?];
    body.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.trim_end_matches('L').parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: u8, descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}\n",
            if fortran { "True" } else { "False" }
        );
        let mut out = b"\x93NUMPY".to_vec();
        out.extend([version, 0]);
        if version == 1 {
            out.extend((dict.len() as u16).to_le_bytes());
        } else {
            out.extend((dict.len() as u32).to_le_bytes());
        }
        out.extend(dict.as_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn the_writers_own_files_read_back_exactly() {
        let values = [0.0f32, 1.5, -2.0, 3.25e-7, 1e30, 7.0];
        let a = NpyArray::parse(crate::output::npy::encode_npy(&values, [3, 2, 1])).unwrap();
        assert_eq!((a.dtype, a.shape.clone(), a.len()), (Dtype::F4, vec![1, 2, 3], 6));
        for (i, v) in values.iter().enumerate() {
            assert_eq!(a.f64_at(i) as f32, *v);
        }
        assert_eq!(a.int_at(1), None, "1.5 is no whole number");
        assert_eq!(a.int_at(5), Some(7));
    }

    #[test]
    fn every_dtype_and_version_reads() {
        let cases: [(&str, Vec<u8>, f64); 6] = [
            ("<f8", (-2.5f64).to_le_bytes().to_vec(), -2.5),
            ("|u1", vec![200], 200.0),
            ("|i1", vec![0xff], -1.0),
            ("<i2", (-300i16).to_le_bytes().to_vec(), -300.0),
            ("<u4", 70000u32.to_le_bytes().to_vec(), 70000.0),
            ("<i8", (-5i64).to_le_bytes().to_vec(), -5.0),
        ];
        for (v, (descr, data, want)) in [1u8, 2, 3, 1, 2, 3].into_iter().zip(cases) {
            let a =
                NpyArray::parse(file(v, descr, false, "(1, 1, 1)", &data)).unwrap_or_else(|e| panic!("{descr}: {e:?}"));
            assert_eq!(a.f64_at(0), want, "{descr}");
            assert_eq!(a.int_at(0), (want.fract() == 0.0).then_some(want as i64), "{descr}");
        }
    }

    #[test]
    fn what_is_not_read_is_refused_with_a_fix() {
        let four = [0u8; 4];
        let refused = |bytes: Vec<u8>, word: &str| {
            let e = NpyArray::parse(bytes).unwrap_err();
            assert!(e.what.contains(word), "{word}: {e:?}");
            assert!(!e.fix.is_empty());
        };
        refused(b"P6 not npy at all".to_vec(), "not an NPY file");
        refused(file(1, ">f4", false, "(1,)", &four), "big-endian");
        refused(file(1, "<f2", false, "(2,)", &four), "'<f2'");
        refused(file(1, "<c8", false, "(1,)", &[0; 8]), "'<c8'");
        refused(file(1, "<f4", true, "(2, 2)", &[0; 16]), "Fortran");
        refused(file(1, "<f4", false, "(2, 1)", &four), "cut short");
        refused(file(1, "<f4", false, "(1,)", &[0; 8]), "bytes after");
        refused(file(9, "<f4", false, "(1,)", &four), "version 9");
        refused(b"\x93NUMPY\x01\x00\xff\x00{".to_vec(), "header");
        refused(file(1, "<f4", false, "(a,)", &four), "shape");
        // One axis of length > 1 is the same in both orders.
        assert!(NpyArray::parse(file(1, "<f4", true, "(1, 1)", &four)).is_ok());
    }
}
