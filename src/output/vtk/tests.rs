//! The VTK files parsed back by hand: the XML's extent, spacing, time and
//! offsets, and every block's header and values, raw and compressed.

use super::appended::{BLOCK, encode};
use super::*;
use crate::output::maps::Map;
use crate::vessels::{Network, Node, Segment, VesselKind};
use std::io::Read as _;

/// The first attribute `key` in `xml`.
fn attribute<'a>(xml: &'a str, key: &str) -> &'a str {
    let start = xml.find(&format!(" {key}=\"")).unwrap_or_else(|| panic!("no {key} in {xml}")) + key.len() + 3;
    &xml[start..start + xml[start..].find('"').unwrap()]
}

/// A file split into its XML and its appended bytes (after the `_`).
fn split(bytes: &[u8]) -> (String, &[u8]) {
    let mark = b"<AppendedData encoding=\"raw\">\n    _";
    let at = bytes.windows(mark.len()).position(|w| w == mark).expect("appended data");
    (String::from_utf8(bytes[..at].to_vec()).unwrap(), &bytes[at + mark.len()..])
}

/// The (name, offset) of every data array the XML declares, in order.
fn arrays(xml: &str) -> Vec<(String, u64)> {
    xml.split("<DataArray ")
        .skip(1)
        .filter(|t| t.contains("format=\"appended\""))
        .map(|t| (attribute(t, "Name").to_string(), attribute(t, "offset").trim().parse().unwrap()))
        .collect()
}

fn word(bin: &[u8], at: usize) -> usize {
    u64::from_ne_bytes(bin[at..at + 8].try_into().unwrap()) as usize
}

/// The bytes of the block at `offset` and where it ends, by its header.
fn decode(bin: &[u8], offset: usize, zlib: bool) -> (Vec<u8>, usize) {
    if !zlib {
        let n = word(bin, offset);
        return (bin[offset + 8..offset + 8 + n].to_vec(), offset + 8 + n);
    }
    let (blocks, size, last) = (word(bin, offset), word(bin, offset + 8), word(bin, offset + 16));
    assert_eq!(size, BLOCK);
    let mut at = offset + 24 + 8 * blocks;
    let mut out = Vec::new();
    for b in 0..blocks {
        let c = word(bin, offset + 24 + 8 * b);
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&bin[at..at + c]).read_to_end(&mut raw).unwrap();
        let want = if b + 1 == blocks && last > 0 { last } else { size };
        assert_eq!(raw.len(), want, "block {b} of {blocks}");
        out.extend(raw);
        at += c;
    }
    (out, at)
}

fn floats<T: bytemuck::Pod>(bytes: &[u8]) -> Vec<T> {
    bytes.chunks_exact(size_of::<T>()).map(bytemuck::pod_read_unaligned).collect()
}

/// Every array's values, checking that the blocks follow each other
/// without a gap and that the file ends right after the last.
fn blocks(bytes: &[u8], zlib: bool) -> (String, Vec<(String, Vec<u8>)>) {
    let (xml, bin) = split(bytes);
    let mut end = 0;
    let mut out = Vec::new();
    for (name, offset) in arrays(&xml) {
        assert_eq!(offset as usize, end, "{name} does not start where the block before it ends");
        let (values, e) = decode(bin, offset as usize, zlib);
        end = e;
        out.push((name, values));
    }
    assert_eq!(&bin[end..], b"\n  </AppendedData>\n</VTKFile>\n");
    (xml, out)
}

fn series(compression: VtkCompression, grid: Grid) -> Series {
    let items = vec![
        Item::Field { source: Source::Species(0), name: "oxygen".into() },
        Item::Map { name: "sv".into(), block: None },
        Item::Field { source: Source::Species(1), name: "drug".into() },
    ];
    Series { grid, compression, decimals: 2, items, written: Vec::new() }
}

#[test]
fn an_image_file_parses_back_with_its_geometry_offsets_and_values() {
    for compression in [VtkCompression::None, VtkCompression::Zlib] {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutputDir::prepare(&tmp.path().join("out"), &[]).unwrap();
        let grid = Grid::new([5, 4, 3], 12.5);
        let n = grid.len();
        let field = |s: usize| (0..n).map(|i| (i * (s + 2)) as f32 * 0.25 - 3.0).collect::<Vec<f32>>();
        let sv: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 1e-3).collect();
        let mut s = series(compression, grid);
        let map = Map { name: "sv", title: "", unit: "1/µm", values: sv.clone() };
        assert!(s.prepare(&out, &[map], None).unwrap().is_empty(), "no network: no vessels.vtp");
        let rel = s
            .write(&out, 0.25, |src| match src {
                Source::Species(k) => field(k).into(),
                _ => unreachable!(),
            })
            .unwrap();
        assert_eq!(rel, "vtk/fields_t00000.25min.vti");
        let bytes = std::fs::read(out.path().join(&rel)).unwrap();
        let zlib = compression == VtkCompression::Zlib;
        let (xml, arrays) = blocks(&bytes, zlib);
        assert_eq!(attribute(&xml, "type"), "ImageData");
        assert_eq!(attribute(&xml, "header_type"), "UInt64");
        assert_eq!(xml.contains("compressor=\"vtkZLibDataCompressor\""), zlib, "{xml}");
        // Cells are voxels: the extent counts points, one more than voxels.
        assert_eq!(attribute(&xml, "WholeExtent"), "0 5 0 4 0 3");
        assert_eq!(attribute(&xml, "Spacing"), "12.5 12.5 12.5");
        assert_eq!(attribute(&xml, "Origin"), "0 0 0");
        assert!(xml.contains("Name=\"TimeValue\" NumberOfTuples=\"1\" format=\"ascii\">0.25<"), "{xml}");
        let cells = &xml[xml.find("<CellData").unwrap()..xml.find("</CellData>").unwrap()];
        assert_eq!(cells.matches("<DataArray").count(), 3, "{cells}");
        let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["oxygen", "sv", "drug"]);
        assert_eq!(floats::<f32>(&arrays[0].1), field(0));
        assert_eq!(floats::<f32>(&arrays[1].1), sv);
        assert_eq!(floats::<f32>(&arrays[2].1), field(1));

        // A second time reuses the encoded map; the collection lists both.
        s.write(&out, 1.5, |src| match src {
            Source::Species(k) => field(k + 1).into(),
            _ => unreachable!(),
        })
        .unwrap();
        let again = std::fs::read(out.path().join("vtk/fields_t00001.50min.vti")).unwrap();
        assert_eq!(floats::<f32>(&blocks(&again, zlib).1[1].1), sv);
        s.finish(&out).unwrap();
        let pvd = std::fs::read_to_string(out.path().join("vtk/run.pvd")).unwrap();
        let sets: Vec<(&str, &str)> =
            pvd.split("<DataSet").skip(1).map(|t| (attribute(t, "timestep"), attribute(t, "file"))).collect();
        assert_eq!(sets, [("0.25", "fields_t00000.25min.vti"), ("1.5", "fields_t00001.50min.vti")]);
    }
}

#[test]
fn long_arrays_take_several_compressed_blocks_and_a_partial_last_one() {
    let n = BLOCK / 4 * 2 + 123;
    let values: Vec<f32> = (0..n).map(|i| (i as f32).sin()).collect();
    let bytes = encode(&values, VtkCompression::Zlib).unwrap();
    assert_eq!((word(&bytes, 0), word(&bytes, 16)), (3, 4 * 123));
    let (raw, end) = decode(&bytes, 0, true);
    assert_eq!((floats::<f32>(&raw), end), (values.clone(), bytes.len()));
    // A whole number of blocks: the last is full, its size 0 in the header.
    let whole = encode(&values[..BLOCK / 4], VtkCompression::Zlib).unwrap();
    assert_eq!((word(&whole, 0), word(&whole, 16)), (1, 0));
    assert_eq!(floats::<f32>(&decode(&whole, 0, true).0), &values[..BLOCK / 4]);
}

#[test]
fn names_keep_output_times_apart() {
    assert_eq!(decimals(0.01), 2);
    assert_eq!(decimals(0.5), 2);
    assert_eq!(decimals(0.005), 3);
    assert_eq!(decimals(0.001), 3);
    assert_eq!(file_name(1.5, 2), "fields_t00001.50min.vti");
    let names: std::collections::HashSet<String> = (0..1000).map(|k| file_name(k as f64 * 0.001, 3)).collect();
    assert_eq!(names.len(), 1000);
}

#[test]
fn the_network_parses_back_point_by_point_and_segment_by_segment() {
    let node = |x: f64, p| Node { pos: [x, 2.0 * x, 5.0], pressure: p };
    let seg = |a, b, radius, kind| Segment { a, b, radius, kind, maturity: 0.25 * radius };
    let net = Network {
        nodes: vec![node(0.0, Some(30.0)), node(10.0, None), node(25.0, Some(20.0))],
        segments: vec![seg(0, 1, 4.0, VesselKind::Normal), seg(1, 2, 3.0, VesselKind::Tumour)],
    };
    let flow = crate::vessels::poiseuille(&net, 3.5e-3).unwrap();
    for compression in [VtkCompression::None, VtkCompression::Zlib] {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(network::FILE);
        network::write(&path, &net, &flow, compression).unwrap();
        let (xml, arrays) = blocks(&std::fs::read(&path).unwrap(), compression == VtkCompression::Zlib);
        assert_eq!((attribute(&xml, "NumberOfPoints"), attribute(&xml, "NumberOfLines")), ("3", "2"));
        let get = |name: &str| &arrays.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name}")).1;
        assert_eq!(floats::<f64>(get("Points")), [0.0, 0.0, 5.0, 10.0, 20.0, 5.0, 25.0, 50.0, 5.0]);
        assert_eq!(floats::<i64>(get("connectivity")), [0, 1, 1, 2]);
        assert_eq!(floats::<i64>(get("offsets")), [2, 4]);
        assert_eq!(floats::<f64>(get("radius")), [4.0, 3.0]);
        assert_eq!(floats::<i32>(get("kind")), [0, 1]);
        assert_eq!(floats::<f64>(get("maturity")), [1.0, 0.75]);
        assert_eq!(floats::<i32>(get("fixed_pressure")), [1, 0, 1]);
        assert_eq!(floats::<f64>(get("node_pressure")), flow.node_pressure);
        assert_eq!(floats::<f64>(get("flow")), flow.segment_flow);
        let p = floats::<f64>(get("pressure"));
        assert_eq!(p[0], 0.5 * (30.0 + flow.node_pressure[1]));
        // In series, one flow through both segments, from high to low pressure.
        let q = floats::<f64>(get("flow"));
        assert!(q[0] > 0.0 && (q[0] - q[1]).abs() <= 1e-9 * q[0], "{q:?}");
        assert_eq!(floats::<f64>(get("length")), [net.length(0), net.length(1)]);
    }
}
