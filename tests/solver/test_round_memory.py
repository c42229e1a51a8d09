"""The memory of a Levenberg-Marquardt phase on fresh points: past rounds' Gauss-Newton models,
weighted per round, that every step also minimises; on residuals linear in the parameters it is
recursive least squares (the models are exact), so with nothing forgotten the phase ends at the
least-squares solution of every round's rows together."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import pinnlang
from pinnlang.solver.levenberg_marquardt import TrainedParameters
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer
from pinnlang.solver.round_memory import GaussNewtonModel

from .conftest import POISSON
from .test_levenberg_marquardt import _module as residual_module
from .test_levenberg_marquardt import _system as residual_system


def _model(size: int, seed: int) -> GaussNewtonModel:
    g = torch.Generator().manual_seed(seed)
    rows = torch.randn(2 * size, size, generator=g, dtype=torch.float64)
    return GaussNewtonModel(rows.T @ rows, torch.randn(size, generator=g, dtype=torch.float64),
                            torch.randn(size, generator=g, dtype=torch.float64))


def _value(model: GaussNewtonModel, theta: torch.Tensor) -> float:
    d = theta - model.at
    return float(2 * model.gradient @ d + d @ (model.gram @ d))


def test_a_model_s_change_is_the_difference_of_its_values():
    model = _model(5, 0)
    theta, delta = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    assert model.change(theta, delta) == pytest.approx(_value(model, theta + delta) - _value(model, theta), rel=1e-12)


def test_folding_weights_the_older_model_and_adds_the_newer_one():
    older, newer = _model(6, 1), _model(6, 2)
    folded = older.folded(newer, 0.7)
    assert torch.equal(folded.at, newer.at)
    for seed in range(3):
        g = torch.Generator().manual_seed(10 + seed)
        theta, delta = (torch.randn(6, generator=g, dtype=torch.float64) for _ in range(2))
        expected = 0.7 * older.change(theta, delta) + newer.change(theta, delta)
        assert folded.change(theta, delta) == pytest.approx(expected, rel=1e-10)


class _Line(nn.Module):
    def __init__(self, size: int):
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(size, dtype=torch.float64))


class LinearRows(TrainedParameters):
    """Residuals ``X θ − y``: their Gauss-Newton model is exact."""

    def __init__(self, owner: nn.Module, x: torch.Tensor, y: torch.Tensor):
        self._take_parameters(owner)
        self.reduce = None
        self.x, self.y = x, y

    def residual(self, params=None):
        params = self.current() if params is None else params
        return self.x @ params["theta"].double() - self.y

    def prepare(self):
        self.rho = self.residual()
        return self.rho

    def normal_equations(self):
        return self.x.T @ self.x, self.x.T @ self.rho

    def damped_step(self, damping, memory=None, at=None):
        gram, gradient = self.normal_equations()
        if memory is not None:
            gram, gradient = gram + memory.gram, gradient + memory.gradient_at(at)
        return -torch.linalg.solve(gram + damping * torch.eye(len(gradient), dtype=gram.dtype), gradient)


def _rounds(owner, count=3, rows=4, size=3):
    g = torch.Generator().manual_seed(5)
    truth = torch.randn(size, generator=g, dtype=torch.float64)
    systems = []
    for _ in range(count):
        x = torch.randn(rows, size, generator=g, dtype=torch.float64)
        systems.append(LinearRows(owner, x, x @ truth + 0.3 * torch.randn(rows, generator=g, dtype=torch.float64)))
    return systems


def _run(memory: float, iterations: int = 12):
    owner = _Line(3)
    systems = _rounds(owner)
    optimizer = LevenbergMarquardtOptimizer(owner.parameters(), keep_best=True, memory=memory, damping=1e-8)
    for k, system in enumerate(systems):
        for _ in range(iterations):
            optimizer.step(lambda: (system, k))
    return owner.theta.detach(), systems, optimizer


def test_with_nothing_forgotten_the_rounds_end_at_the_least_squares_fit_of_all_their_rows():
    theta, systems, optimizer = _run(memory=1.0)
    x = torch.cat([s.x for s in systems])
    y = torch.cat([s.y for s in systems])
    together = torch.linalg.lstsq(x, y.unsqueeze(1)).solution.squeeze(1)
    torch.testing.assert_close(theta, together, rtol=1e-7, atol=1e-9)
    assert optimizer.record["remembered_rounds"] == 2  # the second and third rounds stepped with one


def test_without_a_memory_the_last_round_fits_its_own_rows():
    theta, systems, optimizer = _run(memory=0.0)
    own = torch.linalg.lstsq(systems[-1].x, systems[-1].y.unsqueeze(1)).solution.squeeze(1)
    torch.testing.assert_close(theta, own, rtol=1e-7, atol=1e-9)
    assert optimizer.memory is None


def test_a_forgetting_factor_weights_the_older_rounds_less():
    theta, systems, _ = _run(memory=0.5)
    weights = [0.5, 1.0, 1.0]  # the last round counts as the round's own, each before it half the next
    x = torch.cat([w ** 0.5 * s.x for w, s in zip(weights, systems)])
    y = torch.cat([w ** 0.5 * s.y for w, s in zip(weights, systems)])
    expected = torch.linalg.lstsq(x, y.unsqueeze(1)).solution.squeeze(1)
    torch.testing.assert_close(theta, expected, rtol=1e-7, atol=1e-9)


def test_the_memory_survives_the_state_dict_in_float64():
    module = residual_module(pinnlang.parse(POISSON), points=120)  # more rows than the 97 parameters
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True, memory=0.8)
    for k in range(3):
        module._points = None
        module.settings.seed = k  # a fresh sample per round
        system = residual_system(module)
        optimizer.step(lambda: (system, k))
        optimizer.step(lambda: (system, k))
    memory = optimizer.memory
    assert memory is not None and memory.gram.dtype == torch.float64
    again = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True, memory=0.8)
    again.load_state_dict(optimizer.state_dict())
    assert again.memory.gram.dtype == torch.float64 and again.memory.at.dtype == torch.float64
    torch.testing.assert_close(again.memory.gram, memory.gram, rtol=0, atol=0)
    torch.testing.assert_close(again.memory.gradient, memory.gradient, rtol=0, atol=0)


def test_the_dense_system_steps_on_its_own_model_plus_the_memory():
    module = residual_module(pinnlang.parse(POISSON), points=120, precision="64-true")
    system = residual_system(module)
    system.prepare()
    gram, gradient = system.normal_equations()
    theta = torch.cat([p.reshape(-1) for p in system.current().values()]).double()
    memory = _model(system.size, 3)
    step = system.damped_step(1e-3, memory, theta)
    matrix = gram + memory.gram + 1e-3 * torch.eye(system.size, dtype=torch.float64)
    torch.testing.assert_close(step, -torch.linalg.solve(matrix, gradient + memory.gradient_at(theta)))
    assert system.damped_step(1e-3) is not None  # without one, its own


def test_a_system_with_fewer_rows_than_parameters_has_no_normal_equations_and_no_memory():
    module = residual_module(pinnlang.parse(POISSON), points=20)
    system = residual_system(module)
    system.prepare()
    assert system.normal_equations() is None
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True, memory=0.8)
    for k in range(2):
        optimizer.step(lambda: (system, k))
    assert optimizer.memory is None


@pytest.mark.parametrize("memory, said", [(0.25, True), (0.0, False)])
def test_the_phase_says_when_its_steps_remember_past_rounds(memory, said, capsys):
    pinnlang.solve(pinnlang.parse(POISSON), steps=20, lm_steps=6, lm_resample_every=2, lm_points=120,
                   width=8, depth=2, seed=0, engine="forward", lm_memory=memory, quiet=False)
    printed = "".join(capsys.readouterr())
    assert "Levenberg-Marquardt: dense" in printed
    assert ("also fits the last round's Gauss-Newton model" in printed) == said
