"""PNG plots of a run: the loss history, the solution and its error against the exact solution
(or, without one, against the problem's first ``reference`` file, at the file's points).

Layouts by the number of network inputs: one input gives curves (prediction and exact);
two or more give heat maps over the first two inputs (``x``-``y`` or ``x``-``t``) — with a third
input (3-D space, or 2-D space and time) as three slices at its lower end, middle and upper end;
further inputs (params) are fixed at the middle of their range. Points outside a non-box spatial
domain are masked. Matplotlib runs with the Agg backend, so no display is needed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import torch

if TYPE_CHECKING:
    from pinnlang.results.result import Result

GRID_1D = 400
GRID_2D = 160


def _figure(rows: int, cols: int, figsize: tuple[float, float]):
    """A figure drawn on its own Agg canvas: no pyplot, so a notebook's backend is left alone."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    axs = fig.subplots(rows, cols, squeeze=False)
    return fig, axs


def plot_loss(history: Sequence[Mapping[str, Any]], path: str) -> str | None:
    """Total and per-condition losses against the step, log scale. ``None`` if no history."""
    rows = [r for r in history if "step" in r]
    if not rows:
        return None
    skip = {"step", "lr", "epoch", "phase"}
    keys = [k for k in rows[-1] if k not in skip and not k.startswith(("unknown/", "weight/"))]
    fig, axs = _figure(1, 1, (6.4, 4.2))
    ax = axs[0][0]
    steps = [r["step"] for r in rows]
    for key in keys:
        values = np.array([float(r.get(key, np.nan)) for r in rows], dtype=float)
        positive = np.where(values > 0, values, np.nan)
        ax.plot(steps, positive, lw=2.0 if key == "loss" else 1.2, label=key)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared residual")
    ax.legend(fontsize="small")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _slices(result: "Result") -> tuple[list[np.ndarray], list[str], tuple[np.ndarray, ...]]:
    """Grids of input points (one per panel), panel titles, and the mesh axes."""
    names = list(result.input_names)
    lower = result.lower.astype(float)
    upper = result.upper.astype(float)
    middle = (lower + upper) / 2
    if len(names) == 1:
        grid = np.linspace(lower[0], upper[0], GRID_1D)[:, None]
        return [grid], [""], (grid[:, 0],)
    a = np.linspace(lower[0], upper[0], GRID_2D)
    b = np.linspace(lower[1], upper[1], GRID_2D)
    A, B = np.meshgrid(a, b, indexing="xy")
    third = [None] if len(names) == 2 else [lower[2], middle[2], upper[2]]
    grids, titles = [], []
    for value in third:
        points = np.tile(middle, (A.size, 1))
        points[:, 0], points[:, 1] = A.ravel(), B.ravel()
        title = ""
        if value is not None:
            points[:, 2] = value
            title = f"{names[2]} = {value:.3g}"
        fixed = [f"{names[i]} = {middle[i]:.3g}" for i in range(3, len(names))]
        if fixed:
            title = ", ".join(([title] if title else []) + fixed)
        grids.append(points)
        titles.append(title)
    return grids, titles, (A, B)


def _values(result: "Result", points: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    predicted = result.evaluate(points)
    exact = result.exact(points)
    mask = result.inside(points)
    predicted[~mask] = np.nan
    if exact is not None:
        exact[~mask] = np.nan
    return predicted, exact


def plot_fields(result: "Result", path: str, *, error: bool = False) -> str | None:
    """The solution (or with ``error=True`` the absolute error against the exact solution).

    Returns the path written, or ``None`` when ``error`` is asked but no field has an exact
    solution.
    """
    fields = list(result.field_names)
    grids, titles, axes = _slices(result)
    evaluated = [_values(result, g) for g in grids]
    if error:
        with_exact = [i for i in range(len(fields))
                      if evaluated[0][1] is not None and not np.isnan(evaluated[0][1][:, i]).all()]
        if not with_exact:
            return None
    else:
        with_exact = list(range(len(fields)))
    names = list(result.input_names)
    if len(names) == 1:
        fig, axs = _figure(1, len(with_exact), (5.2 * len(with_exact), 3.8))
        x = axes[0]
        predicted, exact = evaluated[0]
        for ax, i in zip(axs[0], with_exact):
            if error:
                ax.semilogy(x, np.abs(predicted[:, i] - exact[:, i]) + 1e-300, label=f"|{fields[i]} - exact|")
            else:
                ax.plot(x, predicted[:, i], lw=2, label=f"{fields[i]} (network)")
                if exact is not None and not np.isnan(exact[:, i]).all():
                    ax.plot(x, exact[:, i], "k--", lw=1, label=f"{fields[i]} (exact)")
            ax.set_xlabel(names[0])
            ax.legend(fontsize="small")
            ax.grid(True, alpha=0.3)
    else:
        A, B = axes
        rows, cols = len(with_exact), len(grids)
        fig, axs = _figure(rows, cols, (4.6 * cols, 3.8 * rows))
        for r, i in enumerate(with_exact):
            for c, (predicted, exact) in enumerate(evaluated):
                values = np.abs(predicted[:, i] - exact[:, i]) if error else predicted[:, i]
                ax = axs[r][c]
                mesh = ax.pcolormesh(A, B, values.reshape(A.shape), shading="auto",
                                     cmap="magma" if error else "viridis")
                fig.colorbar(mesh, ax=ax)
                label = f"|{fields[i]} - exact|" if error else fields[i]
                ax.set_title(f"{label}" + (f"  ({titles[c]})" if titles[c] else ""), fontsize="small")
                ax.set_xlabel(names[0])
                ax.set_ylabel(names[1])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def plot_reference_error(result: "Result", path: str) -> str | None:
    """``|network - reference|`` at the points of the problem's first reference file: a curve
    for one input, else a scatter over the first two inputs (with more inputs, the points whose
    third input is the largest in the file, e.g. the final time). ``None`` without references."""
    from pinnlang.results.scoring import predicted_at, reference_data

    found = reference_data(result)
    if not found:
        return None
    _name, data = found[0]
    points = data.points
    keep = np.ones(len(points), dtype=bool)
    if points.shape[1] > 2:
        keep = np.isclose(points[:, 2], points[:, 2].max())
    points = points[keep]
    predicted = predicted_at(result, points)
    names, fields = list(result.input_names), list(data.values)
    fig, axs = _figure(1, len(fields), (5.2 * len(fields), 3.9))
    for ax, field in zip(axs[0], fields):
        error = np.abs(predicted[:, result.field_names.index(field)] - data.values[field][keep])
        label = f"|{field} - reference|"
        if points.shape[1] == 1:
            order = np.argsort(points[:, 0])
            ax.semilogy(points[order, 0], error[order] + 1e-300, label=label)
            ax.legend(fontsize="small")
        else:
            dots = ax.scatter(points[:, 0], points[:, 1], c=error, s=4, cmap="magma")
            fig.colorbar(dots, ax=ax)
            ax.set_ylabel(names[1])
            third = f"  ({names[2]} = {points[0, 2]:.3g})" if points.shape[1] > 2 else ""
            ax.set_title(label + third, fontsize="small")
        ax.set_xlabel(names[0])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _error_plot(result: "Result", path: str) -> str | None:
    """The error against the exact solution, else against the first reference file."""
    written = plot_fields(result, path, error=True)
    return written if written is not None else plot_reference_error(result, path)


def plot_all(result: "Result", folder: str) -> dict[str, str]:
    """Write ``loss.png``, ``solution.png`` and (with an exact solution or a reference file)
    ``error.png``."""
    os.makedirs(folder, exist_ok=True)
    written = {}
    for name, make in (("loss", lambda p: plot_loss(result.history, p)),
                       ("solution", lambda p: plot_fields(result, p)),
                       ("error", lambda p: _error_plot(result, p))):
        path = make(os.path.join(folder, f"{name}.png"))
        if path:
            written[name] = path
    return written


def as_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A float64 NumPy copy of ``tensor``."""
    return tensor.detach().double().cpu().numpy()
