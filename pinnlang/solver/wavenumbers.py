"""How fast a problem's initial and boundary data oscillate along each input.

:func:`axis_wavenumbers` evaluates the data ``g`` of every initial and boundary condition (the
residual of ``u = g`` for a network that is zero everywhere is ``-g``) on random points of the
condition, and along each input, normalised to ``[-1, 1]`` as the network sees it, fits the
wavenumber ``k`` of ``g'' = -k² g`` by least squares over the points. For a sine along that
input (times anything of the other inputs) this is exact; for a sum of sines it is their
energy-weighted mean; data that do not oscillate along an input (``g'' g >= 0`` on average, e.g.
``exp(x²)``) give 0. The second difference is taken with a step of about a radian of the
wavenumber a first difference estimates, and inverted exactly
(``2 (1 - cos k h) / h² -> k``), so float32 data give the wavenumber to a few parts in 10⁴: a
feature ``sin(k x)`` with a wrong ``k`` drifts out of phase across the domain.

The defaults (:mod:`pinnlang.solver.defaults`: ``model = axis_fourier`` when :func:`fast_axes`
finds an input), the ``axis_fourier`` network's wavenumbers (:func:`feature_wavenumbers`, read
by :func:`pinnlang.solver.api.build_module`) and the diagnosis's suggestions read it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

#: Above this wavenumber of the data along a normalised input (two periods across [-1, 1]), a
#: tanh MLP with Xavier initialisation is slow to fit them (spectral bias: it learns the low
#: frequencies first; Rahaman et al. 2019); Fourier features lift that (Tancik et al. 2020).
FOURIER_WAVENUMBER = 4 * math.pi
#: Points per condition at which the data are evaluated.
DATA_POINTS = 2000
#: Fewest points of a condition along whose input the data vary for that input to be measured.
MIN_ROWS = 20
#: A boundary point's input runs along the boundary when the outward normal's component on it is
#: below this (the input's axis is then within 60 degrees of the boundary's tangent plane).
ALONG = 0.5
#: The first difference's step, per unit of the normalised input.
FIRST_STEP = 1e-3


def axis_wavenumbers(compiled: Any, rng: np.random.Generator) -> tuple[float, ...]:
    """Per input of ``compiled`` (a :class:`~pinnlang.compile.CompiledProblem`), the largest
    wavenumber of its initial and boundary data along it, per unit of the normalised input
    (``sin(20 pi x)`` on ``x`` in [0, 1] is ``sin(10 pi xi + c)``: 31.4). 0 where no data
    oscillate, and for data the zero network cannot evaluate alone."""
    zero = ZeroNet(len(compiled.field_names))
    half = (compiled.upper - compiled.lower).double().cpu().numpy() / 2
    axis = compiled.problem.time_axis
    time = None if axis is None else compiled.input_names.index(str(axis.symbol))
    best = [0.0] * len(half)
    for cond in compiled.conditions:
        if cond.kind not in ("initial", "boundary"):
            continue
        batch = cond.sample(DATA_POINTS, rng)
        try:
            with torch.no_grad():
                values = _data_values(cond, zero, batch, batch.x)
                if rms(values) == 0:
                    continue
                for i, length in enumerate(half):
                    rows = _tangent_rows(cond, batch, i, time)
                    if rows.sum() >= MIN_ROWS:
                        found = _wavenumber_along(cond, zero, batch, values, i, length, rows)
                        best[i] = max(best[i], found)
        except (RuntimeError, TypeError, ValueError):
            continue  # data the zero network cannot evaluate alone
    return tuple(best)


def fast_axes(wavenumbers: tuple[float, ...]) -> dict[int, float]:
    """``{input index: wavenumber}`` of the inputs along which the data oscillate faster than
    :data:`FOURIER_WAVENUMBER`."""
    return {i: k for i, k in enumerate(wavenumbers) if k > FOURIER_WAVENUMBER}


def feature_wavenumbers(wavenumbers: tuple[float, ...]) -> list[float]:
    """The ``axis_fourier`` network's wavenumbers for data of ``wavenumbers``: those of the
    :func:`fast_axes`, 0 elsewhere; when no input is fast (the caller asked for the model
    itself), every input along which the data oscillate at all."""
    fast = fast_axes(wavenumbers)
    if fast:
        return [fast.get(i, 0.0) for i in range(len(wavenumbers))]
    return [float(k) for k in wavenumbers]


def _tangent_rows(cond: Any, batch: Any, axis: int, time: int | None) -> np.ndarray:
    """The rows of ``batch`` along whose input ``axis`` the data are data: not the time of an
    initial condition, nor a spatial input more normal to the boundary than along it
    (``sin(20 pi x)`` on the face ``x = 1`` is zero there, whatever it is beside it)."""
    rows = np.ones(len(batch.x), dtype=bool)
    if cond.kind == "initial" and axis == time:
        return ~rows
    normals = batch.normals
    if cond.kind == "boundary" and normals is not None and axis < normals.shape[1]:
        rows = normals[:, axis].abs().double().cpu().numpy() < ALONG
    return rows


def _wavenumber_along(cond: Any, zero: Any, batch: Any, values: np.ndarray, axis: int,
                      half: float, rows: np.ndarray) -> float:
    def shifted(step: float) -> np.ndarray:
        offset = torch.zeros_like(batch.x[0])
        offset[axis] = step * half
        return _data_values(cond, zero, batch, batch.x + offset)[rows]

    values = values[rows]
    if rms(values) == 0:
        return 0.0
    slope = (shifted(FIRST_STEP) - shifted(-FIRST_STEP)) / (2 * FIRST_STEP)
    rough = rms(slope) / rms(values)
    if not rough > 0:
        return 0.0
    step = 1.0 / rough  # about a radian of the wavenumber
    second = (shifted(step) - 2 * values + shifted(-step)) / step**2
    curvature = -float(np.sum(second * values)) / float(np.sum(values * values))
    if not curvature > 0:
        return 0.0
    cosine = max(-1.0, 1.0 - curvature * step**2 / 2)
    return math.acos(cosine) / step


def rms(values: np.ndarray) -> float:
    """The root mean square of ``values`` (0 for none)."""
    return float(np.sqrt(np.mean(np.square(values)))) if values.size else 0.0


def residual_values(cond: Any, net: Any, batch: Any, unknowns: dict[str, torch.Tensor] | None = None) -> np.ndarray:
    """``cond``'s residual for ``net`` at ``batch``'s points as float64, ``(N, k)`` (input
    derivatives taken even under ``torch.no_grad``)."""
    with torch.enable_grad():
        residual = cond.residual(net, batch, dict(unknowns or {}), create_graph=False)
    return residual.detach().double().cpu().numpy().reshape(len(batch.x), -1)


def _data_values(cond: Any, zero: Any, batch: Any, x: torch.Tensor) -> np.ndarray:
    return residual_values(cond, zero, type(batch)(x, batch.normals, batch.targets, batch.x_pair))


class ZeroNet(torch.nn.Module):
    """A network that is zero everywhere (but depends on its input, so derivatives exist)."""

    def __init__(self, fields: int):
        super().__init__()
        self.fields = fields

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.0 * x[:, :1].expand(-1, self.fields)
