"""`reference` and `quantity` statements: parse, print back, LaTeX, builder, spans, warnings."""

from __future__ import annotations

import sympy as sp

from pinnlang import Problem
from pinnlang.checks.rules import check
from pinnlang.geometry import Disk, Rectangle
from pinnlang.problem import OnPlane, OnRegion, normal_symbols
from pinnlang.syntax import parse

TEXT = """\
problem cyl
const nu = 0.001
const D = 0.1
let cylinder = disk((0.2, 0.2), 0.05)
space (x, y) in rectangle([0, 2.2], [0, 0.41]) - cylinder
time t in [0, 1]
field u, v, p
pde: d(u, x) + d(v, y) = 0
reference "ref.csv": u, v
reference fine "ref.csv": p
quantity drag = integral(2*(-p*nx + nu*(2*d(u, x)*nx + (d(u, y) + d(v, x))*ny))/D, on cylinder) [reference = 5.57953523384]
quantity outflow = integral(u, on x = 2.2 where y > 0.1) [t = 0.5]
quantity mass = integral(u^2)
"""


def _problem(tmp_path) -> Problem:
    (tmp_path / "ref.csv").write_text("x,y,t,u,v,p\n1,0.1,0.5,0,0,0\n")
    path = tmp_path / "cyl.pinn"
    path.write_text(TEXT)
    return parse(TEXT, path=str(path))


def test_statements_lower_to_the_ir(tmp_path):
    problem = _problem(tmp_path)
    first, second = problem.references
    assert (first.name, first.fields, second.name, second.fields) == (
        "reference", ("u", "v"), "fine", ("p",))
    drag, outflow, mass = problem.quantities
    assert drag.on == OnRegion("cylinder") and drag.reference == 5.57953523384
    nx, ny = normal_symbols(problem.space_coords)
    assert {nx, ny} <= drag.integrand.free_symbols
    assert outflow.on == OnPlane(sp.Symbol("x"), 2.2) and outflow.options == {"t": 0.5}
    assert outflow.where is not None and mass.on is None
    assert problem.spans["quantity:drag"].line == 11


def test_printed_text_parses_back_to_an_equal_problem(tmp_path):
    problem = _problem(tmp_path)
    text = problem.to_pinn()
    assert 'reference "ref.csv": u, v\nreference fine "ref.csv": p' in text
    assert "quantity mass = integral(u^2)" in text
    assert parse(text, path=str(tmp_path / "printed.pinn")) == problem


def test_latex_shows_the_integrals(tmp_path):
    latex = _problem(tmp_path).to_latex()
    assert r"\int_{\partial\Omega \cap \partial\,\mathrm{cylinder}}" in latex
    assert r"\int_{\Omega} u^{2}\,\mathrm{d}x" in latex
    assert r"\text{values in ref.csv}" in latex


def test_constants_used_only_in_a_quantity_are_used(tmp_path):
    messages = [d.message for d in check(_problem(tmp_path))]
    assert not any("'D' is declared but never used" in m for m in messages)


def test_builder_reference_equals_the_parsed_statement(tmp_path):
    (tmp_path / "ref.csv").write_text("x,y,u\n0.9,0.9,1\n")
    x, y = sp.symbols("x y")
    u = sp.Function("u")
    built = (Problem("b").space((x, y), Rectangle((0, 1), (0, 1)) - Disk((0.5, 0.5), 0.1))
             .field(u).pde(sp.Eq(u(x, y), 0))
             .reference("ref.csv", u, base_dir=tmp_path)
             .reference("ref.csv", "u", name="again", base_dir=tmp_path)
             .quantity("side", u(x, y), on=sp.Eq(x, 1)))
    assert [r.name for r in built.references] == ["reference", "again"]
    assert parse(built.to_pinn(), path=str(tmp_path / "b.pinn")) == built


def test_point_values_print_and_render(tmp_path):
    problem = parse("""
problem pv
space (x, y) in rectangle([0, 1], [0, 1])
field u, p
pde: u = 0
quantity dp = value(p, at (0.25, 0.5)) - value(p, at (0.75, 0.5)) [reference = 0.1]
""")
    quantity = problem.quantities[0]
    assert quantity.is_point_values and not quantity.is_boundary
    assert quantity.on.points == ((0.25, 0.5), (0.75, 0.5)) and quantity.on.signs == (1, -1)
    assert parse(problem.to_pinn()) == problem
    assert r"\left.p\right|_{(0.25, 0.5)} -\left.p\right|_{(0.75, 0.5)}" in problem.to_latex()
