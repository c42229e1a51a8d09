"""References tabulated at their own points, for problems known only at a few places.

A published benchmark often gives its solution as tables of values at chosen points (the
lid-driven cavity's centre-line velocities, say), not as a function that can be evaluated on any
grid. A :class:`PointReference` holds such tables: for each field it scores, the points where the
field is known and the values there. Fields without a table (e.g. a pressure fixed only up to a
constant) are simply not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

import numpy as np


def relative_l2_error(predicted: np.ndarray, truth: np.ndarray) -> float:
    """``||predicted - truth|| / ||truth||`` (the plain norm of the difference when ``truth`` is
    all zeros), in float64."""
    truth = np.asarray(truth, dtype=np.float64)
    norm = np.linalg.norm(truth)
    difference = np.asarray(predicted, dtype=np.float64) - truth
    return float(np.linalg.norm(difference) / (norm if norm > 0 else 1.0))


def read_only(array: np.ndarray | Sequence[float]) -> np.ndarray:
    """A read-only float64 copy of ``array``."""
    copy = np.array(array, dtype=np.float64)
    copy.flags.writeable = False
    return copy


@dataclass(frozen=True)
class PointReference:
    """Reference values of some fields, each at its own points.

    Attributes:
        label: a short name for tables, e.g. ``"Ghia 1982 centrelines"``.
        source: where the values come from (a citation).
        inputs: the names of the point columns, in order, e.g. ``("x", "y")``; they must equal
            the problem's inputs (``Problem.inputs`` order) for the reference to apply.
        points: ``{field: (N_f, len(inputs)) array}``, the points where each field is known.
        values: ``{field: (N_f,) array}``, the field's reference values at those points.

    The arrays are stored as read-only float64 copies, the mappings as read-only views.

    Raises:
        ValueError: if the two mappings name different fields, a shape does not match, no field
            is given, or a point or value is not finite.
    """

    label: str
    source: str
    inputs: tuple[str, ...]
    points: Mapping[str, np.ndarray]
    values: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        if not self.points:
            raise ValueError("a point reference needs at least one field")
        if set(self.points) != set(self.values):
            raise ValueError(
                f"points are given for {sorted(self.points)} but values for {sorted(self.values)}"
            )
        inputs = tuple(self.inputs)
        points: dict[str, np.ndarray] = {}
        values: dict[str, np.ndarray] = {}
        for field in self.points:
            field_points = read_only(self.points[field])
            field_values = read_only(self.values[field])
            if field_points.ndim != 2 or field_points.shape[1] != len(inputs):
                raise ValueError(
                    f"points of '{field}' must have shape (N, {len(inputs)}) (columns {inputs}), "
                    f"got {field_points.shape}"
                )
            if field_values.shape != (len(field_points),):
                raise ValueError(
                    f"values of '{field}' must have shape ({len(field_points)},), got {field_values.shape}"
                )
            if not (np.isfinite(field_points).all() and np.isfinite(field_values).all()):
                raise ValueError(f"the points and values of '{field}' must be finite")
            points[field] = field_points
            values[field] = field_values
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "points", MappingProxyType(points))
        object.__setattr__(self, "values", MappingProxyType(values))

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields the reference scores, in the order they were given."""
        return tuple(self.points)

    def check_problem(self, input_names: Sequence[str], field_names: Sequence[str]) -> None:
        """Raise ``ValueError`` unless a problem with these inputs and fields can be scored.

        Args:
            input_names: the problem's inputs in order (``Result.input_names``).
            field_names: the problem's fields in declaration order (``Result.field_names``).
        """
        if tuple(input_names) != self.inputs:
            raise ValueError(
                f"the {self.label} reference has points in columns {self.inputs}, "
                f"but the problem's inputs are {tuple(input_names)}"
            )
        missing = [field for field in self.fields if field not in field_names]
        if missing:
            raise ValueError(
                f"the {self.label} reference scores {missing}, which the problem does not declare "
                f"(its fields are {list(field_names)})"
            )

    def relative_errors(
        self,
        evaluate: Callable[[np.ndarray], np.ndarray],
        input_names: Sequence[str],
        field_names: Sequence[str],
    ) -> dict[str, float]:
        """L2 relative error ``||pred - ref|| / ||ref||`` of each scored field at its points.

        Args:
            evaluate: maps points ``(N, len(inputs))`` to predictions ``(N, len(field_names))``
                (e.g. ``Result.evaluate``).
            input_names: the problem's inputs in order; must equal :attr:`inputs`.
            field_names: the problem's fields, the columns of ``evaluate``'s output.

        Returns:
            ``{field: error}`` for the fields of this reference, in its order (a field whose
            reference values are all zero is scored by the plain norm of the prediction).

        Raises:
            ValueError: if the problem does not match (:meth:`check_problem`) or ``evaluate``
                returns the wrong shape.
        """
        self.check_problem(input_names, field_names)
        errors: dict[str, float] = {}
        for field in self.fields:
            points = self.points[field]
            predicted = np.asarray(evaluate(points), dtype=np.float64)
            if predicted.shape != (len(points), len(field_names)):
                raise ValueError(
                    f"evaluate returned shape {predicted.shape} for {len(points)} points, "
                    f"expected ({len(points)}, {len(field_names)})"
                )
            column = predicted[:, list(field_names).index(field)]
            errors[field] = relative_l2_error(column, self.values[field])
        return errors
