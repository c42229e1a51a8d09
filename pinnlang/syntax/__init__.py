"""The ``.pinn`` front end: text → syntax tree → :class:`~pinnlang.problem.Problem`.

``parse(text)`` and ``load(path)`` run the whole front end: parse, lower, and the semantic
checks of :func:`pinnlang.checks.rules.check`. Every error found is raised at once as
:class:`~pinnlang.errors.PinnProblemErrors` (or :class:`~pinnlang.errors.PinnSyntaxError` if the
text does not follow the grammar); warnings are what ``check(problem)`` returns.
"""

from __future__ import annotations

import os
from typing import Iterable

from pinnlang.errors import Diagnostic, PinnProblemErrors, PinnSemanticError, PinnUsageError
from pinnlang.problem import Problem
from pinnlang.source import Source
from pinnlang.syntax.lower import lower, lower_with_diagnostics
from pinnlang.syntax.parse import PinnSyntaxErrors, parse_tree

__all__ = ["PinnSyntaxErrors", "load", "lower", "parse", "parse_source", "parse_tree", "read_source"]


def parse_source(source: Source, allowed_paths: Iterable[str] = ()) -> Problem:
    """Parse, lower and check ``source``; raise with every error found, else return the Problem."""
    from pinnlang.checks.rules import check, check_conditions, require_known_settings

    tree = parse_tree(source)
    try:
        problem, diagnostics = lower_with_diagnostics(tree, source)
        if diagnostics:  # a partly lowered problem: check only what lowered, report only errors
            found = [d for d in [*check_conditions(problem, allowed_paths, structure=False),
                                 *require_known_settings(problem)] if d.severity == "error"]
        else:
            found = check(problem, allowed_paths=allowed_paths)
    except RecursionError:
        raise PinnSemanticError("expression nested too deeply", tree.span) from None
    errors = _unique(diagnostics + found)
    if any(d.severity == "error" for d in errors):
        raise PinnProblemErrors(sorted(errors, key=_position))
    return problem


def parse(text: str, path: str = "<string>", allowed_paths: Iterable[str] = ()) -> Problem:
    """Parse problem text into a checked Problem (``path`` is used in messages and for data files)."""
    return parse_source(Source(text, path), allowed_paths)


def read_source(path: str | os.PathLike[str]) -> Source:
    """Read a ``.pinn`` file as a Source; a missing or unreadable file is a usage error."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise PinnUsageError(f"no such file: '{path}'") from None
    except IsADirectoryError:
        raise PinnUsageError(f"'{path}' is a folder, not a .pinn file") from None
    except UnicodeDecodeError:
        raise PinnUsageError(f"'{path}' is not a UTF-8 text file") from None
    except OSError as err:
        raise PinnUsageError(f"cannot read '{path}': {err.strerror}") from None
    return Source(text, path)


def load(path: str | os.PathLike[str], allowed_paths: Iterable[str] = ()) -> Problem:
    """Read, parse, lower and check a ``.pinn`` file.

    Args:
        path: the file.
        allowed_paths: data files outside the file's folder that may be read anyway (paths the
            user gave explicitly, e.g. on the command line).

    Raises:
        PinnUsageError: the file cannot be read.
        PinnSyntaxError: the text does not follow the grammar.
        PinnProblemErrors: the problem is not valid (all errors found are listed).
    """
    return parse_source(read_source(path), allowed_paths)


def _position(d: Diagnostic) -> tuple[int, int]:
    return (d.span.line, d.span.col) if d.span is not None else (1 << 30, 0)


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, tuple[int, int]]] = set()
    unique = []
    for d in diagnostics:
        key = (d.message, _position(d))
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique
