"""The time-budget plan: ``max_time`` with no step count turned into Adam + L-BFGS steps, or Adam
and a Levenberg-Marquardt phase on fresh points."""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.results import Result
from pinnlang.solver.budget import (
    ADAM_SHARE,
    LBFGS_COST,
    LM_ADAM_SHARE,
    LM_MAX_PARAMETERS,
    LM_RESAMPLE_EVERY,
    LM_ROWS_PER_PARAMETER,
    TimeBudget,
    plan_budget,
    wants_plan,
)
from pinnlang.solver.settings import UNTIL_TIME_STEPS, resolve_settings

from .conftest import TINY


def _plan(overrides, remaining=50.0, step_seconds=0.01, at_step=100, k=10, lm_parameters=0):
    settings = resolve_settings({}, {"max_time": 60, **overrides})
    return plan_budget(settings, at_step=at_step, remaining=remaining, step_seconds=step_seconds,
                       steps_per_batch=k, lm_parameters=lm_parameters)


def test_wants_plan_only_for_a_time_limit_without_steps():
    assert wants_plan(resolve_settings({}, {"max_time": 5}))
    assert not wants_plan(resolve_settings({}, {"max_time": 5, "steps": 300}))
    assert not wants_plan(resolve_settings({"steps": 300}, {"max_time": 5}))
    assert not wants_plan(resolve_settings({}, {}))


def test_settings_record_the_names_given_but_checkpoints_stay_plain():
    settings = resolve_settings({"lbfgs": 20}, {"max_time": 5, "lr_schedule": "cosine", "out": None})
    assert settings.given == {"lbfgs_steps", "max_time", "lr_schedule"}
    assert "given" not in settings.to_dict()
    assert settings.to_dict()["steps"] == UNTIL_TIME_STEPS


def test_plan_divides_the_remaining_time():
    plan = _plan({})
    adam = int(ADAM_SHARE * 50 / 0.01) // 10 * 10
    assert plan.steps == 100 + adam
    assert plan.lbfgs_steps == int((50 - adam * 0.01) / (LBFGS_COST * 0.01)) // 10 * 10 > 0
    assert plan.lr_schedule == "exponential"
    assert plan.describe() == (f"time budget 60 s: {plan.steps} Adam + {plan.lbfgs_steps} L-BFGS "
                               "steps planned from a measured 10.00 ms/step")


def test_plan_keeps_lbfgs_steps_and_schedule_given():
    plan = _plan({"lbfgs_steps": 100, "lr_schedule": "cosine"})
    assert plan.lbfgs_steps == 100
    assert plan.steps == 100 + int((50 - 100 * LBFGS_COST * 0.01) / 0.01) // 10 * 10
    assert plan.lr_schedule == "cosine"
    no_lbfgs = _plan({"lbfgs_steps": 0, "lr_schedule": "constant"})
    assert (no_lbfgs.steps, no_lbfgs.lbfgs_steps, no_lbfgs.lr_schedule) == (100 + 5000, 0, "constant")


def test_plan_gives_adam_at_least_one_batch():
    plan = _plan({}, remaining=0.001, k=20)
    assert (plan.steps, plan.lbfgs_steps) == (120, 0)


def test_a_network_levenberg_marquardt_can_train_gets_that_phase_instead_of_lbfgs():
    plan = _plan({}, lm_parameters=900)
    assert plan.steps == 100 + int(LM_ADAM_SHARE * 50 / 0.01) // 10 * 10
    assert plan.lbfgs_steps == 0 and plan.lm_steps == UNTIL_TIME_STEPS
    assert plan.lm_resample_every == LM_RESAMPLE_EVERY
    assert plan.lm_points == LM_ROWS_PER_PARAMETER * 900 > 1000  # more than the default points
    assert plan.describe() == (
        f"time budget 60 s: {plan.steps} Adam steps, then Levenberg-Marquardt until the time is up "
        f"(fresh points every {LM_RESAMPLE_EVERY} iterations, {LM_ROWS_PER_PARAMETER * 900} per pde "
        "condition), planned from a measured 10.00 ms/step")


def test_the_levenberg_marquardt_plan_keeps_what_was_given():
    plan = _plan({"lm_steps": 40, "lm_resample_every": 2, "points": 300}, lm_parameters=900)
    assert (plan.lm_steps, plan.lm_resample_every, plan.lm_points) == (40, 2, 0)
    assert "for 40 iterations (fresh points every 2 iterations)" in plan.describe()
    assert _plan({"lm_points": 700}, lm_parameters=900).lm_points == 700
    assert _plan({"points": 5000}, lm_parameters=900).lm_points == 0  # the points given stay


def test_lbfgs_steps_given_or_a_large_network_keep_the_lbfgs_plan():
    for plan in (_plan({"lbfgs_steps": 100}, lm_parameters=900), _plan({}, lm_parameters=LM_MAX_PARAMETERS + 1)):
        assert plan.lm_steps == 0 and plan.lbfgs_steps > 0 and "L-BFGS" in plan.describe()


def test_a_planned_levenberg_marquardt_phase_runs_until_the_time_is_up(heat):
    result = pinnlang.solve(heat, max_time=3, width=16, depth=2, quiet=True)  # points: the default
    plan = result.module.budget_plan
    assert plan is not None and plan.lm_steps == UNTIL_TIME_STEPS and plan.lbfgs_steps == 0
    assert result.settings["lm_steps"] == UNTIL_TIME_STEPS
    parameters = sum(p.numel() for p in result.module.parameters())
    assert result.settings["lm_points"] == plan.lm_points == max(1000, LM_ROWS_PER_PARAMETER * parameters)
    assert result.steps > plan.steps  # Levenberg-Marquardt iterations ran after Adam
    assert result.steps < plan.steps + UNTIL_TIME_STEPS  # the time, not the count, ended the phase
    assert result.history[-1]["step"] == result.steps and result.errors()["u"] < 0.5
    assert len(result.module.training_points()["pde"].x) == plan.lm_points


def test_budget_is_planned_and_followed(heat, tmp_path):
    # Fourier features: a network Levenberg-Marquardt cannot take, so the plan is L-BFGS
    result = pinnlang.solve(heat, max_time=2, model="fourier", features=8, **TINY)
    plan = result.module.budget_plan
    k = result.module.steps_per_batch
    assert plan is not None and plan.budget == 2
    assert plan.steps > plan.at_step and plan.steps % k == 0 and plan.lbfgs_steps % k == 0
    assert plan.lbfgs_steps > 0 and plan.lr_schedule == "exponential"
    assert (result.settings["steps"], result.settings["lbfgs_steps"], result.settings["lr_schedule"]) == (
        plan.steps, plan.lbfgs_steps, "exponential")
    assert result.steps <= plan.total_steps
    assert result.history and result.history[-1]["step"] == result.steps
    adam_rows = [row for row in result.history if plan.at_step < row["step"] <= plan.steps]
    assert adam_rows and adam_rows[0]["lr"] < 1e-3  # the decay started at the plan
    assert all(a["lr"] > b["lr"] for a, b in zip(adam_rows, adam_rows[1:]))
    if result.steps > plan.steps:  # the planned Adam steps ran out before the time: L-BFGS took over
        assert isinstance(result.trainer.optimizers[0], torch.optim.LBFGS)
        assert adam_rows[-1]["lr"] == pytest.approx(1e-3 * result.settings["lr_decay"])
    assert result.plan == plan.describe() and "plan" in result.summary()
    folder = result.save(tmp_path / "run", plots=False)
    assert Result.load(folder).plan == result.plan


def test_user_choices_are_kept_in_the_plan(poisson):
    result = pinnlang.solve(poisson, max_time=1.5, lbfgs_steps=0, lr_schedule="constant", **TINY)
    plan = result.module.budget_plan
    assert plan is not None and plan.lbfgs_steps == 0 and plan.lr_schedule == "constant"
    assert result.steps <= plan.steps == result.settings["steps"]
    assert {row["lr"] for row in result.history} == {1e-3}


def test_steps_given_are_not_planned(poisson):
    result = pinnlang.solve(poisson, steps=40, max_time=30, **TINY)
    assert result.module.budget_plan is None and result.plan is None
    assert result.steps == 40 and result.settings["steps"] == 40
    assert not any(isinstance(c, TimeBudget) for c in result.trainer.callbacks)


def test_no_time_limit_no_plan(poisson):
    result = pinnlang.solve(poisson, steps=20, **TINY)
    assert result.module.budget_plan is None and result.steps == 20
    assert not any(isinstance(c, TimeBudget) for c in result.trainer.callbacks)
