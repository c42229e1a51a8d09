"""The pyparsing grammar of one ``.pinn`` statement.

The file is first cut into logical lines (one statement each; a line continues while a ``(`` or
``[`` is open, see :mod:`pinnlang.syntax.lines`); each logical line is matched against
:data:`STATEMENT` with ``parse_all=True``. Parse actions build :mod:`pinnlang.syntax.ast` nodes
whose spans point into the :class:`~pinnlang.source.Source` set with :func:`parsing_source`.

Every rule is ``set_name``'d with the rule name used in ``grammars/pinn.ebnf``; :data:`RULES` maps
those names to the pyparsing elements (a test keeps the two in step).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Callable, Iterator

import pyparsing as pp

from pinnlang.source import Source, Span
from pinnlang.syntax import ast
from pinnlang.syntax.names import KEYWORDS

_SOURCE: ContextVar[tuple[Source, int]] = ContextVar("pinnlang_parsing_source")

#: Every named grammar rule, by the name it has in ``grammars/pinn.ebnf``.
RULES: dict[str, pp.ParserElement] = {}


@contextlib.contextmanager
def parsing_source(source: Source, offset: int = 0) -> Iterator[None]:
    """Make the parse actions build spans into ``source``.

    Args:
        source: the whole file.
        offset: where in ``source.text`` the string being parsed starts.
    """
    token = _SOURCE.set((source, offset))
    try:
        yield
    finally:
        _SOURCE.reset(token)


def _span(start: int, end: int) -> Span:
    source, offset = _SOURCE.get()
    return source.span(offset + start, offset + max(end, start + 1))


def _joined(first: Span, last: Span) -> Span:
    return Span(first.line, first.col, last.end_line, last.end_col, source=first.source)


def _rule(name: str, expr: pp.ParserElement) -> pp.ParserElement:
    expr.set_name(name)
    RULES[name] = expr
    return expr


def _node(name: str, expr: pp.ParserElement, build: Callable[[Span, pp.ParseResults], object]):
    """A named rule whose match becomes the AST node ``build(span, tokens)``."""
    located = pp.Located(expr)

    def action(text: str, _loc: int, toks: pp.ParseResults) -> object:
        if "locn_start" not in toks:  # a results name nests the located group one level
            toks = toks[0]
        start, end = toks["locn_start"], toks["locn_end"]
        while start < end and text[start].isspace():  # some rules start before the blanks
            start += 1
        return build(_span(start, end), toks["value"])

    located.add_parse_action(action)
    return _rule(name, located)


def _sym(text: str) -> pp.ParserElement:
    return pp.Suppress(pp.Literal(text).set_name(f"'{text}'"))


def _kw(word: str) -> pp.ParserElement:
    return pp.Keyword(word).set_name(f"'{word}'")


# ------------------------------------------------------------------ lexical
IDENT_PATTERN = r"[A-Za-z][A-Za-z0-9_]*"
_word = pp.Regex(IDENT_PATTERN).set_name("a name")
_keyword = pp.MatchFirst([pp.Keyword(k) for k in sorted(KEYWORDS, key=len, reverse=True)])

identifier = _rule("identifier", (~_keyword + _word).set_name("identifier"))
number = _node("number", pp.Regex(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),
               lambda span, t: ast.Number(t[0], span))
string = _node("string",
               pp.QuotedString('"', esc_char="\\", convert_whitespace_escapes=False),
               lambda span, t: ast.String(t[0], span))
name_ref = _node("name", identifier.copy(), lambda span, t: ast.Ident(t[0], span))
declared_name = _node("declared_name", _word.copy(), lambda span, t: ast.Ident(t[0], span))

# ------------------------------------------------------------------ expressions
expression = pp.Forward()
unary = pp.Forward()
_expr_list = pp.Group(pp.DelimitedList(expression, allow_trailing_delim=False))

call = _node(
    "call",
    identifier + _sym("(") + pp.Group(pp.Opt(pp.DelimitedList(expression))) + _sym(")"),
    lambda span, t: ast.Call(t[0], tuple(t[1]), span),
)


def _build_parenthesized(span: Span, t: pp.ParseResults) -> object:
    items = tuple(t[0])
    trailing_comma = len(t) > 1
    if len(items) == 1 and not trailing_comma:
        return items[0]
    return ast.TupleExpr(items, span)


parenthesized = _node(
    "parenthesized",
    _sym("(") + _expr_list + pp.Opt(pp.Literal(",")) + _sym(")"),
    _build_parenthesized,
)
interval = _node("interval", _sym("[") + _expr_list + _sym("]"),
                 lambda span, t: ast.ListExpr(tuple(t[0]), span))
variable = _node("variable", identifier.copy(), lambda span, t: ast.Name(t[0], span))
atom = _rule("atom", number | call | variable | parenthesized | interval)

_pow_op = pp.Regex(r"\*\*|\^").set_name("'^'")
_mul_op = pp.Regex(r"\*(?!\*)|/").set_name("'*' or '/'")
_add_op = pp.one_of("+ -").set_name("'+' or '-'")
_sign = pp.one_of("+ -").set_name("an expression")  # the first thing an operand may start with


def _build_power(span: Span, t: pp.ParseResults) -> object:
    if len(t) == 1:
        return t[0]
    return ast.BinOp("^", t[0], t[2], span)


def _fold_left(span: Span, t: pp.ParseResults) -> object:
    node = t[0]
    for i in range(1, len(t), 2):
        right = t[i + 1]
        node = ast.BinOp(t[i], node, right, _joined(node.span, right.span))
    return node


power = _node("power", atom + pp.Opt(_pow_op - unary), _build_power)
unary <<= _node(
    "unary",
    (_sign - unary) | power,
    lambda span, t: t[0] if len(t) == 1 else ast.UnaryOp(t[0], t[1], span),
)
term = _node("term", unary + pp.ZeroOrMore(_mul_op - unary), _fold_left)
arith = _node("sum", term + pp.ZeroOrMore(_add_op - term), _fold_left)
expression <<= _node("expression", arith + pp.ZeroOrMore(pp.Literal("&") - arith), _fold_left)

# ------------------------------------------------------------------ predicates
predicate = pp.Forward()
_cmp_op = pp.one_of("<= >= == < > =").set_name("a comparison ('<', '<=', '>', '>=', '=')")
comparison = _node(
    "comparison",
    expression + pp.OneOrMore(_cmp_op - expression),
    lambda span, t: ast.Compare(tuple(t[0::2]), tuple("=" if op == "==" else op for op in t[1::2]),
                                span),
)
predicate_atom = _rule("predicate_atom", comparison | (_sym("(") + predicate + _sym(")")))
negation = pp.Forward()
negation <<= _node(
    "negation",
    (_kw("not") + negation) | predicate_atom,
    lambda span, t: t[0] if len(t) == 1 else ast.NotOp(t[1], span),
)


def _bool_chain(op: str) -> Callable[[Span, pp.ParseResults], object]:
    def build(span: Span, t: pp.ParseResults) -> object:
        items = tuple(t)
        return items[0] if len(items) == 1 else ast.BoolOp(op, items, span)

    return build


conjunction = _node("conjunction",
                    negation + pp.ZeroOrMore(pp.Suppress(_kw("and")) + negation),
                    _bool_chain("and"))
predicate <<= _node("predicate",
                    conjunction + pp.ZeroOrMore(pp.Suppress(_kw("or")) + conjunction),
                    _bool_chain("or"))

# ------------------------------------------------------------------ pieces of statements
equation = _node("equation", expression + _sym("=") - expression,
                 lambda span, t: ast.Equation(t[0], t[1], span))
option_key = _node("option_key", _word.copy(), lambda span, t: ast.Ident(t[0], span))
option = _node("option", option_key - _sym("=") - (string | expression),
               lambda span, t: ast.Option(t[0], t[1], span))
options = _rule("options", pp.Group(_sym("[") + pp.DelimitedList(option) + _sym("]")))
condition_name = _rule("condition_name", name_ref.copy())
selector = _node(
    "selector",
    name_ref + pp.Opt(pp.Suppress(pp.one_of("== =")) - expression),
    lambda span, t: ast.SelectRegion(t[0], span) if len(t) == 1
    else ast.SelectPlane(t[0], t[1], span),
)
coordinate_list = _rule(
    "coordinate_list",
    pp.Group(declared_name | (_sym("(") + pp.DelimitedList(declared_name) + _sym(")"))),
)


def _opt_group(expr: pp.ParserElement, name: str) -> pp.ParserElement:
    return pp.Opt(expr, default=None)(name)


# ------------------------------------------------------------------ statements
def _statement(name: str, keyword: str, body: pp.ParserElement,
               build: Callable[[Span, pp.ParseResults], object]) -> pp.ParserElement:
    """A statement: its keyword, then (after ``-``, so errors point inside) its body."""
    return _node(name, pp.Suppress(_kw(keyword)) - body, build)


def _optional(t: pp.ParseResults, name: str) -> object:
    """The node matched by an optional part named ``name``, or None if it was absent."""
    value = t.get(name)
    while isinstance(value, pp.ParseResults):
        value = value[0] if len(value) else None
    return value


def _options_of(t: pp.ParseResults) -> tuple[ast.Option, ...]:
    value = t.get("options")
    if isinstance(value, pp.ParseResults) and len(value) == 1 and isinstance(value[0], pp.ParseResults):
        value = value[0]
    return tuple(value) if value else ()


def _named(t: pp.ParseResults) -> ast.Ident | None:
    return _optional(t, "cname")  # type: ignore[return-value]


problem_statement = _statement(
    "problem_statement", "problem", declared_name("name") + _opt_group(string, "title"),
    lambda span, t: ast.ProblemStmt(_optional(t, "name"), _optional(t, "title"), span))
const_statement = _statement(
    "const_statement", "const", declared_name + _sym("=") + expression,
    lambda span, t: ast.ConstStmt(t[0], t[1], span))
unknown_statement = _statement(
    "unknown_statement", "unknown", declared_name + _sym("=") + expression,
    lambda span, t: ast.UnknownStmt(t[0], t[1], span))
param_statement = _statement(
    "param_statement", "param", declared_name + pp.Suppress(_kw("in")) + expression,
    lambda span, t: ast.ParamStmt(t[0], t[1], span))
let_statement = _statement(
    "let_statement", "let", declared_name + _sym("=") + expression,
    lambda span, t: ast.LetStmt(t[0], t[1], span))
space_statement = _statement(
    "space_statement", "space", coordinate_list + pp.Suppress(_kw("in")) + expression,
    lambda span, t: ast.SpaceStmt(tuple(t[0]), t[1], span))
time_statement = _statement(
    "time_statement", "time", declared_name + pp.Suppress(_kw("in")) + expression,
    lambda span, t: ast.TimeStmt(t[0], t[1], span))
field_statement = _statement(
    "field_statement", "field", pp.Group(pp.DelimitedList(declared_name)),
    lambda span, t: ast.FieldStmt(tuple(t[0]), span))


def _equation_condition(kind: str, with_selectors: bool) -> pp.ParserElement:
    body = _opt_group(condition_name, "cname")
    if with_selectors:
        body = body + _opt_group(pp.Suppress(_kw("on")) - selector, "on") + _opt_group(
            pp.Suppress(_kw("where")) - predicate, "where")
    body = body + _sym(":") + equation("equation") + _opt_group(options, "options")
    return _statement(
        f"{kind}_statement", kind, body,
        lambda span, t: ast.ConditionStmt(
            kind, _named(t), _optional(t, "on"), _optional(t, "where"), _optional(t, "equation"),
            _options_of(t), span))


pde_statement = _equation_condition("pde", with_selectors=False)
initial_statement = _equation_condition("initial", with_selectors=False)
boundary_statement = _equation_condition("boundary", with_selectors=True)
periodic_statement = _statement(
    "periodic_statement", "periodic",
    _opt_group(condition_name, "cname") + _sym(":") + name_ref("coordinate")
    + _opt_group(options, "options"),
    lambda span, t: ast.PeriodicStmt(_named(t), _optional(t, "coordinate"), _options_of(t), span))
data_statement = _statement(
    "data_statement", "data",
    _opt_group(condition_name, "cname") + string("path") + _sym(":")
    + pp.Group(pp.DelimitedList(name_ref))("fields") + _opt_group(options, "options"),
    lambda span, t: ast.DataStmt(_named(t), _optional(t, "path"), tuple(t["fields"]), _options_of(t),
                                  span))
exact_statement = _statement(
    "exact_statement", "exact", _sym(":") + equation,
    lambda span, t: ast.ExactStmt(t[0], span))
reference_statement = _statement(
    "reference_statement", "reference",
    _opt_group(condition_name, "cname") + string("path") + _sym(":")
    + pp.Group(pp.DelimitedList(name_ref))("fields"),
    lambda span, t: ast.ReferenceStmt(_named(t), _optional(t, "path"), tuple(t["fields"]), span))
integral = _node(
    "integral",
    pp.Suppress(_kw("integral")) - _sym("(") + expression("integrand") + _opt_group(
        _sym(",") - ((pp.Suppress(_kw("on")) - selector("on") + _opt_group(
            pp.Suppress(_kw("where")) - predicate, "where"))
            | (pp.Suppress(_kw("where")) - predicate("where"))), "part") + _sym(")"),
    lambda span, t: ast.Integral(_optional(t, "integrand"), _optional(t, "on"),
                                 _optional(t, "where"), span))
point_value = _node(
    "point_value",
    pp.Suppress(_kw("value")) - _sym("(") + expression + _sym(",") + pp.Suppress(_kw("at"))
    + parenthesized + _sym(")"),
    lambda span, t: ast.PointValue("+", t[0], t[1], span))


def _signed_terms(span: Span, t: pp.ParseResults) -> ast.PointValues:
    items, terms, sign = list(t), [], "+"
    for item in items:
        if isinstance(item, str):
            sign = item
        else:
            terms.append(ast.PointValue(sign, item.expr, item.point, item.span))
            sign = "+"
    return ast.PointValues(tuple(terms), span)


point_values = _node(
    "point_values", pp.Opt(_add_op) + point_value + pp.ZeroOrMore(_add_op - point_value),
    _signed_terms)
quantity_statement = _statement(
    "quantity_statement", "quantity",
    declared_name("name") + _sym("=") + (integral | point_values)("integral")
    + _opt_group(options, "options"),
    lambda span, t: ast.QuantityStmt(_optional(t, "name"), _optional(t, "integral"),
                                     _options_of(t), span))
train_statement = _statement(
    "train_statement", "train", _sym(":") + pp.Group(pp.DelimitedList(option)),
    lambda span, t: ast.TrainStmt(tuple(t[0]), span))

STATEMENT = _rule("statement", pp.MatchFirst([
    problem_statement, const_statement, unknown_statement, param_statement, let_statement,
    space_statement, time_statement, field_statement, pde_statement, initial_statement,
    boundary_statement, periodic_statement, data_statement, exact_statement, train_statement,
    reference_statement, quantity_statement,
]))
STATEMENT.parse_with_tabs()  # columns count characters, as the Source does
