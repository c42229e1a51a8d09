"""Cut a ``.pinn`` text into logical lines, one statement each.

A statement ends at the end of its line unless a ``(`` or ``[`` is still open. Comments
(``#`` to the end of the line, outside strings) are blanked out, keeping every other character
at its offset so spans stay exact. Bracket and string mistakes are found here, where the opening
character is still known: ``unclosed '('`` points at the bracket, not at the end of the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinnlang.errors import Diagnostic
from pinnlang.source import Source
from pinnlang.problem.names import STATEMENT_KEYWORDS

#: Deepest bracket nesting accepted; deeper input gets "expression nested too deeply".
MAX_NESTING = 20

_CLOSING = {"(": ")", "[": "]"}


@dataclass(frozen=True)
class LogicalLine:
    """One statement's text (comments blanked) and its offset in the source."""

    start: int
    text: str


def _starts_statement(text: str, offset: int) -> bool:
    """Whether the physical line starting at ``offset`` begins with a statement keyword."""
    line = text[offset: text.find("\n", offset) if "\n" in text[offset:] else len(text)]
    stripped = line.lstrip()
    for keyword in STATEMENT_KEYWORDS:
        if stripped.startswith(keyword):
            rest = stripped[len(keyword):]
            if not rest or rest[0] in " \t:\"":
                return True
    return False


class _Splitter:
    def __init__(self, source: Source):
        self.source = source
        self.text = source.text
        self.chars = list(self.text)
        self.lines: list[LogicalLine] = []
        self.diagnostics: list[Diagnostic] = []
        self.start = 0
        self.open: list[int] = []  # offsets of the open brackets
        self.broken = False  # the current statement already has an error

    def error(self, message: str, offset: int, end: int | None = None, hint: str | None = None):
        if not self.broken:
            self.diagnostics.append(Diagnostic(message, self.source.span(offset, end), "error", hint))
        self.broken = True

    def unclosed(self) -> None:
        offset = self.open[-1]
        bracket = self.text[offset]
        self.error(f"unclosed '{bracket}'", offset,
                   hint=f"add the matching '{_CLOSING[bracket]}' (a statement ends at the end of "
                        "its line unless a bracket is still open)")

    def finish(self, end: int) -> None:
        if not self.broken:
            self.lines.append(LogicalLine(self.start, "".join(self.chars[self.start:end])))
        self.start = end
        self.open.clear()
        self.broken = False

    def skip_string(self, i: int) -> int:
        """Return the offset just past the string starting at ``i`` (or of the line's end)."""
        j = i + 1
        while j < len(self.text) and self.text[j] != "\n":
            if self.text[j] == "\\":
                j += 2
                continue
            if self.text[j] == '"':
                return j + 1
            j += 1
        self.error("unterminated string: the closing '\"' is missing", i, min(j, len(self.text)))
        return j

    def run(self) -> None:
        text, i = self.text, 0
        while i < len(text):
            ch = text[i]
            if ch == '"':
                i = self.skip_string(i)
                continue
            if ch == "#":
                while i < len(text) and text[i] != "\n":
                    self.chars[i] = " "
                    i += 1
                continue
            if ch in "([":
                self.open.append(i)
                if len(self.open) > MAX_NESTING:
                    self.error("expression nested too deeply", i,
                               hint=f"at most {MAX_NESTING} brackets may be open at once; "
                                    "use 'let' to name parts of a long expression")
            elif ch in ")]" and self.open:
                opener = text[self.open[-1]]
                if _CLOSING[opener] != ch:
                    line, col = self.source.position(self.open[-1])
                    self.error(f"'{ch}' does not match the '{opener}' opened at line {line}, "
                               f"column {col}", i, hint=f"close it with '{_CLOSING[opener]}'")
                self.open.pop()
            elif ch == "\n":
                if not self.open:
                    self.finish(i + 1)
                elif _starts_statement(text, i + 1):
                    self.unclosed()
                    self.finish(i + 1)
            i += 1
        if self.open:
            self.unclosed()
        self.finish(len(text))


def logical_lines(source: Source) -> tuple[list[LogicalLine], list[Diagnostic]]:
    """Cut ``source`` into statements; return them and any bracket/string errors found.

    Lines holding only blanks and comments are dropped. A statement with a bracket or string
    error is reported and left out, so the other statements can still be checked.
    """
    splitter = _Splitter(source)
    splitter.run()
    lines = [line for line in splitter.lines if line.text.strip()]
    return lines, splitter.diagnostics


def comment_lines(text: str) -> list[int]:
    """The 1-based numbers of the lines of ``text`` that hold a comment (``#`` outside a string):
    the lines whose characters :class:`_Splitter` blanked."""
    splitter = _Splitter(Source(text))
    splitter.run()
    blanked = "".join(splitter.chars).split("\n")  # blanking keeps every newline in place
    return [number for number, (was, now) in enumerate(zip(text.split("\n"), blanked), 1) if was != now]


def header_comment(text: str) -> str:
    """The comment lines at the top of ``text`` (blank lines among them kept, trailing blank
    lines dropped), each ending in a newline; ``""`` if the text does not start with one."""
    kept: list[str] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            break
        kept.append(raw.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    return "".join(line + "\n" for line in kept)
