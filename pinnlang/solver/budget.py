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

When the run can take a Levenberg–Marquardt phase (a zoo MLP, one process; see
:mod:`pinnlang.solver.levenberg_marquardt`) and no ``lbfgs_steps`` was given, the plan is that
phase instead of L-BFGS (for networks of up to :data:`LM_MAX_PARAMETERS` parameters): Adam gets :data:`LM_ADAM_SHARE` of the time left, then Levenberg–Marquardt
iterates until ``max_time`` (or its ``lm_steps``, when given) on fresh points every
:data:`LM_RESAMPLE_EVERY` iterations (unless ``lm_resample_every`` was given), each ``pde``
condition drawing at least :data:`LM_ROWS_PER_PARAMETER` points per trained parameter (unless
``points`` or ``lm_points`` was given, or the condition names its own count).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from lightning.pytorch.callbacks import Callback, Timer
from lightning.pytorch.utilities.types import LRSchedulerConfig

from pinnlang.solver.levenberg_marquardt import levenberg_marquardt_size
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
#: Share of the time left at the plan that Adam gets before a Levenberg–Marquardt phase. On the
#: time-to-accuracy problems (one thread, 3 x 20 network, 2026-12-01) about 300 Adam steps, ~7 %
#: of Burgers' 18 s, were enough to start from.
LM_ADAM_SHARE = 0.1
#: Levenberg–Marquardt iterations between two fresh draws of points in a planned phase. Burgers,
#: 300 Adam + 100 LM iterations, 3 x 20, 1000 points, seeds 0-2: every 3 / 5 / 10 iterations gave
#: median errors 0.031 / 0.025 / 0.31; on fixed points (never) the loss reached 2e-6 and the error 0.30.
LM_RESAMPLE_EVERY = 5
#: Points per trained parameter of each ``pde`` condition's Levenberg–Marquardt rounds (in a
#: planned phase). A Gauss–Newton step on fewer rows than parameters fits its points and little
#: else: Burgers, 3 x 20 (921 parameters), seeds 0-1: 1000 points 0.19 / 0.18, 2000 points
#: 1.6e-3 / 2.3e-3.
LM_ROWS_PER_PARAMETER = 2
#: Largest network (trained parameters) a planned Levenberg–Marquardt phase takes; beyond it the
#: plan is L-BFGS. An iteration costs about ``R·P²`` with ``R ≥ 2P`` rows: ~0.1 s for the default
#: 3 x 20 MLP (921 parameters on two inputs), ~1 s for 3 x 32 (2,241), one thread.
LM_MAX_PARAMETERS = 2500
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
        lm_steps: Levenberg–Marquardt iterations after Adam (0: none; ``UNTIL_TIME_STEPS``:
            until the time is up).
        lm_resample_every: iterations between two fresh draws of points in that phase.
        lm_points: points of each ``pde`` condition in that phase's rounds (0: as in training).
    """

    budget: float
    at_step: int
    remaining: float
    step_seconds: float
    steps: int
    lbfgs_steps: int
    lr_schedule: str
    lm_steps: int = 0
    lm_resample_every: int = 0
    lm_points: int = 0

    @property
    def total_steps(self) -> int:
        return self.steps + self.lbfgs_steps

    def describe(self) -> str:
        """``time budget 60 s: 9000 Adam + 1200 L-BFGS steps planned from a measured 5.30 ms/step``,
        or ``time budget 20 s: 700 Adam steps, then Levenberg-Marquardt until the time is up
        (fresh points every 5 iterations, 1842 per pde condition), planned from ...``."""
        measured = f"planned from a measured {self.step_seconds * 1e3:.2f} ms/step"
        if not self.lm_steps:
            return (f"time budget {self.budget:g} s: {self.steps} Adam + {self.lbfgs_steps} L-BFGS steps "
                    f"{measured}")
        count = "until the time is up" if self.lm_steps >= UNTIL_TIME_STEPS else f"for {self.lm_steps} iterations"
        detail = describe_lm_points(self.lm_resample_every, self.lm_points)
        return f"time budget {self.budget:g} s: {self.steps} Adam steps, then Levenberg-Marquardt {count}{detail}, {measured}"


def lm_phase_fits(lm_parameters: int) -> bool:
    """Whether pinnlang picks a Levenberg–Marquardt phase for a network of ``lm_parameters``
    trained parameters (0: the phase cannot run), up to :data:`LM_MAX_PARAMETERS`."""
    return 0 < lm_parameters <= LM_MAX_PARAMETERS


def describe_lm_points(resample_every: int, points: int) -> str:
    """`` (fresh points every 5 iterations, 1842 per pde condition)``, the parts that apply, or ``""``."""
    parts = [f"fresh points every {resample_every} iterations"] if resample_every else []
    if points:
        parts.append(f"{points} per pde condition")
    return f" ({', '.join(parts)})" if parts else ""


def lm_phase_points(settings: SolveSettings, lm_parameters: int) -> tuple[int, int]:
    """``(lm_resample_every, lm_points)`` of a Levenberg–Marquardt phase pinnlang chooses (a
    planned budget, the default training): the ones given, else :data:`LM_RESAMPLE_EVERY` and
    max(``points``, :data:`LM_ROWS_PER_PARAMETER` × ``lm_parameters``) (0 when ``points`` was
    given: its count stays)."""
    given = settings.given
    resample = settings.lm_resample_every if "lm_resample_every" in given else LM_RESAMPLE_EVERY
    if "lm_points" in given or "points" in given:
        return resample, settings.lm_points
    return resample, max(settings.points, LM_ROWS_PER_PARAMETER * lm_parameters)


def plan_budget(settings: SolveSettings, *, at_step: int, remaining: float, step_seconds: float,
                steps_per_batch: int, lm_parameters: int = 0) -> BudgetPlan:
    """Divide ``remaining`` seconds between Adam and L-BFGS, or Adam and Levenberg–Marquardt
    (see the module docstring).

    Args:
        settings: the run's settings; ``settings.given`` says whether ``lbfgs_steps`` and
            ``lr_schedule`` were set by the user (then kept).
        at_step: the global step now (a batch end).
        remaining: seconds of the budget left.
        step_seconds: measured seconds per Adam step.
        steps_per_batch: optimiser steps per Lightning batch; both phases are planned in whole
            batches.
        lm_parameters: the trained parameters of a run that can take a Levenberg–Marquardt
            phase (0: it cannot); above :data:`LM_MAX_PARAMETERS` the plan is L-BFGS.
    """
    k = max(steps_per_batch, 1)
    step_seconds = max(step_seconds, 1e-9)
    given = settings.given
    schedule = settings.lr_schedule if "lr_schedule" in given else "exponential"
    if lm_phase_fits(lm_parameters) and "lbfgs_steps" not in given:
        adam = max(int(LM_ADAM_SHARE * remaining / step_seconds) // k, 1) * k
        resample, points = lm_phase_points(settings, lm_parameters)
        return BudgetPlan(budget=settings.max_time, at_step=at_step, remaining=remaining,
                          step_seconds=step_seconds, steps=at_step + adam, lbfgs_steps=0,
                          lr_schedule=schedule,
                          lm_steps=settings.lm_steps if "lm_steps" in given else UNTIL_TIME_STEPS,
                          lm_resample_every=resample, lm_points=points)
    lbfgs_cost = LBFGS_COST * step_seconds
    lbfgs = settings.lbfgs_steps if "lbfgs_steps" in given else None
    adam_seconds = ADAM_SHARE * remaining if lbfgs is None else remaining - lbfgs * lbfgs_cost
    adam = max(int(adam_seconds / step_seconds) // k, 1) * k
    if lbfgs is None:
        lbfgs = max(int((remaining - adam * step_seconds) / lbfgs_cost) // k, 0) * k
    return BudgetPlan(budget=settings.max_time, at_step=at_step, remaining=remaining,
                      step_seconds=step_seconds, steps=at_step + adam, lbfgs_steps=lbfgs,
                      lr_schedule=schedule)


def apply_plan(plan: BudgetPlan, trainer: Any, module: Any) -> None:
    """Make the run follow ``plan``: its settings, the trainer's step limit, the Adam schedule."""
    settings = module.settings
    settings.steps, settings.lbfgs_steps, settings.lr_schedule = plan.steps, plan.lbfgs_steps, plan.lr_schedule
    if plan.lm_steps:
        settings.lm_steps, settings.lm_resample_every = plan.lm_steps, plan.lm_resample_every
        settings.lm_points = plan.lm_points
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
                           step_seconds=seconds / max(steps, 1), steps_per_batch=pl_module.steps_per_batch,
                           lm_parameters=levenberg_marquardt_size(pl_module, trainer.world_size))
        self.plan = trainer.strategy.broadcast(plan)
        apply_plan(self.plan, trainer, pl_module)

    def _remaining(self, trainer: Any, settings: SolveSettings, now: float) -> float:
        """Seconds left before ``max_time`` stops the run (Lightning's own timer, which counts a
        resumed run's earlier time, when it has one)."""
        timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
        if timer is not None and timer.time_remaining() is not None:
            return timer.time_remaining()
        return settings.max_time - (now - self._train_start)
