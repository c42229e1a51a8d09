"""SymPy -> torch lowering: the function table, numbers, powers, booleans, errors."""

from __future__ import annotations

import math

import pytest
import sympy as sp
import torch

from pinnlang.compile.lowering import FUNCTIONS, Env, Lowerer
from pinnlang.compile.normalize import SymbolTable, prepare
from pinnlang.errors import PinnRuntimeError, PinnSemanticError

from .builders import t, u, x

k, c = sp.symbols("k c")
TABLE = SymbolTable(inputs=(x, t), fields=("u",), unknowns=(k,), constants={c: sp.Float(0.25)})
X = torch.tensor([[-0.5, 0.2], [0.3, 0.7], [0.9, 0.1]], dtype=torch.float64)
XS, TS = X[:, 0], X[:, 1]


def run(expr, env: Env | None = None, **lowerer):
    evaluator = Lowerer(TABLE, **lowerer).lower(prepare(expr, TABLE))
    return evaluator(env or Env(X, unknowns={"k": torch.tensor(2.0, dtype=torch.float64)}))


@pytest.mark.parametrize(
    "fn,reference",
    [
        (sp.sin, torch.sin), (sp.cos, torch.cos), (sp.tan, torch.tan), (sp.asin, torch.asin),
        (sp.acos, torch.acos), (sp.atan, torch.atan), (sp.sinh, torch.sinh),
        (sp.cosh, torch.cosh), (sp.tanh, torch.tanh), (sp.exp, torch.exp),
        (sp.Abs, torch.abs), (sp.sign, torch.sign),
    ],
)
def test_one_argument_functions(fn, reference):
    torch.testing.assert_close(run(fn(x)), reference(XS))


def test_log_sqrt_and_two_argument_functions():
    torch.testing.assert_close(run(sp.log(t)), torch.log(TS))
    torch.testing.assert_close(run(sp.sqrt(t)), torch.sqrt(TS))
    torch.testing.assert_close(run(1 / sp.sqrt(t)), torch.rsqrt(TS))
    torch.testing.assert_close(run(sp.atan2(x, t)), torch.atan2(XS, TS))
    ones, zeros = torch.ones(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    torch.testing.assert_close(run(sp.atan2(x, 1)), torch.atan2(XS, ones))
    torch.testing.assert_close(run(sp.Min(x, t, 0)), torch.minimum(torch.minimum(XS, TS), zeros))
    torch.testing.assert_close(run(sp.Max(x, t)), torch.maximum(XS, TS))
    torch.testing.assert_close(run(sp.Heaviside(x)), (XS > 0).double())
    assert run(sp.Heaviside(x - 0.3))[1] == 0.5  # the value at zero is SymPy's H(0) = 1/2
    assert set(FUNCTIONS) >= {sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.sinh,
                              sp.cosh, sp.tanh, sp.exp, sp.log, sp.Abs, sp.sign}


def test_numbers_and_constants_fold_at_compile_time():
    assert run(sp.Float(0.01) / sp.pi) == pytest.approx(0.01 / math.pi)
    assert run(sp.E**2 + sp.sin(1)) == pytest.approx(math.e**2 + math.sin(1))
    assert run(c * 4) == pytest.approx(1.0)  # constants substituted, then folded
    torch.testing.assert_close(run(c * x + sp.pi), 0.25 * XS + math.pi)


def test_integer_powers_keep_negative_bases_finite():
    torch.testing.assert_close(run(x**2), XS * XS)
    torch.testing.assert_close(run(x**3), XS**3)
    torch.testing.assert_close(run(x**5), XS**5)
    torch.testing.assert_close(run(x**-1), 1 / XS)
    torch.testing.assert_close(run(x**-3), XS**-3)
    assert torch.isfinite(run(x**7)).all() and run(x**7)[0] < 0
    torch.testing.assert_close(run(t**sp.Rational(3, 2)), TS**1.5)
    torch.testing.assert_close(run(2**x), 2.0**XS)
    torch.testing.assert_close(run(t**x), TS**XS)


def test_unknowns_are_the_given_tensors_so_they_learn():
    k_value = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    out = run(k * x**2, Env(X, unknowns={"k": k_value}))
    out.sum().backward()
    assert k_value.grad == pytest.approx(float((XS**2).sum()))
    with pytest.raises(PinnRuntimeError, match="no value given for the unknown 'k'"):
        run(k * x, Env(X))


def test_booleans_and_relationals_with_tolerance():
    torch.testing.assert_close(run(sp.And(x > 0, t < 0.5)), torch.tensor([False, False, True]))
    assert run(sp.Or(x < 0, sp.Not(t > 0.5))).tolist() == [True, False, True]
    eq = sp.Eq(x, 0.3 + 1e-10, evaluate=False)
    torch.testing.assert_close(run(eq, eq_tol=1e-9), torch.tensor([False, True, False]))
    torch.testing.assert_close(run(eq, eq_tol=0.0), torch.tensor([False, False, False]))
    assert run(sp.Eq(sp.Abs(x), 0.5, evaluate=False), eq_tol=1e-9).tolist() == [True, False, False]
    assert run(sp.Ne(x, 0.3), eq_tol=1e-9).tolist() == [True, False, True]
    assert run(x <= 0.3 - 1e-12, eq_tol=1e-9).tolist() == [True, True, False]
    assert run(sp.true).tolist() == [True, True, True]


def test_reading_a_field_needs_an_evaluation():
    with pytest.raises(PinnRuntimeError, match="no network was evaluated"):
        run(u(x, t))


def test_unsupported_things_are_semantic_errors():
    with pytest.raises(PinnSemanticError, match="unknown name 'q'"):
        run(sp.Symbol("q") * x)
    with pytest.raises(PinnSemanticError, match="not supported"):
        run(sp.erf(x))
    with pytest.raises(PinnSemanticError, match="must be applied to all inputs"):
        prepare(u(x) + 1, TABLE)
    with pytest.raises(PinnSemanticError, match="not a declared field"):
        prepare(sp.Function("w")(x, t), TABLE)
    with pytest.raises(PinnSemanticError, match="not a real number"):
        run(sp.I * x)
    with pytest.raises(TypeError, match="expected a SymPy expression"):
        prepare("sin(x)", TABLE)


def test_derivatives_of_abs_come_out_real():
    expr = prepare(sp.diff(sp.Abs(u(x, t)), x), TABLE)
    assert not expr.has(sp.re, sp.im)
    assert expr.atoms(sp.Derivative) == {u(x, t).diff(x)}


def test_unapplied_fields_and_unexpanded_laplacians_are_completed():
    from pinnlang.problem.operators import Laplacian, dn

    table = SymbolTable(inputs=(x, t), fields=("u",), normals=(sp.Dummy("n_x"),))
    expr = prepare(Laplacian(u) + dn(u), table)
    assert expr == u(x, t).diff(x, 2) + table.normals[0] * u(x, t).diff(x)
