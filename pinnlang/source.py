"""Source text and spans: where every piece of a problem came from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A piece of problem text and the path it was read from (``<string>`` if none)."""

    text: str
    path: str = "<string>"

    def line_text(self, line: int) -> str:
        """Return line ``line`` (1-based) without its newline, or ``""`` past the end."""
        lines = self.text.splitlines()
        if 1 <= line <= len(lines):
            return lines[line - 1]
        return ""

    def position(self, offset: int) -> tuple[int, int]:
        """Convert a 0-based character offset into a 1-based (line, column)."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        start = self.text.rfind("\n", 0, offset) + 1
        return line, offset - start + 1

    def span(self, start: int, end: int | None = None) -> "Span":
        """A span covering character offsets ``[start, end)`` of this source."""
        line, col = self.position(start)
        end_line, end_col = self.position(end if end is not None else start + 1)
        return Span(line, col, end_line, end_col, source=self)


@dataclass(frozen=True)
class Span:
    """A 1-based line/column range in a :class:`Source`.

    Spans never take part in equality, so two problems built from different text (or from
    Python) compare equal when they mean the same thing.
    """

    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def path(self) -> str:
        return self.source.path if self.source is not None else "<string>"

    def __eq__(self, other: object) -> bool:  # spans are metadata: all spans are equal
        return isinstance(other, Span)

    def __hash__(self) -> int:
        return 0
