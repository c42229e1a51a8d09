"""``pinnlang predict RUN_DIR``: evaluate a trained run at points.

``pinnlang predict RUN_DIR --points points.csv [--out values.csv]`` reads a CSV whose header
names the problem's inputs (coordinates and params) and writes it back with one column per field;
``pinnlang predict RUN_DIR x=0.5 t=0.25`` prints the fields at one point.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

import numpy as np

from pinnlang.cli.arguments import add_allow_data
from pinnlang.errors import PinnUsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a run folder written by `pinnlang solve`")
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE",
                        help="one point, e.g. x=0.5 t=0.25")
    parser.add_argument("--points", help="a CSV file with a header naming the inputs")
    parser.add_argument("--out", help="write the CSV here instead of printing it")
    add_allow_data(parser)


def parse_assignments(items: list[str]) -> dict[str, float]:
    """``["x=0.5", "t=1"]`` -> ``{"x": 0.5, "t": 1.0}``."""
    point: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise PinnUsageError(f"expected NAME=VALUE, got '{item}'")
        try:
            point[name.strip()] = float(value)
        except ValueError:
            raise PinnUsageError(f"'{item}': the value of {name.strip()} is not a number") from None
    return point


def read_points(path: str) -> tuple[list[str], np.ndarray]:
    """The header and the rows (float64) of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [row for row in csv.reader(fh) if row and any(cell.strip() for cell in row)]
    except OSError as err:
        raise PinnUsageError(f"cannot read '{path}': {err.strerror or err}") from None
    if not rows:
        raise PinnUsageError(f"'{path}' is empty; expected a header naming the inputs")
    header = [name.strip() for name in rows[0]]
    values = np.empty((len(rows) - 1, len(header)))
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PinnUsageError(f"{path}:{i}: expected {len(header)} values, found {len(row)}")
        for j, cell in enumerate(row):
            try:
                values[i - 2, j] = float(cell)
            except ValueError:
                raise PinnUsageError(f"{path}:{i}: '{cell.strip()}' in column '{header[j]}' "
                                     "is not a number") from None
    return header, values


def write_table(header: list[str], values: np.ndarray, out: str | None) -> None:
    """Write a CSV table to ``out`` or print it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in values:
        writer.writerow([repr(float(v)) for v in row])
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(buffer.getvalue())
    else:
        sys.stdout.write(buffer.getvalue())


def run(args: argparse.Namespace) -> int:
    from pinnlang.results import Result

    if bool(args.points) == bool(args.values):
        raise PinnUsageError("give either --points FILE.csv or one point as NAME=VALUE arguments")
    result = Result.load(args.run_dir, allow_data=args.allow_data)
    fields = result.field_names
    if args.points:
        header, values = read_points(args.points)
        extra = [name for name in header if name not in result.input_names]
        if extra:
            raise PinnUsageError(f"{args.points}: column '{extra[0]}' is not an input of the problem "
                                 f"(inputs: {', '.join(result.input_names)})")
        predicted = result.predict(**{name: values[:, j] for j, name in enumerate(header)})
        table = np.column_stack([values] + [predicted[f] for f in fields])
        write_table(header + fields, table, args.out)
        if args.out:
            print(f"wrote {len(values)} rows to {args.out}")
        return 0
    point = parse_assignments(args.values)
    predicted = result.predict(**point)
    if args.out:
        names = list(point)
        write_table(names + fields, np.array([[point[n] for n in names] + [float(predicted[f]) for f in fields]]),
                    args.out)
    for field in fields:
        print(f"{field} = {float(predicted[field]):.10g}")
    return 0
