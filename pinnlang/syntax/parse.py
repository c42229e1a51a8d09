"""Text → syntax tree, with every pyparsing failure turned into a readable PinnSyntaxError."""

from __future__ import annotations

import difflib
import re
from typing import Sequence

import pyparsing as pp

from pinnlang.errors import Diagnostic, PinnSyntaxError
from pinnlang.source import Source
from pinnlang.syntax import ast, grammar
from pinnlang.syntax.lines import LogicalLine, logical_lines
from pinnlang.problem.names import KEYWORDS, STATEMENT_KEYWORDS


class PinnSyntaxErrors(PinnSyntaxError):
    """Several statements of one file do not follow the grammar; each has its diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        first = diagnostics[0]
        super().__init__(first.message, first.span, first.hint)
        self._diagnostics = list(diagnostics)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return list(self._diagnostics)


# What a rule name in a pyparsing message means, in words.
_EXPECTED_WORDS: dict[str, str] = {
    **{name: "an expression" for name in (
        "expression", "an expression", "sum", "term", "unary", "power", "atom", "number",
        "variable", "call", "parenthesized", "interval")},
    **{name: "a name" for name in ("a name", "name", "identifier", "declared_name",
                                   "condition_name")},
    **{name: "a condition such as 'x < 0'" for name in (
        "predicate", "conjunction", "negation", "predicate_atom", "comparison")},
    "selector": "a region name or a plane such as 'x = 0'",
    "option": "an option 'key = value'",
    "equation": "an equation 'LHS = RHS'",
    "string": "a quoted string",
    "coordinate_list": "a coordinate name or a list '(x, y, ...)'",
    "options": "'['",
}

_TOKEN = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*|<=|>=|==|\S")


def _found(text: str, loc: int) -> str:
    match = _TOKEN.match(text, loc)
    if match is None:
        return "the end of the line"
    token = match.group()
    if token in KEYWORDS:
        return f"keyword '{token}'"
    return f"'{token}'"


def _before(text: str, loc: int) -> str:
    """The text just before ``loc``: the whole statement so far if short, else its last token."""
    head = " ".join(text[:loc].split())
    if len(head) <= 24:
        return head
    tokens = _TOKEN.findall(head)
    return tokens[-1] if tokens else ""


def _expected(msg: str) -> str:
    what = msg[len("Expected "):] if msg.startswith("Expected ") else msg
    return _EXPECTED_WORDS.get(what, what)


def _statement_message(text: str, loc: int) -> tuple[str, str | None]:
    match = _TOKEN.match(text, loc)
    word = match.group() if match else ""
    keywords = ", ".join(STATEMENT_KEYWORDS)
    close = difflib.get_close_matches(word, STATEMENT_KEYWORDS, n=1, cutoff=0.7)
    if close:
        return f"unknown statement '{word}' (did you mean '{close[0]}'?)", None
    hint = f"a statement starts with one of: {keywords}"
    rest = text[match.end():].lstrip() if match else ""
    if rest[:1] in (":", "="):
        hint = "an equation needs a statement keyword in front, e.g. 'pde: ...' or 'boundary: ...'"
    return f"expected a statement, found {_found(text, loc)}", hint


def _diagnostic(source: Source, line: LogicalLine, exc: pp.ParseBaseException) -> Diagnostic:
    text, loc = line.text, exc.loc
    while loc < len(text) and text[loc].isspace():
        loc += 1
    loc = min(loc, len(text.rstrip()))  # at the end: just after the last character written
    found = _found(text, loc)
    expected = _expected(exc.msg)
    hint = None
    if expected == "statement" and loc == len(text) - len(text.lstrip()):
        message, hint = _statement_message(text, loc)
    elif expected in ("end of text", "statement"):
        message = f"unexpected {found} after '{_before(text, loc)}'"
    else:
        before = _before(text, loc)
        message = f"expected {expected}" + (f" after '{before}'" if before else "") + f", found {found}"
    match = _TOKEN.match(text, loc)
    token = match.group() if match else ""
    prev = _TOKEN.findall(text[:loc])
    if hint is None and token in STATEMENT_KEYWORDS:
        hint = "write one statement per line"
    elif hint is None and prev and prev[-1][:1].isdigit() and (token[:1].isalpha() or token == "("):
        hint = f"write '{prev[-1]}*{token}' for a product"
    elif hint is None and token in KEYWORDS and expected == "a name":
        hint = f"'{token}' is a keyword of the language and cannot be used as a name"
    end = line.start + (match.end() if match else loc + 1)
    return Diagnostic(message, source.span(line.start + loc, end), "error", hint)


def parse_statement(source: Source, line: LogicalLine) -> ast.Statement:
    """Parse one logical line; raise PinnSyntaxError if it does not follow the grammar."""
    with grammar.parsing_source(source, line.start):
        try:
            return grammar.STATEMENT.parse_string(line.text, parse_all=True)[0]
        except pp.ParseBaseException as exc:
            diag = _diagnostic(source, line, exc)
            raise PinnSyntaxError(diag.message, diag.span, diag.hint) from None
        except RecursionError:
            offset = line.start + len(line.text) - len(line.text.lstrip())
            raise PinnSyntaxError(
                "expression nested too deeply", source.span(offset),
                hint="split it into smaller parts with 'let'") from None


def parse_tree(source: Source) -> ast.File:
    """Parse a whole file into its syntax tree.

    Raises:
        PinnSyntaxError: if any statement does not follow the grammar (a
            :class:`PinnSyntaxErrors` with one diagnostic per broken statement if several).
    """
    lines, diagnostics = logical_lines(source)
    statements: list[ast.Statement] = []
    for line in lines:
        try:
            statements.append(parse_statement(source, line))
        except PinnSyntaxError as err:
            diagnostics.extend(err.diagnostics)
    if diagnostics:
        diagnostics.sort(key=lambda d: (d.span.line, d.span.col) if d.span else (0, 0))
        if len(diagnostics) == 1:
            d = diagnostics[0]
            raise PinnSyntaxError(d.message, d.span, d.hint)
        raise PinnSyntaxErrors(diagnostics)
    return ast.File(tuple(statements), source.span(0, max(1, len(source.text))))
