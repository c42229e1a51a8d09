"""Small helpers shared by the shapes: argument checks, count allocation, rejection sampling."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from pinnlang.geometry.samplers import check_sampler, sample_unit


MAX_BATCH = 2**20
"""Most candidate points drawn at once by the rejection samplers (bounds memory use)."""


def as_points(points: np.ndarray, dim: int) -> np.ndarray:
    """``points`` as a float64 ``(N, dim)`` array (a single point may be given as ``(dim,)``)."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1 and array.shape[0] == dim:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dim:
        raise ValueError(f"expected points of shape (N, {dim}), got {array.shape}")
    return array


def check_count(n: int, sampler: str) -> int:
    """Validate a requested number of points and a sampler name; return ``n`` as int."""
    check_sampler(sampler)
    if int(n) != n or n < 0:
        raise ValueError(f"number of points must be a non-negative integer, got {n!r}")
    return int(n)


def as_float_tuple(values: Sequence[float], what: str) -> tuple[float, ...]:
    """A tuple of finite Python floats, or ``ValueError`` naming ``what``."""
    try:
        result = tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a sequence of numbers, got {values!r}") from exc
    if not all(np.isfinite(result)):
        raise ValueError(f"{what} must be finite, got {values!r}")
    return result


def as_finite_float(value: float, what: str) -> float:
    """A finite Python float, or ``ValueError`` naming ``what``."""
    try:
        result = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be a number, got {value!r}") from exc
    if not np.isfinite(result):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


def allocate(n: int, weights: np.ndarray, rng: np.random.Generator, sampler: str) -> np.ndarray:
    """Split ``n`` points among pieces in proportion to ``weights``.

    With the ``uniform`` sampler the counts are multinomial (so the points stay independent and
    identically distributed); with the stratified samplers (``lhs``, ``sobol``, ``grid``) they
    are the proportional shares rounded by largest remainder, which stratifies by piece.
    """
    weights = np.asarray(weights, dtype=np.float64)
    probabilities = weights / weights.sum()
    if sampler == "uniform":
        return rng.multinomial(n, probabilities)
    exact = n * probabilities
    counts = np.floor(exact).astype(np.int64)
    remainder = n - int(counts.sum())
    if remainder:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:remainder]] += 1
    return counts


def rejection_sample(
    n: int,
    lower: np.ndarray,
    upper: np.ndarray,
    accept: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
    sampler: str,
    what: str,
) -> np.ndarray:
    """``n`` points of the box ``[lower, upper]`` that pass ``accept``, topping up as needed.

    Candidates come from ``sampler`` on the box. With ``grid`` each round is one regular grid
    dense enough for ``n`` accepted points and ``n`` of the accepted grid points are chosen at
    random, so the result lies on a regular grid; otherwise the first ``n`` accepted points are
    kept (a prefix of a Sobol or Latin-hypercube set).

    Raises:
        ValueError: Nothing is accepted after many candidates (the region is empty or
            has no volume).
    """
    dim = lower.shape[0]
    if n == 0:
        return np.zeros((0, dim))
    width = upper - lower
    kept: list[np.ndarray] = []
    have = 0
    rate = 0.5
    tried = 0
    while have < n:
        need = n - have if sampler != "grid" else n
        batch = min(int(np.ceil(1.2 * need / rate)) + 16, MAX_BATCH)
        candidates = lower + width * sample_unit(batch, dim, rng, sampler)
        good = candidates[accept(candidates)]
        tried += batch
        if sampler == "grid":
            if len(good) >= n:
                pick = np.sort(rng.choice(len(good), size=n, replace=False))
                return good[pick]
            kept, have = [], 0
        else:
            kept.append(good)
            have += len(good)
        rate = max(len(good) / batch, 1e-4) if len(good) else rate / 10
        if have == 0 and tried >= 4 * MAX_BATCH:
            raise ValueError(
                f"cannot sample {what}: none of {tried} candidate points in its bounding box "
                "lies inside, so the region appears to be empty"
            )
    return np.concatenate(kept)[:n]
