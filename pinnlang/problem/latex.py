"""``to_latex(problem)``: the equations of a problem as an aligned LaTeX block.

Each row is ``label & equation && where it holds``: the PDEs over the domain, initial conditions at
the start time, boundary conditions on (parts of) the boundary, then the domain, the constants and
the exact solutions. Fields print unapplied (``u``) and derivatives in ∂ notation. The block needs
amsmath (``aligned``, ``\\text``); :func:`latex_equations` gives the bare equations, which
matplotlib's mathtext can render too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

if TYPE_CHECKING:
    from pinnlang.problem.ir import Condition, Problem

_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#",
                 "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


class PinnLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with fields unapplied and derivatives as ``\\frac{\\partial u}{...}``."""

    def _print_Function(self, expr, exp=None) -> str:
        if isinstance(expr, AppliedUndef):
            text = self._print(sp.Symbol(expr.func.__name__))
            return f"{text}^{{{exp}}}" if exp else text
        return super()._print_Function(expr, exp)

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        order = sum(int(n) for _, n in expr.variable_count)
        parts = []
        for var, n in expr.variable_count:
            v = self._print(var)
            parts.append(rf"\partial {v}" if n == 1 else rf"\partial {v}^{{{n}}}")
        top = r"\partial" if order == 1 else rf"\partial^{{{order}}}"
        bottom = " ".join(parts)
        if isinstance(expr.expr, AppliedUndef):
            return rf"\frac{{{top} {self._print(expr.expr)}}}{{{bottom}}}"
        return rf"\frac{{{top}}}{{{bottom}}} \left({self._print(expr.expr)}\right)"


_PRINTER = PinnLatexPrinter()


def latex_expr(expr: Any) -> str:
    """One expression or predicate in LaTeX (fields unapplied)."""
    return _PRINTER.doprint(expr)


def latex_text(text: str) -> str:
    """``\\text{...}`` with LaTeX's special characters escaped."""
    return r"\text{" + "".join(_TEXT_ESCAPES.get(ch, ch) for ch in text) + "}"


def latex_number(value: float) -> str:
    return _PRINTER.doprint(sp.Integer(int(value)) if float(value).is_integer() else sp.Float(value))


def latex_region(region: Any, names: dict[str, Any] | None = None) -> str:
    """A region in set notation: ``[a, b] \\times [c, d] \\setminus B_{r}(c)``."""
    from pinnlang.geometry import Ball, Box, Difference, Intersection, Interval, Polygon, Union

    for name, named in (names or {}).items():
        if named == region:
            return rf"\mathrm{{{name}}}".replace("_", r"\_")
    if isinstance(region, Interval):
        return f"[{latex_number(region.lower)}, {latex_number(region.upper)}]"
    if isinstance(region, Box):
        return r" \times ".join(f"[{latex_number(a)}, {latex_number(b)}]"
                                for a, b in zip(region.lower, region.upper))
    if isinstance(region, Ball):
        centre = ", ".join(latex_number(c) for c in region.center)
        return rf"B_{{{latex_number(region.radius)}}}\left(({centre})\right)"
    if isinstance(region, Polygon):
        vertices = ", ".join("(" + ", ".join(latex_number(c) for c in v) + ")" for v in region.vertices)
        return rf"\mathrm{{polygon}}\left({vertices}\right)"
    operators = {Union: r"\cup", Difference: r"\setminus", Intersection: r"\cap"}
    for cls, op in operators.items():
        if isinstance(region, cls):
            sides = []
            for side in (region.a, region.b):
                text = latex_region(side, names)
                compound = (isinstance(side, tuple(operators)) or isinstance(side, Box) and len(side.lower) > 1) \
                    and not text.startswith(r"\mathrm")
                sides.append(rf"\left({text}\right)" if compound else text)
            return f"{sides[0]} {op} {sides[1]}"
    return latex_text(type(region).__name__)


def _point(problem: "Problem") -> str:
    coords = [latex_expr(c) for c in problem.space_coords]
    return coords[0] if len(coords) == 1 else "(" + ", ".join(coords) + ")"


def _time_range(problem: "Problem") -> str:
    axis = problem.time_axis
    return f"{latex_expr(axis.symbol)} \\in [{latex_number(axis.lower)}, {latex_number(axis.upper)}]"


def _where(problem: "Problem", condition: "Condition") -> str:
    """Where a condition holds, e.g. ``x \\in \\partial\\Omega,\\ t \\in [0, 1]``."""
    has_time = problem.time_axis is not None
    parts: list[str] = []
    if condition.kind == "pde":
        if problem.space_coords:
            parts.append(rf"{_point(problem)} \in \Omega")
        if has_time:
            parts.append(_time_range(problem))
    elif condition.kind == "initial":
        parts.append(f"{latex_expr(problem.time_axis.symbol)} = {latex_number(problem.time_axis.lower)}")
        if problem.space_coords:
            parts.append(rf"{_point(problem)} \in \Omega")
    elif condition.kind == "boundary":
        on = condition.on
        boundary = rf"{_point(problem)} \in \partial\Omega"
        if on is not None and hasattr(on, "name"):
            boundary += rf" \cap \partial\,{latex_region(problem.regions[on.name], {on.name: problem.regions[on.name]})}"
        parts.append(boundary)
        if on is not None and hasattr(on, "coordinate"):
            parts.append(f"{latex_expr(on.coordinate)} = {latex_number(on.value)}")
        if condition.where is not None:
            parts.append(latex_expr(condition.where))
        if has_time:
            parts.append(_time_range(problem))
    return r",\ ".join(parts)


def _row(condition: "Condition", problem: "Problem") -> tuple[str, str, str]:
    label = latex_text(f"{condition.name}:")
    if condition.kind == "periodic":
        x = condition.coordinate
        axis = problem.space_coords.index(x)
        lower, upper = problem.domain.bbox()
        lo, hi = latex_number(lower[axis]), latex_number(upper[axis])
        sym = latex_expr(x)
        eqs = [rf"{latex_expr(sp.Symbol(f))}|_{{{sym}={lo}}} = {latex_expr(sp.Symbol(f))}|_{{{sym}={hi}}}"
               for f in problem.field_names]
        return label, r",\ ".join(eqs), latex_text("and first derivatives along ") + sym
    if condition.kind == "data":
        eqs = [rf"{latex_expr(sp.Symbol(f))} = {latex_expr(sp.Symbol(f))}^{{\mathrm{{obs}}}}"
               for f in condition.data.fields]
        return label, r",\ ".join(eqs), latex_text(f"at the points of {condition.data.path}")
    return label, latex_equation(condition), _where(problem, condition)


def _quantity_row(quantity: Any, problem: "Problem") -> tuple[str, str, str]:
    """``name: \\int_{...} integrand`` (or signed point values) with where it is taken and its
    reference value."""
    from pinnlang.problem.ir import normal_symbols

    notes = [latex_expr(quantity.where)] if quantity.where is not None else []
    notes += [f"{latex_text(key + ' = ')}{latex_number(float(value))}"
              for key, value in quantity.options.items()]
    label = latex_text(f"{quantity.name}:")
    if quantity.is_point_values:
        field = latex_expr(quantity.integrand)
        terms = [("-" if sign < 0 else ("+" if i else "")) + rf"\left.{field}\right|_{{("
                 + ", ".join(latex_number(c) for c in point) + ")}"
                 for i, (point, sign) in enumerate(zip(quantity.on.points, quantity.on.signs))]
        return label, " ".join(terms), r",\ ".join(notes)
    if quantity.on is None:
        domain, measure = r"\Omega", r"\,\mathrm{d}x"
    elif hasattr(quantity.on, "name"):
        region = problem.regions.get(quantity.on.name)
        named = latex_region(region, {quantity.on.name: region}) if region is not None else (
            latex_text(quantity.on.name))
        domain, measure = rf"\partial\Omega \cap \partial\,{named}", r"\,\mathrm{d}s"
    else:
        domain = rf"\partial\Omega \cap \{{{latex_expr(quantity.on.coordinate)} = {latex_number(quantity.on.value)}\}}"
        measure = r"\,\mathrm{d}s"
    normals = {n: sp.Symbol(f"n_{{{c}}}") for n, c in zip(
        normal_symbols(tuple(problem.space_coords)), problem.space_coords)}
    integrand = sp.sympify(quantity.integrand, strict=True).xreplace(normals)
    body = rf"\int_{{{domain}}} {latex_expr(integrand)}{measure}"
    return label, body, r",\ ".join(notes)


def latex_equation(condition: "Condition") -> str:
    """The condition's equation alone, ``lhs = rhs`` in LaTeX."""
    eq = condition.equation
    return f"{latex_expr(eq.lhs)} = {latex_expr(eq.rhs)}"


def latex_equations(problem: "Problem") -> list[str]:
    """The bare equations of the pde, initial and boundary conditions (no alignment marks)."""
    return [latex_equation(c) for c in problem.conditions if c.equation is not None]


def to_latex(problem: "Problem") -> str:
    """The problem as a LaTeX ``aligned`` block (amsmath), one row per condition, then the setting."""
    rows = [_row(c, problem) for c in problem.conditions]
    setting: list[tuple[str, str, str]] = []
    if problem.space_coords:
        setting.append((latex_text("domain:"), rf"\Omega = {latex_region(problem.domain, problem.regions)}", ""))
    for name, region in problem.regions.items():
        setting.append((latex_text("region:"), rf"{latex_region(region, {name: region})} = {latex_region(region)}", ""))
    if problem.time_axis is not None:
        setting.append((latex_text("time:"), _time_range(problem), ""))
    for p in problem.params:
        setting.append((latex_text("param:"), f"{latex_expr(p.symbol)} \\in [{latex_number(p.lower)}, {latex_number(p.upper)}]", ""))
    for c in problem.constants:
        setting.append((latex_text("const:"), f"{latex_expr(c.symbol)} = {latex_expr(c.value)}", ""))
    for u in problem.unknowns:
        setting.append((latex_text("unknown:"), latex_expr(u.symbol), latex_text("initial guess ") + latex_number(u.initial)))
    for name, expr in problem.exact.items():
        setting.append((latex_text("exact:"), f"{latex_expr(sp.Symbol(name))} = {latex_expr(expr)}", ""))
    for reference in problem.references:
        fields = ", ".join(latex_expr(sp.Symbol(f)) for f in reference.fields)
        setting.append((latex_text("reference:"), fields,
                        latex_text(f"values in {reference.data.path}")))
    setting += [_quantity_row(q, problem) for q in problem.quantities]
    lines = [rf"{label} & \quad {eq}" + (rf" && \quad {where}" if where else "") + r" \\"
             for label, eq, where in rows + setting]
    if lines:
        lines[-1] = lines[-1][: -len(r" \\")]
    return "\\begin{aligned}\n" + "\n".join(lines) + "\n\\end{aligned}"
