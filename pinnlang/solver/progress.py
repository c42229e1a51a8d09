"""The progress bar of a training run: one bar over optimiser steps, with the losses beside it.

Lightning's own bar counts the batches of each "epoch", which in a PINN run are an artefact (a
batch is one or several optimiser steps and an epoch ``steps_per_epoch`` of them), and starts
a new bar at every epoch. :class:`StepProgressBar` draws a single bar from the first to the last
optimiser step of the run instead::

    adam:  41%|████▏     | 2460/6000 [00:21<00:30, 117 steps/s, loss=0.0123, pde=0.0101, ...]

The description says the phase (``adam``, ``l-bfgs``, ``levenberg-marquardt``); the total follows
the trainer's step limit, so it is updated when a time-budget plan (:mod:`pinnlang.solver.budget`)
sets the number of steps. A run until ``max_time`` shows a bar without a total.
"""

from __future__ import annotations

import sys
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import ProgressBar
from tqdm.auto import tqdm



class StepProgressBar(ProgressBar):
    """One tqdm bar over the optimiser steps of the run, refreshed every ``refresh_rate`` steps.

    Args:
        refresh_rate: steps between two refreshes of the bar and its loss postfix.
    """

    def __init__(self, refresh_rate: int = 10):
        super().__init__()
        self.refresh_rate = max(1, int(refresh_rate))
        self._enabled = True
        self._bar: tqdm | None = None
        self._shown = 0

    # ------------------------------------------------------------------ ProgressBar API
    def disable(self) -> None:
        self._enabled = False

    def enable(self) -> None:
        self._enabled = True

    @property
    def is_enabled(self) -> bool:
        return self._enabled

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        """The module's own last losses and unknowns (it may not publish them to Lightning),
        else Lightning's progress-bar metrics."""
        own = getattr(pl_module, "progress_metrics", None)
        metrics = own() if own is not None else super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        return {k.removeprefix("unknown/"): (f"{v:.3g}" if isinstance(v, float) else v)
                for k, v in metrics.items()}

    # ------------------------------------------------------------------ the bar
    @staticmethod
    def total_steps(trainer: L.Trainer) -> int | None:
        """The run's step limit, or ``None`` for a run until ``max_time``."""
        limit = trainer.max_steps
        if limit is None or limit < 0:
            return None
        return int(limit)

    @staticmethod
    def phase(pl_module: L.LightningModule) -> str:
        """The phase of the module's plan: ``adam``, ``l-bfgs`` or ``levenberg-marquardt``."""
        kind = getattr(pl_module, "phase_kind", "adam")
        return {"lbfgs": "l-bfgs", "lm": "levenberg-marquardt"}.get(kind, kind)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not self._enabled or not trainer.is_global_zero:
            return
        self._shown = trainer.global_step
        self._bar = tqdm(total=self.total_steps(trainer), initial=self._shown, desc=self.phase(pl_module),
                         unit=" steps", dynamic_ncols=True, file=sys.stderr, leave=True, smoothing=0.1)

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        if self._bar is None:
            return
        step = trainer.global_step
        if step - self._shown < self.refresh_rate and step < (self.total_steps(trainer) or step + 1):
            return
        self.update(trainer, pl_module, step)

    def update(self, trainer: L.Trainer, pl_module: L.LightningModule, step: int) -> None:
        """Move the bar to ``step`` and show the current losses and phase."""
        bar = self._bar
        total = self.total_steps(trainer)
        if bar.total != total:
            bar.total = total
        bar.set_description(self.phase(pl_module), refresh=False)
        bar.set_postfix(self.get_metrics(trainer, pl_module), refresh=False)
        bar.update(step - self._shown)
        self._shown = step

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._bar is None:
            return
        if trainer.global_step != self._shown:
            self.update(trainer, pl_module, trainer.global_step)
        self._bar.close()
        self._bar = None

    def print(self, *args: Any, **kwargs: Any) -> None:
        """Print above the bar without breaking it."""
        tqdm.write(" ".join(str(a) for a in args), file=sys.stderr)
