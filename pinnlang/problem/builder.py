"""The SymPy API: chainable methods that build a :class:`~pinnlang.problem.Problem`.

Every method returns the problem, so a whole problem is one expression::

    x, t = sympy.symbols("x t")
    u = sympy.Function("u")
    nu = sympy.Symbol("nu")
    burgers = (Problem("burgers")
               .const(nu, 0.01 / sympy.pi)
               .space(x, -1, 1).time(t, 0, 1).field(u)
               .pde(sympy.Eq(u(x, t).diff(t) + u(x, t) * u(x, t).diff(x), nu * u(x, t).diff(x, 2)))
               .initial(sympy.Eq(u(x, t), -sympy.sin(sympy.pi * x)))
               .boundary(sympy.Eq(u(x, t), 0)))

The result equals (``==``) the problem parsed from the equivalent ``.pinn`` text: fields are
applied to all inputs, ``laplacian`` is expanded, derivatives are evaluated with ``sympy.diff``
(see :mod:`pinnlang.problem.normalize`). Misuse raises :class:`~pinnlang.errors.PinnSemanticError`
(the problem would be invalid) or :class:`~pinnlang.errors.PinnUsageError` (a wrong argument).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import sympy as sp

from pinnlang.errors import PinnSemanticError, PinnUsageError
from pinnlang.problem.builder_support import (
    as_bounds,
    as_equation,
    as_points,
    as_predicate,
    as_selector,
    as_symbol,
    check_range,
    checked_options,
    ir,
)
from pinnlang.problem.names import check_name
from pinnlang.problem.normalize import (
    field_name,
    normalize_expr,
    option_value,
    plain_symbols,
    require_symbols,
    to_expr,
    to_float,
)
from pinnlang.problem.operators import dn


class ProblemBuilder:
    """Builder and printing methods mixed into :class:`~pinnlang.problem.Problem`."""

    # ------------------------------------------------------------------ declarations
    def space(self, coords: Any, *domain: Any) -> "ProblemBuilder":
        """Declare the spatial coordinates and the domain.

        ``space(x, -1, 1)`` or ``space(x, (-1, 1))`` is the interval ``[-1, 1]``;
        ``space((x, y), Rectangle((0, 1), (0, 1)))`` takes any region (or the name of one
        declared with :meth:`region`); ``space((x, y), (0, 1), (0, 2))`` is a box of ranges.
        """
        from pinnlang.geometry import Interval, box_from_ranges
        from pinnlang.geometry.base import Region

        if self.space_coords:
            raise PinnSemanticError("space is declared twice", hint="a problem has one space statement")
        symbols = coords if isinstance(coords, (tuple, list)) else (coords,)
        symbols = tuple(self._new_symbol(c, "space coordinate") for c in symbols)
        if not symbols or len(set(symbols)) != len(symbols):
            raise PinnSemanticError("space needs distinct coordinate names")
        values = self.constant_values()
        if len(domain) == 1 and isinstance(domain[0], str):
            region = self._region_named(domain[0])
        elif len(domain) == 1 and isinstance(domain[0], Region):
            region = domain[0]
        elif len(symbols) == 1 and len(domain) in (1, 2):
            lo, hi = as_bounds(domain[0], domain[1] if len(domain) == 2 else None, f"space {symbols[0]}")
            lo, hi = check_range(lo, hi, f"space {symbols[0]}", values)
            region = Interval(lo, hi)
        elif len(domain) == len(symbols) and all(isinstance(r, (tuple, list)) for r in domain):
            ranges = [check_range(*as_bounds(r, None, f"space {s}"), f"space {s}", values)
                      for s, r in zip(symbols, domain)]
            region = box_from_ranges(*ranges)
        else:
            raise PinnUsageError(
                f"space {', '.join(map(str, symbols))}: expected a region, a name of one, or "
                "ranges (lower, upper) per coordinate",
            )
        if region.dim != len(symbols):
            raise PinnSemanticError(
                f"space has {len(symbols)} coordinate(s) but its region is {region.dim}-dimensional"
            )
        self.space_coords = symbols
        self.domain = region
        return self._renormalize()

    def time(self, symbol: Any, lower: Any, upper: Any = None) -> "ProblemBuilder":
        """Declare the time coordinate ``time t in [lower, upper]`` (``time(t, (0, 1))`` too)."""
        if self.time_axis is not None:
            raise PinnSemanticError("time is declared twice", hint="a problem has at most one time")
        lower, upper = as_bounds(lower, upper, "time")
        symbol = self._new_symbol(symbol, "time coordinate")
        lo, hi = check_range(lower, upper, f"time {symbol}", self.constant_values())
        self.time_axis = ir().TimeAxis(symbol, lo, hi)
        return self._renormalize()

    def param(self, symbol: Any, lower: Any, upper: Any = None) -> "ProblemBuilder":
        """Declare a parametric input ``param a in [lower, upper]``."""
        lower, upper = as_bounds(lower, upper, "param")
        symbol = self._new_symbol(symbol, "param")
        lo, hi = check_range(lower, upper, f"param {symbol}", self.constant_values())
        self.params = tuple(self.params) + (ir().Param(symbol, lo, hi),)
        return self._renormalize()

    def unknown(self, symbol: Any, initial: Any = 1.0) -> "ProblemBuilder":
        """Declare a learnable scalar ``unknown k = initial``."""
        symbol = self._new_symbol(symbol, "unknown")
        value = to_float(initial, f"initial value of unknown {symbol}", self.constant_values())
        self.unknowns = tuple(self.unknowns) + (ir().Unknown(symbol, value),)
        return self

    def const(self, symbol: Any, value: Any) -> "ProblemBuilder":
        """Declare a constant ``const nu = value``; ``value`` may use earlier constants, ``pi``, ``E``."""
        symbol = self._new_symbol(symbol, "constant")
        expr = plain_symbols(to_expr(value, f"value of constant {symbol}"))
        require_symbols(expr, [c.symbol for c in self.constants], f"constant {symbol}", fields_allowed=False)
        self.constants = tuple(self.constants) + (ir().Constant(symbol, expr),)
        return self

    def field(self, *fields: Any) -> "ProblemBuilder":
        """Declare fields: ``field(u)``, ``field(u, v)``, ``field("u")``."""
        if not fields:
            raise PinnUsageError("field() needs at least one field")
        declared = list(self.fields)
        for f in fields:
            name = field_name(f)
            if name in [g.__name__ for g in declared]:
                raise PinnSemanticError(f"field '{name}' is declared twice")
            declared.append(sp.Function(self._check_new_name(name, "field")))
        self.fields = tuple(declared)
        return self

    def region(self, name: str, region: Any) -> "ProblemBuilder":
        """Name a region (``let hole = disk((0, 0), 0.3)``) for ``space`` and ``on=``."""
        from pinnlang.geometry.base import Region

        name = self._check_new_name(name, "region")
        if not isinstance(region, Region):
            raise PinnUsageError(f"region '{name}': expected a pinnlang.geometry region, got {region!r}")
        self.regions = {**self.regions, name: region}
        return self

    # ------------------------------------------------------------------ conditions
    def pde(self, equation: Any, name: str | None = None, **options: Any) -> "ProblemBuilder":
        """``pde [NAME]: lhs = rhs`` — an ``Eq`` or an expression meaning ``expr = 0``."""
        eq = self._equation(equation, "pde", boundary=False)
        return self._add(ir().Condition("pde", self._condition_name("pde", name), eq,
                                        options=checked_options(options)))

    def initial(self, equation: Any, name: str | None = None, **options: Any) -> "ProblemBuilder":
        """``initial [NAME]: lhs = rhs`` — holds at the start of time over the domain."""
        if self.time_axis is None:
            raise PinnSemanticError("an initial condition needs time; declare .time(t, t0, t1) first")
        eq = self._equation(equation, "initial condition", boundary=False)
        return self._add(ir().Condition("initial", self._condition_name("initial", name), eq,
                                        options=checked_options(options)))

    def boundary(self, equation: Any, name: str | None = None, *, on: Any = None,
                 where: Any = None, **options: Any) -> "ProblemBuilder":
        """``boundary [NAME] [on SELECTOR] [where PRED]: lhs = rhs``.

        Args:
            equation: ``Eq(lhs, rhs)`` or an expression (``= 0``); may use ``dn(u)``.
            name: the condition's name (default ``boundary``, ``boundary_2``, ...).
            on: ``None`` (whole boundary), a region name, a named region, or ``Eq(x, -1)``.
            where: a SymPy predicate over the coordinates, e.g. ``Eq(Abs(y), 1)`` or ``x > 0``.
            **options: ``weight``, ``points``, ``sampler``, ...
        """
        if not self.space_coords:
            raise PinnSemanticError("a boundary condition needs space; declare .space(...) first")
        eq = self._equation(equation, "boundary condition", boundary=True)
        selector = as_selector(self, on)
        predicate = as_predicate(self, where)
        return self._add(ir().Condition("boundary", self._condition_name("boundary", name), eq,
                                        on=selector, where=predicate, options=checked_options(options)))

    def periodic(self, coordinate: Any, name: str | None = None, **options: Any) -> "ProblemBuilder":
        """``periodic [NAME]: x`` — fields and first derivatives match at both ends of ``x``.

        ``x`` is a space coordinate of an interval or box domain, or the time coordinate.
        """
        from pinnlang.geometry import Box, Interval

        symbol = as_symbol(coordinate, "periodic coordinate")
        if symbol not in self.coordinates:
            raise PinnSemanticError(f"periodic: '{symbol}' is not a coordinate")
        if symbol in self.space_coords and not isinstance(self.domain, (Interval, Box)):
            raise PinnSemanticError(
                f"periodic needs a domain that is an interval or a box, so that '{symbol}' ranges "
                "over an interval"
            )
        return self._add(ir().Condition("periodic", self._condition_name("periodic", name),
                                        coordinate=symbol, options=checked_options(options)))

    def data(self, path: Any, *fields: Any, name: str | None = None,
             base_dir: str | os.PathLike | None = None, **options: Any) -> "ProblemBuilder":
        """``data [NAME] "PATH": u, v`` — observations in a CSV file.

        Relative paths resolve against ``base_dir`` (default: the working directory).
        """
        if not fields:
            raise PinnUsageError(f"data {str(path)!r}: name the observed fields, e.g. .data(path, u)")
        names = tuple(field_name(f, "data") for f in fields)
        for n in names:
            self._require_field(n, "data")
        base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
        source = ir().DataSource(os.fspath(path), names, base)
        return self._add(ir().Condition("data", self._condition_name("data", name), data=source,
                                        options=checked_options(options)))

    def reference(self, path: Any, *fields: Any, name: str | None = None,
                  base_dir: str | os.PathLike | None = None) -> "ProblemBuilder":
        """``reference [NAME] "PATH": u, v`` — a CSV or NPZ file of field values, for errors only.

        Relative paths resolve against ``base_dir`` (default: the working directory).
        """
        if not fields:
            raise PinnUsageError(f"reference {str(path)!r}: name the fields, e.g. .reference(path, u)")
        names = tuple(self._require_field(field_name(f, "reference"), "reference") for f in fields)
        if name is None or name == self.next_reference_name():
            name = self.next_reference_name()
        elif any(r.name == name for r in self.references):
            raise PinnSemanticError(f"a reference named '{name}' already exists")
        else:
            check_name(name, "reference")
        base = os.fspath(base_dir) if base_dir is not None else os.getcwd()
        source = ir().DataSource(os.fspath(path), names, base)
        self.references = tuple(self.references) + (
            ir().Reference(name, source),)
        return self

    def quantity(self, name: str, integrand: Any, *, on: Any = None, where: Any = None,
                 points: Any = None, signs: Any = None, reference: Any = None,
                 **at: Any) -> "ProblemBuilder":
        """``quantity NAME = integral(EXPR[, on SELECTOR][ where PRED]) [reference = V]``.

        Args:
            name: the quantity's name.
            integrand: a SymPy expression; on a boundary it may use ``dn`` and the outward
                normal's components ``Symbol("nx")``, ... (:func:`~pinnlang.problem.normal_symbols`).
            on: ``None`` (the space domain), or a boundary selector as for :meth:`boundary`.
            where: a predicate over the coordinates filtering the domain or boundary.
            points: instead of an integral, the integrand's values at these points of the
                domain, summed with ``signs`` (+1 or -1 each, default all +1):
                ``points=[(0.15, 0.2), (0.25, 0.2)], signs=(1, -1)`` is
                ``value(p, at (0.15, 0.2)) - value(p, at (0.25, 0.2))``.
            reference: a published value; the relative error is reported.
            **at: the time and param values the integral is taken at (``t=0.5``).
        """
        from pinnlang.problem.ir import normal_symbols
        from pinnlang.problem.scoring import quantity_option_errors

        check_name(name, "quantity")
        if any(q.name == name for q in self.quantities) or name in self._declared_names():
            raise PinnSemanticError(f"quantity '{name}' is already declared")
        if not self.space_coords:
            raise PinnSemanticError("a quantity integrates over space; declare .space(...) first")
        if points is not None and (on is not None or where is not None):
            raise PinnUsageError(f"quantity {name}: give points= or on=/where=, not both")
        selector = as_selector(self, on) if points is None else as_points(
            points, signs, len(self.space_coords), f"quantity {name}")
        expr = self._normalize(to_expr(integrand, f"quantity {name}"))
        allowed = list(self.inputs) + [c.symbol for c in self.constants] + [
            u.symbol for u in self.unknowns]
        if selector is not None and points is None:
            allowed += normal_symbols(tuple(self.space_coords))
        elif expr.atoms(dn):
            raise PinnSemanticError(f"quantity {name}: dn needs a boundary (on=...)")
        require_symbols(expr, allowed, f"quantity {name}")
        options = {"reference": reference} if reference is not None else {}
        options.update(at)
        options = {k: option_value(k, v) for k, v in options.items()}
        errors = quantity_option_errors(self, options)
        if errors:
            raise PinnSemanticError(f"quantity {name}: {errors[0]}")
        self.quantities = tuple(self.quantities) + (ir().Quantity(
            name, expr, on=selector, where=as_predicate(self, where), options=options),)
        return self

    def add_exact(self, field: Any, expr: Any) -> "ProblemBuilder":
        """``exact: u = expr`` — a known solution, in terms of the inputs and constants.

        Also spelled ``problem.exact(u, expr)``: the ``exact`` mapping is callable.
        """
        fname = self._require_field(field_name(field, "exact"), "exact")
        if fname in self.exact:
            raise PinnSemanticError(f"exact solution of '{fname}' is given twice")
        value = self._normalize(to_expr(expr, f"exact solution of {fname}"))
        allowed = list(self.inputs) + [c.symbol for c in self.constants]
        require_symbols(value, allowed, f"exact solution of '{fname}'", fields_allowed=False)
        self.exact = {**self.exact, fname: value}
        return self

    def train(self, **settings: Any) -> "ProblemBuilder":
        """Training settings (``train: steps = 5000, lr = 1e-3, model = mlp``); calls merge."""
        merged = dict(self.settings)
        for key, value in settings.items():
            merged[key] = option_value(key, value)
        self.settings = merged
        return self

    # ------------------------------------------------------------------ printing
    def to_pinn(self) -> str:
        """The canonical ``.pinn`` text of this problem (see :mod:`pinnlang.problem.printer`)."""
        from pinnlang.problem.printer import to_pinn

        return to_pinn(self)

    def to_latex(self) -> str:
        """An aligned LaTeX block of the equations (see :mod:`pinnlang.problem.latex`)."""
        from pinnlang.problem.latex import to_latex

        return to_latex(self)

    def _repr_latex_(self) -> str:
        return "$$" + self.to_latex() + "$$"

    # ------------------------------------------------------------------ helpers
    def _declared_names(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for s in self.space_coords:
            names[str(s)] = "a space coordinate"
        if self.time_axis is not None:
            names[str(self.time_axis.symbol)] = "the time coordinate"
        names.update({str(p.symbol): "a param" for p in self.params})
        names.update({str(u.symbol): "an unknown" for u in self.unknowns})
        names.update({str(c.symbol): "a constant" for c in self.constants})
        names.update({f.__name__: "a field" for f in self.fields})
        names.update({r: "a region" for r in self.regions})
        return names

    def _check_new_name(self, name: str, what: str) -> str:
        check_name(name, what)
        taken = self._declared_names().get(name)
        if taken is not None:
            raise PinnSemanticError(f"{what} '{name}' is already declared as {taken}")
        return name

    def _new_symbol(self, symbol: Any, what: str) -> sp.Symbol:
        return sp.Symbol(self._check_new_name(str(as_symbol(symbol, what)), what))

    def _region_named(self, name: str):
        if name not in self.regions:
            raise PinnSemanticError(f"no region named '{name}'", hint="name it with .region(name, region)")
        return self.regions[name]

    def _require_field(self, name: str, where: str) -> str:
        if name not in self.field_names:
            raise PinnSemanticError(f"{where}: '{name}' is not a declared field",
                                    hint=f'declare it with .field("{name}")')
        return name

    def _normalize(self, expr: sp.Basic) -> sp.Basic:
        fields = {f.__name__: f for f in self.fields}
        return normalize_expr(expr, fields, self.inputs, tuple(self.space_coords))

    def _equation(self, equation: Any, what: str, *, boundary: bool) -> sp.Eq:
        lhs, rhs = as_equation(equation, what)
        lhs, rhs = self._normalize(lhs), self._normalize(rhs)
        eq = sp.Eq(lhs, rhs, evaluate=False)
        allowed = list(self.inputs) + [c.symbol for c in self.constants] + [u.symbol for u in self.unknowns]
        require_symbols(eq, allowed, what)
        if not boundary and eq.atoms(dn):
            raise PinnSemanticError(f"dn (normal derivative) is allowed only in boundary conditions, not in {what}")
        return eq

    def _condition_name(self, kind: str, name: str | None) -> str:
        if name is None or name == self.next_condition_name(kind):
            return self.next_condition_name(kind)
        if not isinstance(name, str):
            raise PinnUsageError(f"{kind}: name must be a string, got {name!r}")
        if any(c.name == name for c in self.conditions):
            raise PinnSemanticError(f"a condition named '{name}' already exists")
        return check_name(name, f"{kind} condition")

    def _add(self, condition) -> "ProblemBuilder":
        self.conditions = list(self.conditions) + [condition]
        return self

    def _renormalize(self) -> "ProblemBuilder":
        """Re-apply fields to the (new) inputs in conditions added before this declaration."""
        updated = []
        for c in self.conditions:
            if c.equation is not None:
                eq = sp.Eq(self._normalize(c.equation.lhs), self._normalize(c.equation.rhs), evaluate=False)
                c = dataclasses.replace(c, equation=eq)
            updated.append(c)
        self.conditions = updated
        self.quantities = tuple(dataclasses.replace(q, integrand=self._normalize(q.integrand))
                                for q in self.quantities)
        return self
