"""Notebook support: the ``%%pinn`` cell magic (and ``%pinn FILE`` line magic).

Load it with ``%load_ext pinnlang`` (or ``%load_ext pinnlang.notebook``), then::

    %%pinn
    problem heat
    space x in [0, 1]
    ...

parses and checks the cell, stores the :class:`~pinnlang.problem.Problem` in the notebook under the
problem's name (or under ``NAME`` with ``%%pinn NAME``) and shows it as LaTeX. ``%pinn PATH [NAME]``
does the same for a ``.pinn`` file. Options: ``--quiet`` (bind, show nothing but warnings).

An invalid cell shows its diagnostics (``<cell>:3:7: error: ...``, the line and a caret), never a
Python traceback, and binds nothing; a problem that an earlier run of the same cell bound under
that name is unbound, so a later cell cannot silently go on with the stale one.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from typing import Any, Callable, MutableMapping, TextIO

#: What spans of a cell's text are called in diagnostics (``<cell>:LINE:COL: error: ...``).
CELL_PATH = "<cell>"

_PROBLEM_NAME = re.compile(r"^[ \t]*problem[ \t]+([A-Za-z][A-Za-z0-9_]*)", re.MULTILINE)

USAGE = "usage: %%pinn [NAME] [--quiet]   or   %pinn PATH [NAME] [--quiet]"


@dataclass(frozen=True)
class MagicArguments:
    """The parsed line of a ``%%pinn`` / ``%pinn`` magic.

    Attributes:
        path: the ``.pinn`` file to load (line magic only).
        target: the variable to bind the problem to (default: the problem's name).
        quiet: do not display the problem.
    """

    path: str | None
    target: str | None
    quiet: bool


class MagicUsageError(ValueError):
    """The magic's line is malformed (the message says how to write it)."""


def parse_magic_line(line: str, *, cell: bool) -> MagicArguments:
    """Split the magic's line into a path (line magic), a target name and options.

    Raises:
        MagicUsageError: an unknown option, a target that is not a Python name, a missing path or
            too many words.
    """
    try:
        words = shlex.split(line)
    except ValueError as err:
        raise MagicUsageError(f"cannot read the magic's line ({err}); {USAGE}") from None
    options = [w for w in words if w.startswith("-")]
    positional = [w for w in words if not w.startswith("-")]
    unknown = [o for o in options if o not in ("--quiet", "-q")]
    if unknown:
        raise MagicUsageError(f"unknown option '{unknown[0]}'; {USAGE}")
    path = None
    if not cell:
        if not positional:
            raise MagicUsageError(f"%pinn needs the path of a .pinn file; {USAGE}")
        path, positional = positional[0], positional[1:]
    if len(positional) > 1:
        raise MagicUsageError(f"expected at most one variable name, got {' '.join(positional)!r}; {USAGE}")
    target = positional[0] if positional else None
    if target is not None and not is_python_name(target):
        raise MagicUsageError(f"'{target}' is not a Python variable name; {USAGE}")
    return MagicArguments(path, target, bool(options))


def is_python_name(name: str) -> bool:
    """A name a problem can be bound to in the notebook (an identifier, not a keyword)."""
    import keyword

    return name.isidentifier() and not keyword.iskeyword(name)


def _declared_name(text: str) -> str | None:
    """The name after ``problem`` in ``text``, found without parsing (for unbinding on error)."""
    match = _PROBLEM_NAME.search(text)
    return match.group(1) if match else None


def _unbind_stale(namespace: MutableMapping[str, Any], name: str | None, err: TextIO) -> None:
    from pinnlang.problem import Problem

    if name is not None and isinstance(namespace.get(name), Problem):
        del namespace[name]
        print(f"note: '{name}' is no longer bound: this cell defines it and has errors", file=err)


def pinn_cell(line: str, cell: str | None, namespace: MutableMapping[str, Any], *,
              show: Callable[[Any], None] | None = None, err: TextIO | None = None) -> Any:
    """Run the ``%%pinn`` magic (``cell`` given) or the ``%pinn PATH`` magic (``cell`` is None).

    Args:
        line: the text after ``%%pinn`` / ``%pinn``: ``[PATH] [NAME] [--quiet]``.
        cell: the problem's text, or ``None`` for the line magic.
        namespace: where to bind the problem (the notebook's user namespace).
        show: displays the problem (default: IPython's ``display``, which renders its LaTeX).
        err: where diagnostics go (default: ``sys.stderr``).

    Returns:
        The :class:`~pinnlang.problem.Problem`, or ``None`` if the cell (or file) is not valid,
        in which case every diagnostic has been written to ``err``.
    """
    from pinnlang.checks.rules import check
    from pinnlang.errors import PinnError, render_diagnostic
    from pinnlang.syntax import load, parse

    err = err if err is not None else sys.stderr
    try:
        args = parse_magic_line(line, cell=cell is not None)
    except MagicUsageError as error:
        print(f"error: {error}", file=err)
        return None
    try:
        problem = parse(cell, path=CELL_PATH) if cell is not None else load(args.path)
    except PinnError as error:
        print(error.render(), file=err)
        if cell is not None:
            _unbind_stale(namespace, args.target or _declared_name(cell), err)
        return None
    target = args.target or problem.name
    if not is_python_name(target):
        print(f"error: the problem's name '{problem.name}' is not a Python variable name; "
              f"bind it under another with %%pinn NAME", file=err)
        return None
    for diagnostic in check(problem):
        print(render_diagnostic(diagnostic), file=err)
    namespace[target] = problem
    if not args.quiet:
        (show or _display)(problem)
    return problem


def _display(problem: Any) -> None:
    from IPython.display import display

    display(problem)


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%pinn`` (and ``%pinn PATH``) with IPython."""

    def pinn(line: str, cell: str | None = None) -> None:
        pinn_cell(line, cell, ipython.user_ns)  # the problem is bound and shown; no Out[] echo

    pinn.__doc__ = __doc__
    ipython.register_magic_function(pinn, magic_kind="line_cell", magic_name="pinn")
