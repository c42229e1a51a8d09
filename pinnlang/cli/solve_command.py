"""``pinnlang solve FILE``: train a network on a problem and write a run folder.

Every training setting has a flag; any Lightning ``Trainer`` argument can be given as
``--trainer.NAME VALUE`` (``--trainer.gradient_clip_val 0.1``, ``--trainer.profiler simple``),
the value read as an int, float, bool, ``none`` or a string — never evaluated.
"""

from __future__ import annotations

import argparse
import inspect
import os

from pinnlang.solver.settings import (
    COMPILE_CHOICES,
    ENGINES,
    LOGGERS,
    LR_SCHEDULES,
    SAMPLERS,
    WEIGHTINGS,
    parse_devices,
    parse_scalar,
)

RUN_DIR_ENV = "PINNLANG_RUN_DIR"
"""Names the run folder to the processes a DDP launcher starts (they re-run the command)."""

TRAINER_PREFIX = "trainer__"

# flag -> (setting, type, help)
_FLAGS: list[tuple[str, str, object, str]] = [
    ("--steps", "steps", int, "Adam steps (with no step count anywhere: 1000, then 200 Levenberg-Marquardt "
     "iterations on fresh points when the network allows it, else 2000)"),
    ("--lbfgs-steps", "lbfgs_steps", int, "L-BFGS iterations after Adam (default 0)"),
    ("--lm-steps", "lm_steps", int, "Levenberg-Marquardt iterations after Adam and L-BFGS (default 0; "
     "zoo MLPs of a few thousand parameters)"),
    ("--lm-resample-every", "lm_resample_every", int, "draw fresh points every N Levenberg-Marquardt iterations"),
    ("--lm-points", "lm_points", int, "points per pde condition in the Levenberg-Marquardt phase"),
    ("--lr", "lr", float, "Adam learning rate"),
    ("--model", "model", str, "a network of the zoo (see `pinnlang models`)"),
    ("--width", "width", int, "hidden width"),
    ("--depth", "depth", int, "hidden layers"),
    ("--activation", "activation", str, "activation function of the network"),
    ("--sigma", "sigma", float, "spread of random Fourier frequencies (fourier model)"),
    ("--features", "features", int, "number of random Fourier frequencies (fourier model)"),
    ("--points", "points", int, "collocation points per pde condition"),
    ("--boundary-points", "boundary_points", int, "points per other condition"),
    ("--seed", "seed", int, "seed of the initialisation and the samplers"),
    ("--resample-every", "resample_every", int, "draw fresh points every N steps"),
    ("--lbfgs-resample-every", "lbfgs_resample_every", int, "draw fresh points every N L-BFGS iterations"),
    ("--batch-size", "batch_size", int, "random minibatch of N points per condition and step"),
    ("--anneal-every", "anneal_every", int, "steps between updates of annealed weights"),
    ("--time-windows", "time_windows", int, "curriculum in time: Adam covers 1/K, 2/K, ... of the interval"),
    ("--causal", "causal", float, "causal weighting of time-dependent residuals (epsilon; 0: off)"),
    ("--clip", "clip", float, "gradient clipping value"),
    ("--accelerator", "accelerator", str, "cpu, gpu, auto, ..."),
    ("--devices", "devices", parse_devices, "device count, auto, or a list like 0,1"),
    ("--strategy", "strategy", str, "auto, ddp, ddp_spawn, ..."),
    ("--nodes", "num_nodes", int, "number of nodes"),
    ("--precision", "precision", parse_scalar, "32-true (default), 64-true, bf16-mixed, ..."),
    ("--max-time", "max_time", float, "stop after this many seconds (without --steps: the time is "
     "planned into Adam steps, then Levenberg-Marquardt on fresh points or, for networks it cannot "
     "take, L-BFGS)"),
    ("--log-every", "log_every", int, "steps between rows of the history"),
    ("--checkpoint-every", "checkpoint_every", int, "steps between checkpoints (for --resume)"),
    ("--val-every", "val_every", int, "steps between validation passes (0: none)"),
    ("--threads", "threads", int, "torch CPU threads (0: torch's default)"),
    ("--steps-per-batch", "steps_per_batch", int, "optimiser steps per Lightning batch (0: choose)"),
]
_CHOICE_FLAGS = [
    ("--sampler", "sampler", SAMPLERS, "point sampler"),
    ("--weighting", "weighting", WEIGHTINGS, "loss weighting"),
    ("--lr-schedule", "lr_schedule", LR_SCHEDULES, "learning-rate schedule"),
    ("--logger", "logger", LOGGERS, "also log with Lightning's csv or tensorboard logger"),
    ("--engine", "engine", ENGINES, "derivative engine (auto: timed trial of both)"),
]


def _trainer_arguments() -> list[str]:
    from lightning.pytorch import Trainer

    return [name for name in inspect.signature(Trainer.__init__).parameters if name != "self"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .pinn file")
    parser.add_argument("--out", help="the run folder (default runs/<problem>/<timestamp>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out (or the newest run) from its last checkpoint")
    parser.add_argument("--quiet", action="store_true", default=None,
                        help="no progress bar and no summary table")
    parser.add_argument("--adaptive", action="store_true", default=None,
                        help="residual-based adaptive resampling of pde points")
    parser.add_argument("--compile", choices=COMPILE_CHOICES, nargs="?", const="true", default=None,
                        help="torch.compile the forward-mode loss (auto: only where it pays)")
    for flag, dest, kind, help_text in _FLAGS:
        aliases = ("--lbfgs",) if flag == "--lbfgs-steps" else ()  # short, and once unambiguous
        parser.add_argument(flag, *aliases, dest=dest, type=kind, default=None, help=help_text)
    for flag, dest, choices, help_text in _CHOICE_FLAGS:
        parser.add_argument(flag, dest=dest, choices=choices, default=None, help=help_text)
    group = parser.add_argument_group(
        "Lightning", "--trainer.NAME VALUE passes any Trainer argument (e.g. --trainer.profiler simple)")
    for name in _trainer_arguments():
        group.add_argument(f"--trainer.{name}", dest=TRAINER_PREFIX + name, type=parse_scalar,
                           default=argparse.SUPPRESS, metavar="VALUE", help=argparse.SUPPRESS)


def _overrides(args: argparse.Namespace) -> tuple[dict[str, object], dict[str, object]]:
    settings = {dest: getattr(args, dest) for _, dest, _, _ in _FLAGS + _CHOICE_FLAGS}
    settings.update(quiet=args.quiet, adaptive=args.adaptive, compile=args.compile)
    trainer = {key[len(TRAINER_PREFIX):]: value for key, value in vars(args).items()
               if key.startswith(TRAINER_PREFIX)}
    return {k: v for k, v in settings.items() if v is not None}, trainer


def run(args: argparse.Namespace) -> int:
    from pinnlang.results.run_folder import default_run_dir
    from pinnlang.solver.api import solve
    from pinnlang.syntax import load

    problem = load(args.file)
    settings, trainer = _overrides(args)
    out = args.out or os.environ.get(RUN_DIR_ENV)
    if out is None and not args.resume:
        out = default_run_dir(problem.name)
    previous = os.environ.get(RUN_DIR_ENV)
    if out is not None:
        os.environ[RUN_DIR_ENV] = out
    try:
        result = solve(problem, out=out, resume=args.resume, **settings, **trainer)
    finally:
        if previous is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = previous
    if result.trainer is None or result.trainer.is_global_zero:
        print(f"run folder: {result.run_dir}")
    return 0
