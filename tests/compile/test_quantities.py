"""Quantities evaluated on a "network" that returns a known field equal the analytic integrals."""

from __future__ import annotations

import math

import pytest
import sympy as sp
import torch

from pinnlang import Problem
from pinnlang.compile import compile_problem
from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import Disk, Rectangle
from pinnlang.syntax import parse

CHANNEL = """
problem q
const nu = 0.5
let hole = disk((0, 0), 0.5)
space (x, y) in rectangle([-1, 2], [-1, 1]) - hole
time t in [0, 2]
field u, p
pde: d(u, t) = laplacian(u)
pde: p = 0
"""


def _values(text: str, net) -> dict[str, object]:
    compiled = compile_problem(parse(text), dtype=torch.float64)
    return compiled.quantity_values(net)


def _channel_net(x: torch.Tensor) -> torch.Tensor:
    """u = t (x^2 + y^2), p = x."""
    X, Y, T = x[:, 0], x[:, 1], x[:, 2]
    return torch.stack([T * (X**2 + Y**2), X], dim=1)


def test_disk_boundary_flux_equals_the_laplacian_integral():
    # on the hole the domain's outward normal points into the hole: flux = -integral of 4t
    text = CHANNEL + """
quantity flux = integral(dn(u), on hole)
quantity written_out = integral(nx*d(u, x) + ny*d(u, y), on hole)
quantity pressure_x = integral(-p*nx, on hole)
"""
    values = _values(text, _channel_net)
    assert values["flux"].value == pytest.approx(-4 * 2 * math.pi * 0.25, rel=1e-12)
    assert values["written_out"].value == pytest.approx(values["flux"].value, rel=1e-12)
    # -p nx = -x * (-x / r) on the circle of radius r: integral of x^2 / r ds = pi r^2
    assert values["pressure_x"].value == pytest.approx(math.pi * 0.25, rel=1e-12)


def test_domain_integral_at_the_final_time_and_at_a_given_time():
    text = CHANNEL + """
quantity mass = integral(u)
quantity early = integral(nu*u) [t = 0.5]
"""
    values = _values(text, _channel_net)
    box = (9 / 3) * 2 + 3 * (2 / 3)  # integral of x^2 + y^2 over [-1, 2] x [-1, 1]
    hole = math.pi * 0.5**4 / 2  # integral of r^2 over the disk of radius 0.5
    assert values["mass"].value == pytest.approx(2 * (box - hole), rel=1e-12)
    assert values["early"].value == pytest.approx(0.5 * 0.5 * (box - hole), rel=1e-12)


def test_plane_boundary_integral_and_reference_error():
    text = CHANNEL + """
quantity outflow = integral(u*nx, on x = 2) [reference = 35]
quantity bottom = integral(u*ny, on y = -1)
"""
    values = _values(text, _channel_net)
    outflow = 2 * (4 * 2 + 2 / 3)  # t = 2, x = 2: integral of 4 + y^2 over [-1, 1]
    assert values["outflow"].value == pytest.approx(outflow, rel=1e-12)
    assert values["outflow"].reference == 35
    assert values["outflow"].rel_error == pytest.approx(abs(outflow - 35) / 35, rel=1e-12)
    assert values["bottom"].value == pytest.approx(-2 * (3 + 3), rel=1e-12)
    assert values["bottom"].as_dict()["rel_error"] is None


def test_where_restricts_a_boundary_integral():
    text = CHANNEL + "quantity top_right = integral(p*nx, on x = 2 where y > 0)\n"
    assert _values(text, _channel_net)["top_right"].value == pytest.approx(2.0, rel=1e-12)


def test_unknowns_and_params_take_their_values():
    text = """
problem r
unknown k = 3
param a in [1, 3]
space (x, y) in rectangle([0, 1], [0, 1])
field u
pde: -laplacian(u) = k*a
quantity total = integral(k*u)
quantity at_three = integral(u) [a = 3]
"""
    compiled = compile_problem(parse(text), dtype=torch.float64)

    def net(x):  # u = a * x
        return (x[:, 2] * x[:, 0]).unsqueeze(1)

    values = compiled.quantity_values(net, {"k": 2.0})
    assert values["total"].value == pytest.approx(2 * 2 * 0.5, rel=1e-12)  # a = 2, the middle
    assert values["at_three"].value == pytest.approx(1.5, rel=1e-12)


def test_cylinder_drag_statement_parses_and_evaluates():
    text = """
problem cylinder
const nu = 0.001
const rho = 1
const U = 0.2
const D = 0.1
let cylinder = disk((0.2, 0.2), 0.05)
space (x, y) in rectangle([0, 2.2], [0, 0.41]) - cylinder
field u, v, p
pde: d(u, x) + d(v, y) = 0
quantity drag = integral(2*(-p*nx + nu*(2*d(u, x)*nx + (d(u, y) + d(v, x))*ny))/(rho*U^2*D), on cylinder) [reference = 5.57953523384]
"""

    def net(x):  # p = 1 - x: only the pressure term contributes
        zero = torch.zeros_like(x[:, 0])
        return torch.stack([zero, zero, 1 - x[:, 0]], dim=1)

    drag = _values(text, net)["drag"]
    # -p nx integrated with the normal into the cylinder: integral of (1 - x) * (x - 0.2) / r
    assert drag.value == pytest.approx(2 * (-math.pi * 0.05**2) / (0.04 * 0.1), rel=1e-12)
    assert drag.reference == 5.57953523384


def test_builder_quantity_equals_the_parsed_one():
    x, y = sp.symbols("x y")
    u = sp.Function("u")
    nx = sp.Symbol("nx")
    built = (Problem("b").region("hole", Disk((0, 0), 0.5))
             .space((x, y), Rectangle((-1, 1), (-1, 1)) - Disk((0, 0), 0.5)).field(u)
             .pde(sp.Eq(u(x, y).diff(x, 2), 0))
             .quantity("flux", nx * u(x, y), on="hole", reference=1.5)
             .quantity("mass", u(x, y) ** 2))
    parsed = parse(built.to_pinn())
    assert parsed == built
    assert parsed.quantities[0].reference == 1.5


def test_builder_refuses_normals_in_a_domain_integral():
    x, y = sp.symbols("x y")
    u = sp.Function("u")
    problem = Problem("b").space((x, y), Rectangle((0, 1), (0, 1))).field(u)
    with pytest.raises(PinnSemanticError, match="'nx'.*not declared"):
        problem.quantity("bad", sp.Symbol("nx") * u(x, y))
    with pytest.raises(PinnSemanticError, match="unknown quantity option 'tt'"):
        problem.quantity("bad", u(x, y), tt=1)


def test_point_values_give_the_cylinder_pressure_difference():
    text = CHANNEL + """
quantity dp = value(p, at (-0.75, 0)) - value(p, at (0.75, 0)) [reference = -1.5, t = 1]
quantity growth = value(d(u, t), at (1, 1))
"""
    values = _values(text, _channel_net)
    assert values["dp"].value == pytest.approx(-1.5, rel=1e-14)
    assert values["dp"].rel_error == pytest.approx(0.0, abs=1e-14)
    assert values["growth"].value == pytest.approx(2.0, rel=1e-14)


def test_builder_point_values_equal_the_parsed_ones():
    x, y = sp.symbols("x y")
    p = sp.Function("p")
    built = (Problem("b").space((x, y), Rectangle((0, 1), (0, 1))).field(p)
             .pde(sp.Eq(p(x, y), 0))
             .quantity("dp", p(x, y), points=[(0.25, 0.5), (0.75, 0.5)], signs=(1, -1)))
    text = built.to_pinn()
    assert "quantity dp = value(p, at (0.25, 0.5)) - value(p, at (0.75, 0.5))" in text
    assert parse(text) == built
