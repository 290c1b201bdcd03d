//! VTK XML files with binary appended data: every array is a block in the
//! `<AppendedData encoding="raw">` section behind a UInt64 header, either
//! its byte count or, compressed, the block table of VTK's
//! `vtkZLibDataCompressor` (number of blocks, block size, size of the last
//! block when partial or 0, then each block's compressed size). Values and
//! headers are in the machine's byte order, which the file declares.

use crate::scene::VtkCompression;
use flate2::write::ZlibEncoder;
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes of one compressed block before compression.
pub const BLOCK: usize = 1 << 18;

/// Characters of an `offset` attribute: written blank with the tag, filled
/// in once the blocks before it are written.
const OFFSET_WIDTH: usize = 20;

/// The file's byte order, for `byte_order`.
const BYTE_ORDER: &str = if cfg!(target_endian = "little") { "LittleEndian" } else { "BigEndian" };

/// A value type of a VTK data array.
pub trait Scalar: bytemuck::Pod + Sync {
    /// Its VTK type name.
    const VTK: &'static str;
}

impl Scalar for f32 {
    const VTK: &'static str = "Float32";
}
impl Scalar for f64 {
    const VTK: &'static str = "Float64";
}
impl Scalar for i64 {
    const VTK: &'static str = "Int64";
}
impl Scalar for i32 {
    const VTK: &'static str = "Int32";
}

/// The opening `<VTKFile>` tag of a file of `kind` (`ImageData`, `PolyData`).
pub fn file_tag(kind: &str, c: VtkCompression) -> String {
    let compressor = match c {
        VtkCompression::None => "",
        VtkCompression::Zlib => " compressor=\"vtkZLibDataCompressor\"",
    };
    format!(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"{kind}\" version=\"1.0\" byte_order=\"{BYTE_ORDER}\" \
         header_type=\"UInt64\"{compressor}>\n"
    )
}

/// `text` as an XML attribute value.
pub fn attr(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `values` as they lie in the appended section: header, then the bytes,
/// raw or compressed in blocks of [`BLOCK`] bytes (on all threads).
pub fn encode<T: Scalar>(values: &[T], c: VtkCompression) -> io::Result<Vec<u8>> {
    let raw: &[u8] = bytemuck::cast_slice(values);
    let word = |n: usize| (n as u64).to_ne_bytes();
    match c {
        VtkCompression::None => {
            let mut out = Vec::with_capacity(8 + raw.len());
            out.extend_from_slice(&word(raw.len()));
            out.extend_from_slice(raw);
            Ok(out)
        }
        VtkCompression::Zlib => {
            let blocks = raw
                .par_chunks(BLOCK)
                .map(|b| {
                    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                    z.write_all(b)?;
                    z.finish()
                })
                .collect::<io::Result<Vec<Vec<u8>>>>()?;
            let mut out = Vec::with_capacity(8 * (3 + blocks.len()) + blocks.iter().map(Vec::len).sum::<usize>());
            for n in [blocks.len(), BLOCK, raw.len() % BLOCK] {
                out.extend_from_slice(&word(n));
            }
            for b in &blocks {
                out.extend_from_slice(&word(b.len()));
            }
            for b in &blocks {
                out.extend_from_slice(b);
            }
            Ok(out)
        }
    }
}

/// A VTK XML file being written: its XML with every array's offset left
/// blank, then the appended blocks in the order of their tags, then the
/// offsets filled in.
pub struct Writer {
    file: BufWriter<File>,
    /// Bytes written so far.
    at: u64,
    /// Where each blank offset lies in the file.
    blanks: Vec<u64>,
    /// Each block's offset from the start of the appended data.
    offsets: Vec<u64>,
    /// Where the appended data starts, once it has.
    appended: Option<u64>,
}

impl Writer {
    pub fn create(path: &Path) -> io::Result<Writer> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(Writer { file, at: 0, blanks: Vec::new(), offsets: Vec::new(), appended: None })
    }

    /// XML text, before the first block.
    pub fn xml(&mut self, text: &str) -> io::Result<()> {
        self.file.write_all(text.as_bytes())?;
        self.at += text.len() as u64;
        Ok(())
    }

    /// The tag of an appended array of type `T` with `components` values per
    /// tuple, indented by `indent`; its block comes later, in tag order.
    pub fn array<T: Scalar>(&mut self, indent: &str, name: &str, components: usize) -> io::Result<()> {
        let head = format!(
            "{indent}<DataArray type=\"{}\" Name=\"{}\" NumberOfComponents=\"{components}\" format=\"appended\" offset=\"",
            T::VTK,
            attr(name)
        );
        self.xml(&head)?;
        self.blanks.push(self.at);
        self.xml(&format!("{}\"/>\n", " ".repeat(OFFSET_WIDTH)))
    }

    /// The next block (from [`encode`]); the first opens the appended data.
    pub fn block(&mut self, bytes: &[u8]) -> io::Result<()> {
        let start = match self.appended {
            Some(s) => s,
            None => {
                self.xml("  <AppendedData encoding=\"raw\">\n    _")?;
                *self.appended.insert(self.at)
            }
        };
        self.offsets.push(self.at - start);
        self.file.write_all(bytes)?;
        self.at += bytes.len() as u64;
        Ok(())
    }

    /// Close the file and fill in the offsets.
    pub fn finish(mut self) -> io::Result<()> {
        if self.blanks.len() != self.offsets.len() {
            return Err(io::Error::other(format!(
                "{} arrays declared but {} written",
                self.blanks.len(),
                self.offsets.len()
            )));
        }
        if self.appended.is_some() {
            self.xml("\n  </AppendedData>\n")?;
        }
        self.xml("</VTKFile>\n")?;
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        for (&at, &offset) in self.blanks.iter().zip(&self.offsets) {
            file.seek(SeekFrom::Start(at))?;
            file.write_all(format!("{offset:>OFFSET_WIDTH$}").as_bytes())?;
        }
        file.flush()
    }
}
