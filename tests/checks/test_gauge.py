"""The gauge check: which fields do the conditions fix only up to a constant or a function of
time? One row per problem: its text, and the free fields with what their shift depends on."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import pinnlang
from pinnlang.checks.rules import check
from pinnlang.errors import PinnProblemErrors
from pinnlang.checks.gauge import GaugeFreedom, free_fields, pin_example
from pinnlang.syntax import parse

SQUARE = "space (x, y) in rectangle([0, 1], [0, 1])\n"
NAVIER_STOKES = """\
pde mx: u*u_x + v*u_y + p_x = laplacian(u)/100
pde my: u*v_x + v*v_y + p_y = laplacian(v)/100
pde continuity: u_x + v_y = 0
boundary lid on y = 1: u = 1
boundary walls where y < 1: u = 0
boundary no_penetration: v = 0
"""
UNSTEADY_NAVIER_STOKES = """\
pde mx: u_t + u*u_x + v*u_y + p_x = laplacian(u)/100
pde my: v_t + u*v_x + v*v_y + p_y = laplacian(v)/100
pde continuity: u_x + v_y = 0
initial: u = 0
initial: v = 0
boundary lid on y = 1: u = 1
boundary walls where y < 1: u = 0
boundary no_penetration: v = 0
"""

# (id, body after 'problem g', {field: shift variables} of the free fields)
CASES: list[tuple[str, str, dict[str, tuple[str, ...]]]] = [
    ("poisson_pure_neumann", SQUARE + "field u\npde: -laplacian(u) = 1\nboundary: dn(u) = -0.5\n",
     {"u": ()}),
    ("poisson_dirichlet", SQUARE + "field u\npde: -laplacian(u) = 1\nboundary: u = 0\n", {}),
    ("poisson_robin", SQUARE + "field u\npde: -laplacian(u) = 1\nboundary: dn(u) + u = 0\n", {}),
    ("poisson_neumann_and_dirichlet_side",
     SQUARE + "field u\npde: -laplacian(u) = 1\nboundary: dn(u) = 0\nboundary on x = 0: u = 0\n",
     {}),
    ("field_by_value_in_the_pde (helmholtz)",
     SQUARE + "field u\npde: laplacian(u) + u = 1\nboundary: dn(u) = 0\n", {}),
    ("field_by_value_inside_a_derivative", SQUARE
     + "field u\npde: d(u^2, x) + d(u^2, y) = 1\nboundary: dn(u) = 0\n", {}),
    ("an_identity_that_only_looks_like_a_value", SQUARE
     + "field u\npde: laplacian(u) = 0\npde b: sin(u)^2 + cos(u)^2 = 1\nboundary: dn(u) = 0\n",
     {"u": ()}),
    ("steady_navier_stokes_velocity_only", SQUARE + "field u, v, p\n" + NAVIER_STOKES,
     {"p": ()}),
    ("steady_navier_stokes_outlet_pressure", SQUARE + "field u, v, p\n" + NAVIER_STOKES
     + "boundary outlet on x = 1: p = 0\n", {}),
    ("steady_navier_stokes_pinned_at_a_point", SQUARE + "field u, v, p\n" + NAVIER_STOKES
     + "point at (0.5, 0.5): p = 0\n", {}),
    ("unsteady_navier_stokes_velocity_only",
     SQUARE + "time t in [0, 1]\nfield u, v, p\n" + UNSTEADY_NAVIER_STOKES, {"p": ("t",)}),
    ("unsteady_navier_stokes_initial_pressure_fixes_only_t0",
     SQUARE + "time t in [0, 1]\nfield u, v, p\n" + UNSTEADY_NAVIER_STOKES + "initial: p = 0\n",
     {"p": ("t",)}),
    ("unsteady_navier_stokes_pinned_at_a_point",
     SQUARE + "time t in [0, 1]\nfield u, v, p\n" + UNSTEADY_NAVIER_STOKES
     + "point pin at (0, 0): p = 0\n", {}),
    ("heat_neumann_without_initial (u_t rules out a function of t)",
     "space x in [0, 1]\ntime t in [0, 1]\nfield u\npde: u_t = u_xx\nboundary: dn(u) = 0\n",
     {"u": ()}),
    ("heat_neumann_with_initial",
     "space x in [0, 1]\ntime t in [0, 1]\nfield u\npde: u_t = u_xx\nboundary: dn(u) = 0\n"
     "initial: u = cos(pi*x)\n", {}),
    ("periodic_does_not_pin",
     "space x in [0, 1]\ntime t in [0, 1]\nfield u\npde: u_t + u_x = 0\nperiodic: x\n",
     {"u": ()}),
    ("periodic_with_initial", "space x in [0, 1]\ntime t in [0, 1]\nfield u\n"
     "pde: u_t + u_x = 0\nperiodic: x\ninitial: u = sin(2*pi*x)\n", {}),
    ("param_poisson_neumann", "param a in [1, 2]\n" + SQUARE
     + "field u\npde: -laplacian(u) = a\nboundary: dn(u) = -a/2\n", {"u": ("a",)}),
    ("param_heat_neumann (time pinned, params free)", "param a in [1, 2]\nspace x in [0, 1]\n"
     "time t in [0, 1]\nfield u\npde: u_t = a*u_xx\nboundary: dn(u) = 0\n", {"u": ("a",)}),
    ("unknown_coefficient", "unknown k = 1\n" + SQUARE
     + "field u\npde: -k*laplacian(u) = 1\nboundary: dn(u) = -0.5\n", {"u": ()}),
]


@pytest.mark.parametrize(("name", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_free_fields(name: str, body: str, expected: dict[str, tuple[str, ...]]):
    problem = parse("problem g\n" + body)
    found = free_fields(problem)
    assert {f: g.depends_on for f, g in found.items()} == expected


def test_data_condition_pins_the_fields_it_lists(tmp_path: Path):
    (tmp_path / "obs.csv").write_text("x,y,u\n0.5,0.5,1.0\n")
    body = SQUARE + "field u\npde: -laplacian(u) = 1\nboundary: dn(u) = -0.5\n"
    assert free_fields(parse("problem g\n" + body)) == {"u": GaugeFreedom("u")}
    path = tmp_path / "g.pinn"
    path.write_text("problem g\n" + body + 'data "obs.csv": u\n')
    assert free_fields(pinnlang.load(path)) == {}


def test_a_python_problem_is_checked_the_same_way():
    x, y, t = sp.symbols("x y t")
    p = sp.Function("p")
    problem = (pinnlang.Problem("g").space((x, y), (0, 1), (0, 1)).time(t, 0, 1).field(p)
               .pde(sp.Eq(pinnlang.laplacian(p(x, y, t), (x, y)), 0))
               .boundary(sp.Eq(pinnlang.problem.dn(p), 0)))
    assert free_fields(problem) == {"p": GaugeFreedom("p", ("t",))}
    problem.point(sp.Eq(p(x, y, t), 0), at=(0.5, 0.5))
    assert free_fields(problem) == {}


def test_check_warns_at_the_field_declaration_with_a_pin_statement_to_add():
    text = ("problem g\n" + SQUARE + "time t in [0, 1]\nfield u, v, p\n" + UNSTEADY_NAVIER_STOKES)
    diagnostics = check(parse(text, path="g.pinn"))
    warnings = [d for d in diagnostics if d.severity == "warning"]
    assert [d.message for d in warnings] == [
        "field 'p' is fixed only up to a function of t: no condition changes when a function of t "
        "is added to it (it appears only through its derivatives in space)"]
    assert (warnings[0].span.line, warnings[0].span.col) == (4, 13)  # 'p' in 'field u, v, p'
    assert warnings[0].hint.startswith("pin it with a condition on its value, e.g. "
                                       "'point at (0.5, 0.5): p = 0'")
    assert "reported with the best function of t removed" in warnings[0].hint


def test_the_suggested_pin_uses_the_exact_solution_and_removes_the_warning():
    text = ("problem g\nspace (x, y) in rectangle([-1, 1], [-1, 1])\ntime t in [0, 1]\nfield p\n"
            "pde: laplacian(p) = -2*exp(-t)*(x^0 + 0*x)\nboundary: dn(p) = -x*exp(-t)*abs(x)\n"
            "exact: p = 1 - exp(-t)*x^2/2 + 3\n")
    problem = parse(text)
    (freedom,) = free_fields(problem).values()
    pin = pin_example(problem, freedom)
    assert pin == "point at (0, 0): p = 4"
    pinned = parse(text + pin + "\n")
    assert free_fields(pinned) == {}
    assert not [d for d in check(pinned) if d.severity == "warning"]


def test_no_gauge_warning_while_the_problem_has_errors():
    text = "problem g\n" + SQUARE + "field u\npde: -laplacian(u) = 1 [weight = -1]\nboundary: dn(u) = 0\n"
    with pytest.raises(PinnProblemErrors) as caught:
        parse(text)
    assert [d.severity for d in caught.value.diagnostics] == ["error"]


def test_beltrami_pressure_is_free_until_the_pin_its_header_gives():
    from pinnlang.compile import verify_exact

    path = Path(__file__).resolve().parents[2] / "problems" / "beltrami.pinn"
    text = path.read_text()
    assert free_fields(pinnlang.load(path)) == {"p": GaugeFreedom("p", ("t",))}
    (pin,) = [line[1:].strip() for line in text.splitlines() if line.startswith("#     point ")]
    pinned = parse(text + pin + "\n", path=str(path))
    assert free_fields(pinned) == {}
    reports = {r.name: r for r in verify_exact(pinned)}
    assert reports["pin"].ok and reports["pin"].max_abs < 1e-12
