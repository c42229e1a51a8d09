"""The problem IR: one :class:`Problem` holds everything a ``.pinn`` file (or the SymPy API) says.

The text front end and the Python API both build this object; nothing downstream knows which
one did. Equations are SymPy objects: fields are applied ``sympy.Function``s of all network inputs
(space coordinates, then time, then params), derivatives are ``sympy.Derivative``, the outward
normal derivative is :class:`pinnlang.problem.operators.dn`. Spans are metadata and never take
part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from pinnlang.geometry.base import Region
from pinnlang.problem.builder import ProblemBuilder
from pinnlang.problem.exact_field import ExactField
from pinnlang.problem.nodes import (  # noqa: F401  (re-exported: the IR's names)
    CONDITION_KINDS,
    Condition,
    ConditionKind,
    Constant,
    AtPoint,
    AtPoints,
    DataSource,
    OnPlane,
    OnRegion,
    Param,
    Quantity,
    Reference,
    Selector,
    TimeAxis,
    Unknown,
    normal_symbols,
)
from pinnlang.source import Source, Span

@dataclass
class Problem(ProblemBuilder):
    """A physics-informed problem: coordinates, domain, fields, conditions, exact solutions.

    Build one from text with :func:`pinnlang.parse` / :func:`pinnlang.load`, or from SymPy
    objects with the builder methods (see :mod:`pinnlang.problem.builder`)::

        x, t = sympy.symbols("x t")
        u = sympy.Function("u")
        p = (Problem("burgers")
             .space(x, -1, 1).time(t, 0, 1).field(u)
             .pde(sympy.Eq(u(x, t).diff(t) + u(x, t) * u(x, t).diff(x), nu * u(x, t).diff(x, 2)))
             .initial(sympy.Eq(u(x, t), -sympy.sin(sympy.pi * x)))
             .boundary(sympy.Eq(u(x, t), 0)))

    ``p.to_pinn()`` prints it back as canonical ``.pinn`` text, ``p.to_latex()`` as LaTeX.
    ``exact`` is a dict that can also be called: ``p.exact(u, expr)`` adds an exact solution.
    """

    name: str
    title: str | None = None
    space_coords: tuple[sp.Symbol, ...] = ()
    domain: Region | None = None
    time_axis: TimeAxis | None = None
    params: tuple[Param, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    constants: tuple[Constant, ...] = ()
    fields: tuple[sp.FunctionClass, ...] = ()
    regions: dict[str, Region] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)
    # a dict (``ExactSolutions``) that is also callable: ``problem.exact(u, expr)`` adds one
    exact: dict[str, sp.Expr] = ExactField()  # type: ignore[assignment]
    settings: dict[str, Any] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    quantities: tuple[Quantity, ...] = ()
    source: Source | None = field(default=None, compare=False, repr=False)
    spans: dict[str, Span] = field(default_factory=dict, compare=False, repr=False)

    # ----------------------------------------------------------------- derived views
    @property
    def time_symbol(self) -> sp.Symbol | None:
        return self.time_axis.symbol if self.time_axis is not None else None

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        """Network inputs in order: space coordinates, then time, then params."""
        t = (self.time_axis.symbol,) if self.time_axis is not None else ()
        return tuple(self.space_coords) + t + tuple(p.symbol for p in self.params)

    @property
    def coordinates(self) -> tuple[sp.Symbol, ...]:
        """Space coordinates then time (no params)."""
        t = (self.time_axis.symbol,) if self.time_axis is not None else ()
        return tuple(self.space_coords) + t

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.__name__ for f in self.fields)

    def field_function(self, name: str) -> sp.FunctionClass:
        for f in self.fields:
            if f.__name__ == name:
                return f
        raise KeyError(name)

    def applied(self, name: str) -> sp.Expr:
        """The field ``name`` applied to all inputs, e.g. ``u(x, t)``."""
        return self.field_function(name)(*self.inputs)

    def constant_values(self) -> dict[sp.Symbol, sp.Expr]:
        """Constants with every earlier constant substituted, so each value is a pure number."""
        values: dict[sp.Symbol, sp.Expr] = {}
        for c in self.constants:
            values[c.symbol] = sp.sympify(c.value, strict=True).subs(values)
        return values

    def condition(self, name: str) -> Condition:
        for c in self.conditions:
            if c.name == name:
                return c
        raise KeyError(name)

    def conditions_of(self, kind: str) -> list[Condition]:
        return [c for c in self.conditions if c.kind == kind]

    def next_reference_name(self) -> str:
        """The default name for the next unnamed reference: ``reference``, ``reference_2``, ..."""
        taken = {r.name for r in self.references}
        n = len(self.references) + 1
        while True:
            name = "reference" if n == 1 else f"reference_{n}"
            if name not in taken:
                return name
            n += 1

    def next_condition_name(self, kind: str) -> str:
        """The default name for the next unnamed condition of ``kind``: ``pde``, ``pde_2``, ..."""
        taken = {c.name for c in self.conditions}
        n = sum(1 for c in self.conditions if c.kind == kind) + 1
        while True:
            name = kind if n == 1 else f"{kind}_{n}"
            if name not in taken:
                return name
            n += 1
