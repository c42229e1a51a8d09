"""Where two boundary conditions ask the same quantity for different values where they meet.

The lid-driven cavity's lid asks ``u = 1`` up to its ends and its walls ``u = 0`` up to theirs:
at the two top corners the boundary data jump, and the solution is singular there (its gradients
grow like ``1/r``), which no smooth network follows (``docs/benchmarks.md``, the cavity section).

:func:`data_jumps` finds such places from the compiled conditions alone. Only conditions on the
fields' values are compared (a flux condition reads the normal, which turns at a corner: fluxes
that differ there need not jump). Two boundary conditions constrain the same quantity where their residuals, less their data, agree on a probe network
(``u - 1`` and ``u - 0`` both read the probe's ``u``; ``v - 0`` reads its ``v``); their data are
their residuals on a zero network, negated. Where points of the two lie within
:data:`MEET_DISTANCE` of the diagonal of each other and the data differ by more than
:data:`JUMP` of their size, the data jump there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from pinnlang.errors import PinnError

#: Points of two conditions this close (a fraction of the points' bounding-box diagonal) are
#: where the conditions meet.
MEET_DISTANCE = 0.02
#: Data differing by more than this fraction of their root mean square jump.
JUMP = 0.1
#: Points per boundary condition.
POINTS = 1000


class _Probe(torch.nn.Module):
    """Smooth fields that differ from each other: ``sin(1 + k + (k + 1) * (0.7 x1 + 1.1 x2 + ...))``,
    or zero everywhere (``scale = 0``) while still depending on the inputs."""

    def __init__(self, fields: int, scale: float):
        super().__init__()
        self.fields, self.scale = fields, scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights = 0.7 + 0.4 * torch.arange(x.shape[1], dtype=x.dtype, device=x.device)
        k = torch.arange(self.fields, dtype=x.dtype, device=x.device)
        return self.scale * torch.sin(1 + k + (k + 1) * (x @ weights)[:, None]) + 0.0 * x[:, :1]


def data_jumps(compiled: Any, rng: np.random.Generator, diagonal: float,
               unknowns: dict[str, torch.Tensor] | None = None) -> list[tuple[tuple[float, ...], str, str]]:
    """``[(place, condition, other condition)]``: where two boundary conditions on the same
    quantity ask for different values (see the module docstring), one entry per pair and place
    (places of one pair farther apart than ``MEET_DISTANCE * diagonal`` are separate), the
    problem's unknowns at ``unknowns``. A pair whose data cannot be evaluated that way is left out."""
    fields = len(compiled.field_names)
    probe, zero = _Probe(fields, 1.0), _Probe(fields, 0.0)
    boundaries = [(cond, cond.sample(POINTS, rng)) for cond in compiled.conditions
                  if cond.kind == "boundary" and getattr(cond, "values_only", False)]
    near = MEET_DISTANCE * diagonal
    known = dict(unknowns or {})
    found: list[tuple[tuple[float, ...], str, str]] = []
    for i, (a, batch) in enumerate(boundaries):
        for b, other in boundaries[i + 1:]:
            try:
                xa, ja = _jumping(a, batch, b, other, probe, zero, near, known)
                xb, jb = _jumping(b, other, a, batch, probe, zero, near, known)
            except (PinnError, RuntimeError, TypeError, ValueError, KeyError):
                continue
            places: list[np.ndarray] = []
            for point in xa[ja]:  # the data differ on both sides of the meeting place
                if (np.linalg.norm(xb[jb] - point, axis=1) <= near).any() and \
                        all(np.linalg.norm(point - q) > near for q in places):
                    places.append(point)
            found += [(tuple(float(v) for v in q), a.name, b.name) for q in places]
    return found


def _jumping(a: Any, batch: Any, b: Any, other: Any, probe: torch.nn.Module, zero: torch.nn.Module,
             near: float, unknowns: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """``a``'s points within ``near`` of ``b``'s, and where ``b``, evaluated there, reads the same
    quantity as ``a`` but asks a value more than :data:`JUMP` of their data's size away."""
    xa, xb = (t.x.detach().double().cpu().numpy() for t in (batch, other))
    close = (np.linalg.norm(xa[:, None, :] - xb[None, :, :], axis=2) <= near).any(axis=1)
    if not close.any():
        return xa[close], close[close]
    keep = torch.as_tensor(close, device=batch.x.device)
    at = type(batch)(batch.x[keep], None if batch.normals is None else batch.normals[keep])
    data_a, reads_a = _data_and_reads(a, at, probe, zero, unknowns)
    data_b, reads_b = _data_and_reads(b, at, probe, zero, unknowns)
    if data_a.shape != data_b.shape:
        return xa[close], np.zeros(int(close.sum()), dtype=bool)
    size = max(_rms(_data_and_reads(a, batch, probe, zero, unknowns)[0]),
               _rms(_data_and_reads(b, other, probe, zero, unknowns)[0]), 1e-12)
    same = (np.abs(reads_a - reads_b) <= 1e-9 * (1 + np.abs(reads_a))).all(axis=1)
    return xa[close], same & (np.abs(data_a - data_b).max(axis=1) > JUMP * size)


def _data_and_reads(cond: Any, batch: Any, probe: torch.nn.Module, zero: torch.nn.Module,
                    unknowns: dict[str, torch.Tensor]) -> tuple[np.ndarray, np.ndarray]:
    """``cond``'s data at ``batch`` and what it reads of the probe there (residual less data)."""
    with torch.enable_grad():
        at_zero = cond.residual(zero, batch, unknowns, create_graph=False).detach().double().cpu().numpy()
        at_probe = cond.residual(probe, batch, unknowns, create_graph=False).detach().double().cpu().numpy()
    at_zero, at_probe = at_zero.reshape(len(at_zero), -1), at_probe.reshape(len(at_probe), -1)
    return -at_zero, at_probe - at_zero


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if values.size else 0.0
