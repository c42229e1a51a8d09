"""benchmarks/cavity_reference.py: the finite-element cavity converges to the registered reference."""

from __future__ import annotations

import pytest

from pinnlang.reference import reference_points, relative_l2_error

from .conftest import script_module

pytest.importorskip("skfem")


@pytest.fixture(scope="module")
def cavity():
    yield from script_module("cavity_reference")


def test_the_solver_converges_towards_the_registered_centre_lines(cavity):
    # the registered values come from 96 cells; coarse meshes approach them as the mesh refines
    reference = reference_points("cavity")
    errors = []
    for cells in (8, 16):
        flow = cavity.solve_cavity(cells, [100.0], quiet=True)
        errors.append([relative_l2_error(cavity.at(flow[i], reference.points[name]), reference.values[name])
                       for i, name in enumerate(("u", "v"))])
    assert max(errors[1]) < 2.5e-3 and all(fine < coarse for fine, coarse in zip(errors[1], errors[0]))
    found = cavity.extrema(flow)
    assert found["u_min"][0] == pytest.approx(-0.21404, abs=2e-3) and found["u_min"][1] == pytest.approx(0.458, abs=0.01)
    assert found["v_max"][0] == pytest.approx(0.17957, abs=2e-3) and found["v_min"][0] == pytest.approx(-0.25380, abs=2e-3)
