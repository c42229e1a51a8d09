"""Notebook support: the ``%%pinn`` cell magic.

Load it with ``%load_ext pinnlang`` (or ``%load_ext pinnlang.notebook``), then::

    %%pinn
    problem heat
    space x in [0, 1]
    ...

parses and checks the cell, stores the :class:`~pinnlang.problem.Problem` in the notebook under the
problem's name (or under ``NAME`` with ``%%pinn NAME``) and shows it as LaTeX. Errors show as
diagnostics with a caret, never a traceback.
"""

from __future__ import annotations

from typing import Any


def pinn_cell(line: str, cell: str, namespace: dict[str, Any]) -> Any:
    """Parse ``cell`` as a problem and bind it in ``namespace``; return it (or print diagnostics)."""
    from pinnlang.check import check
    from pinnlang.errors import PinnError, render_diagnostic
    from pinnlang.syntax import parse

    target = line.strip() or None
    if target is not None and not target.isidentifier():
        print(f"error: '%%pinn {target}': expected a Python variable name")
        return None
    try:
        problem = parse(cell, path="<cell>")
    except PinnError as err:
        print(err.render())
        return None
    for diag in check(problem):
        print(render_diagnostic(diag))
    namespace[target or problem.name] = problem
    return problem


def load_ipython_extension(ipython) -> None:  # pragma: no cover - exercised by the notebooks
    """Register ``%%pinn`` with IPython."""

    def pinn(line: str, cell: str):
        return pinn_cell(line, cell, ipython.user_ns)

    ipython.register_magic_function(pinn, magic_kind="cell", magic_name="pinn")
