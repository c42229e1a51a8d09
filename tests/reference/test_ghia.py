"""The Ghia, Ghia & Shin (1982) cavity tables, the centre-line reference and its registration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pinnlang
from pinnlang.reference import (
    PointReference,
    relative_l2_error,
    ghia_centrelines,
    problems_with_reference,
    reference_points,
    reference_solution,
)
from pinnlang.reference.cavity_converged import CONVERGED, converged_centrelines
from pinnlang.reference.cavity_converged import LABEL as CONVERGED_LABEL
from pinnlang.reference.ghia import GHIA_U, GHIA_V, GHIA_X, GHIA_Y, LABEL

CAVITY = Path(__file__).resolve().parents[2] / "problems" / "cavity.pinn"
TABLES = {"Table I (y, u)": (GHIA_Y, GHIA_U), "Table II (x, v)": (GHIA_X, GHIA_V)}


@pytest.mark.parametrize("coordinates, values", TABLES.values(), ids=TABLES.keys())
def test_tables_have_seventeen_entries_in_increasing_order(coordinates, values):
    assert coordinates.shape == values.shape == (17,)
    assert np.all(np.diff(coordinates) > 0)
    assert coordinates[0] == 0.0 and coordinates[-1] == 1.0
    assert not coordinates.flags.writeable and not values.flags.writeable


@pytest.mark.parametrize("coordinates", [GHIA_Y, GHIA_X], ids=["y", "x"])
def test_coordinates_are_grid_lines_of_the_129_point_grid(coordinates):
    # Printed to four decimals, each coordinate is within 5e-5 of a distinct k/128.
    k = np.round(coordinates * 128)
    assert np.max(np.abs(coordinates - k / 128)) <= 5e-5 + 1e-12
    assert len(np.unique(k)) == 17


def test_end_values_are_the_boundary_conditions():
    assert (GHIA_U[0], GHIA_U[-1]) == (0.0, 1.0)  # resting bottom wall, moving lid
    assert (GHIA_V[0], GHIA_V[-1]) == (0.0, 0.0)  # resting side walls


def test_the_primary_vortex_turns_clockwise():
    # Dragged by the lid, the flow runs right near the top and back left below; it rises near
    # the left wall and sinks near the right one (one sign change per centre line).
    interior_u, interior_v = GHIA_U[1:-1], GHIA_V[1:-1]
    assert np.count_nonzero(np.diff(np.sign(interior_u))) == 1
    assert np.all(interior_u[GHIA_Y[1:-1] < 0.7] < 0) and np.all(interior_u[GHIA_Y[1:-1] > 0.7] > 0)
    assert np.count_nonzero(np.diff(np.sign(interior_v))) == 1
    assert np.all(interior_v[GHIA_X[1:-1] <= 0.5] > 0) and np.all(interior_v[GHIA_X[1:-1] > 0.5] < 0)


def test_centrelines_hold_the_interior_points_in_x_y_order():
    reference = ghia_centrelines()
    assert isinstance(reference, PointReference)
    assert reference.label == LABEL and "J. Comput. Phys. 48 (1982)" in reference.source
    assert reference.inputs == ("x", "y") and reference.fields == ("u", "v")
    u_points, v_points = reference.points["u"], reference.points["v"]
    assert u_points.shape == v_points.shape == (15, 2)
    np.testing.assert_array_equal(u_points[:, 0], 0.5)
    np.testing.assert_array_equal(u_points[:, 1], GHIA_Y[1:-1])
    np.testing.assert_array_equal(v_points[:, 0], GHIA_X[1:-1])
    np.testing.assert_array_equal(v_points[:, 1], 0.5)
    np.testing.assert_array_equal(reference.values["u"], GHIA_U[1:-1])
    np.testing.assert_array_equal(reference.values["v"], GHIA_V[1:-1])
    for points in (u_points, v_points):  # strictly inside the unit square
        assert np.all((points > 0) & (points < 1))


def test_registry_serves_the_cavity_and_nothing_for_unknown_names():
    reference = reference_points("cavity")
    assert isinstance(reference, PointReference) and reference.label == CONVERGED_LABEL
    assert reference_solution("cavity") is None  # no callable reference on a dense grid
    assert reference_points("no_such_problem") is None
    assert reference_points("burgers") is None
    assert {"burgers", "cavity"} <= set(problems_with_reference())
    assert pinnlang.reference_points("cavity").fields == ("u", "v")


def test_burgers_reference_is_unchanged():
    reference = reference_solution("burgers")
    assert reference is not None
    values = reference(np.array([[0.5, 0.0], [-1.0, 0.5]]))
    assert values.shape == (2, 1)
    np.testing.assert_allclose(values[:, 0], [-1.0, 0.0], atol=1e-12)


def test_reference_matches_the_cavity_problem_file():
    problem = pinnlang.load(CAVITY)
    assert problem.name == "cavity"
    reference = reference_points(problem.name)
    reference.check_problem([str(s) for s in problem.inputs], problem.field_names)


def test_re1000_tables_share_the_coordinates_and_end_in_the_boundary_values():
    from pinnlang.reference.ghia import GHIA_U_1000, GHIA_V_1000

    assert GHIA_U_1000.shape == GHIA_V_1000.shape == (17,)
    assert (GHIA_U_1000[0], GHIA_U_1000[-1]) == (0.0, 1.0)
    assert (GHIA_V_1000[0], GHIA_V_1000[-1]) == (0.0, 0.0)
    # At Re = 1000 the primary vortex moves to the centre and its centre-line speeds grow.
    assert GHIA_U_1000[1:-1].min() < GHIA_U[1:-1].min() and GHIA_V_1000.max() > GHIA_V.max()
    assert np.count_nonzero(np.diff(np.sign(GHIA_U_1000[1:-1]))) == 1


def test_registry_serves_the_re1000_cavity_with_its_own_label_and_source():
    from pinnlang.reference.cavity_converged import LABEL_1000

    reference = reference_points("cavity_re1000")
    assert reference.label == LABEL_1000 and reference.source.endswith("Re = 1000")
    np.testing.assert_array_equal(reference.values["u"], CONVERGED[1000][0])
    np.testing.assert_array_equal(reference.values["v"], CONVERGED[1000][1])
    np.testing.assert_array_equal(reference.points["u"], ghia_centrelines().points["u"])
    assert "cavity_re1000" in problems_with_reference()
    with pytest.raises(ValueError, match="Re = \\[100, 1000\\]"):
        ghia_centrelines(400)
    with pytest.raises(ValueError, match="Re = \\[100, 1000\\]"):
        converged_centrelines(400)


@pytest.mark.parametrize("reynolds, u_error, v_error", [(100, 6.1e-3, 3.5e-2), (1000, 1.05e-2, 2.9e-2)])
def test_the_converged_centre_lines_sit_where_ghia_measured_and_differ_from_his_tables_by_a_few_per_cent(
        reynolds, u_error, v_error):
    converged, ghia = converged_centrelines(reynolds), ghia_centrelines(reynolds)
    for name in ("u", "v"):
        np.testing.assert_array_equal(converged.points[name], ghia.points[name])
        assert converged.values[name].shape == (15,) and not converged.values[name].flags.writeable
    # the differences benchmarks/cavity_reference.py reports, and the docstring states
    assert relative_l2_error(ghia.values["u"], converged.values["u"]) == pytest.approx(u_error, rel=0.02)
    assert relative_l2_error(ghia.values["v"], converged.values["v"]) == pytest.approx(v_error, rel=0.02)
    # the same flow: signs and the place of each extremum agree with the tables
    for name in ("u", "v"):
        assert np.array_equal(np.sign(converged.values[name]), np.sign(ghia.values[name]))
        assert converged.values[name].argmin() == ghia.values[name].argmin()
