"""The spectral reference grids in problems/data: each script, rerun at a coarse resolution in a
few seconds, reproduces its stored file, and the stored files have the properties of their
equations (shapes, periodic ends, initial data, conservation, symmetry)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import pinnlang
from pinnlang.reference.files import read_reference

DATA = Path(__file__).resolve().parents[2] / "problems" / "data"
PROBLEMS = DATA.parent


def _script(name: str):
    sys.path.insert(0, str(DATA))
    try:
        spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(DATA))
    return module


#: script -> (coarse resolution, largest relative L2 difference of the coarse run to the file)
COARSE = {
    "make_allen_cahn_sharp": ((512, 1e-3), 1e-3),
    "make_kdv": ((256, 5e-4), 1e-4),
    "make_ginzburg_landau": ((64, 2e-3), 1e-3),
}


@pytest.mark.parametrize("name", COARSE)
def test_a_coarse_rerun_reproduces_the_stored_file(name):
    module = _script(name)
    (modes, dt), tolerance = COARSE[name]
    grid = _script("grid_reference")
    stored = grid.load(module.PATH)
    fresh = module.solve(grid.Resolution(modes, dt))
    assert sorted(fresh) == sorted(stored)
    for field, (largest, relative) in grid.differences(fresh, stored, ("x", "t")).items():
        assert relative < tolerance, (field, largest, relative)
    np.testing.assert_allclose(fresh["x"], stored["x"], atol=1e-7)
    np.testing.assert_allclose(fresh["t"], stored["t"], atol=1e-7)


@pytest.mark.parametrize("problem", ["allen_cahn_sharp", "kdv", "ginzburg_landau"])
def test_the_stored_grid_is_read_by_the_problems_reference_statement(problem):
    loaded = pinnlang.load(PROBLEMS / f"{problem}.pinn")
    (reference,) = loaded.references
    data = read_reference(reference.data, [str(s) for s in loaded.inputs])
    assert data.form == "grid"
    stored = np.load(DATA / f"{problem}.npz")
    assert stored["u"].dtype == np.float32 and (DATA / f"{problem}.npz").stat().st_size < 500_000
    x, t = stored["x"], stored["t"]
    assert data.points.shape == (len(x) * len(t), 2)
    assert (x[0], x[-1], t[0]) == (-1, 1, 0)
    for field in reference.fields:  # the periodic end repeats the start
        np.testing.assert_array_equal(stored[field][0], stored[field][-1])


def test_initial_data_are_the_problems():
    ac, kdv, gl = (np.load(DATA / f"{name}.npz") for name in ("allen_cahn_sharp", "kdv", "ginzburg_landau"))
    np.testing.assert_allclose(ac["u"][:, 0], ac["x"] ** 2 * np.cos(np.pi * ac["x"]), atol=1e-6)
    np.testing.assert_allclose(kdv["u"][:, 0], np.cos(np.pi * kdv["x"]), atol=1e-6)
    a0 = _script("make_ginzburg_landau").setup(gl["x"].astype(np.float64), np.zeros(len(gl["x"])))[0]
    np.testing.assert_allclose(gl["u"][:, 0] + 1j * gl["v"][:, 0], a0, atol=1e-6)


def test_kdv_conserves_mass_and_momentum():
    module = _script("make_kdv")
    mass, momentum = module.invariants(np.load(DATA / "kdv.npz")["u"])
    assert np.ptp(mass) < 1e-5  # float32 storage; the run itself keeps them to 1e-11
    assert np.ptp(momentum) / momentum[0] < 1e-5
    assert momentum[0] == pytest.approx(1.0, rel=1e-6)  # int cos^2(pi x) dx over [-1, 1]


def test_allen_cahn_is_even_in_x_and_settles_in_the_wells():
    ac = np.load(DATA / "allen_cahn_sharp.npz")
    u = ac["u"]
    np.testing.assert_allclose(u, u[::-1], atol=1e-5)  # u0 is even, so is the solution
    assert np.abs(u).max() <= 1.0  # the maximum principle: |u0| <= 1 stays so
    final = u[:, -1]
    assert np.mean(np.abs(np.abs(final) - 1) < 0.05) > 0.75  # most of the line sits near -1 or 1


def test_the_cylinder_flow_on_a_coarse_mesh_has_the_published_coefficients():
    pytest.importorskip("skfem")  # scikit-fem: only the script that writes the file needs it
    module = _script("make_cylinder_channel")
    run = module.solve(0.03)  # about 1800 triangles, a few seconds
    quantities = run["quantities"]
    assert quantities["drag"] == pytest.approx(module.PUBLISHED["drag"], rel=5e-3)
    assert quantities["dp"] == pytest.approx(module.PUBLISHED["dp"], rel=1e-2)
    assert quantities["lift"] == pytest.approx(module.PUBLISHED["lift"], rel=0.3)  # small, mesh-sensitive


def test_the_stored_cylinder_flow_holds_its_boundary_conditions():
    stored = np.load(DATA / "cylinder_channel.npz")
    x, y, u, v = (stored[k].astype(np.float64) for k in ("x", "y", "u", "v"))
    assert len(x) > 2000 and (DATA / "cylinder_channel.npz").stat().st_size < 500_000
    on_cylinder = np.abs(np.hypot(x - 0.2, y - 0.2) - 0.05) < 1e-6
    on_inlet = x < 1e-9
    assert on_cylinder.sum() > 5 and on_inlet.sum() > 5
    np.testing.assert_allclose(u[on_cylinder], 0, atol=1e-6)
    np.testing.assert_allclose(v[on_cylinder], 0, atol=1e-6)
    np.testing.assert_allclose(u[on_inlet], 1.2 * y[on_inlet] * (0.41 - y[on_inlet]) / 0.41**2, atol=1e-5)
    assert 0.3 < u.max() < 0.5  # the flow speeds up beside the cylinder


def test_the_quenched_bar_is_its_series_symmetric_and_cooling():
    module = _script("make_heat_quench")
    grid = _script("grid_reference")
    assert grid.compare_with_file(module.solve(), module.PATH, ("x", "t")) == []
    loaded = pinnlang.load(PROBLEMS / "heat_quench.pinn")
    (reference,) = loaded.references
    assert read_reference(reference.data, [str(s) for s in loaded.inputs]).form == "points"
    stored = np.load(DATA / "heat_quench.npz")
    x, t, u = (stored[k].astype(np.float64) for k in ("x", "t", "u"))
    assert len(u) == 201 * 101 - 2  # the grid less the two corners where the data meet
    assert not ((t == 0) & ((x == 0) | (x == 1))).any()
    assert (u[t == 0] == 1).all() and (u[(x == 0) | (x == 1)] == 0).all()  # the initial and the ends' data
    grid_u = {(round(a, 3), round(b, 3)): c for a, b, c in zip(x, t, u)}
    assert all(abs(grid_u[(a, b)] - grid_u[(round(1 - a, 3), b)]) < 1e-6 for a, b in grid_u)  # symmetric
    middle = u[x == 0.5]
    assert (np.diff(middle) <= 0).all() and middle[-1] < middle[20] < 1  # the middle cools
    two_modes = 4 / np.pi * np.exp(-0.1 * np.pi**2) - 4 / (3 * np.pi) * np.exp(-0.9 * np.pi**2)
    assert middle[-1] == pytest.approx(two_modes, rel=1e-6)  # the middle at t = 1: the rest is < 1e-15
