"""Export of runs: VTK read back with meshio, ONNX run in onnxruntime, TorchScript and torch.export
programs loaded by torch — each compared with ``Result.predict`` at the same points."""

from __future__ import annotations

import json
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.cli import main
from pinnlang.errors import PinnUsageError
from pinnlang.results import Result

meshio = pytest.importorskip("meshio")
ort = pytest.importorskip("onnxruntime")

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
TINY = dict(steps=3, lbfgs_steps=0, lm_steps=0, points=64, width=8, depth=2, quiet=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Tiny runs (3 Adam steps: the values need not be accurate, only equal) saved and reloaded."""
    folder = tmp_path_factory.mktemp("export")
    loaded = {}
    for name in ("plate_with_holes", "poisson3d", "poisson_family"):
        pinnlang.solve(PROBLEMS / f"{name}.pinn", out=folder / name, **TINY)
        loaded[name] = Result.load(folder / name)
    return loaded


def predicted(result: Result, points: np.ndarray, **fixed: float) -> dict[str, np.ndarray]:
    coords = {name: points[:, i] for i, name in enumerate(("x", "y", "z")[:points.shape[1]])}
    return result.predict(**coords, **fixed)


def test_vtk_2d_drops_the_cells_outside_the_domain_and_matches_predict(runs, tmp_path):
    result = runs["plate_with_holes"]
    (path,) = result.export(tmp_path / "plate.vtu", resolution=41)
    mesh = meshio.read(path)
    (block,) = mesh.cells
    assert block.type == "quad"
    assert 0 < len(block.data) < 40 * 40  # the holes' cells are gone
    xy = mesh.points[:, :2]
    assert np.all(mesh.points[:, 2] == 0)
    assert result.inside(xy).all()
    assert len(np.unique(block.data)) == len(xy)  # every point belongs to a cell
    corners = xy[block.data]  # (cells, 4, 2), counter-clockwise: positive shoelace areas
    areas = 0.5 * np.sum(corners[:, :, 0] * np.roll(corners[:, :, 1], -1, axis=1)
                         - np.roll(corners[:, :, 0], -1, axis=1) * corners[:, :, 1], axis=1)
    assert (areas > 0).all()
    domain, h = result.problem.domain, 2 / 40
    assert domain.measure() - h * domain.boundary_measure() < areas.sum() <= domain.measure() + 1e-9
    np.testing.assert_allclose(mesh.point_data["u"], predicted(result, xy)["u"], rtol=1e-6, atol=1e-7)
    exact = result.exact(xy)[:, 0]
    np.testing.assert_allclose(mesh.point_data["u_exact"], exact, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mesh.point_data["u_error"], mesh.point_data["u"] - exact, atol=1e-12)


def test_vtk_3d_is_a_hexahedral_grid_of_the_box(runs, tmp_path):
    result = runs["poisson3d"]
    (path,) = result.export(tmp_path / "cube.vtu", resolution=9)
    mesh = meshio.read(path)
    (block,) = mesh.cells
    assert block.type == "hexahedron" and block.data.shape == (8 ** 3, 8)
    assert mesh.points.shape == (9 ** 3, 3)
    np.testing.assert_allclose(mesh.points.min(axis=0), [0, 0, 0])
    np.testing.assert_allclose(mesh.points.max(axis=0), [1, 1, 1])
    np.testing.assert_allclose(mesh.point_data["u"], predicted(result, mesh.points)["u"], rtol=1e-6, atol=1e-7)
    # VTK's node order: the first cell's corners run around the bottom face, then the top one
    corners = mesh.points[block.data[0]]
    h = 1 / 8
    np.testing.assert_allclose(corners, h * np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0],
                                                      [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]]))


def test_vtk_of_a_problem_with_time_is_a_pvd_series(heat_result, tmp_path):
    files = heat_result.export(tmp_path / "heat.pvd", resolution=21, times=5)
    assert files[0].endswith("heat.pvd") and len(files) == 6
    entries = ET.parse(files[0]).getroot().findall("./Collection/DataSet")
    times = [float(e.get("timestep")) for e in entries]
    np.testing.assert_allclose(times, np.linspace(0, 1, 5))
    for entry, t in zip(entries, times):
        mesh = meshio.read(tmp_path / entry.get("file"))
        assert mesh.cells[0].type == "line" and mesh.points.shape == (21, 3)
        expected = heat_result.predict(x=mesh.points[:, 0], t=t)["u"]
        np.testing.assert_allclose(mesh.point_data["u"], expected, rtol=1e-6, atol=1e-7)
        assert "u_error" in mesh.point_data


def test_vtk_fixes_params_at_the_given_value(runs, tmp_path):
    result = runs["poisson_family"]
    (path,) = result.export(tmp_path / "family.vtu", resolution=11, at={"a": 2.5})
    mesh = meshio.read(path)
    expected = predicted(result, mesh.points[:, :2], a=2.5)["u"]
    np.testing.assert_allclose(mesh.point_data["u"], expected, rtol=1e-6, atol=1e-7)
    with pytest.raises(PinnUsageError, match="'b' is not a param of this problem"):
        result.export(tmp_path / "bad.vtu", at={"b": 1.0})


@pytest.mark.parametrize("name", ["plate_with_holes", "poisson3d", "poisson_family"])
def test_onnx_runs_in_onnxruntime_with_named_inputs_and_fields(runs, tmp_path, name):
    result = runs[name]
    (path,) = result.export(tmp_path / f"{name}.onnx", format="onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == result.input_names
    assert [o.name for o in session.get_outputs()] == result.field_names
    rng = np.random.default_rng(1)
    points = result.lower + (result.upper - result.lower) * rng.random((1000, len(result.input_names)))
    outputs = session.run(None, {n: points[:, i].astype(np.float32) for i, n in enumerate(result.input_names)})
    expected = result.predict(**{n: points[:, i] for i, n in enumerate(result.input_names)})
    for field, values in zip(result.field_names, outputs):
        assert values.shape == (1000,)
        np.testing.assert_allclose(values, expected[field], atol=1e-5, rtol=0)
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["pinnlang.inputs"] == ",".join(result.input_names)
    assert meta["pinnlang.fields"] == ",".join(result.field_names)


def test_onnx_of_a_double_precision_run_takes_float64(tmp_path):
    pinnlang.solve(PROBLEMS / "poisson1d.pinn", out=tmp_path / "run", precision="64", **TINY)
    result = Result.load(tmp_path / "run")
    (path,) = result.export(format="onnx")
    assert path == str(tmp_path / "run" / "export" / "poisson1d.onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.linspace(0, 1, 33)
    (u,) = session.run(None, {"x": x})
    assert u.dtype == np.float64
    np.testing.assert_allclose(u, result.predict(x=x)["u"], atol=1e-12, rtol=0)


def test_torchscript_and_torch_export_programs_match_predict(runs, tmp_path):
    result = runs["poisson3d"]
    points = np.random.default_rng(2).random((500, 3))
    expected = predicted(result, points)["u"]
    (ts_path,) = result.export(tmp_path / "net.torchscript.pt", format="torchscript")
    extra = {"pinnlang.json": ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch deprecates TorchScript itself
        module = torch.jit.load(ts_path, _extra_files=extra)
    assert json.loads(extra["pinnlang.json"])["inputs"] == ["x", "y", "z"]
    with torch.no_grad():
        values = module(torch.as_tensor(points, dtype=torch.float32))
    assert values.shape == (500, 1)
    np.testing.assert_allclose(values[:, 0].numpy(), expected, atol=1e-5, rtol=0)
    (pt2_path,) = result.export(tmp_path / "net.pt2", format="pt2")
    program = torch.export.load(pt2_path).module()
    with torch.no_grad():
        values = program(torch.as_tensor(points, dtype=torch.float32))
    np.testing.assert_allclose(values[:, 0].numpy(), expected, atol=1e-5, rtol=0)


def test_cli_export_writes_each_format(runs, tmp_path, capsys):
    run_dir = runs["plate_with_holes"].run_dir
    assert main(["export", run_dir, "--format", "onnx", "--out", str(tmp_path / "p.onnx")]) == 0
    assert (tmp_path / "p.onnx").is_file()
    assert main(["export", run_dir, "--resolution", "11"]) == 0
    assert f"wrote {run_dir}/export/plate_with_holes.vtu" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--format", "vtkk"], "invalid choice: 'vtkk'"),
    (["--format", "onnx", "--resolution", "5"], "resolution, times and params apply to the vtk format"),
    (["--resolution", "1"], "export resolution must be at least 2"),
    (["--out", "plate.pvd"], "VTK export of a steady problem writes .vtu, .vtk"),
])
def test_cli_export_refuses_bad_requests_with_exit_2(runs, tmp_path, capsys, argv, message):
    argv = [a if a != "plate.pvd" else str(tmp_path / a) for a in argv]
    try:
        code = main(["export", runs["plate_with_holes"].run_dir, *argv])
    except SystemExit as exit_:  # argparse refuses a bad choice itself
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_missing_optional_package_names_the_pip_command(runs, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "meshio", None)  # import meshio now raises ImportError
    assert main(["export", runs["poisson3d"].run_dir, "--out", str(tmp_path / "c.vtu")]) == 2
    err = capsys.readouterr().err
    assert "VTK export needs the 'meshio' package" in err and "pip install 'pinnlang[export]'" in err
    assert "Traceback" not in err


def test_onnx_keeps_a_hard_constraint_output_transform(tmp_path):
    from pinnlang.models import HardConstraint, box_distance, build_model

    torch.manual_seed(0)
    body = HardConstraint(build_model("mlp", 1, 1, width=8, depth=2), box_distance([-1.0], [1.0]))
    result = pinnlang.solve(PROBLEMS / "poisson1d.pinn", model=body, **TINY)
    (path,) = result.export(tmp_path / "hard.onnx", format="onnx")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.linspace(0, 1, 11)
    (u,) = session.run(None, {"x": x.astype(np.float32)})
    np.testing.assert_allclose(u, result.predict(x=x)["u"], atol=1e-5, rtol=0)
    assert u[0] == pytest.approx(0, abs=1e-7) and u[-1] == pytest.approx(0, abs=1e-7)  # u = 0 at the ends
    assert np.abs(u[1:-1]).max() > 0
