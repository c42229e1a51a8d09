"""``to_latex``: an aligned block of the equations, in ∂ notation, that LaTeX and mathtext accept."""

from __future__ import annotations

import io

import pytest
import sympy as sp
from matplotlib import mathtext

from pinnlang.geometry import Disk, Rectangle
from pinnlang.problem import Problem
from pinnlang.problem.latex import latex_equations, latex_expr, latex_region, to_latex

from .examples import ROUND_TRIP, burgers_built, plate_built, t, u, x, y


def balanced(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{}" and i > 0 and text[i - 1] == "\\":
            continue  # an escaped brace \{ or \}
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_block_is_well_formed(name):
    problem = ROUND_TRIP[name]()
    block = to_latex(problem)
    assert block.startswith("\\begin{aligned}\n") and block.endswith("\n\\end{aligned}")
    assert balanced(block)
    assert block.count(r"\left") == block.count(r"\right")
    rows = block.splitlines()[1:-1]
    assert all(row.endswith(r" \\") for row in rows[:-1]) and not rows[-1].endswith(r"\\")
    assert len(rows) >= len(problem.conditions)
    assert r"\frac{\partial" in block


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_every_equation_renders_with_mathtext(name):
    for equation in latex_equations(ROUND_TRIP[name]()):
        mathtext.math_to_image(f"${equation}$", io.BytesIO(), format="png")


def test_burgers_rows():
    block = to_latex(burgers_built())
    assert (r"\text{pde:} & \quad u \frac{\partial u}{\partial x} + \frac{\partial u}{\partial t} = "
            r"\nu \frac{\partial^{2} u}{\partial x^{2}} && \quad x \in \Omega,\ t \in [0, 1] \\") in block
    assert r"\text{initial:} & \quad u = - \sin{\left(\pi x \right)} && \quad t = 0,\ x \in \Omega" in block
    assert r"\text{boundary:} & \quad u = 0 && \quad x \in \partial\Omega,\ t \in [0, 1]" in block
    assert r"\Omega = [-1, 1]" in block
    assert r"\nu = \frac{0.01}{\pi}" in block


def test_plate_rows_say_where_conditions_hold():
    block = to_latex(plate_built())
    assert r"\text{boundary\_3:} & \quad \partial_{n} T = 0 && \quad (x, y) \in \partial\Omega \cap \partial\,\mathrm{hole}" in block
    assert r"(x, y) \in \partial\Omega,\ x = -1" in block
    assert r"\left|{y}\right| = 1" in block
    assert r"\Omega = \left([-1, 1] \times [-1, 1]\right) \setminus \mathrm{hole}" in block
    assert r"\mathrm{hole} = B_{0.3}\left((0, 0)\right)" in block


def test_mixed_derivatives_and_fields_print_unapplied():
    U = u(x, y, t)
    assert latex_expr(sp.Derivative(U, x, (t, 2))) == r"\frac{\partial^{3} u}{\partial x \partial t^{2}}"
    assert latex_expr(U**2) == "u^{2}"


def test_regions_in_set_notation():
    region = (Rectangle((0, 1), (0, 1)) & Disk((0, 0), 1)) - Disk((0, 0), 0.5)
    assert latex_region(region) == (
        r"\left(\left([0, 1] \times [0, 1]\right) \cap B_{1}\left((0, 0)\right)\right) \setminus "
        r"B_{0.5}\left((0, 0)\right)"
    )


def test_notebook_representation_is_display_math():
    p = Problem("ode").time(t, 0, 1).field(u).pde(sp.Eq(u(t).diff(t), -u(t))).initial(sp.Eq(u(t), 1))
    shown = p._repr_latex_()
    assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")
    assert r"\frac{\partial u}{\partial t} = - u && \quad t \in [0, 1]" in shown
