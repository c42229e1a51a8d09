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
