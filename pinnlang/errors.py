"""Every user-facing failure of pinnlang, and the one place diagnostics are formatted.

A diagnostic renders as::

    burgers.pinn:7:18: error: unknown name 'nuu' (did you mean 'nu'?)
        pde: d(u, t) + u*d(u, x) = nuu*d(u, x, x)
                                   ^
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Sequence

from pinnlang.source import Span

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Diagnostic:
    """One message about a problem, with where it applies."""

    message: str
    span: Span | None = None
    severity: Severity = "error"
    hint: str | None = None

    def render(self) -> str:
        return render_diagnostic(self)


def render_diagnostic(diag: Diagnostic) -> str:
    """``path:line:col: severity: message``, then the source line and a caret."""
    span = diag.span
    if span is None:
        head = f"{diag.severity}: {diag.message}"
        return head + (f"\n  hint: {diag.hint}" if diag.hint else "")
    head = f"{span.path}:{span.line}:{span.col}: {diag.severity}: {diag.message}"
    lines = [head]
    if span.source is not None:
        text = span.source.line_text(span.line)
        if text or span.col == 1:
            width = 1
            if span.end_line == span.line and span.end_col and span.end_col > span.col:
                width = span.end_col - span.col
            prefix = "".join(ch if ch == "\t" else " " for ch in text[: span.col - 1])
            lines.append("    " + text)
            lines.append("    " + prefix + "^" + "~" * max(0, min(width, 80) - 1))
    if diag.hint:
        lines.append(f"  hint: {diag.hint}")
    return "\n".join(lines)


class PinnError(Exception):
    """Base of every error pinnlang raises on account of its input."""

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic(self.message, self.span, "error", self.hint)]

    def render(self) -> str:
        return "\n".join(render_diagnostic(d) for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()


class PinnSyntaxError(PinnError):
    """The text does not follow the grammar of the language."""


class PinnSemanticError(PinnError):
    """The text parses but does not describe a valid problem."""


class PinnProblemErrors(PinnSemanticError):
    """Several semantic errors found at once; all of them are reported."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        errors = [d for d in diagnostics if d.severity == "error"]
        first = errors[0] if errors else diagnostics[0]
        super().__init__(first.message, first.span, first.hint)
        self._diagnostics = list(diagnostics)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return list(self._diagnostics)


class PinnRuntimeError(PinnError):
    """Something went wrong while compiling, training or predicting (e.g. a loss went NaN)."""


class PinnUsageError(PinnError):
    """A command-line or API argument is wrong (exit status 2 on the command line)."""


def raise_if_errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Raise :class:`PinnProblemErrors` if any diagnostic is an error; return the warnings."""
    diagnostics = list(diagnostics)
    if any(d.severity == "error" for d in diagnostics):
        raise PinnProblemErrors(diagnostics)
    return diagnostics
