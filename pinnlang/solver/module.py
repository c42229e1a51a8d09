"""``PinnModule``: the solver as a plain :class:`lightning.LightningModule`.

One optimiser step evaluates every condition's residual on its current collocation points, takes
each mean square (causally weighted for a time-dependent ``pde`` if asked), and minimises the
weighted sum. The conditions that read only the fields' values (initial and Dirichlet data,
``data`` statements) share one network call (see :mod:`pinnlang.compile.grouping`). The run
follows its :class:`~pinnlang.solver.plan.TrainingPlan` (``self.plan``): Adam, then
:class:`torch.optim.LBFGS`, then Levenberg–Marquardt
(:class:`~pinnlang.solver.lm_optimizer.LevenbergMarquardtOptimizer`, one iteration per optimiser
step), each phase's optimizer swapped in at its first step, and a checkpoint taken in any phase
resumes in it (the plan is in the checkpoint). Which points a step trains on is
:class:`~pinnlang.solver.point_rounds.PointRounds`'s part.

Optimisation is manual (``automatic_optimization = False``) and one Lightning batch runs
several optimiser steps (``self.batching``, a :class:`~pinnlang.solver.batching.BatchSteps`:
measured in the first batches, one iteration a batch in a Levenberg-Marquardt phase): the batch
ends fall on every interval that matters (checkpoints, resampling, annealing, validation, epochs,
phase ends), so callbacks, loggers, checkpoints and ``max_steps`` see the same global steps as
with one step per batch, at a fraction of Lightning's per-batch cost. A Trainer-level
``gradient_clip_val`` or ``accumulate_grad_batches`` (which Lightning only applies to automatic
optimisation) switches back to automatic optimisation, one step per batch.

Host syncs happen only at logging intervals: the losses are logged once per batch, and the step
at which each condition first went non-finite is tracked on the device and checked every
``log_every`` steps.
"""

from __future__ import annotations

import math
import time
from typing import Any

import lightning as L
import torch
from torch import nn

from pinnlang.compile.grouping import condition_residuals
from pinnlang.errors import PinnRuntimeError
from pinnlang.solver.batching import BatchSteps
from pinnlang.solver.held_out import held_out_judging
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer
from pinnlang.solver.lm_phase import finish_lm_phase, lm_batch
from pinnlang.solver.network import fast_forward
from pinnlang.solver.network_growth import restore_growth
from pinnlang.solver.optimizers import LrFactor, adam_optimizer, lbfgs_optimizer
from pinnlang.solver.plan import ADAM, LBFGS, LM, TrainingPlan, make_plan
from pinnlang.solver.point_rounds import PointRounds
from pinnlang.solver.points import CollocationPoints
from pinnlang.solver.settings import SolveSettings
from pinnlang.solver.step_counter import StepCounter
from pinnlang.solver.tuning import backward_needs_lightning, choose_engine, compile_losses
from pinnlang.solver.weighting import LossWeights, causal_mean_square

VALIDATION_ROUND = 1_000_003  # the round index of the validation points (never a training round)


class PinnModule(PointRounds, L.LightningModule):
    """Trains ``network`` (and the problem's unknowns) on a compiled problem.

    Args:
        compiled: a :class:`~pinnlang.compile.CompiledProblem`.
        network: ``(N, inputs) -> (N, fields)``, input normalisation included.
        settings: the resolved :class:`SolveSettings`.
        plan: the training plan (default: the settings' own phases, see
            :func:`~pinnlang.solver.plan.make_plan`); :func:`pinnlang.solve` gives the run's.
        manual: manual optimisation with several steps per batch (``False``: Lightning's
            automatic optimisation, one step per batch).
    """

    def __init__(self, compiled: Any, network: nn.Module, settings: SolveSettings, *, manual: bool = True,
                 plan: TrainingPlan | None = None):
        super().__init__()
        #: The training plan; a time budget replaces it once (see :mod:`pinnlang.solver.budget`).
        self.plan = plan if plan is not None else make_plan(settings)
        self.automatic_optimization = not manual
        #: Optimiser steps per Lightning batch (:func:`~pinnlang.solver.tuning.set_steps_per_batch`).
        self.batching = BatchSteps()
        self.compiled = compiled
        self.problem = compiled.problem
        self.net = network
        self.settings = settings
        self.unknowns = nn.ParameterDict({
            name: nn.Parameter(torch.tensor(float(value), dtype=compiled.lower.dtype))
            for name, value in compiled.unknown_initial.items()})
        conditions = compiled.conditions
        self.condition_names = [c.name for c in conditions]
        self.loss_weights = LossWeights(self.condition_names, [c.kind for c in conditions],
                                        [c.weight for c in conditions], settings.weighting,
                                        settings.anneal_alpha)
        self.register_buffer("first_nonfinite", torch.full((len(conditions),), -1, dtype=torch.long))
        self.history: list[dict[str, Any]] = []
        self.train_seconds = self._previous_seconds = 0.0
        self._started: float | None = None
        self._resume_step = 0
        self._points: CollocationPoints | None = None
        self._window_cache: tuple[tuple[int, float], dict[str, Any]] | None = None
        #: The current round's choice among its candidates: (round, rank, name -> (kept, weights)).
        self._selection: tuple[int, int, dict[str, Any]] | None = None
        self._minibatch_generator: torch.Generator | None = None
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None
        time_axis = self.problem.time_axis
        self._time_column = len(self.problem.space_coords) if time_axis is not None else None
        self._time_range = (time_axis.lower, time_axis.upper) if time_axis is not None else None
        self._set_forward(network)
        self._losses = self.condition_losses
        #: Values-only conditions share one network call (``False``: one call per condition,
        #: the reference path the speed measurement compares against).
        self.group_values = True
        self.engine_choice: dict[str, Any] = {}
        #: Whether losses go through Lightning's ``self.log`` (for loggers and callbacks that read
        #: ``trainer.callback_metrics``); :func:`pinnlang.solve` turns it off when nothing listens.
        self.publish_metrics = True
        #: The Levenberg-Marquardt phase's residual system and the round of its points.
        self._lm_system: tuple[int, Any] | None = None
        #: Print the Levenberg-Marquardt phase's progress lines (``solve`` sets it from ``quiet``).
        self.report_lm = False
        #: ``dense`` or ``matrix-free`` once the phase chose, and why (see :mod:`~pinnlang.solver.lm_phase`).
        self.gauss_newton_mode: str | None = None
        self.gauss_newton_choice: str | None = None
        #: The widenings of the network so far (``step``, ``width``, ``parameters``; see
        #: :mod:`~pinnlang.solver.network_growth`).
        self.growth: list[dict[str, int]] = []
        #: The jumps of the boundary data smoothed before training (set by :func:`pinnlang.solve`;
        #: :mod:`~pinnlang.solver.jump_smoothing`), which the diagnosis does not name.
        self.smoothed_jumps: list[Any] = []
        #: ``loss.backward()`` instead of Lightning's ``manual_backward`` (set in ``on_fit_start``
        #: when nothing would see the difference, see :func:`backward_needs_lightning`).
        self.plain_backward = False

    # ------------------------------------------------------------------ set-up
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def setup(self, stage: str) -> None:
        device = self.trainer.strategy.root_device
        if self.compiled.lower.device != device:  # compile where the network will train
            from pinnlang.compile import compile_problem

            self.compiled = compile_problem(self.problem, dtype=self.compiled.lower.dtype, device=device,
                                            engine=self.compiled.engine)

    def on_fit_start(self) -> None:
        """Pick the derivative engine (a timed trial for ``engine = auto``) and compile the loss."""
        if self.trainer.state.fn != "fit" or self.engine_choice:
            return
        self.plain_backward = not backward_needs_lightning(self.trainer)
        strategy = self.trainer.strategy
        mean = (lambda t: strategy.reduce(t, reduce_op="mean")) if self.trainer.world_size > 1 else None
        engine, self.engine_choice = choose_engine(self, self.settings, reduce_mean=mean)
        engine = strategy.broadcast(engine)
        self.use_engine(engine)
        self.engine_choice["engine"] = engine
        self._losses = compile_losses(self, self.settings, engine)
        self.engine_choice["compiled"] = self._losses != self.condition_losses

    def use_engine(self, engine: str) -> None:
        """Evaluate derivatives with ``engine`` from now on (autograd through the flat network
        function when there is one; the forward engine reads the network's structure)."""
        self.compiled.engine = engine
        self._set_forward((fast_forward(self.net) or self.net) if engine == "autograd" else self.net)

    def _set_forward(self, function: Any) -> None:
        # A plain attribute, not a child module: the network's weights are saved once, as net.*
        object.__setattr__(self, "_forward", function)

    def configure_optimizers(self) -> Any:
        # A resumed run gets the optimizer its checkpoint was saved with (that of the last step
        # taken), whose state Lightning then loads; the next phase's is swapped in at its start.
        index = self.plan.index_at(max(self._resume_step - 1, 0)) if self.plan.phases else 0
        phase = self.plan.phases[index] if self.plan.phases else None
        if phase is not None and phase.kind != ADAM:
            return self.phase_optimizer(index)
        adam = adam_optimizer(self.parameters(), self.settings.lr)
        if phase is None or phase.lr_schedule == "constant":
            return adam
        scheduler = self.step_scheduler(adam, phase.lr_schedule, (phase.steps or 1) - phase.schedule_from)
        return {"optimizer": adam, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def phase_optimizer(self, index: int) -> torch.optim.Optimizer:
        """The optimizer of the plan's phase ``index`` (L-BFGS or Levenberg-Marquardt)."""
        phase = self.plan.phases[index]
        if phase.kind == LBFGS:
            return self._lbfgs()
        trained = [p for p in self.parameters() if p.requires_grad]
        return LevenbergMarquardtOptimizer(trained, keep_best=phase.resample_every > 0,
                                           memory=float(self.settings.lm_memory), **held_out_judging(self))

    def step_scheduler(self, optimizer: torch.optim.Optimizer, schedule: str,
                       steps: int) -> torch.optim.lr_scheduler.LambdaLR:
        """The learning-rate schedule ``schedule`` over ``steps`` optimiser steps from now."""
        return torch.optim.lr_scheduler.LambdaLR(optimizer, LrFactor(schedule, steps, self.settings.lr_decay))

    def _lbfgs(self) -> torch.optim.LBFGS:
        return lbfgs_optimizer(self.parameters())

    @property
    def phase_kind(self) -> str:
        """``adam``, ``lbfgs`` or ``lm``: the phase of the next optimiser step."""
        return self.plan.kind_at(self.global_step)

    @property
    def steps_per_batch(self) -> int:  # outside a Levenberg-Marquardt phase (so far)
        return self.batching.size

    @property
    def in_lbfgs_phase(self) -> bool:
        return self.phase_kind == LBFGS

    # ------------------------------------------------------------------ losses
    def condition_losses(self, batches: dict[str, Any]) -> list[torch.Tensor]:
        """The (causally weighted) mean squared residual of every condition."""
        losses = []
        conditions = self.compiled.conditions
        residuals = condition_residuals(conditions, self._forward, batches, self.unknowns,
                                        group=self.group_values)
        for cond, residual in zip(conditions, residuals):
            batch = batches[cond.name]
            if self.settings.causal > 0 and cond.kind == "pde" and self._time_column is not None:
                t0, t1 = self._time_range
                losses.append(causal_mean_square(residual, batch.x[:, self._time_column], t0, t1,
                                                 self.settings.causal_bins, self.settings.causal))
            else:
                losses.append(residual.pow(2).mean())
        return losses

    def step_loss(self, step: int) -> torch.Tensor:
        """The weighted loss of optimiser step ``step`` (bookkeeping on the device, no host sync)."""
        vector = torch.stack(self._losses(self.current_batches(step)))
        first = self.first_nonfinite  # -1 until a condition's loss is NaN/inf: then that step
        now = torch.where(torch.isfinite(vector.detach()), -1, step + 1)
        self.first_nonfinite = torch.where(first < 0, now, first)
        s = self.settings
        if (self.loss_weights.anneals and self.plan.kind_at(step) == ADAM and step > 0
                and step % s.anneal_every == 0):
            self.loss_weights.anneal(list(vector.unbind()), list(self.net.parameters()))
        total = self.loss_weights.combine(vector)
        self._last = (total.detach(), vector.detach())
        return total

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor | None:
        if self.automatic_optimization:
            total = self.step_loss(self.global_step)
        elif self.phase_kind == LM:
            total = lm_batch(self)
        else:
            optimizer = self.optimizers()
            lbfgs = isinstance(optimizer.optimizer, torch.optim.LBFGS)
            steps, started = self.batching.steps_at(self.global_step, self.plan), self.batching.start_steps()
            for _ in range(steps):
                if lbfgs:
                    if self._points is not None and self._points.round != self._round(self.global_step):
                        optimizer.optimizer.state.clear()  # its curvature pairs belong to the old points
                    optimizer.step(closure=self._closure(optimizer, self.global_step))
                else:
                    self._closure(optimizer, self.global_step)()
                    optimizer.step()
                    scheduler = self.lr_schedulers()
                    if scheduler is not None:
                        scheduler.step()
                self._record_if_due()  # the history keeps its log_every rows inside a batch
            self.batching.steps_done(started, steps)
            total = self._last[0]
        if self.publish_metrics or self.automatic_optimization:
            self.log("loss", total, prog_bar=True, batch_size=1)
            for name, value in zip(self.condition_names, self._last[1]):
                self.log(name, value, prog_bar=True, batch_size=1)
            for name, value in self.unknowns.items():
                self.log(f"unknown/{name}", value.detach(), prog_bar=True, batch_size=1)
        return total if self.automatic_optimization else None

    def progress_metrics(self) -> dict[str, float]:
        """The last step's total loss, per-condition losses and unknowns (a host sync), for the
        progress bar."""
        if self._last is None:
            return {}
        return {**self._loss_values(), **self.unknown_values()}

    def _loss_values(self) -> dict[str, float]:
        """The last step's total loss and per-condition losses as floats (a host sync)."""
        total, vector = self._last
        return {"loss": float(total), **dict(zip(self.condition_names, vector.tolist()))}

    def _closure(self, optimizer: Any, step: int):
        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            total = self.step_loss(step)
            if self.plain_backward:
                total.backward()
            else:
                self.manual_backward(total)
            if self.settings.clip:
                self.clip_gradients(optimizer, gradient_clip_val=self.settings.clip,
                                    gradient_clip_algorithm="norm")
            if self.trainer.world_size > 1 and self.in_lbfgs_phase:
                # Every rank's L-BFGS must take the same decisions (line-search steps, stopping),
                # else the ranks evaluate the closure a different number of times and wait on
                # each other's gradient reductions forever. DDP already averages the gradients;
                # the loss the line search compares is averaged here too, so all ranks see the
                # same numbers: the loss and gradient of all ranks' points together.
                total = self.trainer.strategy.reduce(total.detach(), reduce_op="mean")
            return total

        return closure

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        points = self._collocation()
        with torch.enable_grad():  # residuals need input derivatives
            batches = points.draw(VALIDATION_ROUND)
            vector = torch.stack(self.condition_losses(batches)).detach()
        self.log("val_loss", self.loss_weights.combine(vector), prog_bar=True, batch_size=1)
        for name, value in zip(self.condition_names, vector):
            self.log(f"val/{name}", value, batch_size=1)

    # ------------------------------------------------------------------ hooks
    def on_train_start(self) -> None:
        self._started = time.perf_counter()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        kind = self.phase_kind
        wanted = {ADAM: torch.optim.Adam, LBFGS: torch.optim.LBFGS, LM: LevenbergMarquardtOptimizer}[kind]
        if kind != ADAM and not isinstance(self.trainer.optimizers[0], wanted):
            self.trainer.strategy.optimizers = [self.phase_optimizer(self.plan.index_at(self.global_step))]
            self.trainer.strategy.lr_scheduler_configs = []

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.automatic_optimization:  # manual optimisation records inside its batch loop
            self._record_if_due()
        self.batching.batch_end(self.trainer, self.global_step, self.plan.kind_at(self.global_step - 1))

    def _record_if_due(self) -> None:
        step = self.global_step
        total = self.plan.total_steps
        due = step % self.settings.log_every == 0 or (total is not None and step >= total)
        if due and not (self.history and self.history[-1]["step"] == step):
            self.record(step)

    def on_train_end(self) -> None:
        if self.trainer.optimizers and isinstance(self.trainer.optimizers[0], LevenbergMarquardtOptimizer):
            finish_lm_phase(self)
        if self._started is not None:
            self.train_seconds = self._previous_seconds + time.perf_counter() - self._started
        if self._last is not None and (not self.history or self.history[-1]["step"] != self.global_step):
            self.record(self.global_step)
        if self._points is not None:
            self._points.close()

    def record(self, step: int) -> None:
        """Check for non-finite losses and append a row to the history (a host sync)."""
        bad = self.first_nonfinite.cpu()
        if (bad >= 0).any():
            first = int(bad[bad >= 0].min())
            names = [n for n, b in zip(self.condition_names, bad.tolist()) if b == first]
            raise PinnRuntimeError(
                f"the loss of condition '{names[0]}' became non-finite (NaN or inf) at step {first}",
                hint="check the equation for divisions by zero or logs/sqrts of negative values, "
                     "or lower the learning rate (--lr)")
        if self._last is None:
            return
        row: dict[str, Any] = {"step": step, **self._loss_values()}
        group = self.trainer.optimizers[0].param_groups[0] if self.trainer.optimizers else {}
        row["lr"] = float(group.get("lr", math.nan))
        row.update({f"unknown/{k}": v for k, v in self.unknown_values().items()})
        if self.loss_weights.anneals:
            row.update({f"weight/{n}": float(w) for n, w in zip(self.condition_names, self.loss_weights.weights.tolist())})
        self.history.append(row)

    def measure_losses(self, batches: dict[str, Any]) -> None:
        """Make the losses on ``batches`` now the last ones (a phase whose optimizer does not
        evaluate them itself, see :mod:`~pinnlang.solver.lm_phase`)."""
        with torch.enable_grad():  # residuals need input derivatives
            vector = torch.stack(self.condition_losses(batches)).detach()
        self._last = (self.loss_weights.combine(vector).detach(), vector)

    def final_losses(self) -> dict[str, float]:
        """The last logged loss of every condition."""
        if self._last is None:
            return {}
        return {name: float(v) for name, v in zip(self.condition_names, self._last[1].tolist())}

    def unknown_values(self) -> dict[str, float]:
        return {k: float(v.detach()) for k, v in self.unknowns.items()}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if self._last is not None:  # checkpoint callbacks run before on_train_batch_end
            self._record_if_due()
        elapsed = time.perf_counter() - self._started if self._started is not None else 0.0
        checkpoint["pinnlang"] = {"history": [dict(r) for r in self.history],
                                  "train_seconds": self._previous_seconds + elapsed,
                                  "settings": self.settings.to_dict(), "plan": self.plan.to_dict(),
                                  "growth": [dict(g) for g in self.growth],
                                  "point_selection": self.point_selection()}

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self._resume_step = int(checkpoint.get("global_step", 0))
        saved = checkpoint.get("pinnlang", {})
        self.history = [dict(r) for r in saved.get("history", [])]
        self._previous_seconds = float(saved.get("train_seconds", 0.0))
        restore_growth(self, saved.get("growth", []))
        self.restore_point_selection(saved.get("point_selection"))

    # ------------------------------------------------------------------ loaders
    def train_dataloader(self) -> StepCounter:
        """Batch indices only: the collocation points live on the module, on the device."""
        epoch = self.settings.steps_per_epoch
        if self.plan.total_steps is not None:
            epoch = min(epoch, max(self.plan.total_steps, 1))
        return StepCounter(epoch, more=lambda: self.global_step < (self.current_epoch + 1) * epoch)

    def val_dataloader(self) -> StepCounter:
        return StepCounter(1)
