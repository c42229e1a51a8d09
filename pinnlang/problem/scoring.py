"""The rules of the scoring statements (``reference``, ``quantity``) that every stage reads.

A quantity is a number: an integral over the space domain or a part of its boundary, taken at one
time and one value of each param. Its options say which (the time coordinate's and the params'
names as keys) and give a published value (``reference``). The checker, the builder and the
compiler all read :func:`quantity_option_errors` and :func:`quantity_inputs`, so the rules live
here once.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from pinnlang.problem.ir import Problem

#: The option every quantity understands besides the time and param values.
REFERENCE_OPTION = "reference"


def _ranges(problem: "Problem") -> dict[str, tuple[float, float]]:
    """The time coordinate's and each param's range, by name."""
    ranges = {str(p.symbol): (float(p.lower), float(p.upper)) for p in problem.params}
    if problem.time_axis is not None:
        axis = problem.time_axis
        ranges[str(axis.symbol)] = (float(axis.lower), float(axis.upper))
    return ranges


def quantity_option_errors(problem: "Problem", options: Mapping[str, Any]) -> list[str]:
    """What is wrong with a quantity's options (empty when nothing is)."""
    ranges = _ranges(problem)
    errors = []
    for key, value in options.items():
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key == REFERENCE_OPTION:
            if not number or value != value or value in (float("inf"), float("-inf")):
                errors.append(f"option 'reference' must be a number, got {value!r}")
        elif key in ranges:
            low, high = ranges[key]
            if not number or not low <= value <= high:
                errors.append(f"option '{key}' must be a number in [{low:g}, {high:g}] (the "
                              f"range of '{key}'), got {value!r}")
        else:
            known = [REFERENCE_OPTION, *ranges]
            close = difflib.get_close_matches(key, known, n=1)
            guess = f"did you mean '{close[0]}'? " if close else ""
            errors.append(f"unknown quantity option '{key}' ({guess}known: {', '.join(known)})")
    return errors


def quantity_inputs(problem: "Problem", options: Mapping[str, Any]) -> dict[str, float]:
    """The time and param values a quantity is taken at: its options, else the final time and
    the middle of each param's range."""
    values = {name: (low + high) / 2 for name, (low, high) in _ranges(problem).items()}
    if problem.time_axis is not None:
        values[str(problem.time_axis.symbol)] = float(problem.time_axis.upper)
    values.update({k: float(v) for k, v in options.items() if k in values})
    return values
