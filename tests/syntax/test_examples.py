"""Every example of the language reference parses, lowers and checks without a diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from pinnlang.checks.rules import check
from pinnlang.geometry import Ball, Difference, Interval, Rectangle
from pinnlang.problem import OnPlane, OnRegion
from pinnlang.syntax import load

EXAMPLES = Path(__file__).parent / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.pinn")), ids=lambda p: p.stem)
def test_example_loads_and_checks_clean(path: Path):
    problem = load(path)
    assert check(problem) == []
    assert problem.source is not None and problem.source.path == str(path)


def test_burgers_ir():
    p = load(EXAMPLES / "burgers.pinn")
    x, t, nu = sp.symbols("x t nu")
    u = sp.Function("u")(x, t)
    assert (p.name, p.title) == ("burgers", "Viscous Burgers, Raissi et al. 2019")
    assert p.domain == Interval(-1.0, 1.0)
    assert (p.time_axis.lower, p.time_axis.upper) == (0.0, 1.0)
    assert p.constants[0].value == sp.Float("0.01") / sp.pi
    assert [c.name for c in p.conditions] == ["pde", "initial", "boundary"]
    assert p.condition("pde").equation == sp.Eq(
        sp.diff(u, t) + u * sp.diff(u, x), nu * sp.diff(u, x, 2), evaluate=False)
    assert p.condition("initial").equation == sp.Eq(u, -sp.sin(sp.pi * x), evaluate=False)
    assert p.spans["const:nu"].line == 4


def test_plate_ir():
    p = load(EXAMPLES / "plate.pinn")
    x, y = sp.symbols("x y")
    hole = Ball((0.0, 0.0), 0.3)
    assert p.regions == {"hole": hole}
    assert p.domain == Difference(Rectangle((-1, 1), (-1, 1)), hole)
    on = [c.on for c in p.conditions_of("boundary")]
    assert on == [OnPlane(x, -1.0), OnPlane(x, 1.0), OnRegion("hole"), None]
    assert p.conditions[-1].where == sp.Eq(sp.Abs(y), 1, evaluate=False)


def test_inverse_and_parametric_ir():
    inverse = load(EXAMPLES / "diffusion_inverse.pinn")
    assert [(str(u.symbol), u.initial) for u in inverse.unknowns] == [("k", 1.0)]
    data = inverse.condition("data").data
    assert (data.path, data.fields, data.base_dir) == ("observations.csv", ("u",), str(EXAMPLES))
    family = load(EXAMPLES / "poisson_family.pinn")
    a, x, y = sp.symbols("a x y")
    assert family.inputs == (x, y, a)
    assert family.exact == {"u": a * sp.sin(sp.pi * x) * sp.sin(sp.pi * y)}
