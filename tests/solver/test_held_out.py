"""Noisy observations held out of training judge the Levenberg-Marquardt phase's parameters
(pinnlang/solver/held_out.py): the phase keeps its best parameters by the loss with the held-out
rows in place of the trained ones."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

import pinnlang
import pinnlang.solver.module as module_of_the_solver
from pinnlang.solver.held_out import (
    HELD_OUT_PATIENCE,
    HELD_OUT_RESTORE_FACTOR,
    held_out_batches,
    held_out_judge,
    judged_loss,
)
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer

from .test_lm_phase import _module, _system

x, k = sp.symbols("x k")
u = sp.Function("u")


def _inverse(tmp_path, noise=0.05):
    """Identify k in k u'' = -pi^2 sin(pi x) / 2 (true k = 0.5, u = sin(pi x)) from 200 noisy
    observations of u."""
    xs = np.linspace(0.01, 0.99, 200)
    observed = np.sin(np.pi * xs) + np.random.default_rng(3).normal(0, noise, xs.size)
    lines = ["x,u"] + [f"{a:.17g},{b:.17g}" for a, b in zip(xs, observed)]
    (tmp_path / "obs.csv").write_text("\n".join(lines) + "\n")
    problem = (pinnlang.Problem("noisy_inverse").unknown(k, 1.0).space(x, 0, 1).field(u)
               .pde(sp.Eq(k * u(x).diff(x, 2), -sp.pi**2 * sp.sin(sp.pi * x) / 2))
               .boundary(sp.Eq(u(x), 0))
               .data("obs.csv", u, base_dir=tmp_path, noise=noise))
    problem.exact(u, sp.sin(sp.pi * x))
    return problem


def test_a_judge_decides_which_parameters_are_kept():
    module = _module()
    system = _system(module)
    judged = iter([5.0, 3.0, 4.0])
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True, judge=lambda: next(judged))
    for round_index in range(3):  # three fresh rounds: judged 5, 3, 4
        optimizer.step(lambda round_index=round_index: (system, round_index))
    assert optimizer.record["best_loss"] == 3.0 and optimizer.record["best_iteration"] == 1
    assert "judge" not in optimizer.state_dict()["param_groups"][0]  # the checkpoint stays plain data


def test_the_phase_is_judged_on_the_held_out_rows(tmp_path, monkeypatch):
    calls = []

    def spying(module):
        judge = held_out_judge(module)
        assert judge is not None

        def spy():
            calls.append(judge())
            return calls[-1]
        return spy

    monkeypatch.setattr(module_of_the_solver, "held_out_judging", lambda module: {"judge": spying(module)})
    result = pinnlang.solve(_inverse(tmp_path), steps=30, lm_steps=6, lm_resample_every=2, width=8,
                            depth=2, points=64, quiet=True)
    optimizer = result.trainer.optimizers[0]
    # one judgement per fresh round (three), one of the end, and one of each average of the end
    # with the last rounds' starts (2 and 4 parameter sets)
    assert len(calls) == 6
    assert optimizer.record["best_loss"] == min(calls[:3])
    module = result.module
    held = held_out_batches(module.compiled.conditions)
    assert set(held) == {"data"} and len(held["data"].x) == 30
    # the held-out rows are not the trained ones: the judgement differs from the training loss,
    # and with the trained rows in their place it is the training loss
    trained = module.training_points()
    module.measure_losses(trained)
    training_loss = float(module._last[0])
    assert judged_loss(module, held) != pytest.approx(training_loss, rel=1e-6)
    assert judged_loss(module, {"data": trained["data"]}) == pytest.approx(training_loss, rel=1e-6)


def test_no_judge_without_held_out_rows(tmp_path):
    assert held_out_judge(_module()) is None  # a problem without data
    problem = _inverse(tmp_path)
    exact = problem.__class__("exact_data").unknown(k, 1.0).space(x, 0, 1).field(u)
    exact = exact.pde(problem.conditions[0].equation).data("obs.csv", u, base_dir=tmp_path)
    result = pinnlang.solve(exact, steps=4, lm_steps=2, lm_resample_every=1, width=8, depth=2,
                            points=32, quiet=True)
    assert result.trainer.optimizers[0].judge is None  # exact observations: every row trains


def test_patience_and_any_better_judgement_bring_the_kept_parameters_back():
    module = _module()
    system = _system(module)
    judged = iter([3.0, 2.0, 2.5, 2.6])
    optimizer = LevenbergMarquardtOptimizer(module.parameters(), keep_best=True, judge=lambda: next(judged),
                                            restore_factor=HELD_OUT_RESTORE_FACTOR, patience=2)
    kept = None
    for round_index in range(4):
        assert not optimizer.exhausted
        if round_index == 1:  # judged before its iteration: these parameters
            kept = [p.detach().clone() for p in module.parameters()]
        optimizer.step(lambda round_index=round_index: (system, round_index))
    assert optimizer.exhausted and optimizer.record["best_loss"] == 2.0
    assert optimizer.restore_best(2.01)  # any worse final judgement: the kept ones come back
    for p, k in zip(module.parameters(), kept):
        torch.testing.assert_close(p.detach(), k)


def test_a_phase_whose_judgement_stops_improving_stops(tmp_path, monkeypatch):
    judged = iter(range(100))  # every round judged worse than the one before

    monkeypatch.setattr(module_of_the_solver, "held_out_judging", lambda module: {
        "judge": lambda: float(next(judged)), "restore_factor": HELD_OUT_RESTORE_FACTOR,
        "patience": HELD_OUT_PATIENCE})
    result = pinnlang.solve(_inverse(tmp_path), steps=10, lm_steps=40, lm_resample_every=1, width=8,
                            depth=2, points=32, steps_per_batch=1, quiet=True)
    # the first round is the best; HELD_OUT_PATIENCE rounds later the phase stops
    assert result.steps == 10 + HELD_OUT_PATIENCE + 1
    optimizer = result.trainer.optimizers[0]
    assert optimizer.record["best_iteration"] == 0 and optimizer.exhausted
    for p in result.module.parameters():  # and ends on the parameters judged best
        torch.testing.assert_close(p.detach(), optimizer.state[p]["best"])


def test_a_run_that_never_judges_trains_on_every_row(tmp_path):
    adam = pinnlang.solve(_inverse(tmp_path), steps=3, width=8, depth=2, points=32, quiet=True)
    data = adam.module.compiled.condition("data")
    assert data.held_out() is None and len(data.inputs) == 200
    assert len(adam.module.training_points()["data"].x) == 200
    judged = pinnlang.solve(_inverse(tmp_path), steps=3, lm_steps=2, lm_resample_every=1, width=8,
                            depth=2, points=32, quiet=True)
    assert len(judged.module.training_points()["data"].x) == 170  # 30 held out
    optimizer = judged.trainer.optimizers[0]
    assert optimizer.judge is not None and optimizer.patience == HELD_OUT_PATIENCE
    assert optimizer.restore_factor == HELD_OUT_RESTORE_FACTOR
