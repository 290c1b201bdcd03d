# Run by ParaView's pvpython (tests/vtk_paraview.rs): opens a run's
# vtk/run.pvd and vtk/vessels.vtp with ParaView's readers and checks them
# against what the run wrote otherwise — the NPY dumps and maps (numpy),
# fields/index.json, maps/network.json and scene.resolved.toml, with the
# blood flow solved again here — then renders a slice to a PNG.
# Arguments: run folder, JSON list of the arrays every image must hold, PNG
# path (`-`: no rendering, which needs no X server).
# Prints a JSON summary; any failed check raises.
import json
import sys
import tomllib
import xml.etree.ElementTree as ET

import numpy
from paraview import servermanager
from paraview.simple import (ColorBy, GetActiveViewOrCreate, PVDReader, SaveScreenshot, Show, Slice,
                             XMLPolyDataReader)
from vtkmodules.util.numpy_support import vtk_to_numpy

run, expected, png = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
index = json.load(open(run + "/fields/index.json"))
scene = tomllib.load(open(run + "/scene.resolved.toml", "rb"))
nx, ny, nz = index["shape"]
dx = index["dx_um"]

# The collection: one data set per output time, at the times of the dumps.
dump_times = sorted({e["time_min"] for e in index["files"] if e["kind"] != "map"})
sets = ET.parse(run + "/vtk/run.pvd").getroot().find("Collection").findall("DataSet")
pvd_times = [float(s.get("timestep")) for s in sets]
assert pvd_times == dump_times, (pvd_times, dump_times)
reader = PVDReader(FileName=run + "/vtk/run.pvd")
assert list(reader.TimestepValues) == dump_times, (list(reader.TimestepValues), dump_times)

maps = {e["name"]: numpy.load(run + "/" + e["file"]) for e in index["files"] if e["kind"] == "map"}
checked = 0
for t in dump_times:
    reader.UpdatePipeline(time=t)
    image = servermanager.Fetch(reader)
    assert image.GetClassName() == "vtkImageData", image.GetClassName()
    # Voxels are the image's cells: one more point than voxels per axis.
    assert image.GetDimensions() == (nx + 1, ny + 1, nz + 1), image.GetDimensions()
    assert image.GetSpacing() == (dx, dx, dx) and image.GetOrigin() == (0.0, 0.0, 0.0)
    assert image.GetPointData().GetNumberOfArrays() == 0
    assert image.GetFieldData().GetArray("TimeValue").GetValue(0) == t
    cells = image.GetCellData()
    names = [cells.GetArrayName(i) for i in range(cells.GetNumberOfArrays())]
    assert names == expected, (t, names, expected)
    dumps = {e["name"]: e["file"] for e in index["files"] if e["kind"] != "map" and e["time_min"] == t}
    for name in names:
        got = vtk_to_numpy(cells.GetArray(name))
        assert got.dtype == numpy.float32, (name, got.dtype)
        # NPY arrays are [z, y, x]; VTK's cells run x fastest, like a C-order ravel.
        want = maps[name] if name in maps else numpy.load(run + "/" + dumps[name])
        assert want.shape == (nz, ny, nx), (name, want.shape)
        # The same f32 values: no tolerance (both are the run's own floats).
        assert numpy.array_equal(got, want.ravel()), (t, name, numpy.abs(got - want.ravel()).max())
        checked += 1

# The network against maps/network.json, and its flow solved again here.
net = json.load(open(run + "/maps/network.json"))
vessels = servermanager.Fetch(XMLPolyDataReader(FileName=run + "/vtk/vessels.vtp"))
nodes, segs = net["nodes"], net["segments"]
assert [n["id"] for n in nodes] == list(range(len(nodes)))
pos = numpy.array([[n["x"], n["y"], n["z"]] for n in nodes])
assert numpy.array_equal(vtk_to_numpy(vessels.GetPoints().GetData()), pos)
lines = vessels.GetLines()
assert vessels.GetNumberOfCells() == lines.GetNumberOfCells() == len(segs) > 0
a = numpy.array([s["a"] for s in segs])
b = numpy.array([s["b"] for s in segs])
assert numpy.array_equal(vtk_to_numpy(lines.GetConnectivityArray()), numpy.stack([a, b], 1).ravel())
assert numpy.array_equal(vtk_to_numpy(lines.GetOffsetsArray()), 2 * numpy.arange(len(segs) + 1))
cd, pd = vessels.GetCellData(), vessels.GetPointData()
get = lambda d, n: vtk_to_numpy(d.GetArray(n))
r = numpy.array([s["radius"] for s in segs])
assert numpy.array_equal(get(cd, "radius"), r)
assert numpy.array_equal(get(cd, "kind"), numpy.array([{"normal": 0, "tumour": 1}[s["kind"]] for s in segs]))
assert numpy.array_equal(get(cd, "maturity"), numpy.array([s["maturity"] for s in segs]))
length = numpy.linalg.norm(pos[b] - pos[a], axis=1)
assert numpy.allclose(get(cd, "length"), length, rtol=1e-14, atol=0)
fixed = numpy.array(["pressure" in n for n in nodes])
assert numpy.array_equal(get(pd, "fixed_pressure"), fixed.astype(numpy.int32))
p = get(pd, "node_pressure")
p_fixed = numpy.array([n["pressure"] for n in nodes if "pressure" in n])
assert numpy.array_equal(p[fixed], p_fixed)

# Poiseuille: g = π r⁴ / (8 μ ℓ), μ in mmHg·min; Kirchhoff at every free node.
v = scene["vessels"]
assert v["flow"] == "poiseuille", v["flow"]
mu = v["viscosity"] / 133.322387415 / 60.0
g = numpy.pi * r**4 / (8.0 * mu * length)
touched = numpy.zeros(len(nodes), bool)
touched[a] = touched[b] = True
free = numpy.flatnonzero(~fixed & touched)
lap = numpy.zeros((len(nodes), len(nodes)))
for s in range(len(segs)):
    lap[a[s], a[s]] += g[s]
    lap[b[s], b[s]] += g[s]
    lap[a[s], b[s]] -= g[s]
    lap[b[s], a[s]] -= g[s]
solved = numpy.full(len(nodes), p_fixed.mean())
solved[fixed] = p_fixed
solved[free] = numpy.linalg.solve(lap[numpy.ix_(free, free)], -lap[numpy.ix_(free, numpy.flatnonzero(fixed))] @ p_fixed)
span = p_fixed.max() - p_fixed.min()
# The run solves by conjugate gradients to a relative residual of 1e-13; here
# a direct solve: they agree far within this.
assert numpy.abs(p - solved).max() <= 1e-7 * span, numpy.abs(p - solved).max() / span
q = get(cd, "flow")
# Flow from the file's own node pressures: only rounding between the two.
assert numpy.abs(q - g * (p[a] - p[b])).max() <= 1e-12 * numpy.abs(q).max()
net_in = numpy.zeros(len(nodes))
numpy.add.at(net_in, b, q)
numpy.add.at(net_in, a, -q)
assert numpy.abs(net_in[free]).max() <= 1e-8 * numpy.abs(q).max(), numpy.abs(net_in[free]).max()
assert numpy.allclose(get(cd, "pressure"), 0.5 * (p[a] + p[b]), rtol=1e-14, atol=0)
assert numpy.allclose(get(cd, "speed"), numpy.abs(q) / (numpy.pi * r**2), rtol=1e-14, atol=0)

summary = {"times": pvd_times, "arrays_checked": checked, "segments": len(segs), "nodes": len(nodes)}
if png == "-":
    print(json.dumps(summary))
    sys.exit(0)

# A slice through the middle of the last image, with the vessels, to a PNG.
reader.UpdatePipeline(time=dump_times[-1])
view = GetActiveViewOrCreate("RenderView")
view.ViewTime = dump_times[-1]
cut = Slice(Input=reader)
cut.SliceType.Origin = [nx * dx / 2, ny * dx / 2, nz * dx / 2]
cut.SliceType.Normal = [0.0, 0.0, 1.0]
shown = Show(cut, view)
ColorBy(shown, ("CELLS", expected[0]))
shown.RescaleTransferFunctionToDataRange(True)
Show(XMLPolyDataReader(FileName=run + "/vtk/vessels.vtp"), view)
view.CameraPosition = [nx * dx / 2, ny * dx / 2, 4 * nz * dx]
view.CameraFocalPoint = [nx * dx / 2, ny * dx / 2, nz * dx / 2]
view.CameraViewUp = [0.0, 1.0, 0.0]
view.ResetCamera()
SaveScreenshot(png, view, ImageResolution=[320, 240])

print(json.dumps(summary))
