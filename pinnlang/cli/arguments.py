"""Arguments several commands share."""

from __future__ import annotations

import argparse


def add_allow_data(parser: argparse.ArgumentParser) -> None:
    """``--allow-data PATH`` (repeatable): files or folders outside the problem's folder that may be
    read (see :mod:`pinnlang.problem.data_path`); the value is ``args.allow_data``."""
    parser.add_argument("--allow-data", action="append", default=[], metavar="PATH",
                        help="allow a data file (or a folder) outside the problem's folder (repeatable)")
