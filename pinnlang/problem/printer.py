"""``to_pinn(problem)``: the canonical ``.pinn`` text of a problem.

The text parses back to an equal problem (``parse(to_pinn(p)) == p``). Statements come in a fixed
order: the header, constants, unknowns, params, named regions (``let``), space and time, fields,
the conditions in their order, exact solutions, training settings. Conditions keep their names,
written out unless they are the default ones. Comments of the original file are not kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from pinnlang.errors import PinnUsageError
from pinnlang.problem.expr_printer import (
    format_expr,
    format_float,
    format_number,
    format_region,
    format_string,
    format_value,
)
from pinnlang.problem.names import RESERVED, is_identifier

if TYPE_CHECKING:
    from pinnlang.problem.ir import Condition, Problem, Quantity


def to_pinn(problem: "Problem") -> str:
    """Print ``problem`` as canonical ``.pinn`` text (ending in a newline).

    Raises:
        PinnUsageError: something in the problem has no ``.pinn`` spelling (a SymPy function
            outside the language, an infinite number, ...).
    """
    blocks = [
        _header(problem),
        _scalars(problem),
        _coordinates(problem),
        [f"field {', '.join(problem.field_names)}"] if problem.fields else [],
        _conditions(problem),
        [f"exact: {name} = {format_expr(expr)}" for name, expr in problem.exact.items()],
        _references(problem),
        [_quantity(q) for q in problem.quantities],
        [f"train: {_assignments(problem.settings)}"] if problem.settings else [],
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


def _header(problem: "Problem") -> list[str]:
    if not is_identifier(problem.name) or problem.name in RESERVED:
        raise PinnUsageError(f"problem name {problem.name!r} cannot be written in a .pinn file",
                             hint="a problem name is an identifier such as 'burgers'")
    head = f"problem {problem.name}"
    if problem.title is not None:
        head += " " + format_string(problem.title)
    return [head]


def _scalars(problem: "Problem") -> list[str]:
    lines = [f"const {c.symbol} = {format_expr(c.value)}" for c in problem.constants]
    lines += [f"unknown {u.symbol} = {format_float(u.initial)}" for u in problem.unknowns]
    lines += [
        f"param {p.symbol} in [{format_number(p.lower)}, {format_number(p.upper)}]"
        for p in problem.params
    ]
    return lines


def _coordinates(problem: "Problem") -> list[str]:
    lines = []
    earlier: dict[str, Any] = {}
    for name, region in problem.regions.items():
        lines.append(f"let {name} = {format_region(region, earlier)}")
        earlier[name] = region
    if problem.space_coords:
        coords = [str(c) for c in problem.space_coords]
        written = coords[0] if len(coords) == 1 else f"({', '.join(coords)})"
        lines.append(f"space {written} in {format_region(problem.domain, problem.regions)}")
    if problem.time_axis is not None:
        axis = problem.time_axis
        lines.append(f"time {axis.symbol} in [{format_number(axis.lower)}, {format_number(axis.upper)}]")
    return lines


def _conditions(problem: "Problem") -> list[str]:
    lines = []
    all_default: dict[str, bool] = {}  # per kind: every earlier condition had its default name
    count: dict[str, int] = {}
    for condition in problem.conditions:
        kind = condition.kind
        count[kind] = count.get(kind, 0) + 1
        default = kind if count[kind] == 1 else f"{kind}_{count[kind]}"
        is_default = all_default.get(kind, True) and condition.name == default
        all_default[kind] = is_default
        lines.append(_condition(condition, show_name=not is_default))
    return lines


def _references(problem: "Problem") -> list[str]:
    lines = []
    defaults = True  # every earlier reference had its default name
    for i, reference in enumerate(problem.references):
        defaults = defaults and reference.name == ("reference" if i == 0 else f"reference_{i + 1}")
        head = "reference " if defaults else f"reference {reference.name} "
        lines.append(f"{head}{format_string(reference.data.path)}: {', '.join(reference.fields)}")
    return lines


def _selection(on: Any, where: Any) -> list[str]:
    """``on ...`` and ``where ...`` of a boundary condition or an integral."""
    head = []
    if on is not None:
        if hasattr(on, "coordinate"):
            head.append(f"on {on.coordinate} = {format_number(on.value)}")
        else:
            head.append(f"on {on.name}")
    if where is not None:
        head.append(f"where {format_expr(where)}")
    return head


def _point_values(quantity: "Quantity") -> str:
    """``value(p, at (0.15, 0.2)) - value(p, at (0.25, 0.2))``."""
    expr = format_expr(quantity.integrand)
    text = ""
    for i, (point, sign) in enumerate(zip(quantity.on.points, quantity.on.signs)):
        if sign not in (1, -1):
            raise PinnUsageError(f"quantity {quantity.name}: a point value's sign must be +1 or "
                                 f"-1, got {sign!r}")
        op = ("-" if sign < 0 else "") if i == 0 else (" - " if sign < 0 else " + ")
        coords = ", ".join(format_number(c) for c in point)
        text += f"{op}value({expr}, at ({coords}{',' if len(point) == 1 else ''}))"
    return text


def _quantity(quantity: "Quantity") -> str:
    if quantity.is_point_values:
        line = f"quantity {quantity.name} = {_point_values(quantity)}"
        return line + (f" [{_assignments(quantity.options)}]" if quantity.options else "")
    part = " ".join(_selection(quantity.on, quantity.where))
    line = f"quantity {quantity.name} = integral({format_expr(quantity.integrand)}"
    line += f", {part})" if part else ")"
    if quantity.options:
        line += f" [{_assignments(quantity.options)}]"
    return line


def _condition(condition: "Condition", *, show_name: bool) -> str:
    head = [condition.kind]
    if show_name:
        head.append(condition.name)
    if condition.kind == "data":
        head.append(format_string(condition.data.path))
        body = ", ".join(condition.data.fields)
    elif condition.kind == "periodic":
        body = str(condition.coordinate)
    else:
        head += _selection(condition.on, condition.where)
        eq = condition.equation
        body = f"{format_expr(eq.lhs)} = {format_expr(eq.rhs)}"
    line = f"{' '.join(head)}: {body}"
    if condition.options:
        line += f" [{_assignments(condition.options)}]"
    return line


def _assignments(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key} = {format_value(value)}" for key, value in values.items())
