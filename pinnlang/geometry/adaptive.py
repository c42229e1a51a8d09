"""Residual-driven choice of collocation points (NumPy level; the solver supplies residuals).

- :func:`rar_select` — residual-based adaptive refinement: the ``k`` candidates with the largest
  residual magnitude.
- :func:`rad_sample` — residual-based adaptive distribution (Wu et al., 2023): ``n`` candidates
  drawn without replacement with probability proportional to ``|r|^k / mean(|r|^k) + c``.
"""

from __future__ import annotations

import numpy as np


def _magnitudes(candidates: np.ndarray, residual_magnitudes: np.ndarray) -> np.ndarray:
    candidates = np.asarray(candidates)
    magnitude = np.abs(np.asarray(residual_magnitudes, dtype=np.float64))
    if magnitude.ndim == 2:  # several residual components per point: use their norm
        magnitude = np.linalg.norm(magnitude, axis=1)
    if magnitude.ndim != 1 or magnitude.shape[0] != candidates.shape[0]:
        raise ValueError(
            f"need one residual magnitude per candidate: got {magnitude.shape} residuals "
            f"for {candidates.shape[0]} candidates"
        )
    if not np.all(np.isfinite(magnitude)):
        raise ValueError("residual magnitudes must be finite")
    return magnitude


def rar_select(candidates: np.ndarray, residual_magnitudes: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` candidates with the largest residual magnitude, largest first.

    Args:
        candidates: Points, shape ``(N, dim)``.
        residual_magnitudes: Shape ``(N,)`` (or ``(N, m)``, reduced by the Euclidean norm).
        k: How many to keep, ``0 <= k <= N``.

    Returns:
        Shape ``(k, dim)``; ties keep the candidates' order.
    """
    magnitude = _magnitudes(candidates, residual_magnitudes)
    if not 0 <= k <= len(magnitude):
        raise ValueError(f"k must be between 0 and {len(magnitude)}, got {k}")
    order = np.argsort(-magnitude, kind="stable")[: int(k)]
    return np.asarray(candidates)[order]


def rad_sample(
    candidates: np.ndarray,
    residual_magnitudes: np.ndarray,
    n: int,
    rng: np.random.Generator,
    k: float = 1.0,
    c: float = 1.0,
) -> np.ndarray:
    """Draw ``n`` distinct candidates with probability ``∝ |r|^k / mean(|r|^k) + c``.

    ``k`` sharpens the preference for large residuals and ``c`` mixes in uniform sampling
    (``c -> inf`` is uniform, ``k = 0`` is uniform). If every residual is zero the draw is
    uniform.

    Args:
        candidates: Points, shape ``(N, dim)``.
        residual_magnitudes: Shape ``(N,)`` (or ``(N, m)``, reduced by the Euclidean norm).
        n: How many to draw, at most the number of candidates with non-zero probability.
        rng: Source of randomness.
        k: Exponent, ``>= 0``.
        c: Uniform share, ``>= 0``.

    Returns:
        Shape ``(n, dim)``.
    """
    magnitude = _magnitudes(candidates, residual_magnitudes)
    if k < 0 or c < 0:
        raise ValueError(f"need k >= 0 and c >= 0, got k={k}, c={c}")
    powered = magnitude**k
    mean = powered.mean() if len(powered) else 0.0
    weight = (powered / mean + c) if mean > 0 else np.ones_like(powered)
    available = int(np.count_nonzero(weight))
    if not 0 <= n <= available:
        raise ValueError(
            f"cannot draw {n} distinct points: only {available} candidates have "
            "non-zero probability"
        )
    chosen = rng.choice(len(weight), size=int(n), replace=False, p=weight / weight.sum())
    return np.asarray(candidates)[chosen]
