"""Where a problem may read a file from: the one data-path policy.

A file named by a problem (a ``data`` statement, a reference solution) is resolved against the
folder of the ``.pinn`` file (``base_dir``; the working directory when there is none), symbolic
links first, so a link cannot lead outside. It may be read when it lies inside that folder's tree,
or when it is, or lies inside, one of the ``allowed_paths`` the user named (a file or a folder;
``--allow-data PATH`` of ``pinnlang check`` and ``pinnlang solve``, ``allow_data=`` of
:func:`pinnlang.solve`, ``allowed_paths=`` of :func:`pinnlang.load` and
:func:`pinnlang.checks.rules.check`; relative ones against the working directory). The checker, the
compiler and the solver all call :func:`resolve_data_path`, so they agree.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from pinnlang.errors import PinnSemanticError
from pinnlang.source import Span

ALLOW_HINT = ("a .pinn file may only read files in its own folder tree; pass the path explicitly "
              "(e.g. 'pinnlang check --allow-data PATH', 'pinnlang solve --allow-data PATH') to allow it")


def resolve_data_path(path: str | os.PathLike, base_dir: str | os.PathLike | None,
                      allowed_paths: Iterable[str | os.PathLike] = (), *, span: Span | None = None,
                      what: str = "data file") -> Path:
    """The real path of the file a problem names, if the policy lets it be read.

    Args:
        path: the path as written in the problem.
        base_dir: the folder of the ``.pinn`` file (None: the working directory).
        allowed_paths: files or folders the user allowed explicitly.
        span: where the path is written, for the error.
        what: what the file is, for the error (``data file``, ``reference file``).

    Raises:
        PinnSemanticError: the file lies outside the permitted trees, or does not exist.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    target = (base / path).resolve()
    roots = [base.resolve()] + [Path(p).resolve() for p in allowed_paths]
    if not any(target == root or target.is_relative_to(root) for root in roots):
        raise PinnSemanticError(f"{what} '{os.fspath(path)}' is outside the folder of the problem file",
                                span, hint=ALLOW_HINT)
    if not target.is_file():
        raise PinnSemanticError(f"{what} '{os.fspath(path)}' not found", span,
                                hint=f"looked for {target}; the path is relative to the folder of the .pinn file")
    return target
