"""The time budget: a ``max_time`` with no ``steps`` re-planned once a step's cost is measured.

Such a run starts on the plan :func:`~pinnlang.solver.plan.make_plan` gives before any
measurement: Adam until the plan is made. :class:`TimeBudget`, a Lightning callback, times the
Adam steps inside training: after a warm-up (the first batch, and at least :data:`WARMUP_STEPS`
steps, which pay the one-time costs of first calls and of a compiled loss) it times the
following steps, until :data:`MEASURE_STEPS` of them or :data:`MEASURE_SHARE` of the budget have
passed. Then the same :func:`~pinnlang.solver.plan.make_plan` divides the time left, given the
:class:`~pinnlang.solver.plan.Measurement`, and :func:`follow_plan` makes the run follow the new
plan (the module's plan, the trainer's step limit, the Adam schedule); no setting is rewritten.

Measuring inside training times what the run really does (Lightning's per-batch work, logging,
the chosen engine, a compiled loss). The decision to plan and the plan are rank 0's, broadcast,
so every process switches and stops at the same step. ``max_time`` stays the hard stop.
"""

from __future__ import annotations

import time
from typing import Any

from lightning.pytorch.callbacks import Callback, Timer
from lightning.pytorch.utilities.types import LRSchedulerConfig

from pinnlang.solver.plan import ADAM, Measurement, TrainingPlan, initial_value_problem, make_plan

#: Steps before the timing starts (the first batch is never timed either): first calls of a
#: kernel, the engine's caches and a compiled loss cost more than the steady step.
WARMUP_STEPS = 10
#: The plan is made once this many steps have been timed (a median-free mean over 100 steps is
#: within a few percent of the steady cost) ...
MEASURE_STEPS = 100
#: ... or once this share of ``max_time`` has been spent timing, whichever comes first.
MEASURE_SHARE = 0.05


def follow_plan(plan: TrainingPlan, trainer: Any, module: Any) -> None:
    """Make the run follow ``plan``: the module's plan, the trainer's step limit, the Adam
    schedule from the plan's step on."""
    module.plan = plan
    total = plan.total_steps
    trainer.fit_loop.epoch_loop.max_steps = -1 if total is None else total
    adam = plan.phases[0] if plan.phases and plan.phases[0].kind == ADAM else None
    if adam is None or adam.lr_schedule == "constant":
        trainer.strategy.lr_scheduler_configs = []
    else:
        scheduler = module.step_scheduler(trainer.optimizers[0], adam.lr_schedule,
                                          adam.steps - adam.schedule_from)
        trainer.strategy.lr_scheduler_configs = [LRSchedulerConfig(scheduler, interval="step")]


class TimeBudget(Callback):
    """Times the first Adam steps of a run whose plan is :attr:`~TrainingPlan.measuring`, then
    re-plans the rest of its budget (once; see the module docstring).

    Args:
        lm_parameters: trained parameters of a Levenberg-Marquardt phase of the run (0: none can
            run), passed on to :func:`~pinnlang.solver.plan.make_plan`.
    """

    def __init__(self, lm_parameters: int = 0) -> None:
        self.lm_parameters = lm_parameters
        self._train_start = 0.0
        self._timing_start: tuple[int, float] | None = None

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self._train_start = time.perf_counter()

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        if not pl_module.plan.measuring:
            return
        step, now = trainer.global_step, time.perf_counter()
        if self._timing_start is None:
            if step >= WARMUP_STEPS:
                self._timing_start = (step, now)
            return
        settings = pl_module.settings
        steps, seconds = step - self._timing_start[0], now - self._timing_start[1]
        ready = steps >= MEASURE_STEPS or seconds >= MEASURE_SHARE * settings.max_time
        if not trainer.strategy.broadcast(ready):
            return
        measured = Measurement(at_step=step, remaining=self._remaining(trainer, settings.max_time, now),
                               step_seconds=seconds / max(steps, 1), steps_per_batch=pl_module.steps_per_batch)
        plan = make_plan(settings, lm_parameters=self.lm_parameters, measurement=trainer.strategy.broadcast(measured),
                         initial_value=initial_value_problem(pl_module.problem))
        follow_plan(plan, trainer, pl_module)

    def _remaining(self, trainer: Any, max_time: float, now: float) -> float:
        """Seconds left before ``max_time`` stops the run (Lightning's own timer, which counts a
        resumed run's earlier time, when it has one)."""
        left = time_left(trainer)
        return left if left is not None else max_time - (now - self._train_start)


def time_left(trainer: Any) -> float | None:
    """Seconds before ``max_time`` (Lightning's own timer, which counts a resumed run's earlier
    time) stops the run; ``None`` when nothing limits its time."""
    timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
    return timer.time_remaining() if timer is not None else None


def iterations_left(trainer: Any, seconds: float) -> float | None:
    """Iterations of ``seconds`` each that the time left affords (``None``: no time limit, or
    no iteration timed yet)."""
    left = time_left(trainer)
    if left is None or seconds <= 0:
        return None
    return max(left, 0.0) / seconds
