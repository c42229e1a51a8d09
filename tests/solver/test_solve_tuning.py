"""Speed settings: steps per Lightning batch, engine and compile choices, threads."""

from __future__ import annotations

import pytest
import torch

import pinnlang
from pinnlang.errors import PinnUsageError
from pinnlang.solver.api import build_module
from pinnlang.solver.plan import make_plan
from pinnlang.solver.settings import SolveSettings, resolve_settings
from pinnlang.solver.tuning import (
    TRIAL_MIN_STEPS,
    UNTRIED_FORWARD_ORDER,
    UNTRIED_FORWARD_SIZE,
    BATCH_CAP,
    batch_steps,
    choose_engine,
    choose_threads,
    compile_wanted,
    time_engines,
)

from .conftest import TINY


def _batch_steps(checkpoint_every: int = 0, **settings) -> int:
    s = SolveSettings(**settings)
    return batch_steps(s, checkpoint_every, make_plan(s).boundaries())


def test_steps_per_batch_divide_every_interval():
    assert _batch_steps() == 50  # epoch 100, steps 2000: capped at BATCH_CAP
    assert BATCH_CAP == 50
    assert _batch_steps(steps=60, lbfgs_steps=10, log_every=5, checkpoint_every=10) == 10
    assert _batch_steps(steps=2000, resample_every=250, log_every=50) == 50
    assert _batch_steps(steps=2000, resample_every=30) == 10
    assert _batch_steps(steps=7) == 1
    assert _batch_steps(steps=100, lm_steps=30) == 10  # every phase ends on a batch end
    assert _batch_steps(steps_per_batch=4) == 4  # the largest divisor of 100 up to 4
    assert _batch_steps(steps_per_batch=30) == 25


def test_history_keeps_its_log_interval_inside_larger_batches(poisson):
    result = pinnlang.solve(poisson, steps=100, lbfgs_steps=20, log_every=5, **TINY)
    assert result.module.steps_per_batch == 20  # gcd of the epoch (100 steps), 100 and 120
    assert [row["step"] for row in result.history] == list(range(5, 121, 5))


def test_engine_compile_and_threads_settings_are_checked():
    settings = resolve_settings({"engine": "forward", "compile": "yes"}, {"threads": 2})
    assert (settings.engine, settings.compile, settings.threads) == ("forward", "true", 2)
    assert resolve_settings({}, {"compile": True}).compile == "true"  # the CLI's --compile
    assert resolve_settings({}, {"compile": False}).compile == "false"
    with pytest.raises(PinnUsageError, match="must be one of auto, autograd, forward.*'forward'"):
        resolve_settings({}, {"engine": "forwrd"})
    with pytest.raises(PinnUsageError, match="must be >= 0"):
        resolve_settings({}, {"threads": -1})


def test_a_time_limit_without_a_step_count_trains_until_the_time_is_up():
    plan = make_plan(resolve_settings({}, {"max_time": 60}))
    assert plan.measuring and plan.total_steps is None and plan.phases[0].steps is None
    assert make_plan(resolve_settings({"steps": 300}, {"max_time": 60})).total_steps == 300
    assert make_plan(resolve_settings({}, {"max_time": 60, "steps": 40})).total_steps == 40


def test_compile_only_for_the_forward_engine_and_long_runs():
    assert not compile_wanted(SolveSettings(compile="true"), "autograd")
    assert compile_wanted(SolveSettings(compile="true"), "forward")
    assert not compile_wanted(SolveSettings(compile="auto"), "forward", step_seconds=0.02)
    assert not compile_wanted(SolveSettings(compile="auto"), "forward", step_seconds=0.02, steps=2000)
    assert compile_wanted(SolveSettings(compile="auto"), "forward", step_seconds=0.02, steps=100_000)
    assert not compile_wanted(SolveSettings(compile="auto", max_time=60), "forward", 0.02, steps=100_000)


def test_torch_s_own_threads_unless_asked():
    assert choose_threads(SolveSettings()) is None
    assert choose_threads(SolveSettings(threads=3)) == 3


def test_auto_engine_times_both_engines_on_a_long_run(poisson):
    settings = resolve_settings({}, dict(TINY, steps=TRIAL_MIN_STEPS))
    module = build_module(poisson, settings)
    seconds = time_engines(module, ["autograd", "forward"], rounds=1)
    assert set(seconds) == {"autograd", "forward"} and min(seconds.values()) > 0
    assert all(p.grad is None for p in module.parameters())  # the trial leaves no gradients
    engine, why = choose_engine(module, settings)
    assert engine in ("autograd", "forward") and why["reason"] == "timed trial"
    short = resolve_settings({}, dict(TINY, steps=10))
    assert choose_engine(build_module(poisson, short), short) == (
        "autograd", {"reason": f"fewer than {TRIAL_MIN_STEPS} steps: no trial"})


def test_auto_engine_without_a_trial_takes_forward_on_larger_batches(poisson):
    assert TINY["points"] * TINY["width"] < UNTRIED_FORWARD_SIZE <= 1000 * TINY["width"]
    short = resolve_settings({}, dict(TINY, steps=10, points=1000))
    engine, why = choose_engine(build_module(poisson, short), short)
    assert engine == "forward" and why["reason"] == (
        f"fewer than {TRIAL_MIN_STEPS} steps: no trial; forward up to order "
        f"{UNTRIED_FORWARD_ORDER} on 1000 x {TINY['width']}")
    several = resolve_settings({}, dict(TINY, steps=TRIAL_MIN_STEPS, points=1000))
    engine, why = choose_engine(build_module(poisson, several), several, trial=False)
    assert engine == "forward" and why["reason"].startswith("several processes: no trial")


BEAM = """problem beam
space x in [0, 1]
field u
pde: d(u, x, 4) = 1
boundary: u = 0
"""


def test_auto_engine_without_a_trial_keeps_autograd_above_second_order():
    short = resolve_settings({}, dict(TINY, steps=10, points=1000))
    engine, why = choose_engine(build_module(pinnlang.parse(BEAM), short), short)
    assert engine == "autograd" and why["reason"] == f"fewer than {TRIAL_MIN_STEPS} steps: no trial"


def test_auto_engine_keeps_autograd_for_networks_the_forward_engine_cannot_take(poisson):
    settings = resolve_settings({}, dict(TINY, steps=TRIAL_MIN_STEPS, model="siren"))
    engine, why = choose_engine(build_module(poisson, settings), settings)
    assert engine == "autograd" and "cannot take" in why["reason"]


@pytest.mark.parametrize("engine", ["autograd", "forward"])
def test_both_engines_train_to_the_same_losses(poisson, engine):
    result = pinnlang.solve(poisson, steps=30, engine=engine, lr=3e-3, **TINY)
    assert result.module.engine_choice["engine"] == engine
    assert result.module.steps_per_batch == 10 and result.steps == 30
    reference = pinnlang.solve(poisson, steps=30, engine="autograd", lr=3e-3, **TINY)
    assert result.history[-1]["loss"] == pytest.approx(reference.history[-1]["loss"], rel=1e-4)


def test_trainer_gradient_clipping_falls_back_to_one_step_per_batch(poisson):
    result = pinnlang.solve(poisson, steps=20, gradient_clip_val=1e-3, **TINY)
    assert result.module.automatic_optimization and result.module.steps_per_batch == 1
    assert [row["step"] for row in result.history] == [10, 20]


def test_threads_are_restored_after_a_run(poisson):
    before = torch.get_num_threads()
    pinnlang.solve(poisson, steps=10, threads=1, **TINY)
    assert torch.get_num_threads() == before
