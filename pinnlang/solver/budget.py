"""The time-budget plan: a ``max_time`` turned into step counts once a step's cost is measured.

A run with a time limit and no ``steps`` given starts with ``steps = UNTIL_TIME_STEPS`` (see
:func:`~pinnlang.solver.settings.resolve_settings`), which no run reaches. :class:`TimeBudget`, a
Lightning callback, times the Adam steps inside training: after a warm-up (the first batch, and at
least :data:`WARMUP_STEPS` steps, which pay the one-time costs of first calls and of a compiled
loss) it times the following steps, until :data:`MEASURE_STEPS` of them or
:data:`MEASURE_SHARE` of the budget have passed. Then :func:`plan_budget` divides the time left:

- Adam: :data:`ADAM_SHARE` of it (all of it, less the L-BFGS steps' estimated cost, when
  ``lbfgs_steps`` was given), rounded down to whole batches of ``steps_per_batch`` (the
  Adam/L-BFGS switch must fall on a batch end), at least one batch;
- L-BFGS (unless ``lbfgs_steps`` was given, which is kept): the rest, at :data:`LBFGS_COST` Adam
  steps per iteration, in whole batches (under several processes too: their L-BFGS line searches
  see the loss averaged over the ranks, see ``PinnModule._closure``);
- the learning rate decays exponentially (by ``lr_decay``) from the plan to the end of the
  planned Adam steps, unless ``lr_schedule`` was given: then that schedule spans them (a
  ``constant`` one stays constant).

Measuring inside training times what the run really does (Lightning's per-batch work, logging,
the chosen engine, a compiled loss) and works when the engine trial of
:mod:`pinnlang.solver.tuning` is skipped (an engine given, several processes). The decision to
plan and the plan are rank 0's, broadcast, so every process switches and stops at the same step.
``max_time`` stays the hard stop: a run whose estimate was optimistic is stopped by the time, one
whose estimate was right ends after its planned steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from lightning.pytorch.callbacks import Callback, Timer
from lightning.pytorch.utilities.types import LRSchedulerConfig

from pinnlang.solver.settings import UNTIL_TIME_STEPS, SolveSettings

#: Share of the time left at the plan that Adam gets; L-BFGS refines in the rest. Chosen by the
#: median error over seeds 0-2 of ``benchmarks/time_to_accuracy.py``'s problems with their
#: hand-written budgets (one thread, 2026-12-01): shares 0.8 / 0.5 / 0.3 / 0.15 gave Burgers
#: 0.23 / 0.19 / 0.12 / 0.13 (20 s), 2-D Poisson 1.6e-3 / 8.6e-4 / 8.7e-4 (34 s), 1-D heat
#: 5.7e-4 / 3.2e-4 / 3.7e-4 (26 s).
ADAM_SHARE = 0.3
#: Cost of one L-BFGS iteration in Adam steps. An iteration evaluates the loss and gradient at
#: least twice (once itself, at least once in the strong-Wolfe line search); measured on one
#: thread with default networks: 2.04-2.43 (1-D heat, Burgers, 2-D Poisson, both engines),
#: 1.7-2.3 on 2 x 16 networks.
LBFGS_COST = 2.2
#: Steps before the timing starts (the first batch is never timed either).
WARMUP_STEPS = 10
#: The plan is made once this many steps have been timed ...
MEASURE_STEPS = 100
#: ... or once this share of ``max_time`` has been spent timing, whichever comes first.
MEASURE_SHARE = 0.05


def wants_plan(settings: SolveSettings) -> bool:
    """Whether the run is time-limited with no step count given (so its budget gets planned)."""
    return settings.max_time > 0 and settings.steps == UNTIL_TIME_STEPS


@dataclass(frozen=True)
class BudgetPlan:
    """The steps planned for a time budget.

    Attributes:
        budget: ``max_time`` in seconds.
        at_step: the global step the plan was made at.
        remaining: seconds of the budget left at the plan.
        step_seconds: measured wall-clock seconds per Adam step.
        steps: Adam steps of the whole run (the L-BFGS phase starts there).
        lbfgs_steps: L-BFGS iterations after them.
        lr_schedule: the learning-rate schedule from ``at_step`` to ``steps``.
    """

    budget: float
    at_step: int
    remaining: float
    step_seconds: float
    steps: int
    lbfgs_steps: int
    lr_schedule: str

    @property
    def total_steps(self) -> int:
        return self.steps + self.lbfgs_steps

    def describe(self) -> str:
        """``time budget 60 s: 9000 Adam + 1200 L-BFGS steps planned from a measured 5.30 ms/step``."""
        return (f"time budget {self.budget:g} s: {self.steps} Adam + {self.lbfgs_steps} L-BFGS steps "
                f"planned from a measured {self.step_seconds * 1e3:.2f} ms/step")


def plan_budget(settings: SolveSettings, *, at_step: int, remaining: float, step_seconds: float,
                steps_per_batch: int) -> BudgetPlan:
    """Divide ``remaining`` seconds between Adam and L-BFGS (see the module docstring).

    Args:
        settings: the run's settings; ``settings.given`` says whether ``lbfgs_steps`` and
            ``lr_schedule`` were set by the user (then kept).
        at_step: the global step now (a batch end).
        remaining: seconds of the budget left.
        step_seconds: measured seconds per Adam step.
        steps_per_batch: optimiser steps per Lightning batch; both phases are planned in whole
            batches.
    """
    k = max(steps_per_batch, 1)
    step_seconds = max(step_seconds, 1e-9)
    lbfgs_cost = LBFGS_COST * step_seconds
    lbfgs = settings.lbfgs_steps if "lbfgs_steps" in settings.given else None
    adam_seconds = ADAM_SHARE * remaining if lbfgs is None else remaining - lbfgs * lbfgs_cost
    adam = max(int(adam_seconds / step_seconds) // k, 1) * k
    if lbfgs is None:
        lbfgs = max(int((remaining - adam * step_seconds) / lbfgs_cost) // k, 0) * k
    schedule = settings.lr_schedule if "lr_schedule" in settings.given else "exponential"
    return BudgetPlan(budget=settings.max_time, at_step=at_step, remaining=remaining,
                      step_seconds=step_seconds, steps=at_step + adam, lbfgs_steps=lbfgs,
                      lr_schedule=schedule)


def apply_plan(plan: BudgetPlan, trainer: Any, module: Any) -> None:
    """Make the run follow ``plan``: its settings, the trainer's step limit, the Adam schedule."""
    settings = module.settings
    settings.steps, settings.lbfgs_steps, settings.lr_schedule = plan.steps, plan.lbfgs_steps, plan.lr_schedule
    trainer.fit_loop.epoch_loop.max_steps = plan.total_steps
    if plan.lr_schedule == "constant":
        trainer.strategy.lr_scheduler_configs = []
    else:
        scheduler = module.step_scheduler(trainer.optimizers[0], plan.lr_schedule, plan.steps - plan.at_step)
        trainer.strategy.lr_scheduler_configs = [LRSchedulerConfig(scheduler, interval="step")]
    module.budget_plan = plan


class TimeBudget(Callback):
    """Times the first Adam steps of a run that :func:`wants_plan`, then plans the rest of its
    budget and applies the plan (once; see the module docstring)."""

    def __init__(self) -> None:
        self.plan: BudgetPlan | None = None
        self._train_start = 0.0
        self._timing_start: tuple[int, float] | None = None

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self._train_start = time.perf_counter()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        settings = pl_module.settings
        if self.plan is not None or not wants_plan(settings):
            return
        step, now = trainer.global_step, time.perf_counter()
        if self._timing_start is None:
            if step >= WARMUP_STEPS:
                self._timing_start = (step, now)
            return
        steps, seconds = step - self._timing_start[0], now - self._timing_start[1]
        ready = steps >= MEASURE_STEPS or seconds >= MEASURE_SHARE * settings.max_time
        if not trainer.strategy.broadcast(ready):
            return
        plan = plan_budget(settings, at_step=step, remaining=self._remaining(trainer, settings, now),
                           step_seconds=seconds / max(steps, 1), steps_per_batch=pl_module.steps_per_batch)
        self.plan = trainer.strategy.broadcast(plan)
        apply_plan(self.plan, trainer, pl_module)

    def _remaining(self, trainer: Any, settings: SolveSettings, now: float) -> float:
        """Seconds left before ``max_time`` stops the run (Lightning's own timer, which counts a
        resumed run's earlier time, when it has one)."""
        timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
        if timer is not None and timer.time_remaining() is not None:
            return timer.time_remaining()
        return settings.max_time - (now - self._train_start)
