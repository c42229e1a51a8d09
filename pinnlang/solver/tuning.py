"""Choices made for speed at start-up: steps per Lightning batch, threads, derivative engine,
``torch.compile``. None rests on a constant measured on some machine: what depends on the machine
is measured in the run.

- :func:`set_steps_per_batch`: how many optimiser steps one Lightning batch runs — measured in
  the run's first batches, see :mod:`pinnlang.solver.batching`.
- :func:`choose_threads`: torch threads for the run: ``threads`` when set, else torch's own
  default (``None``: left as it is). On a loaded machine fewer threads can be faster (on a shared
  two-core machine with a load average of 3-8, 3 x 20 Burgers on 100 points took 193 ms per step
  on two threads against 3.3 ms on one); that is the machine's business, set ``threads``.
- :func:`choose_engine`: ``autograd`` or ``forward``. With ``engine = auto`` the forward engine is
  tried when it can take the network (a zoo MLP with a supported activation, derivatives of order
  up to four); then both engines time a few loss-and-gradient evaluations on the run's own points,
  interleaved, and the faster one trains — in every run, short or long, in one process or several
  (the trial takes gradients with ``torch.autograd.grad``, which leaves the parameters' ``.grad``
  and DDP's gradient reduction alone; every process times its own points and the medians are
  averaged over the processes, so all choose alike).
- :func:`backward_needs_lightning`: plain ``loss.backward()`` when Lightning's
  ``manual_backward`` would add nothing.
- :func:`compile_losses`: ``torch.compile`` over the forward engine's loss, opt-in
  (``compile = true``): compiling takes minutes on the CPU (97 s for 8 x 20 Burgers under load)
  and pays only in long runs, which a start-up decision cannot know without compiling first.
"""

from __future__ import annotations

import statistics
from functools import reduce
from math import gcd
from typing import Any, Callable

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.strategies import SingleDeviceStrategy

from pinnlang.solver.batching import BatchSteps, clock, common_interval, largest_divisor
from pinnlang.solver.settings import SolveSettings

#: Timed evaluations per engine in the trial (after one warm-up each), interleaved: the median of
#: three is the smallest sample that drops one outlier.
TRIAL_ROUNDS = 3
#: The forward engine must be at least this much faster to be chosen over autograd: a 5 % margin
#: against timing noise between two engines that compute the same residuals.
TRIAL_MARGIN = 0.95


def set_steps_per_batch(module: Any, trainer: Any) -> BatchSteps:
    """Give ``module`` its :class:`~pinnlang.solver.batching.BatchSteps` for ``trainer``:
    measured in the run's first batches, or ``settings.steps_per_batch`` (the largest divisor of
    the common interval up to it); one step per batch under automatic optimisation and under
    several processes, whose gradient reduction runs once per forward of the wrapped module."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    settings = module.settings
    common, size = 1, 1
    if not module.automatic_optimization and isinstance(trainer.strategy, SingleDeviceStrategy):
        every = [c._every_n_train_steps for c in trainer.callbacks
                 if isinstance(c, ModelCheckpoint) and c._every_n_train_steps]
        common = common_interval(settings, reduce(gcd, every, 0))
        size = largest_divisor(common, settings.steps_per_batch) if settings.steps_per_batch else None
    val_every = settings.val_every if trainer.val_check_interval == settings.val_every else 0
    module.batching = BatchSteps(common, size, log_every=trainer.log_every_n_steps, val_every=val_every)
    trainer.log_every_n_steps = max(1, trainer.log_every_n_steps // module.batching.size)
    return module.batching


def choose_threads(settings: SolveSettings) -> int | None:
    """``settings.threads``, else ``None``: torch's own default (see the module docstring)."""
    return settings.threads or None


def time_engines(module: Any, engines: list[str], rounds: int = TRIAL_ROUNDS,
                 reduce_mean: Callable[[torch.Tensor], torch.Tensor] | None = None) -> dict[str, float]:
    """Median seconds of one loss-and-gradient evaluation per engine, on the step-0 points
    (``reduce_mean``: the mean of a tensor over the processes, which then all get the same
    medians). The gradients go through ``torch.autograd.grad``: no ``.grad`` is written and no
    gradient hook (DDP's reduction) runs."""
    batches = module.current_batches(0)
    trained = [p for p in module.parameters() if p.requires_grad]
    tick = clock()
    samples: dict[str, list[float]] = {name: [] for name in engines}
    previous = module.compiled.engine.name
    try:
        for round_index in range(rounds + 1):
            for name in engines:
                module.use_engine(name)
                start = tick()
                total = torch.stack(module.condition_losses(batches)).sum()
                torch.autograd.grad(total, trained, allow_unused=True)
                if round_index:  # the first round warms up
                    samples[name].append(tick() - start)
    finally:
        module.use_engine(previous)
    medians = [statistics.median(samples[name]) for name in engines]
    if reduce_mean is not None:
        medians = reduce_mean(torch.tensor(medians, dtype=torch.float64)).tolist()
    return dict(zip(engines, medians))


def choose_engine(module: Any, settings: SolveSettings,
                  reduce_mean: Callable[[torch.Tensor], torch.Tensor] | None = None) -> tuple[str, dict[str, Any]]:
    """The engine to train with, and why (``{"reason": ..., "seconds": {...}}``): the setting,
    autograd when the forward engine cannot take the network, else the faster one of a timed
    trial (:func:`time_engines`; the forward engine by at least the :data:`TRIAL_MARGIN`)."""
    from pinnlang.compile.forward_engine import ForwardModeEngine

    if settings.engine != "auto":
        return settings.engine, {"reason": "setting"}
    if not ForwardModeEngine.supports(module.net, module.compiled.plan):
        return "autograd", {"reason": "the forward engine cannot take this network"}
    seconds = time_engines(module, ["autograd", "forward"], reduce_mean=reduce_mean)
    faster = seconds["forward"] < TRIAL_MARGIN * seconds["autograd"]
    return ("forward" if faster else "autograd"), {"reason": "timed trial", "seconds": seconds}


def compile_wanted(settings: SolveSettings, engine: str) -> bool:
    """Whether to ``torch.compile`` the loss: when asked (``compile = true``), and only the
    forward engine's loss (autograd's nested gradients need double backward, which compiled
    graphs do not support)."""
    return settings.compile == "true" and engine == "forward"


def compile_losses(module: Any, settings: SolveSettings, engine: str) -> Callable[[dict[str, Any]], list]:
    """The module's loss function, compiled by ``torch.compile`` when :func:`compile_wanted`."""
    if not compile_wanted(settings, engine):
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
