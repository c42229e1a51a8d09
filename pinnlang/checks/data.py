"""Data files of ``data`` conditions: where they may be read from, and their header.

A data path is resolved against the folder of the ``.pinn`` file; a path that leaves that folder
tree (``..``, an absolute path, a symlink pointing out) is refused unless the user allowed it
explicitly. Only the header line is read here.
"""

from __future__ import annotations

import csv
import os
from typing import Iterable

from pinnlang.problem import DataSource

#: Longest header line read (characters).
MAX_HEADER = 65536


class DataFileError(Exception):
    """The data file cannot be used; the message says why, in the user's terms."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def resolve_data_path(data: DataSource, allowed_paths: Iterable[str] = (),
                      what: str = "data file") -> str:
    """The real path of the data file, if it may be read; else raise DataFileError.

    ``what`` names the file in the message (``reference file`` for a ``reference`` statement).
    """
    base = os.path.realpath(data.base_dir or os.getcwd())
    target = os.path.realpath(os.path.join(base, data.path))
    allowed = {os.path.realpath(os.path.join(os.getcwd(), p)) for p in allowed_paths}
    if target in allowed:
        return target
    inside = os.path.commonpath([base, target]) == base
    if os.path.isabs(data.path) or not inside:
        raise DataFileError(
            f"{what} '{data.path}' is outside the folder of the problem file",
            hint="a .pinn file may only read files in its own folder tree; pass the path "
                 "explicitly (e.g. 'pinnlang check --allow-data PATH') to allow it")
    return target


def read_header(path: str, shown: str) -> list[str]:
    """Column names of the CSV file at ``path`` (``shown`` is its name in messages)."""
    if not os.path.isfile(path):
        raise DataFileError(f"data file '{shown}' not found",
                            hint="the path is relative to the folder of the .pinn file")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            line = handle.readline(MAX_HEADER)
    except UnicodeDecodeError:
        raise DataFileError(f"data file '{shown}' is not a UTF-8 text (CSV) file") from None
    except OSError as err:
        raise DataFileError(f"cannot read data file '{shown}': {err.strerror}") from None
    row = next(csv.reader([line]), [])
    columns = [c.strip() for c in row]
    if not any(columns):
        raise DataFileError(f"data file '{shown}' has no header line",
                            hint="the first line names the columns, e.g. 'x,t,u'")
    return columns


def missing_columns(data: DataSource, inputs: Iterable[str], allowed_paths: Iterable[str] = ()
                    ) -> tuple[list[str], list[str]]:
    """(columns the data file needs but lacks, the columns it has)."""
    columns = read_header(resolve_data_path(data, allowed_paths), data.path)
    needed = list(inputs) + list(data.fields)
    return [c for c in needed if c not in columns], columns
