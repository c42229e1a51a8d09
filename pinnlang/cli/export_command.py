"""``pinnlang export RUN_DIR --format vtk|onnx|torchscript|pt2``: a run for ParaView or deployment.

``vtk`` writes the fields (and, with an exact or reference solution, ``FIELD_exact`` or
``FIELD_reference`` and ``FIELD_error``) on a mesh of the domain: one ``.vtu``, or for a problem
with time a ``.pvd`` collection of one ``.vtu`` per time slice. ``onnx``, ``torchscript`` and ``pt2`` write the trained
network with its input normalisation. See :mod:`pinnlang.results.export`.
"""

from __future__ import annotations

import argparse

from pinnlang.cli.predict_command import parse_assignments
from pinnlang.results.export import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a run folder written by `pinnlang solve`")
    parser.add_argument("--format", choices=FORMATS, default="vtk",
                        help="vtk: fields on a mesh for ParaView; onnx/torchscript/pt2: the network")
    parser.add_argument("--out", help="the file to write (default RUN_DIR/export/<problem>.<suffix>)")
    parser.add_argument("--resolution", type=int, default=None,
                        help="vtk: grid points along the longest side of the domain")
    parser.add_argument("--times", type=int, default=None, help="vtk: time slices of a problem with time")
    parser.add_argument("--at", nargs="*", default=[], metavar="PARAM=VALUE",
                        help="vtk: values of the problem's params (default: the middle of each range)")


def run(args: argparse.Namespace) -> int:
    from pinnlang.results import Result

    result = Result.load(args.run_dir)
    files = result.export(args.out, format=args.format, resolution=args.resolution, times=args.times,
                          at=parse_assignments(args.at) or None)
    described = files[0] if len(files) == 1 else f"{files[0]} (and {len(files) - 1} time slices)"
    print(f"wrote {described}")
    return 0
