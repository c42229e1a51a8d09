"""The symbol table of the lowering: what each declared name means, and where it was declared."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from pinnlang.errors import PinnSemanticError
from pinnlang.source import Span
from pinnlang.problem.names import CONSTANTS, FUNCTIONS, GEOMETRY, OPERATORS, reserved_message

#: How each kind of declaration is called in messages.
KIND_WORDS: dict[str, str] = {
    "const": "a constant", "unknown": "an unknown", "param": "a parameter",
    "space": "a space coordinate", "time": "the time coordinate", "field": "a field",
    "let": "a 'let' expression", "region": "a region",
}


@dataclass(frozen=True)
class Entry:
    """One declared name: its kind (a key of :data:`KIND_WORDS`), SymPy/Region value and span."""

    kind: str
    value: Any
    span: Span | None

    @property
    def is_coordinate(self) -> bool:
        return self.kind in ("space", "time")


class Scope:
    """Names declared so far, in order; a name must be declared before it is used."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.first_use: dict[str, Span | None] = {}

    def declare(self, name: str, kind: str, value: Any, span: Span | None) -> None:
        """Add a name, or raise PinnSemanticError if it is reserved or already declared."""
        reserved = reserved_message(name)
        if reserved is not None:
            raise PinnSemanticError(reserved, span, hint="choose another name")
        previous = self.entries.get(name)
        if previous is not None:
            where = f" on line {previous.span.line}" if previous.span is not None else ""
            raise PinnSemanticError(
                f"'{name}' is already declared as {KIND_WORDS[previous.kind]}{where}", span,
                hint="every name may be declared only once")
        self.entries[name] = Entry(kind, value, span)

    def lookup(self, name: str, span: Span | None = None) -> Entry | None:
        """The entry of ``name`` (recording its first use), or None."""
        entry = self.entries.get(name)
        if entry is not None and name not in self.first_use:
            self.first_use[name] = span
        return entry

    def of_kind(self, *kinds: str) -> list[tuple[str, Entry]]:
        return [(n, e) for n, e in self.entries.items() if e.kind in kinds]

    def suggestion(self, name: str, *, functions: bool = False) -> str | None:
        """The closest known name, for a "did you mean" hint."""
        pool = list(FUNCTIONS) + list(OPERATORS) + list(GEOMETRY) if functions else (
            list(self.entries) + list(CONSTANTS))
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        return close[0] if close else None

    def unknown_name_error(self, name: str, span: Span | None, *, function: bool = False
                           ) -> PinnSemanticError:
        what = "function" if function else "name"
        suggestion = self.suggestion(name, functions=function)
        message = f"unknown {what} '{name}'" + (f" (did you mean '{suggestion}'?)" if suggestion else "")
        hint = None if suggestion else (
            "names must be declared (const, unknown, param, let, space, time, field) before use")
        return PinnSemanticError(message, span, hint)
