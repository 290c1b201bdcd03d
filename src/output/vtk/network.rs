//! The vessel network as VTK XML PolyData, `vessels.vtp`: one point per
//! node (µm), one line cell per segment. Point data: the node's blood
//! pressure `node_pressure` (mmHg) and `fixed_pressure` (1 at an inlet or
//! outlet, 0 at a free node). Cell data per segment: `radius` (µm), `kind`
//! (0 normal, 1 tumour), `maturity` (0–1), `pressure` (mean of its end
//! pressures, mmHg), `flow` (µm³/min, positive from its first node to its
//! second), `speed` (mean blood speed |flow|/πr², µm/min) and `length` (µm).

use super::appended::{self, Scalar, Writer, encode};
use crate::scene::VtkCompression;
use crate::vessels::{Flow, Network, VesselKind};
use std::io;
use std::path::Path;

/// The file's name within `vtk/`.
pub const FILE: &str = "vessels.vtp";

/// The blocks of the arrays declared so far, in their order.
struct Blocks {
    list: Vec<Vec<u8>>,
    compression: VtkCompression,
}

impl Blocks {
    /// Declare an array of `components` values per tuple and encode its block.
    fn add<T: Scalar>(&mut self, w: &mut Writer, name: &str, components: usize, values: &[T]) -> io::Result<()> {
        w.array::<T>("        ", name, components)?;
        self.list.push(encode(values, self.compression)?);
        Ok(())
    }
}

/// Write `net` and its `flow` to `path`.
pub fn write(path: &Path, net: &Network, flow: &Flow, compression: VtkCompression) -> io::Result<()> {
    let (n, m) = (net.nodes.len(), net.segments.len());
    let segs = &net.segments;
    let mut w = Writer::create(path)?;
    w.xml(&appended::file_tag("PolyData", compression))?;
    w.xml(&format!(
        "  <PolyData>\n    <Piece NumberOfPoints=\"{n}\" NumberOfVerts=\"0\" NumberOfLines=\"{m}\" \
         NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n"
    ))?;
    let mut a = Blocks { list: Vec::new(), compression };
    w.xml("      <PointData Scalars=\"node_pressure\">\n")?;
    a.add(&mut w, "node_pressure", 1, &flow.node_pressure)?;
    let fixed: Vec<i32> = net.nodes.iter().map(|nd| nd.pressure.is_some() as i32).collect();
    a.add(&mut w, "fixed_pressure", 1, &fixed)?;
    w.xml("      </PointData>\n      <CellData Scalars=\"radius\">\n")?;
    a.add(&mut w, "radius", 1, &segs.iter().map(|s| s.radius).collect::<Vec<f64>>())?;
    let kind: Vec<i32> = segs.iter().map(|s| (s.kind == VesselKind::Tumour) as i32).collect();
    a.add(&mut w, "kind", 1, &kind)?;
    a.add(&mut w, "maturity", 1, &segs.iter().map(|s| s.maturity).collect::<Vec<f64>>())?;
    let pressure: Vec<f64> = (0..m).map(|s| flow.segment_pressure(net, s)).collect();
    a.add(&mut w, "pressure", 1, &pressure)?;
    a.add(&mut w, "flow", 1, &flow.segment_flow)?;
    a.add(&mut w, "speed", 1, &(0..m).map(|s| flow.segment_speed(net, s)).collect::<Vec<f64>>())?;
    a.add(&mut w, "length", 1, &(0..m).map(|s| net.length(s)).collect::<Vec<f64>>())?;
    w.xml("      </CellData>\n      <Points>\n")?;
    let points: Vec<f64> = net.nodes.iter().flat_map(|nd| nd.pos).collect();
    a.add(&mut w, "Points", 3, &points)?;
    w.xml("      </Points>\n      <Lines>\n")?;
    let connectivity: Vec<i64> = segs.iter().flat_map(|s| [s.a as i64, s.b as i64]).collect();
    a.add(&mut w, "connectivity", 1, &connectivity)?;
    a.add(&mut w, "offsets", 1, &(1..=m as i64).map(|k| 2 * k).collect::<Vec<i64>>())?;
    w.xml("      </Lines>\n    </Piece>\n  </PolyData>\n")?;
    for b in &a.list {
        w.block(b)?;
    }
    w.finish()
}
