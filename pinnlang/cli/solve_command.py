"""``pinnlang solve FILE``: train a network on a problem and write a run folder.

Every training setting of :mod:`pinnlang.settings_schema` has a flag, generated from its
declaration (type, bounds, choices, help); any Lightning ``Trainer`` argument can be given as
``--trainer.NAME VALUE`` (``--trainer.gradient_clip_val 0.1``, ``--trainer.profiler simple``),
the value read as an int, float, bool, ``none`` or a string — never evaluated.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys

from pinnlang.cli.arguments import add_allow_data
from pinnlang.settings_schema import SETTINGS, Setting
from pinnlang.solver.settings import parse_devices, parse_scalar

RUN_DIR_ENV = "PINNLANG_RUN_DIR"
"""Names the run folder to the processes a DDP launcher starts (they re-run the command)."""

TRAINER_PREFIX = "trainer__"

#: How a flag reads its text, by the setting's type (argparse's own for plain numbers).
_PARSERS = {"int": int, "float": float, "str": str, "str | None": str,
            "int | str": parse_scalar, "int | str | list[int]": parse_devices}


def _trainer_arguments() -> list[str]:
    from lightning.pytorch import Trainer

    return [name for name in inspect.signature(Trainer.__init__).parameters if name != "self"]


def _help(spec: Setting) -> str:
    details = [spec.bounds_text()] if spec.bounds_text() else []
    if spec.default not in (None, "") and not isinstance(spec.default, bool):
        details.append(f"default {spec.default}")
    return spec.help.replace("%", "%%") + (f" ({'; '.join(details)})" if details else "")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per setting of :mod:`pinnlang.settings_schema` (``--lbfgs-steps``, its aliases
    ``--lbfgs``, ...), each defaulting to None (not given: the file's value stays)."""
    group = parser.add_argument_group("training settings", "each overrides the file's train: statement")
    for spec in SETTINGS.values():
        flags = [f"--{name.replace('_', '-')}" for name in (spec.name, *spec.aliases)]
        if spec.name == "compile":  # --compile alone means true
            group.add_argument(*flags, dest=spec.name, choices=spec.choices, nargs="?", const="true",
                               default=None, help=_help(spec))
        elif spec.kind == "bool":
            group.add_argument(*flags, dest=spec.name, action=argparse.BooleanOptionalAction,
                               default=None, help=_help(spec))
        elif spec.choices:
            group.add_argument(*flags, dest=spec.name, choices=spec.choices, default=None, help=_help(spec))
        else:
            group.add_argument(*flags, dest=spec.name, type=_PARSERS[spec.kind], default=None,
                               metavar=spec.name.upper(), help=_help(spec))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .pinn file")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out (or the newest run) from its last checkpoint")
    add_allow_data(parser)
    add_setting_flags(parser)
    group = parser.add_argument_group(
        "Lightning", "--trainer.NAME VALUE passes any Trainer argument (e.g. --trainer.profiler simple)")
    for name in _trainer_arguments():
        group.add_argument(f"--trainer.{name}", dest=TRAINER_PREFIX + name, type=parse_scalar,
                           default=argparse.SUPPRESS, metavar="VALUE", help=argparse.SUPPRESS)


def _overrides(args: argparse.Namespace) -> tuple[dict[str, object], dict[str, object]]:
    settings = {name: getattr(args, name) for name in SETTINGS}
    trainer = {key[len(TRAINER_PREFIX):]: value for key, value in vars(args).items()
               if key.startswith(TRAINER_PREFIX)}
    return {k: v for k, v in settings.items() if v is not None}, trainer


def run(args: argparse.Namespace) -> int:
    from pinnlang.checks.rules import warn_free_fields
    from pinnlang.errors import render_diagnostic
    from pinnlang.results.run_folder import default_run_dir
    from pinnlang.solver.api import solve
    from pinnlang.syntax import load

    problem = load(args.file, allowed_paths=args.allow_data)
    for warning in warn_free_fields(problem):  # decides how errors are scored: say it up front
        print(render_diagnostic(warning), file=sys.stderr)
    settings, trainer = _overrides(args)
    settings.pop("out", None)
    out = args.out or os.environ.get(RUN_DIR_ENV)
    if out is None and not args.resume:
        out = default_run_dir(problem.name)
    previous = os.environ.get(RUN_DIR_ENV)
    if out is not None:
        os.environ[RUN_DIR_ENV] = out
    try:
        result = solve(problem, out=out, resume=args.resume, allow_data=args.allow_data, **settings, **trainer)
    finally:
        if previous is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = previous
    if result.trainer is None or result.trainer.is_global_zero:
        print(f"run folder: {result.run_dir}")
    return 0
