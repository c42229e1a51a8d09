"""Building the Lightning ``Trainer`` for a PINN run, and keeping Lightning's chatter away.

Several of Lightning's warnings concern data loading and validation of ordinary datasets and
do not apply to PINN training (the "data" here is a counter of steps; the points live on the
module): they are filtered while pinnlang trains, so a user who did nothing wrong sees none.
"""

from __future__ import annotations

import contextlib
import datetime
import inspect
import logging
import math
import os
import warnings
from typing import Any, Iterator, Sequence

import lightning as L
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, ProgressBar
from lightning.pytorch.loggers import CSVLogger, Logger

from pinnlang.errors import PinnUsageError
from pinnlang.results.run_folder import LIGHTNING_CHECKPOINT_DIR
from pinnlang.solver.budget import TimeBudget
from pinnlang.solver.plan import TrainingPlan
from pinnlang.solver.progress import StepProgressBar
from pinnlang.settings_schema import suggest
from pinnlang.solver.settings import SolveSettings

#: Lightning warnings that do not apply to PINN training (regular expressions on the message).
IGNORED_WARNINGS = (
    r".*does not have many workers.*",
    r".*smaller than the logging interval.*",
    r".*You defined a `validation_step` but have no `val_dataloader`.*",
    r".*Checkpoint directory .* exists and is not empty.*",
    r".*The `srun` command is available on your system.*",
    r".*GPU available but not used.*",
    r".*Total length of .* across ranks is zero.*",
    r".*module\(s\) in eval mode.*",
    r".*is an invalid version and will not be supported.*",
    r".*callbacks used to create the checkpoint need to be provided.*",
    r".*isinstance\(treespec, LeafSpec\)` is deprecated.*",
    r".*Using ModelCheckpoint with manual optimization and every_n_train_steps.*",
)
QUIET_LOGGERS = ("lightning.pytorch", "lightning.fabric", "lightning",
                 "lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero",
                 "lightning.pytorch.accelerators.cuda")
CHATTER_PREFIXES = ("GPU available", "TPU available", "HPU available", "IPU available",
                    "\N{ELECTRIC LIGHT BULB} Tip", "You are using a CUDA device", "LOCAL_RANK",
                    "Initializing distributed", "----------", "distributed_backend",
                    "All distributed processes registered", "`Trainer.fit` stopped: `max_steps",
                    "Restoring states from the checkpoint", "Restored all states from the checkpoint",
                    "Time limit reached.")

TRAINER_ARGUMENTS: tuple[str, ...] = tuple(
    name for name in inspect.signature(L.Trainer.__init__).parameters if name != "self")


class _DropChatter(logging.Filter):
    """Drops Lightning's start-up lines (hardware found, tips); keeps everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(message.startswith(prefix) for prefix in CHATTER_PREFIXES)


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Filter the inapplicable warnings and Lightning's start-up lines (GPU available: ...).

    Everything else Lightning logs (a profiler's report, a callback's messages) still shows.
    """
    chatter = _DropChatter()
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    handlers = [h for lg in loggers for h in lg.handlers]
    with warnings.catch_warnings():
        for pattern in IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", message=pattern)
        for target in loggers + handlers:
            target.addFilter(chatter)
        try:
            yield
        finally:
            for target in loggers + handlers:
                target.removeFilter(chatter)


def check_trainer_kwargs(kwargs: dict[str, Any]) -> None:
    """Raise :class:`PinnUsageError` for a keyword that is neither a setting nor a Trainer argument
    (a misspelt setting gets the schema's own message, as in a ``train:`` statement)."""
    from pinnlang.settings_schema import ALIASES, SETTING_NAMES, setting_named

    for key in kwargs:
        if key not in TRAINER_ARGUMENTS:
            if suggest(key, SETTING_NAMES + tuple(ALIASES)) and not suggest(key, TRAINER_ARGUMENTS):
                setting_named(key)  # raises: unknown training setting 'stpes' (did you mean 'steps'?)
            raise PinnUsageError(f"unknown setting or Trainer argument '{key}'"
                                 + suggest(key, SETTING_NAMES + tuple(ALIASES) + TRAINER_ARGUMENTS))


def make_logger(settings: SolveSettings, run_dir: str | None) -> Logger | bool:
    """The logger named by ``settings.logger``, writing into the run folder."""
    if settings.logger == "none":
        return False
    save_dir = run_dir or os.getcwd()
    if settings.logger == "csv":
        return CSVLogger(save_dir, name="logs")
    try:
        from lightning.pytorch.loggers import TensorBoardLogger

        return TensorBoardLogger(save_dir, name="logs")
    except ModuleNotFoundError as err:
        raise PinnUsageError(f"--logger tensorboard needs the tensorboard package ({err})",
                             hint="pip install tensorboard, or use --logger csv") from None


#: Steps between two checkpoints of a run (for ``--resume``) at most, unless ``checkpoint_every``.
CHECKPOINT_EVERY_AT_MOST = 500


def default_checkpoint_every(total_steps: int | None) -> int:
    """A tenth of the run, at most :data:`CHECKPOINT_EVERY_AT_MOST` (a run until ``max_time``:
    that many)."""
    if total_steps is None:
        return CHECKPOINT_EVERY_AT_MOST
    return max(1, min(CHECKPOINT_EVERY_AT_MOST, total_steps // 10))


def run_time_cap(settings: SolveSettings, plan: TrainingPlan) -> float:
    """Seconds after which the run stops (0: none): ``max_time``, else the plan's own cap (the
    default training's)."""
    return settings.max_time or plan.budget


def build_trainer(settings: SolveSettings, plan: TrainingPlan, *, run_dir: str | None,
                  callbacks: Sequence[Callback] = (), logger: Logger | bool | None = None,
                  trainer_kwargs: dict[str, Any] | None = None, manual: bool = False,
                  lm_parameters: int = 0) -> L.Trainer:
    """A ``Trainer`` running the steps of ``plan`` (until ``max_time`` when it has an open-ended
    phase; a time budget not planned yet gets the :class:`~pinnlang.solver.budget.TimeBudget`
    callback that plans it).

    Args:
        settings: the resolved settings.
        plan: the run's training plan.
        run_dir: the run folder; Lightning's ``checkpoints/last.ckpt`` goes there (for resume).
        callbacks: the user's callbacks, added after pinnlang's.
        logger: the user's logger; ``None`` takes ``settings.logger``.
        trainer_kwargs: further ``Trainer`` arguments, which win over pinnlang's.
        manual: the module optimises manually (it clips gradients itself; Lightning's
            ``gradient_clip_val`` is only for automatic optimisation).
        lm_parameters: what a Levenberg-Marquardt phase would train (for a time budget's plan).
    """
    trainer_kwargs = dict(trainer_kwargs or {})
    check_trainer_kwargs(trainer_kwargs)
    total, cap = plan.total_steps, run_time_cap(settings, plan)
    epoch = settings.steps_per_epoch if total is None else min(settings.steps_per_epoch, max(total, 1))
    all_callbacks: list[Callback] = []
    show_progress = not settings.quiet and trainer_kwargs.get("enable_progress_bar", True)
    if show_progress and not any(isinstance(c, ProgressBar) for c in callbacks):
        all_callbacks.append(StepProgressBar(refresh_rate=settings.log_every))
    if run_dir:
        all_callbacks.append(ModelCheckpoint(
            dirpath=os.path.join(run_dir, LIGHTNING_CHECKPOINT_DIR), filename="step{step}",
            save_top_k=0, save_last=True,
            every_n_train_steps=settings.checkpoint_every or default_checkpoint_every(total)))
    if plan.measuring:
        all_callbacks.append(TimeBudget(lm_parameters))
    all_callbacks += list(callbacks)
    options: dict[str, Any] = dict(
        accelerator=settings.accelerator, devices=settings.devices, strategy=settings.strategy,
        num_nodes=settings.num_nodes, precision=settings.precision,
        max_steps=-1 if total is None else max(total, 1),
        max_epochs=-1 if total is None else math.ceil(max(total, 1) / epoch),
        max_time=datetime.timedelta(seconds=cap) if cap else None,
        gradient_clip_val=None if manual else (settings.clip or None),
        log_every_n_steps=settings.log_every,
        enable_progress_bar=bool(show_progress), enable_model_summary=False,
        enable_checkpointing=bool(run_dir) or any(isinstance(c, ModelCheckpoint) for c in callbacks),
        logger=logger if logger is not None else make_logger(settings, run_dir),
        callbacks=all_callbacks, inference_mode=False, num_sanity_val_steps=0,
        use_distributed_sampler=False, default_root_dir=run_dir,
    )
    if settings.val_every:
        options.update(val_check_interval=settings.val_every, check_val_every_n_epoch=None)
    else:
        options.update(limit_val_batches=0)
    options.update(trainer_kwargs)
    with quiet_lightning():
        return L.Trainer(**options)

