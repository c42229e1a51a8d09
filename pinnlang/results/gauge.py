"""Errors of a field fixed only up to a shift: remove the best shift before comparing.

For a field the checker found free up to a constant (:mod:`pinnlang.checks.gauge`) the network
may settle on any constant, so its raw error against ``exact:`` says nothing about the solution.
The best constant in the L2 sense is the mean difference ``mean(predicted - exact)``; for a field
free up to a function of time (and params) it is that mean over each slice of equal time (and
param) values, which :func:`slice_labels` groups.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

MIN_POINTS_PER_SLICE = 50
"""Average points per slice when the non-space inputs are not on a grid and must be binned."""


def slice_labels(points: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """An integer label per point: points with the same label share their values in ``columns``.

    On a grid (few distinct values: at most one distinct row per 20 points) the distinct rows are
    the slices; otherwise each column is cut into equal-width bins, as many per column as keep
    about :data:`MIN_POINTS_PER_SLICE` points in a slice.
    """
    n = points.shape[0]
    if not columns or n == 0:
        return np.zeros(n, dtype=np.int64)
    values = np.asarray(points, dtype=np.float64)[:, list(columns)]
    rows, labels = np.unique(values, axis=0, return_inverse=True)
    if 20 * len(rows) <= n:
        return labels.reshape(-1)
    bins = max(1, int((n / MIN_POINTS_PER_SLICE) ** (1.0 / len(columns))))
    lower, upper = values.min(axis=0), values.max(axis=0)
    width = np.where(upper > lower, upper - lower, 1.0)
    index = np.clip(((values - lower) / width * bins).astype(np.int64), 0, bins - 1)
    return np.ravel_multi_index(tuple(index.T), (bins,) * len(columns))


def remove_shift(predicted: np.ndarray, exact: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``predicted`` minus the mean of ``predicted - exact`` over each slice of ``labels``."""
    predicted = np.asarray(predicted, dtype=np.float64)
    difference = predicted - np.asarray(exact, dtype=np.float64)
    counts = np.bincount(labels)
    sums = np.bincount(labels, weights=difference)
    means = sums / np.maximum(counts, 1)
    return predicted - means[labels]
