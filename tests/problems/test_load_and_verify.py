"""Every problem file loads and checks, and its ``exact:`` statements satisfy its conditions.

Three views of the same claim: the parser's exact solutions equal the hand-written ones of
:mod:`.handwritten`; the parsed PDEs, with the hand-written solutions substituted, simplify to 0
in SymPy; and the compiler's :func:`~pinnlang.compile.verify_exact` finds every condition
(boundaries, initial conditions, periodic ends, observations) satisfied in float64.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import sympy as sp

from pinnlang.compile import verify_exact
from pinnlang.problem import Problem
from pinnlang.syntax import load

from .handwritten import CASES, DEFAULT_TRAINING, NO_EXACT, TIME_BUDGET, TRUE_UNKNOWNS, is_zero

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
STEMS = sorted(p.stem for p in PROBLEMS.glob("*.pinn"))


@cache
def _problem(stem: str) -> Problem:
    return load(PROBLEMS / f"{stem}.pinn")


def _numeric_substitutions(problem: Problem, stem: str) -> dict[sp.Symbol, sp.Expr]:
    values = dict(problem.constant_values())
    for name, value in TRUE_UNKNOWNS.get(stem, {}).items():
        values[sp.Symbol(name)] = sp.nsimplify(value)
    return values


@pytest.mark.parametrize("stem", STEMS)
def test_file_loads_and_checks(stem):
    problem = _problem(stem)
    assert problem.name == stem
    assert problem.title
    if stem in DEFAULT_TRAINING:
        assert not problem.settings
    elif stem in TIME_BUDGET:
        assert problem.settings == TIME_BUDGET[stem]
    else:
        assert problem.settings["model"] in ("mlp", "fourier", "modified_mlp")
        assert {"steps", "lr", "width", "depth", "points"} <= set(problem.settings)
        assert {"lbfgs_steps", "lm_steps"} & set(problem.settings)
    assert problem.conditions_of("pde")
    if stem in NO_EXACT:
        assert not problem.exact
    else:
        assert set(problem.exact) == set(problem.field_names) == set(CASES[stem]().exact)


@pytest.mark.parametrize("stem", sorted(CASES))
def test_parsed_exact_equals_the_handwritten_one(stem):
    problem = _problem(stem)
    values = _numeric_substitutions(problem, stem)
    for field, expected in CASES[stem]().exact.items():
        parsed = sp.sympify(problem.exact[field]).subs(values)
        assert is_zero(parsed - expected), f"{stem}: exact {field} differs from the hand-written one"


@pytest.mark.parametrize("stem", sorted(CASES))
def test_parsed_pdes_vanish_on_the_handwritten_solution(stem):
    problem = _problem(stem)
    solution = CASES[stem]().exact
    applied = {problem.applied(name): expr for name, expr in solution.items()}
    values = _numeric_substitutions(problem, stem)
    for condition in problem.conditions_of("pde"):
        residual = condition.residual.subs(applied).doit().subs(values)
        assert is_zero(residual), f"{stem}: pde '{condition.name}' leaves {sp.simplify(residual)}"


@pytest.mark.parametrize("stem", sorted(CASES))
def test_verify_exact_passes_every_condition(stem):
    problem = _problem(stem)
    reports = verify_exact(problem, n=200, unknowns=TRUE_UNKNOWNS.get(stem))
    assert [r.name for r in reports] == [c.name for c in problem.conditions]
    failing = [(r.name, r.max_abs, r.scale) for r in reports if not r.ok]
    assert not failing, f"{stem}: exact solution violates {failing}"


def test_verify_exact_fits_the_unknown_of_the_inverse_problem():
    # Without given values verify_exact fits k; the exact solution was written for k = 0.5.
    problem = _problem("diffusion_inverse")
    fitted = verify_exact(problem, n=200)
    assert all(r.ok for r in fitted)
    assert fitted[0].unknowns["k"] == pytest.approx(0.5, abs=1e-6)


def test_verify_exact_notices_a_wrong_unknown():
    # With k = 1 (the initial guess) instead of 0.5 the exact solution breaks the PDE, while the
    # observations (generated with k = 0.5) still match it.
    reports = {r.name: r for r in verify_exact(_problem("diffusion_inverse"), n=200, unknowns={"k": 1.0})}
    assert not reports["pde"].ok
    assert reports["data"].ok
