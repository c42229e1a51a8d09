"""The problem IR: one :class:`Problem` holds everything a ``.pinn`` file (or the SymPy API) says.

The text front end and the Python API both build this object; nothing downstream knows which
one did. Equations are SymPy objects: fields are applied ``sympy.Function``s of all network inputs
(space coordinates, then time, then params), derivatives are ``sympy.Derivative``, the outward
normal derivative is :class:`pinnlang.problem.operators.dn`. Spans are metadata and never take
part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

import sympy as sp

from pinnlang.geometry.base import Region
from pinnlang.problem.builder import ProblemBuilder
from pinnlang.problem.exact_field import ExactField
from pinnlang.source import Source, Span

ConditionKind = Literal["pde", "initial", "boundary", "periodic", "data"]
CONDITION_KINDS: tuple[str, ...] = ("pde", "initial", "boundary", "periodic", "data")


@dataclass(frozen=True)
class TimeAxis:
    """``time t in [lower, upper]``."""

    symbol: sp.Symbol
    lower: float
    upper: float
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Param:
    """``param a in [lower, upper]``: an extra network input sampled over its range."""

    symbol: sp.Symbol
    lower: float
    upper: float
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Unknown:
    """``unknown k = initial``: a learnable scalar."""

    symbol: sp.Symbol
    initial: float
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Constant:
    """``const nu = EXPR``: a fixed constant; ``value`` may use earlier constants and ``pi``/``E``."""

    symbol: sp.Symbol
    value: sp.Expr
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OnRegion:
    """Selector ``on NAME``: the part of the domain boundary lying on a named region's boundary."""

    name: str
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OnPlane:
    """Selector ``on x = c``: the part of the domain boundary where coordinate ``x`` equals ``c``."""

    coordinate: sp.Symbol
    value: float
    span: Span | None = field(default=None, compare=False, repr=False)


Selector = OnRegion | OnPlane


@dataclass(frozen=True)
class AtPoints:
    """``value(EXPR, at P1) - value(EXPR, at P2)``: a quantity as a signed sum of point values.

    ``points`` are points of the space domain, ``signs`` their ``+1`` / ``-1``.
    """

    points: tuple[tuple[float, ...], ...]
    signs: tuple[int, ...]
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DataSource:
    """``data "PATH": u, v``: a CSV file of observations.

    ``path`` is as written; ``base_dir`` is the folder of the ``.pinn`` file (or the working
    directory for the Python API) that relative paths resolve against.
    """

    path: str
    fields: tuple[str, ...]
    base_dir: str | None = field(default=None, compare=False)
    span: Span | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Reference:
    """``reference [NAME] "PATH": u, v``: sampled values of fields, scored after training.

    ``data.path`` is as written and resolves like a ``data`` file's; the file (CSV or NPZ, see
    :mod:`pinnlang.reference.files`) never enters the loss.
    """

    name: str
    data: DataSource
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.data.fields


@dataclass(frozen=True)
class Quantity:
    """``quantity NAME = integral(EXPR[, on SELECTOR][ where PRED]) [options]``.

    Attributes:
        name: the quantity's name (its own namespace: it is not a name of expressions).
        integrand: a SymPy expression of fields, derivatives, inputs, constants, unknowns and,
            on a boundary, the outward normal's components ``n<coordinate>`` (see
            :func:`normal_symbols`) and ``dn``.
        on: ``None`` (an integral over the spatial domain), the part of the boundary, as for
            a boundary condition (``where`` filters either further), or :class:`AtPoints`
            (``value(EXPR, at P)`` terms: the integrand at those points, with their signs).
        options: ``reference`` (a published value) and the value of the time coordinate and of
            each param at which the integral is taken (default: the final time, the middle of
            each param's range).
    """

    name: str
    integrand: sp.Expr
    on: Selector | AtPoints | None = None
    where: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def is_boundary(self) -> bool:
        """True for an integral over (a part of) the boundary: ``on`` selects one."""
        return isinstance(self.on, (OnRegion, OnPlane))

    @property
    def is_point_values(self) -> bool:
        """True for a signed sum of point values (``on`` is :class:`AtPoints`)."""
        return isinstance(self.on, AtPoints)

    @property
    def reference(self) -> float | None:
        value = self.options.get("reference")
        return None if value is None else float(value)

    def __hash__(self) -> int:
        return hash(self.name)


def normal_symbols(space_coords: tuple[sp.Symbol, ...]) -> tuple[sp.Symbol, ...]:
    """The outward unit normal's components in boundary integrals: ``nx, ny`` for ``(x, y)``."""
    return tuple(sp.Symbol(f"n{c}") for c in space_coords)


@dataclass(frozen=True, eq=True)
class Condition:
    """One training condition.

    Attributes:
        kind: ``pde``, ``initial``, ``boundary``, ``periodic`` or ``data``.
        name: the user's name, or the default (``pde``, ``pde_2``, ``boundary``, ...).
        equation: ``sympy.Eq(lhs, rhs)``; its residual is ``lhs - rhs``. ``None`` for
            ``periodic`` and ``data``.
        on: boundary selector, or ``None`` for the whole boundary.
        where: a SymPy boolean over the coordinates filtering the points, or ``None``.
        coordinate: the periodic coordinate (``periodic`` only).
        data: the observations (``data`` only).
        options: ``[weight = 100, points = 400, ...]`` as a mapping.
    """

    kind: ConditionKind
    name: str
    equation: sp.Eq | None = None
    on: Selector | None = None
    where: Any = None
    coordinate: sp.Symbol | None = None
    data: DataSource | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def residual(self) -> sp.Expr:
        """``lhs - rhs`` of the equation."""
        if self.equation is None:
            raise ValueError(f"condition '{self.name}' has no equation")
        return self.equation.lhs - self.equation.rhs

    def __hash__(self) -> int:
        return hash((self.kind, self.name))


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
