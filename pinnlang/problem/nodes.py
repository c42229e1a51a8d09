"""The parts of a problem: its time axis, params, unknowns, constants, selectors, data sources and
conditions. :class:`~pinnlang.problem.ir.Problem` holds them and the builder makes them; both read
this module, which reads neither (so ``problem/`` has no import cycle). Spans are metadata and
never take part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

import sympy as sp

from pinnlang.source import Span

ConditionKind = Literal["pde", "initial", "boundary", "periodic", "data", "point"]
CONDITION_KINDS: tuple[str, ...] = ("pde", "initial", "boundary", "periodic", "data", "point")


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


@dataclass(frozen=True)
class AtPoint:
    """``point at (x0, y0)``: one point of the spatial domain (a ``point`` condition holds there
    for every time and param value)."""

    location: tuple[float, ...]
    span: Span | None = field(default=None, compare=False, repr=False)


Selector = OnRegion | OnPlane | AtPoint


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


@dataclass(frozen=True, eq=True)
class Condition:
    """One training condition.

    Attributes:
        kind: ``pde``, ``initial``, ``boundary``, ``periodic``, ``data`` or ``point``.
        name: the user's name, or the default (``pde``, ``pde_2``, ``boundary``, ...).
        equation: ``sympy.Eq(lhs, rhs)``; its residual is ``lhs - rhs``. ``None`` for
            ``periodic`` and ``data``.
        on: boundary selector, or ``None`` for the whole boundary; for ``point``, the
            :class:`AtPoint` where it holds.
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


@dataclass(frozen=True)
class AtPoints:
    """``value(EXPR, at P1) - value(EXPR, at P2)``: a quantity as a signed sum of point values.

    ``points`` are points of the space domain, ``signs`` their ``+1`` / ``-1``.
    """

    points: tuple[tuple[float, ...], ...]
    signs: tuple[int, ...]
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
