"""The convergence diagnosis of a finished run (pinnlang/solver/diagnosis.py)."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch

import pinnlang
from pinnlang.compile import compile_problem
from pinnlang.solver.diagnosis import (HOT_SHARE, ConditionHealth, Diagnosis, RELATIVE_TOLERANCE,
                                       diagnose, hot_spots)
from pinnlang.solver.plan import DEFAULT_TIME_WINDOWS

x, t = sp.symbols("x t")
u = sp.Function("u")


class Formula(torch.nn.Module):
    """A "network" given by a formula of the inputs (N, d) -> (N, 1)."""

    def __init__(self, formula):
        super().__init__()
        self.formula = formula
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.formula(inputs).reshape(-1, 1) + 0.0 * self.dummy


def _poisson(boundary_value=0):
    return (pinnlang.Problem("poisson").space(x, 0, 1).field(u)
            .pde(sp.Eq(-u(x).diff(x, 2), sp.pi**2 * sp.sin(sp.pi * x)))
            .boundary(sp.Eq(u(x), boundary_value)))


def _heat(initial=sp.sin(sp.pi * x)):
    return (pinnlang.Problem("heat").space(x, 0, 1).time(t, 0, 1).field(u)
            .pde(sp.Eq(u(x, t).diff(t), 0.1 * u(x, t).diff(x, 2)))
            .initial(sp.Eq(u(x, t), initial)).boundary(sp.Eq(u(x, t), 0)))


def _diagnose(problem, formula, history=(), settings=None):
    compiled = compile_problem(problem, dtype=torch.float64)
    return diagnose(compiled, Formula(formula).double(), {}, list(history),
                    settings or {"model": "mlp", "width": 20, "depth": 3}, parameters=921)


def test_the_exact_solution_has_converged():
    diagnosis = _diagnose(_poisson(), lambda z: torch.sin(math.pi * z[:, 0]))
    assert diagnosis.converged and diagnosis.suggestions == ()
    assert all(c.relative < 1e-6 for c in diagnosis.conditions)
    assert diagnosis.describe().startswith("converged")


def test_a_violated_boundary_condition_is_named_and_a_weight_suggested():
    # -u'' = pi^2 sin(pi x) holds exactly everywhere, but u = 0 fails by 1 at both ends
    diagnosis = _diagnose(_poisson(), lambda z: torch.sin(math.pi * z[:, 0]) + 1.0)
    assert not diagnosis.converged
    assert diagnosis.worst.name == "boundary" and diagnosis.worst.relative > 0.5
    assert any("weight 'boundary'" in s for s in diagnosis.suggestions)
    text = diagnosis.describe()
    assert "NOT converged" in text and "'boundary'" in text and "try:" in text


def test_a_solution_resolved_early_but_not_late_gets_time_windows():
    def early_only(z):  # exact for t < 0.5, then drifting away
        exact = torch.exp(-0.1 * math.pi**2 * z[:, 1]) * torch.sin(math.pi * z[:, 0])
        return exact * (1 + 3 * torch.relu(z[:, 1] - 0.5) ** 2)

    diagnosis = _diagnose(_heat(), early_only)
    assert not diagnosis.converged
    assert diagnosis.late_ratio > 10
    # twice the windows the default training marches through already
    assert any(f"--time-windows {2 * DEFAULT_TIME_WINDOWS}" in s for s in diagnosis.suggestions)


def test_fast_oscillating_data_gets_fourier_features_along_that_axis():
    diagnosis = _diagnose(_heat(initial=sp.sin(20 * sp.pi * x)), lambda z: 0 * z[:, 0])
    fourier = [s for s in diagnosis.suggestions if "--model axis_fourier" in s]
    assert fourier, diagnosis.suggestions
    # sin(20 pi x) on [0, 1] is sin(10 pi xi + c) on the normalised input: wavenumber 31.4 along x
    assert "along x (31.4)" in fourier[0]
    assert "a larger network" in diagnosis.suggestions[-1]


def test_slow_data_gets_no_fourier_features():
    diagnosis = _diagnose(_heat(), lambda z: 0 * z[:, 0])
    assert not any("fourier" in s for s in diagnosis.suggestions)


def test_a_loss_still_falling_asks_for_longer_training():
    history = [{"step": s, "loss": math.exp(-s / 100)} for s in range(0, 1001, 100)]
    diagnosis = _diagnose(_poisson(), lambda z: 0 * z[:, 0], history=history)
    assert diagnosis.still_falling
    assert diagnosis.suggestions[0].startswith("train longer")
    flat = [{"step": s, "loss": 1.0} for s in range(0, 1001, 100)]
    assert not _diagnose(_poisson(), lambda z: 0 * z[:, 0], history=flat).still_falling


def test_data_conditions_do_not_decide():
    diagnosis = Diagnosis((ConditionHealth("pde", "pde", 1e-4), ConditionHealth("obs", "data", 0.3)),
                          None, False, ())
    assert diagnosis.converged and diagnosis.worst.name == "pde"
    assert not Diagnosis((ConditionHealth("pde", "pde", 2 * RELATIVE_TOLERANCE),), None, False, ()).converged


def test_a_run_that_cannot_converge_in_a_tiny_budget_says_so(tmp_path, capsys):
    result = pinnlang.solve(_heat(), steps=5, out=tmp_path / "run")
    printed = capsys.readouterr().out
    assert result.diagnosis["converged"] is False
    assert "NOT converged" in printed and "try:" in printed
    assert set(result.diagnosis["relative_residuals"]) == {"pde", "initial", "boundary"}
    assert result.diagnosis["suggestions"]
    loaded = pinnlang.Result.load(tmp_path / "run")
    assert loaded.metrics()["diagnosis"]["converged"] is False
    assert "NOT converged" in loaded.summary()


def test_squares_from_two_corners_are_two_hot_spots():
    x = np.random.default_rng(0).random((4000, 2))
    to_corners = np.stack([np.hypot(x[:, 0] - c, x[:, 1] - 1) for c in (0.0, 1.0)])
    squares = 1e-6 + (1.0 / (to_corners.min(axis=0) ** 2 + 1e-3)) ** 2  # like a lid's corners
    spots = hot_spots(x, squares, radius=0.07)
    assert len(spots) == 2 and sum(h.share for h in spots) >= 0.5
    assert {round(h.centre[0]) for h in spots} == {0, 1} and all(h.centre[1] > 0.9 for h in spots)
    assert all(h.points < HOT_SHARE and h.radius == 0.07 for h in spots)


def test_squares_spread_over_the_domain_have_no_hot_spot():
    rng = np.random.default_rng(1)
    x = rng.random((4000, 2))
    assert hot_spots(x, np.ones(4000), radius=0.07) == ()
    assert hot_spots(x, rng.exponential(size=4000) ** 2, radius=0.07) == ()
    assert hot_spots(x, np.zeros(4000), radius=0.07) == ()


def test_a_residual_at_one_place_is_located_and_looked_at_first():
    # exact but for a step of 0.01 at x = 0.3, 0.002 wide: the pde fails there and only there
    diagnosis = _diagnose(_poisson(), lambda z: torch.sin(math.pi * z[:, 0])
                          + 0.01 * torch.tanh((z[:, 0] - 0.3) / 0.002))
    assert not diagnosis.converged and diagnosis.worst.name == "pde"
    (spot,) = diagnosis.worst.hot_spots
    assert abs(spot.centre[0] - 0.3) < 0.01 and spot.share > 0.5
    assert diagnosis.suggestions[0].startswith("look at (0.3")
    assert "of the points near (0.3" in diagnosis.describe()
    assert diagnosis.to_dict()["hot_spots"]["pde"][0]["share"] == spot.share


def test_a_converged_condition_names_no_hot_spot():
    diagnosis = _diagnose(_poisson(), lambda z: torch.sin(math.pi * z[:, 0]))
    assert all(c.hot_spots == () for c in diagnosis.conditions)
    assert diagnosis.to_dict()["hot_spots"] == {}
