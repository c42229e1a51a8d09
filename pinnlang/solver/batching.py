"""Optimiser steps per Lightning batch, measured during the run.

A Lightning batch costs work of its own besides the steps it runs (hook dispatch to every
callback, the loop's bookkeeping, the logger connector, the next index from the loader); on a
tiny problem that is more than a step. :class:`PinnModule` therefore runs several optimiser
steps per batch, and :class:`BatchSteps` decides how many from two numbers measured on the
run's own first batches (one step each): the per-batch overhead (the time from one batch end to
the next, less the time of the step inside it) and the time of a step. The batch size is then the
smallest divisor of the run's common interval (:func:`common_interval`: every interval that must
fall on a batch end divides it) whose steps make the overhead at most :data:`OVERHEAD_SHARE` of
the batch, the common interval itself when none does. A batch runs up to the next multiple of the
size, and never past the end of a phase (:meth:`BatchSteps.steps_at`), so the phases of any plan,
also one a time budget makes during the run, start on a batch of their own. ``steps_per_batch`` fixes the size instead
(the largest divisor of the common interval up to it), and several processes, whose gradient
reduction runs once per batch, or Lightning's automatic optimisation take one step a batch.

A Levenberg-Marquardt iteration costs far more than any batch overhead: its phase runs one
iteration per batch, so every callback, logger, checkpoint and the progress bar see each one.

Lightning counts its validation and logging intervals in batches; with batches of varying size
:meth:`BatchSteps.batch_end` keeps them on optimiser steps (validation at the multiples of
``val_every``, the loggers' updates every ``log_every`` steps, every iteration of a
Levenberg-Marquardt phase).
"""

from __future__ import annotations

import statistics
import sys
import time
from functools import reduce
from math import gcd
from typing import Any, Callable

import torch

from pinnlang.solver.plan import LM, TrainingPlan
from pinnlang.solver.settings import SolveSettings

#: Lightning's per-batch work may take at most this share of the time of a batch's steps (the
#: batch stays as short as that allows, for the progress bar, callbacks and ``max_time``).
OVERHEAD_SHARE = 0.01
#: Batches of one step timed (after the first, which has no batch end before it): the median of
#: three is the smallest sample that drops one outlier.
MEASURED_BATCHES = 3
#: A batch count no validation interval reaches (Lightning's "not at this batch").
_NEVER = sys.maxsize


def clock() -> Callable[[], float]:
    """The clock of a measurement: with one thread this process's CPU time, which other processes'
    load does not inflate, else the wall clock."""
    return time.process_time if torch.get_num_threads() == 1 else time.perf_counter


def common_interval(settings: SolveSettings, checkpoint_every: int = 0) -> int:
    """The greatest common divisor of the epoch, checkpoint, validation, resampling and annealing
    intervals: a batch size dividing it puts a batch end on each of them (a run shorter than an
    epoch has its one epoch end at the end of its last phase, where a batch ends anyway). The
    history is recorded inside a batch (at every ``log_every`` steps), so the log interval does not
    count."""
    s = settings
    intervals = [s.steps_per_epoch, checkpoint_every,
                 s.val_every, s.resample_every, s.anneal_every if s.weighting != "fixed" else 0]
    return reduce(gcd, [i for i in intervals if i > 0], 0) or 1


def largest_divisor(n: int, cap: int) -> int:
    """The largest divisor of ``n`` not above ``cap`` (at least 1)."""
    return max(d for d in range(1, max(min(n, cap), 1) + 1) if n % d == 0)


def measured_batch_steps(common: int, overhead: float, step_seconds: float, share: float = OVERHEAD_SHARE) -> int:
    """The smallest divisor ``d`` of ``common`` with ``overhead <= share * d * step_seconds``
    (``common`` when none is)."""
    return next((d for d in range(1, common + 1)
                 if common % d == 0 and overhead <= share * d * step_seconds), common)


class BatchSteps:
    """How many optimiser steps each Lightning batch runs (see the module docstring).

    Args:
        common: the run's :func:`common_interval`.
        size: a fixed batch size (``None``: measure it).
        log_every: Lightning's logging interval in steps (the trainer's ``log_every_n_steps``).
        val_every: steps between two validation passes (0: Lightning's own interval, untouched).
    """

    def __init__(self, common: int = 1, size: int | None = 1, log_every: int = 1, val_every: int = 0):
        self.common = common
        self.size = size or 1
        self.measuring = size is None and common > 1
        self.log_every = log_every
        self.val_every = val_every
        #: What the measurement found: ``overhead_ms``, ``step_ms`` and the ``steps_per_batch``.
        self.measured: dict[str, float] = {}
        self._clock: Callable[[], float] | None = None  # chosen once the run's threads are set
        self._samples: list[tuple[float, float]] = []
        self._last_end: float | None = None
        self._inside: tuple[float, int] | None = None

    def steps_at(self, step: int, plan: TrainingPlan) -> int:
        """Optimiser steps of the batch that starts at ``step``: one in a Levenberg-Marquardt
        phase, else up to the next multiple of the batch size or the end of the phase."""
        if plan.kind_at(step) == LM:
            return 1
        ends = [b - step for b in plan.boundaries() if b > step]
        return min([self.size - step % self.size, *ends])

    def start_steps(self) -> float | None:
        """The clock before a batch's steps while measuring (else ``None``)."""
        return self._now() if self.measuring else None

    def steps_done(self, started: float | None, steps: int) -> None:
        """The batch's ``steps`` ran since ``started`` (from :meth:`start_steps`)."""
        if started is not None:
            self._inside = (self._now() - started, steps)

    def batch_end(self, trainer: Any, step: int, kind: str) -> None:
        """At the end of a batch of a ``kind`` phase that reached ``step``: one measurement, and
        Lightning's validation and logging intervals for this batch, on optimiser steps."""
        if self.measuring:
            self._measure()
        trainer.log_every_n_steps = 1 if kind == LM else max(1, self.log_every // self.size)
        if self.val_every:
            trainer.val_check_batch = 1 if step % self.val_every == 0 else _NEVER

    def _now(self) -> float:
        if self._clock is None:
            self._clock = clock()
        return self._clock()

    def _measure(self) -> None:
        now, inside, self._inside = self._now(), self._inside, None
        if self._last_end is not None and inside is not None:
            seconds, steps = inside
            self._samples.append((now - self._last_end - seconds, seconds / steps))
        self._last_end = now
        if len(self._samples) >= MEASURED_BATCHES:
            overhead = statistics.median(o for o, _ in self._samples)
            step = statistics.median(s for _, s in self._samples)
            self.size = measured_batch_steps(self.common, max(overhead, 0.0), step)
            self.measuring = False
            self.measured = {"overhead_ms": overhead * 1e3, "step_ms": step * 1e3, "steps_per_batch": self.size}
