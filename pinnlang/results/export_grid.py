"""The mesh a run is exported on: a structured grid over the problem's geometry, NumPy only.

Space is covered by a grid over the domain's bounding box (``resolution`` points along its longest
side, the other sides in proportion so cells stay square); for a domain that is not a box, every
cell with a corner outside the domain is dropped and the points no cell uses go with it. Cells are
VTK lines (1-D), quads (2-D) or hexahedra (3-D). A problem with time gets one slice per time
value; params are fixed (by default at the middle of their range). A problem with no space (an
ODE in time) is exported on a line along ``t``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from pinnlang.errors import PinnUsageError

#: Points along the longest side of the domain, by the number of spatial axes.
DEFAULT_RESOLUTION = {1: 401, 2: 101, 3: 41}
#: Time slices of a time-dependent problem when none are asked for.
DEFAULT_TIMES = 21
CELL_TYPES = {1: "line", 2: "quad", 3: "hexahedron"}
#: Corner offsets of a cell in VTK's node order.
_CORNERS = {
    1: [(0,), (1,)],
    2: [(0, 0), (1, 0), (1, 1), (0, 1)],
    3: [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)],
}


@dataclass(frozen=True)
class ExportMesh:
    """Points and cells of the spatial mesh, and the input values around them.

    Attributes:
        axes: names of the mesh's axes (the space coordinates, or ``t`` for an ODE).
        points: ``(P, len(axes))`` coordinates.
        cell_type: ``line``, ``quad`` or ``hexahedron``.
        cells: ``(C, corners)`` indices into ``points``.
        times: the time slices (empty without a time axis, or when time is the mesh's axis).
        fixed: the value of every other input (params), by name.
    """

    axes: tuple[str, ...]
    points: np.ndarray
    cell_type: str
    cells: np.ndarray
    times: tuple[float, ...]
    fixed: dict[str, float]

    def inputs(self, input_names: list[str], time: float | None = None) -> np.ndarray:
        """``(P, len(input_names))`` network inputs at every mesh point (at ``time``)."""
        columns = []
        for name in input_names:
            if name in self.axes:
                columns.append(self.points[:, self.axes.index(name)])
            elif name in self.fixed:
                columns.append(np.full(len(self.points), self.fixed[name]))
            elif time is not None:
                columns.append(np.full(len(self.points), time))
            else:  # pragma: no cover - build_mesh names every input
                raise PinnUsageError(f"no value for input '{name}'")
        return np.stack(columns, axis=1)


def axis_counts(lower: np.ndarray, upper: np.ndarray, resolution: int) -> list[int]:
    """Points per axis: ``resolution`` along the longest side, the others in proportion (>= 2)."""
    sides = upper - lower
    step = float(sides.max()) / (resolution - 1)
    return [max(2, int(round(side / step)) + 1) for side in sides]


def structured_cells(counts: list[int]) -> np.ndarray:
    """The cells of a structured grid of ``counts`` points per axis (``ij`` point order)."""
    dim = len(counts)
    index = np.arange(math.prod(counts)).reshape(counts)
    corners = []
    for offset in _CORNERS[dim]:
        window = tuple(slice(o, o + n - 1) for o, n in zip(offset, counts))
        corners.append(index[window].reshape(-1))
    return np.stack(corners, axis=1)


def grid_over(lower: np.ndarray, upper: np.ndarray, resolution: int,
              domain: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Points and cells of a grid over the box, cut to ``domain`` (a Region) when given."""
    counts = axis_counts(lower, upper, resolution)
    axes = [np.linspace(a, b, n) for a, b, n in zip(lower, upper, counts)]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(counts))
    cells = structured_cells(counts)
    if domain is not None:
        inside = np.asarray(domain.contains(points), dtype=bool)
        cells = cells[inside[cells].all(axis=1)]
        if len(cells) == 0:
            raise PinnUsageError(f"no cell of a {resolution}-point grid lies inside the domain; "
                                 "export with a higher --resolution")
        used = np.unique(cells)
        renumber = np.full(len(points), -1)
        renumber[used] = np.arange(len(used))
        points, cells = points[used], renumber[cells]
    return points, cells


def build_mesh(problem: Any, input_names: list[str], lower: np.ndarray, upper: np.ndarray, *,
               resolution: int | None = None, times: int | None = None,
               fixed: Mapping[str, float] | None = None) -> ExportMesh:
    """The mesh a run is exported on.

    Args:
        problem: the :class:`~pinnlang.problem.Problem`.
        input_names: the network's inputs in order (space, time, params).
        lower, upper: the box of all inputs.
        resolution: points along the longest spatial side (default by dimension).
        times: number of time slices (default :data:`DEFAULT_TIMES`).
        fixed: values of params (default: the middle of their range).

    Raises:
        PinnUsageError: more than three spatial axes, a bad count, or an unknown or missing param.
    """
    space = [str(s) for s in problem.space_coords]
    time_name = str(problem.time_axis.symbol) if problem.time_axis is not None else None
    if len(space) > 3:
        raise PinnUsageError(f"VTK export covers 1 to 3 space dimensions; this problem has {len(space)}")
    for what, value in (("resolution", resolution), ("times", times)):
        if value is not None and value < 2:
            raise PinnUsageError(f"export {what} must be at least 2, got {value}")
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    columns = {name: i for i, name in enumerate(input_names)}
    mesh_axes = space or [time_name]
    index = [columns[name] for name in mesh_axes]
    resolution = resolution or DEFAULT_RESOLUTION[len(mesh_axes)]
    domain = problem.domain if len(space) >= 2 else None
    points, cells = grid_over(lower[index], upper[index], resolution, domain)
    slices: tuple[float, ...] = ()
    if time_name is not None and space:
        t = columns[time_name]
        slices = tuple(float(v) for v in np.linspace(lower[t], upper[t], times or DEFAULT_TIMES))
    params = [name for name in input_names if name not in mesh_axes and name != time_name]
    given = dict(fixed or {})
    unknown = [name for name in given if name not in params]
    if unknown:
        raise PinnUsageError(f"'{unknown[0]}' is not a param of this problem"
                             + (f" (params: {', '.join(params)})" if params else " (it has none)"))
    values = {name: float(given.get(name, (lower[columns[name]] + upper[columns[name]]) / 2))
              for name in params}
    return ExportMesh(tuple(mesh_axes), points, CELL_TYPES[len(mesh_axes)], cells, slices, values)

