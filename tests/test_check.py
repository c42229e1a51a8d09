"""Semantic checks on problems built in Python (no spans) and the warnings on parsed files."""

from __future__ import annotations

import pytest
import sympy as sp

from pinnlang.checks.rules import check
from pinnlang.errors import PinnProblemErrors
from pinnlang.geometry import Disk, Interval
from pinnlang.problem import Condition, OnPlane, Param, Problem, TimeAxis
from pinnlang.problem.operators import dn
from pinnlang.syntax import parse

x, y, t, a = sp.symbols("x y t a")
u = sp.Function("u")
v = sp.Function("v")


def messages(problem: Problem, severity: str = "error") -> list[str]:
    return [d.message for d in check(problem) if d.severity == severity]


def heat(**changes) -> Problem:
    base = dict(
        name="heat", space_coords=(x,), domain=Interval(0.0, 1.0),
        time_axis=TimeAxis(t, 0.0, 1.0), fields=(u,),
        conditions=[
            Condition("pde", "pde", sp.Eq(u(x, t).diff(t), u(x, t).diff(x, 2))),
            Condition("initial", "initial", sp.Eq(u(x, t), sp.sin(sp.pi * x))),
            Condition("boundary", "boundary", sp.Eq(u(x, t), 0)),
        ])
    base.update(changes)
    return Problem(**base)


def test_python_problem_that_is_valid_has_no_diagnostic():
    assert check(heat()) == []


def test_python_problem_errors_are_found_without_spans():
    p = heat(conditions=[
        Condition("pde", "pde", sp.Eq(u(x, t).diff(t), v(x, t) + sp.Symbol("k"))),
        Condition("initial", "initial", sp.Eq(dn(u(x, t)), 0)),
        Condition("boundary", "left", sp.Eq(u(x), 0), on=OnPlane(x, 3.0)),
    ], params=(Param(a, 2.0, 1.0),))
    found = check(p)
    assert all(d.span is None for d in found)
    assert [d.message for d in found if d.severity == "error"] == [
        "the range of parameter 'a' [2, 1] is empty",
        "field 'u' must be applied to (x, t, a) in pde condition 'pde', got u(x, t)",
        "field 'v' is used in pde condition 'pde' but not declared",
        "'k' in pde condition 'pde' is not a declared name",
        "field 'u' must be applied to (x, t, a) in initial condition 'initial', got u(x, t)",
        "dn(...) is only allowed in boundary conditions, not in initial condition 'initial'",
        "field 'u' must be applied to (x, t, a) in boundary condition 'left', got u(x)",
        "boundary condition 'left' selects no point of the boundary",
    ]


def test_initial_without_time_and_periodic_on_a_disk():
    p = Problem("p", space_coords=(x, y), domain=Disk((0, 0), 1), fields=(u,), conditions=[
        Condition("pde", "pde", sp.Eq(u(x, y).diff(x, 2) + u(x, y).diff(y, 2), 0)),
        Condition("initial", "initial", sp.Eq(u(x, y), 0)),
        Condition("periodic", "periodic", coordinate=x),
    ])
    assert messages(p) == [
        "initial condition 'initial' needs a time coordinate",
        "'periodic: x' needs a domain that is an interval or a box, so that 'x' ranges over an "
        "interval",
    ]


def test_derivative_along_a_param_is_an_error():
    p = heat(params=(Param(a, 1.0, 2.0),), conditions=[
        Condition("pde", "pde", sp.Eq(u(x, t, a).diff(a), 0)),
        Condition("boundary", "boundary", sp.Eq(u(x, t, a), 0)),
    ])
    assert "pde condition 'pde' differentiates along 'a', which is not a coordinate" in messages(p)


def test_where_selector_and_plane_tolerance():
    ok = heat(conditions=[Condition("pde", "pde", sp.Eq(u(x, t).diff(t), 0)),
                          Condition("initial", "initial", sp.Eq(u(x, t), 0)),
                          Condition("boundary", "b", sp.Eq(u(x, t), 0),
                                    where=sp.And(sp.Eq(x, 1, evaluate=False), t < 0.5))])
    assert messages(ok) == []
    none = heat(conditions=[Condition("boundary", "b", sp.Eq(u(x, t), 0), where=x > 2)])
    assert messages(none) == ["boundary condition 'b' selects no point of the boundary"]


def test_warnings_unused_no_condition_second_order_in_time():
    p = parse("problem wave\nconst c = 2\nconst unused = 3\nunknown k = 1\nparam a in [0, 1]\n"
              "let helper = 2*c\nspace x in [0, 1]\ntime t in [0, 1]\nfield u, w\n"
              "pde: d(u, t, 2) = c^2*d(u, x, 2)\ninitial: u = sin(pi*x)\nboundary: u = 0\n"
              "boundary b2: u = 0 [wieght = 2]\n")
    warnings = [(d.span.line, d.message) for d in check(p) if d.severity == "warning"]
    assert warnings == [
        (5, "parameter 'a' is declared but never used"),
        (4, "unknown 'k' is declared but never used"),
        (3, "constant 'unused' is declared but never used"),
        (6, "'let' name 'helper' is declared but never used"),
        (9, "field 'w' has no condition at all"),
        (10, "pde 'pde' is second order in time for 'u', but 'u' has 1 initial condition"),
        (13, "option 'wieght' is not a known condition option (did you mean 'weight'?)"),
    ]


def test_settings_of_the_time_axis_in_a_problem_without_time_are_flagged():
    steady = parse("problem p\nspace x in [0, 1]\nfield u\npde: d(u, x, 2) = 1\nboundary: u = 0\n"
                   "train: time_windows = 4, steps = 10, causal = 1\n")
    warnings = [(d.span.line, d.span.col, d.message) for d in check(steady) if d.severity == "warning"]
    assert warnings == [(6, 8, "setting 'time_windows' has no effect: the problem has no time axis"),
                        (6, 38, "setting 'causal' has no effect: the problem has no time axis")]
    timed = parse("problem p\nspace x in [0, 1]\ntime t in [0, 1]\nfield u\npde: d(u, t) = d(u, x, 2)\n"
                  "initial: u = sin(pi*x)\nboundary: u = 0\ntrain: time_windows = 4\n")
    assert [d for d in check(timed) if d.severity == "warning"] == []


def test_constant_used_only_in_a_bound_is_used():
    p = parse("problem p\nconst L = 2\nspace x in [0, L]\nfield u\npde: d(u, x, 2) = 0\n"
              "boundary: u = 0\n")
    assert check(p) == []


def test_noise_option_belongs_to_data_and_is_positive(tmp_path):
    (tmp_path / "obs.csv").write_text("x,t,u\n0.5,0.5,0.1\n")
    text = """problem p
space x in [0, 1]
time t in [0, 1]
field u
pde: d(u, t) = d(u, x, x)
initial: u = sin(pi*x)
boundary: u = 0 [noise = 0.1]
data "obs.csv": u [noise = {noise}]
"""
    def errors(noise):
        with pytest.raises(PinnProblemErrors) as raised:
            parse(text.format(noise=noise), str(tmp_path / "p.pinn"))
        return [d.message for d in raised.value.diagnostics if d.severity == "error"]

    parse(text.replace(" [noise = 0.1]", "", 1).format(noise=0.1), str(tmp_path / "p.pinn"))
    assert errors("0.1") == ["option 'noise' belongs to a 'data' statement (the standard deviation "
                             "of its observations' noise)"]
    assert "option 'noise' must be a positive number, got -1" in errors("-1")


def test_pinnlang_check_stays_the_function_after_parsing():
    """Parsing imports the checks; the package's ``check`` must still be the function then."""
    import subprocess
    import sys

    code = ("import pinnlang\n"
            "p = pinnlang.parse('problem a\\nspace x in [0, 1]\\nfield u\\npde: d(u, x, x) = 1\\nboundary: u = 0\\n')\n"
            "print(callable(pinnlang.check), pinnlang.check(p))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True []"
