"""``pinnlang sweep FILE --trials N --param NAME=SPEC ...``: search training settings with Optuna.

``--param width=16:64`` (a range; integers for an integer setting), ``--param lr=1e-4:1e-2:log``
(log scale), ``--param model=mlp,siren`` (choices). Every training setting is also a flag fixed for
all trials (``--steps 200``, ``--lm-steps 0``): the same flags as ``pinnlang solve``, generated from
:mod:`pinnlang.settings_schema`; ``--quiet`` drops the line per trial. ``--storage
sqlite:///study.db`` keeps the study in a database that other ``pinnlang sweep`` processes
(``--jobs K`` starts K of them) and machines join. Prints one line per trial, the table of the
study's trials and the best settings as a ``train:`` line (``--write FILE`` saves it). See
:mod:`pinnlang.sweeps`.
"""

from __future__ import annotations

import argparse

from pinnlang.cli.solve_command import add_setting_flags
from pinnlang.errors import PinnUsageError
from pinnlang.settings_schema import SETTINGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the .pinn file")
    parser.add_argument("--trials", type=int, required=True, help="trials this invocation runs")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=SPEC",
                        help="a swept setting: NAME=LOW:HIGH, NAME=LOW:HIGH:log or NAME=A,B,C (repeat)")
    parser.add_argument("--storage", help="Optuna storage URL shared by every process, e.g. sqlite:///study.db "
                                          "(default: in memory; a temporary SQLite file with --jobs)")
    parser.add_argument("--study", help="the study name (default pinnlang-<problem>)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes on the storage")
    parser.add_argument("--sampler-seed", type=int, default=None, help="seed of Optuna's TPE sampler")
    parser.add_argument("--write", metavar="FILE", help="also save the best train: line to FILE")
    add_setting_flags(parser)  # the same flags as `pinnlang solve`, fixed for every trial; --quiet: no line per trial


def run(args: argparse.Namespace) -> int:
    from pinnlang.sweeps import sweep
    from pinnlang.sweeps.space import parse_param

    if args.out is not None:
        raise PinnUsageError("a sweep writes no run folder (--out); train the best settings with pinnlang solve")
    params = dict(parse_param(text) for text in args.param)
    settings = {name: getattr(args, name) for name in SETTINGS if name not in ("out", "quiet")}
    result = sweep(args.file, trials=args.trials, params=params, storage=args.storage, study=args.study,
                   jobs=args.jobs, sampler_seed=args.sampler_seed, progress=not args.quiet, **settings)
    print()
    print(result.table())
    print()
    print(f"best: trial {result.best_number}, {result.objective} {result.best_value:.4e}")
    line = result.train_line()
    print(line)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(line + "\n")
        print(f"wrote {args.write}")
    return 0
