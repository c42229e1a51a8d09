"""Print IR pieces in ``.pinn`` syntax: expressions, predicates, numbers, strings and regions.

Every string printed here parses back (with :func:`pinnlang.syntax.parse`) to an object equal to
the one printed: floats use their shortest round-trip ``repr``, SymPy ``Float``s always carry a
``.`` or an exponent (so they stay ``Float`` and never become ``Integer``), and derivatives keep
their variables in the IR's order.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from pinnlang.errors import PinnUsageError
from pinnlang.problem.names import RESERVED, is_identifier
from pinnlang.problem.operators import dn

# SymPy function class name -> the language's name (same arguments, same order).
FUNCTION_NAMES: dict[str, str] = {
    **{n: n for n in "sin cos tan asin acos atan sinh cosh tanh exp log sign atan2".split()},
    "Abs": "abs",
    "Min": "min",
    "Max": "max",
    "Heaviside": "heaviside",
}

RELATION_OPERATORS: dict[str, str] = {"==": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def format_float(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``1e-05``, ``0.3``, ``1e20``).

    SymPy Floats print through their double value, so a Float carrying more than 53 bits of
    precision loses the extra bits.
    """
    if not math.isfinite(value):
        raise PinnUsageError(f"{value} cannot be written in a .pinn file")
    text = repr(float(value)).replace("e+", "e")
    return "0.0" if text == "-0.0" else text


def format_number(value: Any) -> str:
    """A plain number (a bound, a radius, an option): integral floats print as integers."""
    if isinstance(value, bool):
        raise PinnUsageError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format_float(value)


def format_string(text: str) -> str:
    """A double-quoted string with ``\\"`` and ``\\\\`` escapes."""
    if "\n" in text or "\r" in text:
        raise PinnUsageError(f"string {text!r} contains a line break")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_value(value: Any) -> str:
    """An option or setting value: a number, a bare name, or a quoted string."""
    if isinstance(value, str):
        return value if is_identifier(value) and value not in RESERVED else format_string(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return format_float(float(value))


class PinnPrinter(StrPrinter):
    """A SymPy printer whose output is ``.pinn`` expression syntax."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if not is_identifier(expr.name):
            raise PinnUsageError(f"name {expr.name!r} cannot be written in a .pinn file")
        return expr.name

    def _print_Float(self, expr: sp.Float) -> str:
        return format_float(float(expr))

    def _print_Exp1(self, expr) -> str:
        return "e"

    def _print_Pi(self, expr) -> str:
        return "pi"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        prec = PRECEDENCE["Pow"]
        base, exp = expr.base, expr.exp
        if exp is sp.S.Half:
            return f"sqrt({self._print(base)})"
        if expr.is_commutative and -exp is sp.S.Half:
            return f"1/sqrt({self._print(base)})"
        if expr.is_commutative and exp is sp.S.NegativeOne:
            return "1/" + self.parenthesize(base, prec, strict=True)
        base_text = self.parenthesize(base, prec, strict=False)  # '^' is right-associative
        exp_text = self._print(exp)
        simple = (exp.is_Symbol or isinstance(exp, (sp.Function, sp.Derivative, sp.NumberSymbol))
                  or (exp.is_Integer or exp.is_Float) and exp.is_nonnegative)
        return f"{base_text}^{exp_text if simple else '(' + exp_text + ')'}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        """Products whose coefficient must not meet a sum first.

        SymPy keeps ``Mul(-1, a + b, c)`` as it is, but reading ``-(a + b)*c`` back applies the
        minus to the sum first and distributes it (``(-a - b)*c``); ``2*(a + b)*c`` and
        ``0.5*(a + b)*c`` likewise.
        So sums go after the other factors (``-c*(a + b)``); with nothing else the product is
        negated as a whole (``-((a + b)*(c + d))``) or the coefficient goes last
        (``(a + b)*(c + d)*(-2)``).
        """
        coeff, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        if not (coeff.is_Number and coeff != 1 and len(factors) > 1 and any(f.is_Add for f in factors)):
            return super()._print_Mul(expr)
        sums = [self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in factors if f.is_Add]
        others = [f for f in factors if not f.is_Add]
        if others:
            return super()._print_Mul(sp.Mul(coeff, *others)) + "".join("*" + s for s in sums)
        if coeff == -1:
            return "-(" + "*".join(sums) + ")"
        return "*".join(sums) + f"*({self._print(coeff)})"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        inner = self._print(expr.expr)
        counts = expr.variable_count
        if len(counts) == 1 and counts[0][1] > 1:
            var, n = counts[0]
            return f"d({inner}, {self._print(var)}, {n})"
        variables = [self._print(v) for v, n in counts for _ in range(int(n))]
        return f"d({inner}, {', '.join(variables)})"

    def _print_Function(self, expr) -> str:
        if isinstance(expr, AppliedUndef):  # a field: always applied to all inputs in the IR
            return self._print_Symbol(sp.Symbol(expr.func.__name__))
        if isinstance(expr, dn):
            return f"dn({self._print(expr.args[0])})"
        name = type(expr).__name__
        if name == "Heaviside":
            if len(expr.args) > 1 and expr.args[1] != sp.S.Half:
                raise PinnUsageError(f"{expr}: heaviside takes one argument (its value at 0 is 1/2)")
            return f"heaviside({self._print(expr.args[0])})"
        if name in ("Min", "Max"):  # binary and nested, in SymPy's argument order
            args = [self._print(a) for a in expr.args]
            text = args[-1]
            for a in reversed(args[:-1]):
                text = f"{name.lower()}({a}, {text})"
            return text
        if name not in FUNCTION_NAMES:
            raise PinnUsageError(f"function {name} has no .pinn spelling",
                                 hint=f"functions of the language: {', '.join(sorted(FUNCTION_NAMES.values()))}")
        return f"{FUNCTION_NAMES[name]}({', '.join(self._print(a) for a in expr.args)})"

    _print_Abs = _print_Function
    _print_Min = _print_Function
    _print_Max = _print_Function
    _print_Heaviside = _print_Function
    _print_exp = _print_Function
    _print_log = _print_Function
    _print_sign = _print_Function

    def _print_Relational(self, expr) -> str:
        op = RELATION_OPERATORS.get(expr.rel_op)
        if op is None:
            return f"not ({self._print(expr.lhs)} = {self._print(expr.rhs)})"
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr) -> str:
        return self._print_LogicOp(expr, "and")

    def _print_Or(self, expr) -> str:
        return self._print_LogicOp(expr, "or")

    def _print_LogicOp(self, expr, word: str) -> str:
        parts = []
        for arg in expr.args:
            text = self._print(arg)
            parts.append(f"({text})" if isinstance(arg, (sp.And, sp.Or, sp.Not)) else text)
        return f" {word} ".join(parts)

    def _print_Not(self, expr) -> str:
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr) -> str:
        raise PinnUsageError("a constant predicate (true) cannot be written in a .pinn file")

    _print_BooleanFalse = _print_BooleanTrue

    def emptyPrinter(self, expr) -> str:  # noqa: N802 - SymPy's hook name
        raise PinnUsageError(f"{type(expr).__name__} ({expr}) cannot be written in a .pinn file")

    def _print_Basic(self, expr) -> str:
        raise PinnUsageError(f"{type(expr).__name__} ({expr}) cannot be written in a .pinn file")

    _print_ImaginaryUnit = _print_Basic
    _print_Infinity = _print_Basic
    _print_NegativeInfinity = _print_Basic
    _print_ComplexInfinity = _print_Basic
    _print_NaN = _print_Basic


_PRINTER = PinnPrinter({"order": None})


def format_expr(expr: Any) -> str:
    """An expression or predicate in ``.pinn`` syntax (fields unapplied, ``^`` for powers)."""
    return _PRINTER.doprint(expr)


def format_region(region: Any, names: dict[str, Any] | None = None) -> str:
    """A region in ``.pinn`` geometry syntax; sub-regions equal to a named one print as its name.

    Args:
        region: a :class:`pinnlang.geometry.Region`.
        names: named regions (``let`` names) usable in the text, earliest first.
    """
    from pinnlang.geometry import Ball, Box, Difference, Intersection, Interval, Polygon, Union

    for name, named in (names or {}).items():
        if named == region:
            return name
    nums = lambda values: ", ".join(format_number(v) for v in values)  # noqa: E731
    if isinstance(region, Interval):
        return f"[{format_number(region.lower)}, {format_number(region.upper)}]"
    if isinstance(region, Box):
        ranges = ", ".join(f"[{format_number(lo)}, {format_number(hi)}]"
                           for lo, hi in zip(region.lower, region.upper))
        return f"{'rectangle' if len(region.lower) == 2 else 'box'}({ranges})"
    if isinstance(region, Ball):
        word = "disk" if len(region.center) == 2 else "ball"
        return f"{word}(({nums(region.center)}), {format_number(region.radius)})"
    if isinstance(region, Polygon):
        return "polygon(" + ", ".join(f"({nums(v)})" for v in region.vertices) + ")"
    operators = {Union: "+", Difference: "-", Intersection: "&"}
    for cls, op in operators.items():
        if isinstance(region, cls):
            parts = []
            for side in (region.a, region.b):
                text = format_region(side, names)
                compound = isinstance(side, tuple(operators)) and text not in (names or {})
                parts.append(f"({text})" if compound else text)
            return f"{parts[0]} {op} {parts[1]}"
    raise PinnUsageError(f"region {region!r} has no .pinn spelling")
