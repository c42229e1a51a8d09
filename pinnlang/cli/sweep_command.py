"""``pinnlang sweep FILE --trials N --param NAME=SPEC ...``: search training settings with Optuna.

``--param width=16:64`` (a range; integers for an integer setting), ``--param lr=1e-4:1e-2:log``
(log scale), ``--param model=mlp,siren`` (choices). Every training setting is also a flag
(``--steps 200``, ``--lm-steps 0``) fixed for all trials; the flags are generated from the
settings declaration. ``--storage sqlite:///study.db`` keeps the study in a database that other
``pinnlang sweep`` processes (``--jobs K`` starts K of them) and machines join. Prints one line per
trial, the table of the study's trials and the best settings as a ``train:`` line (``--write
FILE`` saves it). See :mod:`pinnlang.sweeps`.
"""

from __future__ import annotations

import argparse

from pinnlang.solver.settings import ALIASES, parse_scalar
from pinnlang.sweeps.space import parse_param, setting_kind, swept_setting_names


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
    parser.add_argument("--quiet", action="store_true", help="no line per trial")
    group = parser.add_argument_group("training settings fixed for every trial")
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append("--" + alias)
    for name in swept_setting_names():
        group.add_argument("--" + name.replace("_", "-"), *aliases.get(name, []), dest="setting_" + name,
                           type=parse_scalar, default=None, metavar=setting_kind(name).upper())


def run(args: argparse.Namespace) -> int:
    from pinnlang.sweeps import sweep

    params = dict(parse_param(text) for text in args.param)
    settings = {key[len("setting_"):]: value for key, value in vars(args).items()
                if key.startswith("setting_") and value is not None}
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
