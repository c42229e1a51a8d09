"""Training real problems to real accuracy on the CPU, with tiny networks and budgets."""

from __future__ import annotations

import lightning as L
import numpy as np
import pytest
import torch

import pinnlang
from pinnlang.errors import PinnRuntimeError
from pinnlang.solver import PinnModule

from .conftest import BROKEN, INVERSE, PARAMETRIC, TINY, write_observations


def test_poisson_1d_reaches_l2_error_below_1e_2(poisson, capsys):
    result = pinnlang.solve(poisson, steps=300, lbfgs_steps=60, lr=3e-3, width=20, depth=2,
                            points=64, quiet=False, enable_progress_bar=False)
    errors = result.errors()
    assert errors["u"] < 1e-2
    assert result.steps == 360
    assert isinstance(result.module, PinnModule) and isinstance(result.module, L.LightningModule)
    assert isinstance(result.trainer, L.Trainer)
    assert isinstance(result.trainer.optimizers[0], torch.optim.LBFGS)  # the second phase ran
    assert set(result.losses) == {"pde", "boundary"}
    assert result.history[-1]["step"] == 360 and result.history[-1]["loss"] < result.history[0]["loss"]
    table = capsys.readouterr().out
    for text in ("poisson1d", "steps", "360", "loss pde", "L2 rel. error u", "device", "cpu"):
        assert text in table


def test_lbfgs_improves_on_adam(poisson):
    adam = pinnlang.solve(poisson, steps=150, lr=3e-3, **TINY)
    both = pinnlang.solve(poisson, steps=150, lbfgs_steps=30, lr=3e-3, **TINY)
    assert both.history[-1]["loss"] < 0.5 * adam.history[-1]["loss"]


@pytest.mark.slow
def test_inverse_problem_recovers_the_diffusion_coefficient(tmp_path):
    write_observations(tmp_path)
    path = tmp_path / "inverse.pinn"
    path.write_text(INVERSE)
    result = pinnlang.solve(path, steps=300, lbfgs_steps=100, lr=5e-3, width=20, depth=3,
                            points=300, quiet=True)
    assert result.unknowns["k"] == pytest.approx(0.5, rel=0.05)
    assert result.history[0]["unknown/k"] > 0.9  # it started from the initial guess 1.0


def test_parametric_problem_is_one_network_for_the_range():
    result = pinnlang.solve(pinnlang.parse(PARAMETRIC), steps=300, lbfgs_steps=40, lr=3e-3,
                            width=20, depth=2, points=128, quiet=True)
    assert result.input_names == ["x", "a"]
    x = np.linspace(0, 1, 101)
    for a in (1.0, 2.0, 3.0):
        u = result.predict(x=x, a=a)["u"]
        exact = a * np.sin(np.pi * x)
        assert np.linalg.norm(u - exact) / np.linalg.norm(exact) < 5e-2
    assert result.errors()["u"] < 5e-2


def test_non_finite_loss_names_the_condition_and_the_step():
    with pytest.raises(PinnRuntimeError, match=r"condition 'heat' became non-finite .* at step 1\b"):
        pinnlang.solve(pinnlang.parse(BROKEN), steps=20, **TINY)


def test_user_module_as_the_network(poisson):
    body = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    result = pinnlang.solve(poisson, model=body, steps=40, **TINY)
    assert result.network.net is body
    assert result.steps == 40


def test_double_precision_trains_in_float64(poisson):
    result = pinnlang.solve(poisson, steps=5, precision="64-true", **TINY)
    assert next(result.network.parameters()).dtype == torch.float64
    assert result.compiled.lower.dtype == torch.float64
    assert result.predict(x=np.array([0.5]))["u"].dtype == np.float64


def test_max_time_stops_training(poisson):
    result = pinnlang.solve(poisson, steps=100_000, max_time=1, **TINY)
    assert 0 < result.steps < 100_000
