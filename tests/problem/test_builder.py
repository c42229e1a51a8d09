"""The SymPy builder produces exactly the IR the contracts describe (checked against hand-built IR)."""

from __future__ import annotations

import pytest
import sympy as sp

from pinnlang.problem import Problem, laplacian
from pinnlang.problem.operators import Laplacian

from .examples import EXAMPLES, kitchen_built, t, u, v, x, y


@pytest.mark.parametrize("name", sorted(n for n, ex in EXAMPLES.items() if ex.hand is not None))
def test_builder_matches_hand_built_ir(name):
    example = EXAMPLES[name]
    built, hand = example.build(), example.hand()
    assert built.conditions == hand.conditions
    assert built == hand


def test_methods_chain_and_return_the_problem():
    p = Problem("p")
    assert p.space(x, 0, 1) is p
    assert p.time(t, 0, 2).field(u).pde(u(x, t).diff(t)) is p
    assert p.exact(u, sp.sin(x)) is p
    assert p.train(steps=10) is p


def test_fields_are_applied_to_all_inputs_in_order():
    a = sp.Symbol("a")
    p = Problem("p").space((x, y), (0, 1), (0, 2)).time(t, 0, 1).param(a, 1, 2).field(u)
    assert p.inputs == (x, y, t, a)
    p.pde(sp.Eq(u(t).diff(t), u()))
    assert p.conditions[0].equation == sp.Eq(sp.Derivative(u(x, y, t, a), t), u(x, y, t, a), evaluate=False)


def test_params_declared_after_conditions_reapply_fields():
    a = sp.Symbol("a")
    p = Problem("p").space(x, 0, 1).field(u).pde(sp.Eq(u(x).diff(x, 2), 1)).param(a, 0, 1)
    assert p.conditions[0].equation.lhs == sp.Derivative(u(x, a), (x, 2))


def test_laplacian_expands_over_space_coordinates_only():
    p = Problem("p").space((x, y), (0, 1), (0, 1)).time(t, 0, 1).field(u).pde(laplacian(u))
    U = u(x, y, t)
    assert p.conditions[0].equation.lhs == sp.Derivative(U, (x, 2)) + sp.Derivative(U, (y, 2))
    assert not p.conditions[0].equation.atoms(Laplacian)


def test_laplacian_with_coordinates_is_expanded_at_once():
    assert laplacian(u, (x, y)) == sp.diff(u(x, y), x, 2) + sp.diff(u(x, y), y, 2)


def test_unevaluated_derivatives_are_evaluated_like_diff():
    p = Problem("p").space(x, 0, 1).field(u).pde(sp.Derivative(u(x) ** 2, x))
    assert p.conditions[0].equation.lhs == 2 * u(x) * sp.Derivative(u(x), x)


def test_symbols_with_assumptions_become_plain_symbols():
    xr = sp.Symbol("x", real=True)
    p = Problem("p").space(xr, 0, 1).field(u).pde(sp.Eq(u(xr).diff(xr), xr))
    assert p.space_coords == (x,)
    assert p.conditions[0].equation == sp.Eq(sp.Derivative(u(x), x), x, evaluate=False)


def test_default_names_follow_order_and_skip_taken_names():
    p = (Problem("p").space(x, 0, 1).field(u)
         .pde(u(x)).boundary(u(x), name="pde_2").pde(u(x)).pde(u(x)).boundary(u(x)))
    assert [c.name for c in p.conditions] == ["pde", "pde_2", "pde_3", "pde_4", "boundary_2"]


def test_options_and_settings_are_plain_values():
    p = Problem("p").space(x, 0, 1).field(u).pde(u(x), weight=sp.Integer(3), points=100, sampler="lhs")
    assert p.conditions[0].options == {"weight": 3, "points": 100, "sampler": "lhs"}
    assert type(p.conditions[0].options["weight"]) is int
    p.train(steps=10, lr=sp.Float(0.01)).train(model="fourier")
    assert p.settings == {"steps": 10, "lr": 0.01, "model": "fourier"}


def test_exact_is_a_dict_and_callable():
    p = kitchen_built()
    assert isinstance(p.exact, dict) and p.exact == {}
    p.exact(u, x * y * t)
    p.exact["v"] = sp.Integer(0)  # the IR mapping stays writable
    assert p.exact == {"u": x * y * t, "v": 0}
    assert Problem("q", exact={"u": x}).exact == {"u": x}


def test_on_accepts_a_named_region_object():
    from pinnlang.geometry import Disk, Rectangle

    hole = Disk((0, 0), 0.2)
    p = (Problem("p").region("hole", hole).space((x, y), Rectangle((-1, 1), (-1, 1)) - hole)
         .field(u).boundary(u(), on=Disk((0, 0), 0.2)))
    assert p.conditions[0].on.name == "hole"


def test_data_defaults_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = Problem("p").space(x, 0, 1).field(u, v).data("obs.csv", u, "v")
    assert p.conditions[0].data.fields == ("u", "v")
    assert p.conditions[0].data.base_dir == str(tmp_path)
