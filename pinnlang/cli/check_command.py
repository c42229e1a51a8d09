"""``pinnlang check FILE... [--exact] [--tol T] [--allow-data PATH]``: validate problems.

Prints a short summary of each valid problem (stdout) and every diagnostic (stderr). Exit 0 if
all files are valid, 1 if any is not (or an exact solution fails ``--exact``), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import sys

from pinnlang.cli.arguments import add_allow_data
from pinnlang.errors import Diagnostic, PinnError, PinnUsageError, render_diagnostic
from pinnlang.problem import AtPoint, Condition, OnPlane, OnRegion, Problem, Quantity
from pinnlang.problem.expr_printer import format_expr, format_region


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=".pinn files to check")
    parser.add_argument("--exact", action="store_true",
                        help="also verify that each 'exact:' solution satisfies the conditions")
    parser.add_argument("--tol", type=float, default=1e-6, metavar="T",
                        help="largest residual accepted by --exact, relative to the solution's "
                             "scale (default 1e-6)")
    add_allow_data(parser)


def _interval(lower: float, upper: float) -> str:
    return f"[{lower:g}, {upper:g}]"


def where_it_holds(problem: Problem, c: Condition) -> str:
    """A few words on where a condition holds."""
    if c.kind == "pde":
        return "interior"
    if c.kind == "initial":
        t = problem.time_axis
        return f"{t.symbol} = {t.lower:g}" if t is not None else "initial time"
    if c.kind == "periodic":
        return f"both ends of {c.coordinate}"
    if c.kind == "data":
        return f"points of {c.data.path}" if c.data is not None else "data points"
    if isinstance(c.on, AtPoint):
        return "at (" + ", ".join(f"{v:g}" for v in c.on.location) + ")"
    return where_on_boundary(c)


def where_on_boundary(c: Condition | Quantity) -> str:
    """``boundary on hole where y > 0``: the part of the boundary a selection keeps."""
    parts = ["boundary"]
    if isinstance(c.on, OnRegion):
        parts.append(f"on {c.on.name}")
    elif isinstance(c.on, OnPlane):
        parts.append(f"on {c.on.coordinate} = {c.on.value:g}")
    if c.where is not None:
        parts.append(f"where {format_expr(c.where)}")
    return " ".join(parts)


def summary(problem: Problem) -> str:
    """A short human-readable description of a valid problem."""
    lines = [f"problem {problem.name}" + (f' "{problem.title}"' if problem.title else "")]
    coords = []
    if problem.space_coords:
        coords.append(", ".join(map(str, problem.space_coords))
                      + f" in {format_region(problem.domain, problem.regions)}")
    if problem.time_axis is not None:
        t = problem.time_axis
        coords.append(f"{t.symbol} in {_interval(t.lower, t.upper)}")
    lines.append("  coordinates: " + ("; ".join(coords) or "none"))
    inputs = ", ".join(map(str, problem.inputs))
    lines.append("  fields:      " + ", ".join(f"{name}({inputs})" for name in problem.field_names))
    if problem.params:
        lines.append("  params:      " + ", ".join(
            f"{p.symbol} in {_interval(p.lower, p.upper)}" for p in problem.params))
    if problem.unknowns:
        lines.append("  unknowns:    " + ", ".join(
            f"{u.symbol} (initial {u.initial:g})" for u in problem.unknowns))
    lines.append("  conditions:")
    width = max((len(c.name) for c in problem.conditions), default=0)
    for c in problem.conditions:
        what = f"{format_expr(c.equation.lhs)} = {format_expr(c.equation.rhs)}" if c.equation is not None else (
            ", ".join(c.data.fields) if c.data is not None else f"periodic in {c.coordinate}")
        lines.append(f"    {c.name:<{width}}  {where_it_holds(problem, c)}: {what}")
    if problem.exact:
        lines.append("  exact:       " + ", ".join(problem.exact))
    for r in problem.references:
        lines.append(f"  reference:   {r.name}: {', '.join(r.fields)} from {r.data.path}")
    for q in problem.quantities:
        if q.is_point_values:
            points = ", ".join(("-" if s < 0 else "+") + "(" + ", ".join(f"{c:g}" for c in p) + ")"
                               for p, s in zip(q.on.points, q.on.signs))
            lines.append(f"  quantity:    {q.name} = {format_expr(q.integrand)} at {points}")
            continue
        where = where_on_boundary(q) if q.on is not None else "domain" + (
            f" where {format_expr(q.where)}" if q.where is not None else "")
        lines.append(f"  quantity:    {q.name} = integral over {where} of "
                     f"{format_expr(q.integrand)}")
    return "\n".join(lines)


def _verify_exact(problem: Problem, tol: float, path: str, allow_data: list[str]) -> bool:
    if not problem.exact:
        print(render_diagnostic(Diagnostic(
            f"problem '{problem.name}' has no 'exact:' solution to verify",
            problem.spans.get("problem"))), file=sys.stderr)
        return False
    from pinnlang.compile import verify_exact  # lazily: it needs torch

    reports = verify_exact(problem, tol=tol, allowed_paths=allow_data)
    print(f"{path}: exact solution residuals (tolerance {tol:g}, relative to the scale)")
    ok = True
    for report in reports:
        verdict = "ok" if report.ok else "FAILS"
        print(f"    {report.name:<16} max |residual| = {report.max_abs:.3g}"
              f" (scale {report.scale:.3g})  {verdict}")
        ok = ok and bool(report.ok)
    _exact_quantities(problem)
    return ok


def _exact_quantities(problem: Problem) -> None:
    """Print each quantity of the exact solution (beside its reference value, if any)."""
    if not problem.quantities:
        return
    import math

    import torch

    from pinnlang.compile import compile_problem

    compiled = compile_problem(problem, dtype=torch.float64)
    print("    quantities of the exact solution:")
    for name, value in compiled.quantity_values(compiled.exact_fn, compiled.unknown_initial).items():
        if math.isnan(value.value):
            print(f"    {name:<16} (uses a field without an exact solution)")
            continue
        line = f"    {name:<16} {value.value:.10g}"
        if value.reference is not None:
            line += f"  (reference {value.reference:.10g}, rel. error {value.rel_error:.2e})"
        print(line)


def check_file(path: str, args: argparse.Namespace) -> bool:
    """Check one file, print its summary or diagnostics; return whether it is valid."""
    from pinnlang.checks.rules import check
    from pinnlang.syntax import load

    try:
        problem = load(path, allowed_paths=args.allow_data)
    except PinnUsageError:
        raise
    except PinnError as err:
        print(err.render(), file=sys.stderr)
        return False
    for warning in check(problem, allowed_paths=args.allow_data):
        print(render_diagnostic(warning), file=sys.stderr)
    print(f"{path}: ok")
    print(summary(problem))
    if args.exact:
        return _verify_exact(problem, args.tol, path, args.allow_data)
    return True


def run(args: argparse.Namespace) -> int:
    if args.tol <= 0:
        raise PinnUsageError(f"--tol must be positive, got {args.tol:g}")
    valid = [check_file(path, args) for path in args.files]
    return 0 if all(valid) else 1
