"""Choices made for speed at start-up: steps per Lightning batch, threads, derivative engine,
``torch.compile``.

- :func:`batch_steps`: how many optimiser steps one Lightning batch runs — the greatest common
  divisor of every interval that must fall on a batch end.
- :func:`choose_threads`: torch threads for the run: ``threads`` when set, else torch's own
  default (``None``: left as it is). On a loaded machine fewer threads can be faster (on a shared
  two-core machine with a load average of 3-8, 3 x 20 Burgers on 100 points took 193 ms per step
  on two threads against 3.3 ms on one); that is the machine's business, set ``threads``.
- :func:`choose_engine`: ``autograd`` or ``forward``. With ``engine = auto`` the forward engine is
  tried only when it can take the network (a zoo MLP with a supported activation, derivatives
  of order up to four); then both engines time a few loss-and-backward evaluations on the
  run's own points, interleaved, and the faster one trains.
- :func:`backward_needs_lightning`: plain ``loss.backward()`` when Lightning's
  ``manual_backward`` would add nothing.
- :func:`compile_losses`: ``torch.compile`` over the forward engine's loss when asked, or with
  ``compile = auto`` when the run is long enough to win back the compilation (measured on 8 x 20
  Burgers, 2780 points, one thread: 97 s to compile under a load average of 7, then 16.3 ms per
  step instead of 30.6 ms: only runs of many thousand steps pay).
"""

from __future__ import annotations

import statistics
import time
from functools import reduce
from math import gcd
from typing import Any, Callable, Sequence

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.strategies import SingleDeviceStrategy

from pinnlang.solver.settings import SolveSettings

#: A run shorter than this many steps skips the engine trial: the trial's 2 x (1 + TRIAL_ROUNDS)
#: evaluations are then more than ~3 % of the run, on any machine (a ratio of step counts).
TRIAL_MIN_STEPS = 300
#: Timed evaluations per engine in the trial (after one warm-up each), interleaved: the median of
#: three is the smallest sample that drops one outlier.
TRIAL_ROUNDS = 3
#: The forward engine must be at least this much faster to be chosen over autograd: a 5 % margin
#: against timing noise between two engines that compute the same residuals.
TRIAL_MARGIN = 0.95
#: Without a trial, the forward engine takes a zoo MLP whose derivatives go up to this order: it
#: was the faster engine on every such problem measured (Burgers, heat, 2-, 3- and 5-D Poisson,
#: 0.51-0.88x the hand-written nested-autograd step in ``benchmarks/time_to_accuracy.py
#: --step-ms``) ...
UNTRIED_FORWARD_ORDER = 2
#: ... and when the largest batch's points times the network's width reach this: below it a
#: step is a few hundred tiny kernels and the forward engine has more of them (3 x 20 Burgers on
#: 100 points: 1.26x the hand-written step with it, 1.12x with autograd).
UNTRIED_FORWARD_SIZE = 10_000
#: Seconds ``torch.compile`` is assumed to take over the forward loss (measured 97 s under load).
COMPILE_SECONDS = 120.0
#: Fraction of a forward-engine step that compiling saves (measured 0.47 on Burgers 8 x 20).
COMPILE_SAVING = 0.45


#: Default upper bound of the optimiser steps in one Lightning batch. Lightning's per-batch work
#: (hooks, loop bookkeeping) costs about 2 ms on the CPU; at 50 steps a batch it is a few percent
#: of a tiny problem's step (measured: tiny Burgers 1.48x the hand-written loop at 10 steps a
#: batch, 1.26x at 50), and the progress bar still moves every 50 steps.
BATCH_CAP = 50


def batch_steps(settings: SolveSettings, checkpoint_every: int = 0, boundaries: Sequence[int] = ()) -> int:
    """Optimiser steps per Lightning batch: the greatest common divisor of the epoch, checkpoint,
    validation, resampling and annealing intervals and of the plan's phase ``boundaries``, capped
    by ``settings.steps_per_batch`` when that is given, else by :data:`BATCH_CAP` (then the largest
    divisor of the common divisor not above the cap). The history is recorded inside a batch, at
    every ``log_every`` steps, so the log interval does not bound the batch."""
    s = settings
    intervals = [s.steps_per_epoch, *boundaries, checkpoint_every,
                 s.val_every, s.resample_every, s.anneal_every if s.weighting != "fixed" else 0]
    common = reduce(gcd, [i for i in intervals if i > 0], 0) or 1
    cap = s.steps_per_batch or BATCH_CAP
    return max(d for d in range(1, min(common, cap) + 1) if common % d == 0)


def set_steps_per_batch(module: Any, trainer: Any) -> int:
    """Set ``module.steps_per_batch`` for ``trainer`` and convert the trainer's batch-counted
    intervals (validation, logger flushes) to it. One step per batch under automatic
    optimisation and under DDP, which reduces gradients once per forward of the wrapped module."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    k = 1
    if not module.automatic_optimization and isinstance(trainer.strategy, SingleDeviceStrategy):
        every = [c._every_n_train_steps for c in trainer.callbacks
                 if isinstance(c, ModelCheckpoint) and c._every_n_train_steps]
        k = batch_steps(module.settings, reduce(gcd, every, 0), module.plan.boundaries())
    module.steps_per_batch = k
    if isinstance(trainer.val_check_interval, int):
        trainer.val_check_interval = max(1, trainer.val_check_interval // k)
    trainer.log_every_n_steps = max(1, trainer.log_every_n_steps // k)
    return k


def choose_threads(settings: SolveSettings) -> int | None:
    """``settings.threads``, else ``None``: torch's own default (see the module docstring)."""
    return settings.threads or None


def _clock() -> Callable[[], float]:
    # One thread: this process's CPU time, which other processes' load does not inflate.
    return time.process_time if torch.get_num_threads() == 1 else time.perf_counter


def time_engines(module: Any, engines: list[str], rounds: int = TRIAL_ROUNDS) -> dict[str, float]:
    """Median seconds of one loss-and-backward evaluation per engine, on the step-0 points."""
    batches = module.current_batches(0)
    clock = _clock()
    samples: dict[str, list[float]] = {name: [] for name in engines}
    previous = module.compiled.engine.name
    try:
        for round_index in range(rounds + 1):
            for name in engines:
                module.use_engine(name)
                start = clock()
                total = torch.stack(module.condition_losses(batches)).sum()
                total.backward()
                if round_index:  # the first round warms up
                    samples[name].append(clock() - start)
    finally:
        module.use_engine(previous)
        for parameter in module.parameters():
            parameter.grad = None
    return {name: statistics.median(values) for name, values in samples.items()}


def choose_engine(module: Any, settings: SolveSettings, trial: bool = True) -> tuple[str, dict[str, Any]]:
    """The engine to train with, and why (``{"reason": ..., "seconds": {...}}``); ``trial=False``
    (several processes, whose gradient reduction a backward outside training would upset) skips
    the trial, as does a run shorter than :data:`TRIAL_MIN_STEPS`: then ``auto`` takes the
    forward engine for derivatives up to :data:`UNTRIED_FORWARD_ORDER` on batches of at least
    :data:`UNTRIED_FORWARD_SIZE` points times width, else autograd."""
    from pinnlang.compile.forward_engine import ForwardModeEngine

    if settings.engine != "auto":
        return settings.engine, {"reason": "setting"}
    if not ForwardModeEngine.supports(module.net, module.compiled.plan):
        return "autograd", {"reason": "the forward engine cannot take this network"}
    untried = None
    adam = module.plan.first_order_steps()
    if adam is not None and adam < TRIAL_MIN_STEPS:
        untried = f"fewer than {TRIAL_MIN_STEPS} steps"
    elif not trial:
        untried = "several processes"
    if untried is not None:
        points = max(len(batch.x) for batch in module.current_batches(0).values())
        if (module.compiled.plan.max_order <= UNTRIED_FORWARD_ORDER
                and points * settings.width >= UNTRIED_FORWARD_SIZE):
            return "forward", {"reason": f"{untried}: no trial; forward up to order "
                                         f"{UNTRIED_FORWARD_ORDER} on {points} x {settings.width}"}
        return "autograd", {"reason": f"{untried}: no trial"}
    seconds = time_engines(module, ["autograd", "forward"])
    faster = seconds["forward"] < TRIAL_MARGIN * seconds["autograd"]
    return ("forward" if faster else "autograd"), {"reason": "timed trial", "seconds": seconds}


def compile_wanted(settings: SolveSettings, engine: str, step_seconds: float | None = None,
                   steps: int | None = None) -> bool:
    """Whether to ``torch.compile`` the loss. Only the forward engine's loss compiles (autograd's
    nested gradients need double backward, which compiled graphs do not support). ``true``:
    always then; ``auto``: when the Adam steps times the expected saving per step (from the
    engine trial's ``step_seconds``) over the plan's ``steps`` of Adam exceed :data:`COMPILE_SECONDS`, and a ``max_time`` leaves
    room for it."""
    if settings.compile == "false" or engine != "forward":
        return False
    if settings.compile == "true":
        return True
    if step_seconds is None or (settings.max_time and settings.max_time < 4 * COMPILE_SECONDS):
        return False
    if steps is None:  # a time budget not planned yet: as long as the time
        return settings.max_time * COMPILE_SAVING > COMPILE_SECONDS
    return steps * COMPILE_SAVING * step_seconds > COMPILE_SECONDS


def compile_losses(module: Any, settings: SolveSettings, engine: str,
                   step_seconds: float | None = None) -> Callable[[dict[str, Any]], list]:
    """The module's loss function, compiled by ``torch.compile`` when :func:`compile_wanted`."""
    if not compile_wanted(settings, engine, step_seconds, module.plan.first_order_steps()):
        return module.condition_losses
    return torch.compile(module.condition_losses, dynamic=False)


#: Hooks that ``manual_backward`` calls around ``loss.backward()``.
_BACKWARD_HOOKS = ("on_before_backward", "on_after_backward")


def backward_needs_lightning(trainer: Any) -> bool:
    """Whether ``manual_backward`` does anything beyond ``loss.backward()`` in this run.

    It does under several processes (the strategy prepares the gradient reduction), under a
    precision other than plain (loss scaling), and when a callback or the module overrides the
    hooks it calls (:data:`_BACKWARD_HOOKS`). Otherwise ``loss.backward()`` is the same thing,
    without Lightning's per-step hook dispatch.
    """
    if trainer.world_size != 1 or type(trainer.strategy) is not SingleDeviceStrategy:
        return True
    if type(trainer.strategy.precision_plugin) is not Precision:
        return True
    module = trainer.lightning_module
    for hook in _BACKWARD_HOOKS:
        if getattr(type(module), hook) is not getattr(L.LightningModule, hook):
            return True
        if any(getattr(type(cb), hook) is not getattr(Callback, hook) for cb in trainer.callbacks):
            return True
    return False
