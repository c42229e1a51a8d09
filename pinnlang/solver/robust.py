"""Robust Gauss–Newton: Huber factors on the residual rows of a Levenberg–Marquardt round.

A least-squares loss is ruled by its largest residuals. Where the solution has a singularity a
smooth network cannot follow — the lid-driven cavity's top corners, where the boundary data jump
from ``u = 1`` on the lid to ``u = 0`` on the walls — a few points carry most of the loss: on
the cavity at Re = 100, 0.4 % of the ``pde`` points within 0.05 of those corners held 84 % of
the momentum residual's squares, and 0.8 % of the wall points within 0.01 held 80 % of the
walls'. The Gauss–Newton steps then spend the network on those points, and a fresh round, whose
points fall elsewhere near the corners, comes out 500-40,000 times worse than the round before.

Huber's loss counts a residual ``r`` quadratically up to a threshold ``c`` and linearly beyond.
Its Gauss–Newton step is the least-squares step with every row scaled by ``√w``,
``w = min(1, c / |r|)`` (iteratively reweighted least squares), the weights taken at the
parameters each iteration linearises at, so that the trial steps of an iteration compare one
loss. ``c`` is the setting ``lm_robust`` (100 by default) times the median of the condition's
point residuals ``|r|`` (the norm over its components), the median taken over every process's
points. A normally distributed residual has its median at 0.67 standard deviations, so ``c`` is
67 of them: no point of such a residual is touched, and a problem without outliers takes the
plain least-squares steps.

Why 100, not a tighter 10: the cavity's corners drive its vortex (the lid's shear stress grows
like ``1/r`` towards them), so what those points are denied weakens the flow everywhere (seed 0,
one thread, two runs at a time; u, v against the converged solution). In 3 minutes plain least
squares ended at 5.8e-2, 0.25 (seed 1: 0.14, 0.53), 10 medians with the factors fixed per round at
2.3e-2, 8.5e-2 (seed 1: 1.3e-2, 4.9e-2), 100 medians at 1.7e-2, 5.5e-2 (seed 1: 2.0e-2, 7.7e-2).
In 10 minutes 10 medians gave 1.7e-2, 6.1e-2 and 1.3e-2, 4.8e-2 (a vortex ~8 % too weak), 100
medians 8.0e-3, 2.5e-2, then 2.5e-2, 0.11 (seed 1: 1.7e-2, 7.1e-2), plain least squares 5.0e-3,
2.5e-2 (seed 1: 8.9e-3, 3.6e-2): over long runs the corners are worth their full weight, and
``problems/cavity.pinn``, which trains 10 minutes, sets ``lm_robust = 0``.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

Reduce = Callable[[Tensor], Tensor]

#: Bisection steps of the median over every process (each halves the bracket ``[0, 2·mean]``).
MEDIAN_BISECTIONS = 60


def medians(magnitudes: list[Tensor], reduce: Reduce | None = None) -> Tensor:
    """The median of each 1-D tensor of ``magnitudes`` (non-negative), over every process when
    ``reduce`` (an all-reduce sum) is given: the smallest ``m`` with at least half the points at
    or below it (the lower median). In one process ``torch.median``; over several, bisection on
    ``[0, 2·mean]`` (Markov's inequality keeps the median inside) to 2⁻⁶⁰ of that bracket, which
    needs nothing but sums over the processes, so every process finds the same medians as one
    process holding all their points."""
    device = magnitudes[0].device
    if reduce is None:  # the same value, the lower median, without a pass per bisection step
        zero = torch.zeros((), dtype=torch.float64, device=device)
        return torch.stack([m.double().median() if m.numel() else zero for m in magnitudes])
    local = [[m.sum().double(), torch.tensor(float(m.numel()), dtype=torch.float64, device=device),
              (m <= 0).sum().double()] for m in magnitudes]  # per condition: sum, count, zeros
    sums = reduce(torch.stack([torch.stack(row) for row in local]))
    totals = sums[:, 1]
    low = torch.zeros(len(magnitudes), dtype=torch.float64, device=device)
    high = torch.where(2 * sums[:, 2] >= totals, low, 2 * sums[:, 0] / totals.clamp_min(1))  # half are zero: 0
    for _ in range(MEDIAN_BISECTIONS):
        middle = (low + high) / 2
        below = reduce(torch.stack([(m.double() <= mid).sum().double() for m, mid in zip(magnitudes, middle)]))
        enough = 2 * below >= totals
        high = torch.where(enough, middle, high)
        low = torch.where(enough, low, middle)
    return high


def huber_factors(rows: list[Tensor], threshold: float, reduce: Reduce | None = None) -> list[Tensor]:
    """Row factors ``√min(1, c / |r|)`` of each condition's residual ``rows`` (``(N, k)``: points
    times components; a point's components share its factor), flattened like the rows,
    ``c = threshold`` × the condition's median ``|r|`` (:func:`medians`). ``threshold = 0``,
    or a condition whose median is zero, gives factors of one."""
    magnitudes = [r.detach().reshape(r.shape[0], -1).double().norm(dim=1) for r in rows]
    if threshold <= 0 or not magnitudes:
        return [torch.ones(r.numel(), dtype=torch.float64, device=r.device) for r in rows]
    cuts = threshold * medians(magnitudes, reduce)
    factors = []
    for r, size, cut in zip(rows, magnitudes, cuts):
        width = r.numel() // max(r.shape[0], 1)
        if float(cut) > 0:
            weight = torch.where(size > cut, cut / size.clamp_min(torch.finfo(torch.float64).tiny), 1.0)
        else:
            weight = torch.ones_like(size)
        factors.append(weight.sqrt().repeat_interleave(width))
    return factors


def stacked_factors(plain: Tensor, shapes: list[tuple[int, int]], threshold: float,
                    reduce: Reduce | None = None) -> Tensor:
    """:func:`huber_factors` of a stacked residual ``plain`` (a residual system's rows without
    factors, flat) whose conditions have ``shapes`` (points, components) in turn; flat like it."""
    pieces = plain.split([count * width for count, width in shapes])
    rows = [piece.reshape(count, width) for piece, (count, width) in zip(pieces, shapes)]
    return torch.cat(huber_factors(rows, threshold, reduce))
