"""Export a run: ``Result.export(path, format=...)`` and ``pinnlang export RUN_DIR`` share this.

Formats (see :mod:`~pinnlang.results.export_vtk` and :mod:`~pinnlang.results.export_network`):
``vtk`` (fields and errors on a mesh of the domain, a ``.pvd`` time series for problems with
time; meshio), ``onnx`` (onnx, onnxscript, onnxruntime), ``torchscript`` and ``pt2``
(``torch.export``). The optional packages come with ``pip install 'pinnlang[export]'``.
"""

from __future__ import annotations

import difflib
import os
from typing import TYPE_CHECKING, Callable, Mapping

from pinnlang.errors import PinnUsageError

if TYPE_CHECKING:
    from pinnlang.results.result import Result

#: The default file suffix of each format (``vtk``: for a steady problem / one with time).
SUFFIXES: dict[str, str] = {"vtk": ".vtu", "onnx": ".onnx", "torchscript": ".torchscript.pt", "pt2": ".pt2"}
FORMATS: tuple[str, ...] = tuple(SUFFIXES)
EXPORT_FOLDER = "export"


def default_path(result: "Result", fmt: str) -> str:
    """``RUN_DIR/export/<problem><suffix>`` (the current folder for an unsaved result)."""
    suffix = SUFFIXES[fmt]
    if fmt == "vtk" and result.problem.time_axis is not None and result.problem.space_coords:
        suffix = ".pvd"
    return os.path.join(result.run_dir or ".", EXPORT_FOLDER, result.name + suffix)


def _writer(fmt: str) -> Callable[..., list[str]]:
    from pinnlang.results import export_network, export_vtk

    return {"vtk": export_vtk.export_vtk, "onnx": export_network.export_onnx,
            "torchscript": export_network.export_torchscript, "pt2": export_network.export_program}[fmt]


def export_result(result: "Result", path: str | os.PathLike | None = None, *, format: str = "vtk",
                  resolution: int | None = None, times: int | None = None,
                  at: Mapping[str, float] | None = None) -> list[str]:
    """Write ``result`` in ``format``; return the files written.

    Args:
        result: a trained or loaded :class:`~pinnlang.results.Result`.
        path: the file (default :func:`default_path`).
        format: one of :data:`FORMATS`.
        resolution: ``vtk``: points along the longest side of the domain.
        times: ``vtk``: number of time slices of a problem with time.
        at: ``vtk``: values of the problem's params (default: the middle of each range).

    Raises:
        PinnUsageError: an unknown format, options that the format does not take, or a missing
            optional package.
    """
    if format not in SUFFIXES:
        close = difflib.get_close_matches(format, FORMATS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise PinnUsageError(f"unknown export format '{format}'{hint}; the formats are {', '.join(FORMATS)}")
    if format != "vtk" and (resolution is not None or times is not None or at):
        raise PinnUsageError(f"resolution, times and params apply to the vtk format, not to {format}")
    path = os.fspath(path) if path is not None else default_path(result, format)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if format == "vtk":
        return _writer(format)(result, path, resolution=resolution, times=times, fixed=at)
    return _writer(format)(result, path)
