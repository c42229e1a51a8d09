"""Scores of a trained network from the problem's ``reference`` files and ``quantity`` integrals.

- :func:`reference_errors`: the relative L2 error of each field a reference file lists, at the
  file's points (``metrics.json`` key ``l2re_reference``; a field listed by a second reference
  file is keyed ``field@reference_name``).
- :func:`quantity_values`: each quantity's value, published reference and relative error
  (``metrics.json`` key ``quantities``).
- :func:`summary_rows` and :func:`metrics_entries`: what the run summary and ``metrics.json`` add.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pinnlang.errors import PinnSemanticError
from pinnlang.reference.files import ReferenceData, ReferenceFileError, read_reference
from pinnlang.reference.points import relative_l2_error

if TYPE_CHECKING:
    from pinnlang.results.result import Result

#: Points evaluated per network call when scoring against a reference file.
CHUNK = 65_536


def reference_data(result: "Result") -> list[tuple[str, ReferenceData]]:
    """``(reference name, its file's points and values)`` for every ``reference`` statement.

    Raises:
        PinnSemanticError: a reference file cannot be read (moved since the run, say).
    """
    found = []
    for reference in result.problem.references:
        try:
            data = read_reference(reference.data, result.input_names)
        except ReferenceFileError as err:
            raise PinnSemanticError(err.message, reference.data.span, err.hint) from None
        found.append((reference.name, data))
    return found


def predicted_at(result: "Result", points: np.ndarray) -> np.ndarray:
    """The network at ``points`` in chunks, ``(N, n_fields)`` float64."""
    parts = [result.evaluate(points[i:i + CHUNK]) for i in range(0, len(points), CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, len(result.field_names)))


def reference_errors(result: "Result") -> dict[str, float]:
    """Relative L2 error of each referenced field at its reference points."""
    errors: dict[str, float] = {}
    for name, data in reference_data(result):
        predicted = predicted_at(result, data.points)
        for field, values in data.values.items():
            column = predicted[:, result.field_names.index(field)]
            key = field if field not in errors else f"{field}@{name}"
            errors[key] = relative_l2_error(column, values)
    return errors


def quantity_values(result: "Result") -> dict[str, dict[str, float | None]]:
    """``{name: {value, reference, rel_error}}`` of every quantity of the problem."""
    values = result.compiled.quantity_values(result.network, result.unknowns)
    return {name: value.as_dict() for name, value in values.items()}


def metrics_entries(errors: dict[str, float], quantities: dict[str, Any]) -> dict[str, Any]:
    """The ``metrics.json`` entries of the scores (none for a problem without them)."""
    entries: dict[str, Any] = {}
    if errors:
        entries["l2re_reference"] = dict(errors)
    if quantities:
        entries["quantities"] = dict(quantities)
    return entries


def summary_rows(errors: dict[str, float], quantities: dict[str, Any]) -> list[tuple[str, str]]:
    """Rows of the run summary: reference errors, then quantities."""
    rows = [(f"L2 rel. error {field} (reference)", f"{value:.3e}")
            for field, value in errors.items()]
    for name, q in quantities.items():
        text = f"{q['value']:.6g}"
        if q["reference"] is not None:
            text += f"  (reference {q['reference']:.6g}, rel. error {q['rel_error']:.2e})"
        rows.append((f"quantity {name}", text))
    return rows
