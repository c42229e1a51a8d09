"""The ``pinnlang`` command: ``check | fmt | solve | predict | export | sweep | models``.

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and ``run(args) -> int``.
Every :class:`~pinnlang.errors.PinnError` is printed as a diagnostic (exit 1; exit 2 for usage
errors); ``--debug`` shows the Python traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from pinnlang.errors import PinnError, PinnUsageError

SUBCOMMANDS: dict[str, str] = {
    "check": "parse and check problems; --exact verifies the exact solutions",
    "fmt": "print a problem back as canonical .pinn text (or LaTeX)",
    "solve": "train a network on a problem and write a run folder",
    "predict": "evaluate a trained run at points",
    "export": "write a run for ParaView (vtk) or as a standalone network (onnx, torchscript, pt2)",
    "sweep": "search training settings with Optuna and print the best as a train: line",
    "models": "list the networks of the model zoo",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 without a traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported (all of them when ``None``).

    Importing one subcommand at a time keeps ``pinnlang check`` free of torch start-up cost.
    """
    parser = _Parser(prog="pinnlang", description="Physics-informed neural networks from .pinn files.")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if command is not None and name != command:
            continue
        module = importlib.import_module(f"pinnlang.cli.{name}_command")
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _command_of(argv: list[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in SUBCOMMANDS else None
    return None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "pinnlang " + version("pinnlang")
    except PackageNotFoundError:  # running from a source tree
        return "pinnlang (source)"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(argv) or "")
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except PinnUsageError as err:
        if args.debug:
            traceback.print_exc()
        print(err.render(), file=sys.stderr)
        return 2
    except PinnError as err:
        if args.debug:
            traceback.print_exc()
        print(err.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`pinnlang check f.pinn | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except Exception as err:  # a bug in pinnlang: say so plainly, keep the traceback for --debug
        if args.debug:
            raise
        print(f"internal error: {type(err).__name__}: {err}\n"
              "(this is a bug in pinnlang; run again with --debug for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
