"""Data files of ``data`` conditions: their header (where they may be read from is the policy of
:mod:`pinnlang.problem.data_path`). Only the header line is read here.
"""

from __future__ import annotations

import csv
from typing import Iterable

from pinnlang.errors import PinnSemanticError
from pinnlang.problem import DataSource
from pinnlang.problem.data_path import resolve_data_path

#: Longest header line read (characters).
MAX_HEADER = 65536


class DataFileError(Exception):
    """The data file cannot be used; the message says why, in the user's terms."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


def read_header(path: str, shown: str) -> list[str]:
    """Column names of the CSV file at ``path`` (``shown`` is its name in messages)."""
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
    try:
        path = resolve_data_path(data.path, data.base_dir, allowed_paths)
    except PinnSemanticError as err:
        raise DataFileError(err.message, err.hint) from None
    columns = read_header(str(path), data.path)
    needed = list(inputs) + list(data.fields)
    return [c for c in needed if c not in columns], columns
