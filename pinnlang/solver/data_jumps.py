"""Where two boundary or initial conditions ask one quantity for different values where they meet.

The lid-driven cavity's lid asks ``u = 1`` up to its ends and its walls ``u = 0`` up to theirs:
at the two top corners the boundary data jump, and the solution is singular there (its gradients
grow like ``1/r``), which no smooth network follows (``docs/benchmarks.md``, the cavity section).
A bar whose initial ``u = 1`` meets its ends' ``u = 0`` jumps the same way at the corners of
space-time.

:func:`data_jumps` finds such places from the compiled conditions alone. Only conditions on the
fields' values are compared (a flux condition reads the normal, which turns at a corner: fluxes
that differ there need not jump). Two conditions constrain the same quantity where their
residuals, less their data, agree on a probe network (``u - 1`` and ``u - 0`` both read the
probe's ``u``; ``v - 0`` reads its ``v``); their data are their residuals on a zero network,
negated. Where points of the two lie within
:data:`MEET_DISTANCE` of the diagonal of each other and the data differ by more than
:data:`JUMP` of their size, the data jump there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from pinnlang.errors import PinnError
from pinnlang.solver.wavenumbers import ZeroNet, residual_values, rms

#: Points of two conditions this close (a fraction of the points' bounding-box diagonal) are
#: where the conditions meet.
MEET_DISTANCE = 0.02
#: Data differing by more than this fraction of their root mean square jump.
JUMP = 0.1
#: The kinds of condition compared: those that hold on the boundary of the domain in space-time.
KINDS = ("boundary", "initial")
#: Points per boundary or initial condition.
POINTS = 1000

#: What evaluating a condition's data alone may raise (an unknown without a value, a shape that
#: does not broadcast).
_UNEVALUATED = (PinnError, RuntimeError, TypeError, ValueError, KeyError)


class _Probe(torch.nn.Module):
    """Smooth fields that differ from each other: ``sin(1 + k + (k + 1) * (0.7 x1 + 1.1 x2 + ...))``."""

    def __init__(self, fields: int):
        super().__init__()
        self.fields = fields

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = 0.7 + 0.4 * torch.arange(x.shape[1], dtype=x.dtype, device=x.device)
        k = torch.arange(self.fields, dtype=x.dtype, device=x.device)
        return torch.sin(1 + k + (k + 1) * (x @ weights)[:, None])


def data_jumps(compiled: Any, rng: np.random.Generator, diagonal: float,
               unknowns: dict[str, torch.Tensor] | None = None) -> list[tuple[tuple[float, ...], str, str]]:
    """``[(place, condition, other condition)]``: where two boundary or initial conditions on one
    quantity ask for different values (see the module docstring), one entry per pair and place
    (places of one pair farther apart than ``MEET_DISTANCE * diagonal`` are separate), the
    problem's unknowns at ``unknowns``. A condition or pair whose data cannot be evaluated that way
    is left out."""
    fields = len(compiled.field_names)
    probe, zero = _Probe(fields), ZeroNet(fields)
    known = dict(unknowns or {})
    sides = []  # (condition, its points as a batch and as an array, the size of its data)
    for cond in compiled.conditions:
        if cond.kind in KINDS and getattr(cond, "values_only", False):
            batch = cond.sample(POINTS, rng)
            try:
                size = rms(_data_and_reads(cond, batch, probe, zero, known)[0])
            except _UNEVALUATED:
                continue
            sides.append((cond, batch, batch.x.detach().double().cpu().numpy(), size))
    near = MEET_DISTANCE * diagonal
    found: list[tuple[tuple[float, ...], str, str]] = []
    for i, (a, batch_a, xa, size_a) in enumerate(sides):
        for b, batch_b, xb, size_b in sides[i + 1:]:
            meet = np.linalg.norm(xa[:, None, :] - xb[None, :, :], axis=2) <= near
            close_a, close_b = meet.any(axis=1), meet.any(axis=0)
            if not close_a.any():
                continue
            size = max(size_a, size_b, 1e-12)
            try:
                ja = _differ(a, b, batch_a, close_a, probe, zero, known, size)
                jb = _differ(b, a, batch_b, close_b, probe, zero, known, size)
            except _UNEVALUATED:
                continue
            places: list[np.ndarray] = []
            for point in xa[close_a][ja]:  # the data differ on both sides of the meeting place
                if (np.linalg.norm(xb[close_b][jb] - point, axis=1) <= near).any() and \
                        all(np.linalg.norm(point - q) > near for q in places):
                    places.append(point)
            found += [(tuple(float(v) for v in q), a.name, b.name) for q in places]
    return found


def _differ(a: Any, b: Any, batch: Any, close: np.ndarray, probe: torch.nn.Module, zero: torch.nn.Module,
            unknowns: dict[str, torch.Tensor], size: float) -> np.ndarray:
    """At ``a``'s points ``close`` to ``b``'s: whether ``b``, evaluated there, reads the same
    quantity as ``a`` but asks a value more than :data:`JUMP` of ``size`` away."""
    keep = torch.as_tensor(close, device=batch.x.device)
    at = type(batch)(batch.x[keep], None if batch.normals is None else batch.normals[keep])
    data_a, reads_a = _data_and_reads(a, at, probe, zero, unknowns)
    data_b, reads_b = _data_and_reads(b, at, probe, zero, unknowns)
    if data_a.shape != data_b.shape:
        return np.zeros(len(data_a), dtype=bool)
    same = (np.abs(reads_a - reads_b) <= 1e-9 * (1 + np.abs(reads_a))).all(axis=1)
    return same & (np.abs(data_a - data_b).max(axis=1) > JUMP * size)


def data_at(cond: Any, batch: Any, fields: int, unknowns: dict[str, torch.Tensor] | None = None) -> np.ndarray:
    """``cond``'s data at ``batch``'s points, ``(N, k)``: its residual on a zero network of
    ``fields`` outputs, negated."""
    return -residual_values(cond, ZeroNet(fields), batch, unknowns)


def _data_and_reads(cond: Any, batch: Any, probe: torch.nn.Module, zero: torch.nn.Module,
                    unknowns: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """``cond``'s data at ``batch`` and what it reads of the probe there (residual less data)."""
    at_zero = residual_values(cond, zero, batch, unknowns)
    return -at_zero, residual_values(cond, probe, batch, unknowns) - at_zero


