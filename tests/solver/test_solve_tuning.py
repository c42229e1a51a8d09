"""Speed settings: steps per Lightning batch, engine and compile choices, threads."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch.callbacks import Callback

import pinnlang
from pinnlang.errors import PinnUsageError
from pinnlang.results import Result
from pinnlang.solver.api import build_module
from pinnlang.solver.plan import make_plan
from pinnlang.solver.settings import SolveSettings, resolve_settings
from pinnlang.solver.batching import (
    MEASURED_BATCHES,
    OVERHEAD_SHARE,
    BatchSteps,
    common_interval,
    largest_divisor,
    measured_batch_steps,
)
from pinnlang.solver.tuning import choose_engine, choose_threads, compile_wanted, time_engines

from .conftest import TINY


def _common(checkpoint_every: int = 0, **settings) -> int:
    return common_interval(SolveSettings(**settings), checkpoint_every)


def test_batch_ends_fall_on_every_interval():
    assert _common() == 100  # the epoch
    assert _common(steps=60, lbfgs_steps=10, log_every=5, checkpoint_every=10) == 10
    assert _common(steps=2000, resample_every=250, log_every=50) == 50
    assert _common(steps=2000, resample_every=30) == 10
    assert _common(val_every=35, weighting="annealing", anneal_every=50) == 5
    assert largest_divisor(100, 4) == 4 and largest_divisor(100, 30) == 25 and largest_divisor(7, 3) == 1


def test_the_measured_batch_keeps_lightning_s_overhead_a_small_share():
    assert OVERHEAD_SHARE <= 0.05  # a few percent at most
    # 2 ms of per-batch work against 1 ms steps: no divisor of 100 gets it under 2 %: the whole interval
    assert measured_batch_steps(100, 2e-3, 1e-3, share=0.02) == 100
    assert measured_batch_steps(100, 2e-3, 0.05, share=0.02) == 2  # 2 x 50 ms: 2 % overhead
    assert measured_batch_steps(100, 2e-3, 0.2, share=0.02) == 1
    assert measured_batch_steps(100, 3e-3, 0.05, share=0.02) == 4  # 3 is no divisor of 100
    assert measured_batch_steps(100, 0.0, 1e-3) == 1
    assert measured_batch_steps(100, 2e-3, 0.05) == 4  # the default share: 1 %


class _Trainer:
    log_every_n_steps = 10
    val_check_batch = 7


def test_batches_of_one_step_are_timed_then_the_size_follows_the_measurement():
    plan = make_plan(SolveSettings(steps=300, lm_steps=5))
    batching = BatchSteps(common=100, size=None, log_every=10, val_every=50)
    trainer, step = _Trainer(), 0
    for _ in range(MEASURED_BATCHES + 1):  # the first batch has no batch end before it
        assert batching.measuring and batching.steps_at(step, plan) == 1
        batching.steps_done(batching.start_steps(), 1)
        step += 1
        batching.batch_end(trainer, step, "adam")
    assert not batching.measuring and set(batching.measured) == {"overhead_ms", "step_ms", "steps_per_batch"}
    size = batching.size
    assert 100 % size == 0 and batching.measured["steps_per_batch"] == size
    assert trainer.log_every_n_steps == max(1, 10 // size)
    assert batching.steps_at(step, plan) == size - step % size  # up to the next multiple of the size
    assert batching.steps_at(300, plan) == 1  # one Levenberg-Marquardt iteration a batch
    batching.batch_end(trainer, 301, "lm")
    assert trainer.log_every_n_steps == 1 and trainer.val_check_batch > 10**9
    batching.batch_end(trainer, 350, "lm")
    assert trainer.val_check_batch == 1  # validation on the multiples of val_every


def test_no_batch_runs_past_the_end_of_its_phase():
    plan = make_plan(SolveSettings(steps=30, lbfgs_steps=5, lm_steps=3))
    batching = BatchSteps(common=100, size=20)
    assert not batching.measuring and batching.start_steps() is None
    assert [batching.steps_at(s, plan) for s in (0, 20, 30, 35, 36)] == [20, 10, 5, 1, 1]
    assert BatchSteps(common=20, size=None).steps_at(3, make_plan(SolveSettings(steps=4))) == 1


def test_history_keeps_its_log_interval_inside_larger_batches(poisson):
    result = pinnlang.solve(poisson, steps=100, lbfgs_steps=20, log_every=5, steps_per_batch=50, **TINY)
    assert result.module.steps_per_batch == 50  # batches 0-50, 50-100, 100-120 (the phase's end)
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


def test_compile_only_when_asked_and_only_the_forward_engine_s_loss():
    assert SolveSettings().compile == "false"
    assert not compile_wanted(SolveSettings(compile="true"), "autograd")
    assert compile_wanted(SolveSettings(compile="true"), "forward")
    assert not compile_wanted(SolveSettings(), "forward")
    with pytest.raises(PinnUsageError, match="must be one of false, true"):
        resolve_settings({}, {"compile": "auto"})


def test_torch_s_own_threads_unless_asked():
    assert choose_threads(SolveSettings()) is None
    assert choose_threads(SolveSettings(threads=3)) == 3


def test_auto_engine_times_both_engines_in_any_run(poisson):
    settings = resolve_settings({}, dict(TINY, steps=10))
    module = build_module(poisson, settings)
    seconds = time_engines(module, ["autograd", "forward"], rounds=1)
    assert set(seconds) == {"autograd", "forward"} and min(seconds.values()) > 0
    assert all(p.grad is None for p in module.parameters())  # the trial leaves no gradients
    engine, why = choose_engine(module, settings)
    assert engine in ("autograd", "forward") and why["reason"] == "timed trial"
    assert engine == ("forward" if why["seconds"]["forward"] < 0.95 * why["seconds"]["autograd"] else "autograd")


def test_the_trial_s_medians_go_through_the_processes_mean(poisson):
    settings = resolve_settings({}, dict(TINY, steps=10))
    seen = []

    def mean(tensor):  # what strategy.reduce(..., "mean") is to a run of several processes
        seen.append(tensor.clone())
        return torch.tensor([2.0, 1.0], dtype=torch.float64)

    engine, why = choose_engine(build_module(poisson, settings), settings, reduce_mean=mean)
    assert len(seen) == 1 and seen[0].shape == (2,)
    assert engine == "forward" and why["seconds"] == {"autograd": 2.0, "forward": 1.0}


def test_auto_engine_keeps_autograd_above_fourth_order():
    settings = resolve_settings({}, dict(TINY, steps=10))
    text = BEAM.replace("d(u, x, 4)", "d(u, x, 6)")
    engine, why = choose_engine(build_module(pinnlang.parse(text), settings), settings)
    assert engine == "autograd" and "cannot take" in why["reason"]


BEAM = """problem beam
space x in [0, 1]
field u
pde: d(u, x, 4) = 1
boundary: u = 0
"""


def test_auto_engine_keeps_autograd_for_networks_the_forward_engine_cannot_take(poisson):
    settings = resolve_settings({}, dict(TINY, steps=10, model="siren"))
    engine, why = choose_engine(build_module(poisson, settings), settings)
    assert engine == "autograd" and "cannot take" in why["reason"]


@pytest.mark.parametrize("engine", ["autograd", "forward"])
def test_both_engines_train_to_the_same_losses(poisson, engine):
    result = pinnlang.solve(poisson, steps=30, engine=engine, lr=3e-3, **TINY)
    assert result.module.engine_choice["engine"] == engine
    assert 100 % result.module.steps_per_batch == 0 and result.steps == 30
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


def test_validation_and_loggers_keep_to_optimiser_steps_whatever_the_batch(poisson, tmp_path):
    validated = []

    class Validations(Callback):
        def on_validation_end(self, trainer, module):
            validated.append(trainer.global_step)

    result = pinnlang.solve(poisson, steps=120, lm_steps=4, val_every=30, out=tmp_path / "run",
                            callbacks=[Validations()], **TINY)
    assert result.steps == 124 and validated[:4] == [30, 60, 90, 120]
    assert all(step % 30 == 0 for step in validated)
    tuning = Result.load(tmp_path / "run").metrics()["tuning"]
    assert tuning["reason"] == "timed trial" and tuning["engine"] in ("autograd", "forward")
    assert tuning["batching"]["steps_per_batch"] == result.module.steps_per_batch
    assert set(tuning["batching"]) == {"overhead_ms", "step_ms", "steps_per_batch"}
    speed = next(line for line in result.summary().splitlines() if line.startswith("speed"))
    assert "(timed trial: autograd " in speed and f"; {result.module.steps_per_batch} steps a batch (measured: " in speed
