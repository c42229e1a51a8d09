"""What the reference-grid scripts ``make_*.py`` of this folder share: resolutions, the
self-convergence check, the NPZ file and the command line.

A script describes its solver by a function ``solve(resolution) -> {name: array}`` that returns
the stored axes (1-D arrays named like the problem's inputs, space first, then time) and the
fields (arrays of shape ``(len(axis_1), len(axis_2), ...)``), and passes it to :func:`main`
with the resolution it stores and the finer ones it is compared with::

    python problems/data/make_kdv.py            # solve, print the self-convergence check, write
    python problems/data/make_kdv.py --check    # solve again, exit 1 if the stored file differs
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from pinnlang.reference.etdrk4 import integrate, periodic_grid, resample

STORED_DTYPE = np.float32
CHECK_TOLERANCE = 1e-5
"""Largest difference ``--check`` accepts, relative to the field's largest magnitude (the file
holds float32 values, about 6e-8 relative; the rest is rounding of a long time integration)."""


@dataclass(frozen=True)
class Resolution:
    """Fourier modes (per space dimension) and time step of one run."""

    modes: int
    dt: float

    def __str__(self) -> str:
        return f"{self.modes} modes, dt = {self.dt:g}"


Solve = Callable[[Resolution], dict[str, np.ndarray]]


def field_names(arrays: Mapping[str, np.ndarray], axes: Sequence[str]) -> list[str]:
    """The names in ``arrays`` that are not axes."""
    return [name for name in arrays if name not in axes]


def differences(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray],
                axes: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``{field: (max |a - b|, ||a - b|| / ||b||)}`` over the fields of two runs on one grid."""
    result = {}
    for name in field_names(b, axes):
        diff = np.asarray(a[name], np.float64) - np.asarray(b[name], np.float64)
        result[name] = (float(np.abs(diff).max()), float(np.linalg.norm(diff) / np.linalg.norm(b[name])))
    return result


def self_convergence(solve: Solve, stored: Resolution, base: Mapping[str, np.ndarray],
                     axes: Sequence[str]) -> dict[str, dict]:
    """Differences of the stored run ``base`` to one at half the step and one at twice the modes."""
    checks = {
        f"dt / 2 ({Resolution(stored.modes, stored.dt / 2)})": Resolution(stored.modes, stored.dt / 2),
        f"2 x modes ({Resolution(2 * stored.modes, stored.dt)})": Resolution(2 * stored.modes, stored.dt),
    }
    return {label: differences(base, solve(resolution), axes) for label, resolution in checks.items()}


def save(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write the arrays as float32 into an uncompressed NPZ file."""
    np.savez(path, **{name: np.asarray(value, dtype=STORED_DTYPE) for name, value in arrays.items()})


def load(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a stored reference file."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def compare_with_file(arrays: Mapping[str, np.ndarray], path: Path, axes: Sequence[str]) -> list[str]:
    """What differs between a fresh run and the stored file (empty when they agree)."""
    stored = load(path)
    problems = []
    if sorted(stored) != sorted(arrays):
        return [f"{path.name} holds {sorted(stored)}, the script makes {sorted(arrays)}"]
    for name, value in arrays.items():
        fresh = np.asarray(value, dtype=STORED_DTYPE)
        if fresh.shape != stored[name].shape:
            problems.append(f"{name}: shape {stored[name].shape} stored, {fresh.shape} made")
            continue
        scale = max(float(np.abs(fresh).max()), 1e-30)
        worst = float(np.abs(fresh.astype(np.float64) - stored[name]).max()) / scale
        if worst > CHECK_TOLERANCE:
            problems.append(f"{name}: differs by {worst:.2e} (relative to its largest value)")
    return problems


def main(argv: Sequence[str] | None, *, doc: str, path: Path, solve: Solve, stored: Resolution,
         axes: Sequence[str]) -> int:
    """The command line of a ``make_*.py`` script (see the module docstring)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh run with the stored file")
    args = parser.parse_args(argv)
    if args.check:
        problems = compare_with_file(solve(stored), path, axes)
        for problem in problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        if not problems:
            print(f"{path.name}: matches a fresh run ({stored})")
        return 1 if problems else 0
    arrays = solve(stored)
    print(f"self-convergence of the stored run ({stored}); max |difference|, relative L2:")
    for label, result in self_convergence(solve, stored, arrays, axes).items():
        for name, (largest, relative) in result.items():
            print(f"  {label}: {name} {largest:.2e}, {relative:.2e}")
    save(path, arrays)
    shapes = ", ".join(f"{name} {np.shape(value)}" for name, value in arrays.items())
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB: {shapes})")
    return 0


Setup = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, Callable]]
"""``setup(x, k) -> (initial values on x, diagonal of L, N on Fourier coefficients)``."""


def run_periodic(resolution: Resolution, setup: Setup, *, interval: tuple[float, float],
                 end_time: float, outputs: int, stored_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integrate a 1-D periodic problem with ETDRK4 and sample it on the stored grid.

    Returns:
        ``(x, t, values)``: ``stored_points + 1`` points of the closed interval (the periodic end
        repeats the start), ``outputs + 1`` equally spaced times from 0 to ``end_time``, and the
        complex solution of shape ``(len(x), len(t))``.
    """
    lower, upper = interval
    x, k = periodic_grid(resolution.modes, lower, upper)
    initial, linear, nonlinear = setup(x, k)
    steps = round(end_time / outputs / resolution.dt)
    history = integrate(np.fft.fft(initial), linear, nonlinear, resolution.dt, steps, outputs)
    values = resample(history, stored_points).T
    grid, _ = periodic_grid(stored_points, lower, upper)
    grid = np.append(grid, upper)
    values = np.concatenate([values, values[:1]], axis=0)
    return grid, np.linspace(0.0, end_time, outputs + 1), values
