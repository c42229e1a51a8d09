"""VTK export of a run, written with meshio: the fields (and their errors) on a mesh of the domain.

One ``.vtu`` file (or legacy ``.vtk``) for a steady
problem; for a problem with time, one ``.vtu`` per time slice, ``NAME_0000.vtu`` ..., and a ParaView
collection ``NAME.pvd`` listing them with their times. Point data: every field by its name, and
for each field with a known solution ``FIELD_exact`` (from ``exact:``) or ``FIELD_reference`` (a
reference registered under the problem's name, :mod:`pinnlang.reference`) and ``FIELD_error``
(the network minus the solution).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Mapping
from xml.sax.saxutils import quoteattr

import numpy as np

from pinnlang.errors import PinnUsageError
from pinnlang.optional import require
from pinnlang.results.export_grid import ExportMesh, build_mesh

if TYPE_CHECKING:
    from pinnlang.results.result import Result

SINGLE_SUFFIXES = (".vtu", ".vtk")
SERIES_SUFFIX = ".pvd"


def point_data(result: "Result", inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Every field at ``inputs``, and ``FIELD_exact`` (``FIELD_reference`` for a registered
    reference) and ``FIELD_error`` where a solution is known."""
    values = result.evaluate(inputs)
    data = {name: values[:, i] for i, name in enumerate(result.field_names)}
    truth = result.solution(inputs)
    if truth is not None:
        kind = "exact" if result.compiled.exact_fn is not None else "reference"
        for i, name in enumerate(result.field_names):
            if not np.isnan(truth[:, i]).any():
                data[f"{name}_{kind}"] = truth[:, i]
                data[f"{name}_error"] = values[:, i] - truth[:, i]
    return data


def _mesh(meshio: Any, mesh: ExportMesh, data: Mapping[str, np.ndarray]) -> Any:
    points = np.zeros((len(mesh.points), 3))
    points[:, :mesh.points.shape[1]] = mesh.points  # VTK points are 3-D
    return meshio.Mesh(points, [(mesh.cell_type, mesh.cells)], point_data=dict(data))


def write_collection(path: str, files: list[str], times: tuple[float, ...]) -> None:
    """A ParaView ``.pvd`` collection of ``files`` (relative to ``path``'s folder) at ``times``."""
    folder = os.path.dirname(os.path.abspath(path))
    rows = [f'    <DataSet timestep="{t!r}" group="" part="0" file={quoteattr(os.path.relpath(f, folder))}/>'
            for f, t in zip(files, times)]
    text = "\n".join(['<?xml version="1.0"?>',
                      '<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">',
                      "  <Collection>", *rows, "  </Collection>", "</VTKFile>", ""])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def export_vtk(result: "Result", path: str, *, resolution: int | None = None, times: int | None = None,
               fixed: Mapping[str, float] | None = None) -> list[str]:
    """Write the run's fields on a mesh of its domain; return the files written (collection first).

    Raises:
        PinnUsageError: meshio missing, a suffix meshio cannot write here, or a bad mesh request.
    """
    meshio = require("meshio", "VTK export")
    mesh = build_mesh(result.problem, result.input_names, result.lower, result.upper,
                      resolution=resolution, times=times, fixed=fixed)
    stem, suffix = os.path.splitext(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if not mesh.times:
        if suffix not in SINGLE_SUFFIXES:
            raise PinnUsageError(f"VTK export of a steady problem writes {', '.join(SINGLE_SUFFIXES)}; "
                                 f"got '{path}'")
        data = point_data(result, mesh.inputs(result.input_names))
        meshio.write(path, _mesh(meshio, mesh, data))
        return [path]
    if suffix != SERIES_SUFFIX:
        raise PinnUsageError(f"this problem depends on time: its VTK export is a ParaView collection "
                             f"with one .vtu per time slice; give a '{SERIES_SUFFIX}' path, got '{path}'")
    files = []
    for k, t in enumerate(mesh.times):
        data = point_data(result, mesh.inputs(result.input_names, time=t))
        file = f"{stem}_{k:04d}.vtu"
        meshio.write(file, _mesh(meshio, mesh, data))
        files.append(file)
    write_collection(path, files, mesh.times)
    return [path, *files]
