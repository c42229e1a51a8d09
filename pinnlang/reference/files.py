"""Reference files of ``reference`` statements: sampled values of fields, read with NumPy only.

A reference file lies where a ``data`` file may (:func:`pinnlang.checks.data.resolve_data_path`,
the one path policy) and comes in two formats:

- **CSV**: a header naming every input of the problem (space coordinates, time, params) and the
  listed fields, in any order (other columns are ignored); one row per point.
- **NPZ**: arrays named like the inputs and the fields, in one of two forms. GRID: every input
  array is 1-D (an axis) and every field array has the shape ``(len(axis_1), len(axis_2), ...)``
  with the axes in ``Problem.inputs`` order; POINTS: every array is 1-D, all of one length.

:func:`read_reference` returns the points ``(N, in_dim)`` and the values of each field there;
:func:`points_outside` says which points lie outside the problem's domain. ``pinnlang check``
reports their failures (:class:`ReferenceFileError`) at the statement; the results score the
network against them. Nothing here imports torch.
"""

from __future__ import annotations

import csv
import os
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

from pinnlang.checks.data import DataFileError, resolve_data_path
from pinnlang.problem.ir import DataSource

if TYPE_CHECKING:
    from pinnlang.problem.ir import Problem

#: Tolerance of the domain test, relative to the largest extent of the input box.
RELATIVE_TOL = 1e-5
#: Largest reference file read (bytes).
MAX_BYTES = 2 * 1024**3


class ReferenceFileError(DataFileError):
    """The reference file cannot be used; the message says why, in the user's terms."""


@dataclass(frozen=True)
class ReferenceData:
    """The points of a reference file and the values of its fields there.

    Attributes:
        path: the file as written in the statement.
        form: ``csv``, ``grid`` or ``points``.
        points: ``(N, in_dim)`` float64, columns in ``Problem.inputs`` order.
        values: ``{field: (N,) float64}`` for the listed fields, in their order.
    """

    path: str
    form: str
    points: np.ndarray
    values: Mapping[str, np.ndarray]


def read_reference(source: DataSource, input_names: Sequence[str],
                   allowed_paths: Iterable[str] = ()) -> ReferenceData:
    """Read the reference file of ``source`` (a ``reference`` statement's file and fields).

    Raises:
        ReferenceFileError: the path is refused, the file is missing or unreadable, an input or
            field is missing, an array has the wrong shape, or a value is not a finite number.
    """
    try:
        path = resolve_data_path(source, allowed_paths, what="reference file")
    except DataFileError as err:
        raise ReferenceFileError(err.message, err.hint) from None
    shown = source.path
    if not os.path.isfile(path):
        raise ReferenceFileError(f"reference file '{shown}' not found",
                                 hint="the path is relative to the folder of the .pinn file")
    if os.path.getsize(path) > MAX_BYTES:
        raise ReferenceFileError(f"reference file '{shown}' is larger than {MAX_BYTES} bytes")
    extension = os.path.splitext(path)[1].lower()
    names = list(input_names) + list(source.fields)
    if extension == ".csv":
        form, columns = "csv", _read_csv(path, shown, names)
    elif extension == ".npz":
        form, columns = _read_npz(path, shown, list(input_names), list(source.fields))
    else:
        raise ReferenceFileError(f"reference file '{shown}' is neither .csv nor .npz",
                                 hint="write the values as a CSV table or a NumPy .npz archive")
    for name in names:
        if not np.isfinite(columns[name]).all():
            bad = int(np.count_nonzero(~np.isfinite(columns[name])))
            raise ReferenceFileError(f"reference file '{shown}': {bad} value(s) of '{name}' are "
                                     "not finite numbers")
    points = np.stack([columns[n] for n in input_names], axis=1) if input_names else (
        np.zeros((len(columns[source.fields[0]]), 0)))
    values = {f: columns[f] for f in source.fields}
    if len(points) == 0:
        raise ReferenceFileError(f"reference file '{shown}' has no points")
    return ReferenceData(shown, form, points, values)


def _read_csv(path: str, shown: str, names: list[str]) -> dict[str, np.ndarray]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise ReferenceFileError(f"reference file '{shown}' is not a UTF-8 text (CSV) file"
                                 ) from None
    except OSError as err:
        raise ReferenceFileError(f"cannot read reference file '{shown}': {err.strerror}") from None
    header = [c.strip() for c in rows[0]] if rows else []
    for name in names:
        if name not in header:
            raise ReferenceFileError(f"reference file '{shown}' has no column '{name}'",
                                     hint=f"its columns are: {', '.join(header) or '(none)'}")
    index = [header.index(n) for n in names]
    table = np.empty((len(rows) - 1, len(names)))
    for r, row in enumerate(rows[1:], start=2):
        try:
            table[r - 2] = [float(row[i]) for i in index]
        except (ValueError, IndexError):
            raise ReferenceFileError(f"reference file '{shown}', line {r}: expected "
                                     f"{len(header)} numbers") from None
    return {n: table[:, i] for i, n in enumerate(names)}


def _read_npz(path: str, shown: str, inputs: list[str], fields: list[str]
              ) -> tuple[str, dict[str, np.ndarray]]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            present = list(archive.files)
            for name in inputs + fields:
                if name not in present:
                    raise ReferenceFileError(
                        f"reference file '{shown}' has no array '{name}'",
                        hint=f"its arrays are: {', '.join(present) or '(none)'}")
            arrays = {n: np.asarray(archive[n], dtype=np.float64) for n in inputs + fields}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ReferenceFileError(f"cannot read reference file '{shown}' as .npz: {err}") from None
    axes = [arrays[n] for n in inputs]
    if any(a.ndim != 1 for a in axes):
        wrong = next(n for n in inputs if arrays[n].ndim != 1)
        raise ReferenceFileError(f"reference file '{shown}': input array '{wrong}' has shape "
                                 f"{arrays[wrong].shape}, expected one axis (1-D)")
    grid_shape = tuple(len(a) for a in axes)
    named = inputs + fields
    if all(arrays[n].ndim == 1 for n in named) and len({len(arrays[n]) for n in named}) == 1:
        return "points", arrays
    for f in fields:
        if arrays[f].shape != grid_shape:
            raise ReferenceFileError(
                f"reference file '{shown}': array '{f}' has shape {arrays[f].shape}, expected "
                f"{grid_shape} (the lengths of {', '.join(inputs)})",
                hint="a grid file has one 1-D array per input and fields of shape (len(axis_1), "
                     "...); a points file has 1-D arrays of one length")
    mesh = np.meshgrid(*axes, indexing="ij")
    columns = {n: m.reshape(-1) for n, m in zip(inputs, mesh)}
    columns.update({f: arrays[f].reshape(-1) for f in fields})
    return "grid", columns


def input_ranges(problem: "Problem") -> list[tuple[float, float]]:
    """The box of the inputs (space bounding box, time interval, param ranges), in order."""
    ranges: list[tuple[float, float]] = []
    if problem.domain is not None:
        lower, upper = problem.domain.bbox()
        ranges += [(float(a), float(b)) for a, b in zip(np.ravel(lower), np.ravel(upper))]
    if problem.time_axis is not None:
        ranges.append((float(problem.time_axis.lower), float(problem.time_axis.upper)))
    ranges += [(float(p.lower), float(p.upper)) for p in problem.params]
    return ranges


def points_outside(problem: "Problem", points: np.ndarray) -> np.ndarray:
    """Mask of the points (``(N, in_dim)``, ``Problem.inputs`` order) outside the problem's
    domain × time interval × param ranges, with a tolerance of :data:`RELATIVE_TOL` times the
    largest extent of the input box."""
    ranges = input_ranges(problem)
    extent = max([b - a for a, b in ranges] + [1.0])
    tol = RELATIVE_TOL * extent
    outside = np.zeros(len(points), dtype=bool)
    for column, (low, high) in enumerate(ranges):
        outside |= (points[:, column] < low - tol) | (points[:, column] > high + tol)
    n_space = len(problem.space_coords)
    if problem.domain is not None and n_space > 1:
        outside |= ~np.asarray(problem.domain.contains(points[:, :n_space], tol), dtype=bool)
    return outside


def describe_point(names: Sequence[str], point: np.ndarray) -> str:
    """``(x=0.5, t=1)`` for messages."""
    return "(" + ", ".join(f"{n}={v:.6g}" for n, v in zip(names, point)) + ")"
