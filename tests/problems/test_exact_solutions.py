"""Every ``exact:`` solution in ``problems/`` satisfies its equations, checked symbolically.

The equations are the hand-written SymPy statements of :mod:`.handwritten` (independent of the
parser); ``test_load_and_verify.py`` checks the files themselves through the parser and compiler.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from .handwritten import CASES, NO_EXACT, is_zero, lap, pi, x, y

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


@pytest.mark.parametrize("name", sorted(CASES))
def test_exact_solution_satisfies_its_equations(name):
    failures = [label for label, expr in CASES[name]().checks.items() if not is_zero(expr)]
    assert not failures, f"{name}: nonzero residual for {failures}"


def test_every_problem_file_is_checked_or_known_to_have_no_exact():
    files = {p.stem for p in PROBLEMS.glob("*.pinn")}
    assert files == set(CASES) | NO_EXACT


def test_a_wrong_solution_is_caught():
    # The check has teeth: a sign error in a manufactured source term is not simplified away.
    u = sp.sin(pi * x) * sp.sin(pi * y)
    assert not is_zero(-lap(u, (x, y)) + 2 * pi**2 * u)
