"""Observations for ``data`` conditions: find the CSV file safely and read it.

Which file may be read is the policy of :func:`pinnlang.problem.data_path.resolve_data_path`.

The CSV file has a header row naming its columns; the columns of every network input
(coordinates, time, params) and of every listed field must be present, in any order; other
columns are ignored. Values are read with :mod:`csv` and ``float``, nothing else.

Observations with declared noise (``data "obs.csv": u [noise = 0.1]``) are split once, by
:func:`held_out_rows`: :data:`HELD_OUT_SHARE` of the rows are never trained on. A method that
can fit its rows exactly (a Gauss–Newton step has as many parameters as there are observations)
fits the noise too; the loss on rows it never saw does not fall with that, so the solver judges
which parameters to keep on them (see :mod:`pinnlang.solver.lm_phase`). Exact observations are
not split: fitting them exactly is the goal.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from pinnlang.errors import PinnSemanticError
from pinnlang.problem.data_path import resolve_data_path
from pinnlang.problem.ir import DataSource
from pinnlang.source import Span


#: Share of the rows of a noisy data file held out of training (a validation set).
HELD_OUT_SHARE = 0.15
#: Fewest held-out rows worth a judgement: a mean of fewer squared Gaussian residuals varies by
#: more than ``sqrt(2 / 20)``, a third of its value; a smaller file keeps all its rows for training.
MIN_HELD_OUT = 20
#: Seed of the split: a property of the data file, the same in every run and every process.
SPLIT_SEED = 20261206


def held_out_rows(rows: int, noise: float | None) -> np.ndarray:
    """A boolean mask of the ``rows`` observations held out of training: none for exact
    observations (``noise`` ``None``) or when :data:`HELD_OUT_SHARE` of them would be fewer than
    :data:`MIN_HELD_OUT`, else that share of them, chosen at random with :data:`SPLIT_SEED`."""
    mask = np.zeros(rows, dtype=bool)
    count = int(round(HELD_OUT_SHARE * rows))
    if noise is None or count < MIN_HELD_OUT:
        return mask
    mask[np.random.default_rng(SPLIT_SEED).choice(rows, size=count, replace=False)] = True
    return mask


@dataclass(frozen=True)
class Observations:
    """The rows of a data file: ``inputs (N, in_dim)`` and ``targets (N, n_listed_fields)``."""

    path: Path
    inputs: np.ndarray
    targets: np.ndarray


def load_observations(
    source: DataSource,
    input_names: Sequence[str],
    allowed_paths: Iterable[str | os.PathLike] = (),
    span: Span | None = None,
) -> Observations:
    """Read the rows of a data file.

    Args:
        source: The ``data`` statement.
        input_names: The network inputs in column order; each must be a column of the file.
        allowed_paths: Files or folders outside the problem's folder that may be read.
        span: Fallback location for errors when the source has none.

    Raises:
        PinnSemanticError: Path refused, file missing or empty, a column missing, a value that
            is not a number.
    """
    span = source.span or span
    path = resolve_data_path(source.path, source.base_dir, allowed_paths, span=span)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not rows:
        raise PinnSemanticError(f"data file '{source.path}' is empty", span)
    header = [cell.strip() for cell in rows[0][1]]
    wanted = list(input_names) + list(source.fields)
    missing = [name for name in wanted if name not in header]
    if missing:
        raise PinnSemanticError(
            f"data file '{source.path}' lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)} (its header is: {', '.join(header)})",
            span,
        )
    columns = [header.index(name) for name in wanted]
    values = np.empty((len(rows) - 1, len(wanted)), dtype=np.float64)
    for r, (line, row) in enumerate(rows[1:]):
        for c, column in enumerate(columns):
            cell = row[column].strip() if column < len(row) else ""
            try:
                values[r, c] = float(cell)
            except ValueError:
                raise PinnSemanticError(
                    f"data file '{source.path}', line {line}: column '{wanted[c]}' holds "
                    f"{cell!r}, not a number",
                    span,
                ) from None
    if values.shape[0] == 0:
        raise PinnSemanticError(f"data file '{source.path}' has a header but no rows", span)
    n_in = len(input_names)
    return Observations(path, values[:, :n_in], values[:, n_in:])
