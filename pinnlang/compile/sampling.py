"""Point sets for the condition kinds, in NumPy float64, over all network inputs.

:class:`InputSpace` knows the spatial region and the ranges of time and params. It draws
*candidates* (:class:`PointSet`: points over all inputs, and normals on the boundary);
:func:`draw_filtered` keeps the candidates a condition accepts (selector, ``where``), drawing more
until there are exactly ``n``.

How the inputs are combined:

- interior (``pde``): a steady problem uses the region's own ``sample_interior``; with time or
  params the whole product (bounding box × time × params) is drawn with one sampler and points
  outside the region are rejected, so Sobol, Latin-hypercube and grid sets stay stratified in
  every input, not just in space;
- boundary: the region's ``sample_boundary`` (points and outward normals) paired with time and
  params drawn by the same sampler and shuffled, so stratification holds for each marginal and the
  pairing is random (pairing two stratified sequences index by index would correlate them);
- initial: 90 % interior and 10 % boundary points of the region (so the corners of the initial
  data are seen), at ``t = t0``, params as for the boundary;
- periodic: interior points of the product with the periodic column set to its lower end, and a
  copy with it at the upper end;
- point: the point's spatial coordinates with time and params drawn as for the boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from pinnlang.errors import PinnSemanticError
from pinnlang.geometry import sample_unit
from pinnlang.geometry.base import Region
from pinnlang.source import Span

INITIAL_BOUNDARY_SHARE = 0.1
"""Share of the points of an ``initial`` condition drawn on the spatial boundary."""


@dataclass
class PointSet:
    """Candidate points over all inputs, with boundary normals (spatial) when they have them."""

    x: np.ndarray
    normals: np.ndarray | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, index: np.ndarray) -> "PointSet":
        normals = None if self.normals is None else self.normals[index]
        return PointSet(self.x[index], normals)

    @staticmethod
    def concat(parts: list["PointSet"]) -> "PointSet":
        normals = None
        if parts and parts[0].normals is not None:
            normals = np.concatenate([p.normals for p in parts])
        return PointSet(np.concatenate([p.x for p in parts]), normals)


@dataclass(frozen=True)
class InputSpace:
    """The box of all inputs and the spatial region inside it.

    Attributes:
        domain: The spatial region, or ``None`` for an ODE in time.
        extra_lower, extra_upper: Ranges of time (if any) then params, shape ``(k,)``.
    """

    domain: Region | None
    extra_lower: np.ndarray
    extra_upper: np.ndarray

    @property
    def n_space(self) -> int:
        return 0 if self.domain is None else self.domain.dim

    @property
    def n_extra(self) -> int:
        return int(self.extra_lower.shape[0])

    @property
    def dim(self) -> int:
        return self.n_space + self.n_extra

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper corners of the box of all inputs."""
        if self.domain is None:
            return self.extra_lower.copy(), self.extra_upper.copy()
        lo, hi = self.domain.bbox()
        return (np.concatenate([lo, self.extra_lower]), np.concatenate([hi, self.extra_upper]))

    @property
    def size(self) -> float:
        """The largest side of the spatial bounding box (of the whole box for an ODE)."""
        lo, hi = self.domain.bbox() if self.domain is not None else self.bounds()
        return float(np.max(hi - lo)) if len(lo) else 1.0

    # ------------------------------------------------------------------ candidates
    def extras(self, n: int, rng: np.random.Generator, sampler: str) -> np.ndarray:
        """Time and params for ``n`` points, shuffled unless independent uniform."""
        unit = sample_unit(n, self.n_extra, rng, sampler)
        if sampler != "uniform" and n > 1:
            unit = unit[rng.permutation(n)]
        return self.extra_lower + (self.extra_upper - self.extra_lower) * unit

    def interior(self, n: int, rng: np.random.Generator, sampler: str) -> PointSet:
        """``n`` points of region × time × params (see the module docstring)."""
        if self.domain is None:
            return PointSet(self.extras(n, rng, sampler))
        if self.n_extra == 0:
            return PointSet(self.domain.sample_interior(n, rng, sampler))
        lo, hi = self.bounds()
        domain, n_space = self.domain, self.n_space

        def draw(m: int) -> PointSet:
            return PointSet(lo + (hi - lo) * sample_unit(m, self.dim, rng, sampler))

        def accept(points: PointSet) -> np.ndarray:
            return domain.contains(points.x[:, :n_space], tol=0.0)

        return draw_filtered(
            draw, accept, n, rng, sampler, what="the spatial domain", place="its bounding box"
        )

    def boundary(self, n: int, rng: np.random.Generator, sampler: str) -> PointSet:
        """``n`` points of the region's boundary × time × params, with outward normals."""
        if self.domain is None:
            raise ValueError("an ODE problem has no spatial boundary")
        points, normals = self.domain.sample_boundary(n, rng, sampler)
        return PointSet(np.hstack([points, self.extras(n, rng, sampler)]), normals)

    def initial(self, n: int, rng: np.random.Generator, sampler: str, t0: float) -> PointSet:
        """``n`` points at ``t = t0`` (time must be the first extra column)."""
        if self.domain is None:
            x = self.extras(n, rng, sampler)
        else:
            n_boundary = min(n, math.ceil(INITIAL_BOUNDARY_SHARE * n)) if n >= 10 else 0
            inner = self.domain.sample_interior(n - n_boundary, rng, sampler)
            edge, _ = self.domain.sample_boundary(n_boundary, rng, sampler)
            space = np.concatenate([inner, edge])
            x = np.hstack([space, self.extras(n, rng, sampler)])
        x[:, self.n_space] = t0
        return PointSet(x)

    def at_point(
        self, n: int, rng: np.random.Generator, sampler: str, location: np.ndarray
    ) -> PointSet:
        """``n`` points with space at ``location`` and time and params drawn by ``sampler``."""
        space = np.broadcast_to(np.asarray(location, dtype=np.float64), (n, self.n_space))
        return PointSet(np.hstack([space, self.extras(n, rng, sampler)]))

    def periodic(
        self, n: int, rng: np.random.Generator, sampler: str, column: int
    ) -> tuple[PointSet, PointSet]:
        """Paired points at the lower and upper end of ``column``, all else shared."""
        lo, hi = self.bounds()
        base = self.interior(n, rng, sampler).x
        at_lower, at_upper = base.copy(), base.copy()
        at_lower[:, column] = lo[column]
        at_upper[:, column] = hi[column]
        return PointSet(at_lower), PointSet(at_upper)


# ---------------------------------------------------------------------- filtering
MAX_ROUNDS = 40
PROBE_POINTS = 20_000


def draw_filtered(
    draw: Callable[[int], PointSet],
    accept: Callable[[PointSet], np.ndarray],
    n: int,
    rng: np.random.Generator,
    sampler: str,
    *,
    what: str,
    place: str,
    span: Span | None = None,
    hint: str | None = None,
) -> PointSet:
    """Exactly ``n`` accepted candidates, drawing more (sized by the acceptance rate) as needed.

    With the ``grid`` sampler a random ``n`` of the accepted points are kept (so no side of the
    grid is favoured); otherwise the first ``n`` (a prefix of a Sobol or Latin-hypercube set).

    Raises:
        PinnSemanticError: No candidate is accepted among many (``what`` names the selection,
            ``hint`` goes with the error).
    """
    if n <= 0:
        return draw(0)
    kept: list[PointSet] = []
    have = drawn = 0
    m = max(n, 64)
    for _ in range(MAX_ROUNDS):
        candidates = draw(m)
        mask = np.asarray(accept(candidates), dtype=bool)
        drawn += len(candidates)
        if mask.any():
            kept.append(candidates.subset(mask))
            have += int(mask.sum())
        if have >= n:
            break
        if have == 0 and drawn >= max(50 * n, PROBE_POINTS):
            raise PinnSemanticError(
                f"{what} selects no point of {place} ({drawn} candidates tried)", span, hint
            )
        rate = max(have, 1) / drawn
        m = min(max(64, math.ceil(1.3 * (n - have) / rate)), 4_000_000)
    else:
        raise PinnSemanticError(
            f"{what} selects too few points of {place} ({have} of {n} wanted from {drawn} "
            "candidates)",
            span,
        )
    points = PointSet.concat(kept)
    if len(points) == n:
        return points
    if sampler == "grid":
        return points.subset(np.sort(rng.choice(len(points), size=n, replace=False)))
    return points.subset(np.arange(n))
