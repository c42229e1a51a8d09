"""The growth rate of an initial-data error (pinnlang/solver/growth.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

import pinnlang
from pinnlang.compile import compile_problem
from pinnlang.solver.growth import initial_growth_rate

x, t = sp.symbols("x t")
u, v = sp.Function("u"), sp.Function("v")


def _rate(problem):
    return initial_growth_rate(compile_problem(problem, dtype=torch.float64), np.random.default_rng(0))


def _evolution(rhs, initial=x**2 * sp.cos(sp.pi * x), span=1):
    return (pinnlang.Problem("evolution").space(x, -1, 1).time(t, 0, span).field(u)
            .pde(sp.Eq(u(x, t).diff(t), rhs)).initial(sp.Eq(u(x, t), initial)).periodic(x))


def test_allen_cahn_grows_fastest_where_its_data_cross_zero():
    rate = _rate(_evolution(1e-4 * u(x, t).diff(x, 2) - 5 * u(x, t)**3 + 5 * u(x, t)))
    assert rate == pytest.approx(5.0, abs=1e-3)


def test_burgers_grows_at_its_steepest_compression():
    rate = _rate(_evolution(-u(x, t) * u(x, t).diff(x) + 0.01 * u(x, t).diff(x, 2),
                            initial=-sp.sin(sp.pi * x)))
    assert rate == pytest.approx(math.pi, rel=1e-3)


def test_heat_and_decay_do_not_grow():
    assert _rate(_evolution(0.1 * u(x, t).diff(x, 2))) == 0.0
    assert _rate(_evolution(-2 * u(x, t))) == 0.0


def test_a_time_derivative_with_a_coefficient_divides_the_rate():
    problem = (pinnlang.Problem("scaled").space(x, -1, 1).time(t, 0, 1).field(u)
               .pde(sp.Eq(4 * u(x, t).diff(t), 2 * u(x, t))).initial(sp.Eq(u(x, t), sp.cos(x))))
    assert _rate(problem) == pytest.approx(0.5)


def test_a_system_grows_at_its_largest_eigenvalue():
    # u_t = v, v_t = 4 u: eigenvalues +-2; a damped oscillator (eigenvalues -0.1 +- i) does not grow
    def system(a, b):
        return (pinnlang.Problem("system").time(t, 0, 1).field(u, v)
                .pde(sp.Eq(u(t).diff(t), v(t))).pde(sp.Eq(v(t).diff(t), a * u(t) + b * v(t)))
                .initial(sp.Eq(u(t), 1)).initial(sp.Eq(v(t), 0)))

    assert _rate(system(4, 0)) == pytest.approx(2.0)
    assert _rate(system(-1.01, -0.2)) == 0.0


def test_problems_outside_the_form_have_no_rate():
    wave = (pinnlang.Problem("wave").space(x, 0, 1).time(t, 0, 1).field(u)
            .pde(sp.Eq(u(x, t).diff(t, 2), u(x, t).diff(x, 2)))
            .initial(sp.Eq(u(x, t), sp.sin(sp.pi * x))).initial(sp.Eq(u(x, t).diff(t), 0)))
    steady = (pinnlang.Problem("steady").space(x, 0, 1).field(u)
              .pde(sp.Eq(u(x).diff(x, 2), 1)).boundary(sp.Eq(u(x), 0)))
    no_initial_value = (pinnlang.Problem("data only").space(x, 0, 1).time(t, 0, 1).field(u)
                        .pde(sp.Eq(u(x, t).diff(t), u(x, t).diff(x, 2))).boundary(sp.Eq(u(x, t), 0)))
    p = sp.Function("p")
    constrained = (pinnlang.Problem("constrained").space(x, 0, 1).time(t, 0, 1).field(u, p)
                   .pde(sp.Eq(u(x, t).diff(t), 3 * u(x, t) - p(x, t).diff(x)))
                   .pde(sp.Eq(p(x, t).diff(x, 2), u(x, t).diff(x)))
                   .initial(sp.Eq(u(x, t), sp.sin(sp.pi * x))))
    assert _rate(wave) is None
    assert _rate(steady) is None
    assert _rate(no_initial_value) is None
    assert _rate(constrained) is None  # a pde and a field without time derivative
