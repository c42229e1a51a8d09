"""The time budget: ``max_time`` with no step count re-planned, once a step's cost is measured,
into Adam + L-BFGS steps or Adam and a Levenberg-Marquardt phase on fresh points until the time is
up (the plan itself: ``test_plan.py``)."""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.results import Result
from pinnlang.solver.budget import TimeBudget
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer
from pinnlang.solver.plan import LM_ROWS_PER_PARAMETER

from .conftest import TINY


def test_a_planned_levenberg_marquardt_phase_runs_until_the_time_is_up(heat):
    result = pinnlang.solve(heat, max_time=3, width=16, depth=2, quiet=True)  # points: the default
    plan = result.module.plan
    assert not plan.measuring and [p.kind for p in plan.phases] == ["adam", "lm"]
    adam, lm = plan.phases
    assert lm.steps is None and plan.total_steps is None  # until the time is up
    assert result.settings["lm_steps"] == 0 and result.settings["steps"] == 2000  # not rewritten
    parameters = sum(p.numel() for p in result.module.parameters())
    assert lm.points == max(1000, LM_ROWS_PER_PARAMETER * parameters)
    assert result.steps > adam.steps  # Levenberg-Marquardt iterations ran after Adam, inside fit
    assert isinstance(result.trainer.optimizers[0], LevenbergMarquardtOptimizer)
    assert result.history[-1]["step"] == result.steps and result.errors()["u"] < 0.5
    assert len(result.module.training_points()["pde"].x) == lm.points


def test_budget_is_planned_and_followed(heat, tmp_path):
    # a Trainer gradient_clip_val turns pinnlang's own loop off, which a Levenberg-Marquardt phase
    # needs, so the plan is L-BFGS (Lightning's automatic optimisation: one step a batch)
    result = pinnlang.solve(heat, max_time=4, gradient_clip_val=1e3, **TINY)
    plan = result.module.plan
    k = result.module.steps_per_batch
    assert plan.budget == 4 and plan.measurement is not None and k == 1
    at = plan.measurement.at_step
    adam, lbfgs = plan.phases
    assert (adam.kind, lbfgs.kind) == ("adam", "lbfgs")
    assert adam.steps > at and adam.steps % k == 0 and lbfgs.steps % k == 0 and lbfgs.steps > 0
    assert adam.lr_schedule == "exponential" and adam.schedule_from == at
    assert result.settings["steps"] == 2000 and result.settings["lr_schedule"] == "constant"
    assert result.steps <= plan.total_steps
    assert result.history and result.history[-1]["step"] == result.steps
    adam_rows = [row for row in result.history if at < row["step"] <= adam.steps]
    assert adam_rows and adam_rows[0]["lr"] < 1e-3  # the decay started at the plan
    assert all(a["lr"] > b["lr"] for a, b in zip(adam_rows, adam_rows[1:]))
    if result.steps > adam.steps:  # the planned Adam steps ran out before the time: L-BFGS took over
        assert isinstance(result.trainer.optimizers[0], torch.optim.LBFGS)
        last = adam_rows[-1]  # the history's last row within Adam: a few steps before its end
        decayed = result.settings["lr_decay"] ** ((last["step"] - at) / (adam.steps - at))
        assert last["lr"] == pytest.approx(1e-3 * decayed, rel=0.02)
    assert result.plan == plan.describe() and "plan" in result.summary()
    folder = result.save(tmp_path / "run", plots=False)
    assert Result.load(folder).plan == result.plan


def test_a_given_lbfgs_count_is_kept_and_adam_planned_in_whole_batches(heat):
    # ten steps a batch (the log interval): Adam's share, in whole batches, before the 20 L-BFGS
    result = pinnlang.solve(heat, max_time=3, steps_per_batch=10, lbfgs_steps=20, **TINY)
    plan = result.module.plan
    adam, lbfgs = plan.phases
    assert (adam.kind, lbfgs.kind, lbfgs.steps) == ("adam", "lbfgs", 20)
    assert result.module.steps_per_batch == 10 and adam.steps % 10 == 0 and adam.steps > plan.measurement.at_step


def test_user_choices_are_kept_in_the_plan(poisson):
    result = pinnlang.solve(poisson, max_time=1.5, lbfgs_steps=0, lr_schedule="constant", **TINY)
    plan = result.module.plan
    assert [p.kind for p in plan.phases] == ["adam"] and plan.phases[0].lr_schedule == "constant"
    assert result.steps <= plan.total_steps
    assert {row["lr"] for row in result.history} == {1e-3}


def test_steps_given_are_not_planned(poisson):
    result = pinnlang.solve(poisson, steps=40, max_time=30, **TINY)
    assert result.module.plan.origin == "settings" and result.plan == "40 Adam steps"
    assert result.steps == 40
    assert not any(isinstance(c, TimeBudget) for c in result.trainer.callbacks)


def test_no_time_limit_no_plan(poisson):
    result = pinnlang.solve(poisson, steps=20, **TINY)
    assert result.module.plan.origin == "settings" and result.steps == 20
    assert not any(isinstance(c, TimeBudget) for c in result.trainer.callbacks)
