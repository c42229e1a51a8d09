"""Small problems built directly as IR objects, and closed-form "networks" for the tests."""

from __future__ import annotations

import sympy as sp
import torch

from pinnlang.problem import Condition, Problem, TimeAxis

x, y, z, t = sp.symbols("x y z t")
u, v = sp.Function("u"), sp.Function("v")


def problem_with(
    *conditions: Condition,
    space=(x,),
    domain=None,
    time: tuple[float, float] | None = None,
    fields=(u,),
    **kwargs,
) -> Problem:
    """A problem over ``space`` (× time) with the given conditions."""
    axis = TimeAxis(t, *time) if time is not None else None
    return Problem(
        "test",
        space_coords=tuple(space),
        domain=domain,
        time_axis=axis,
        fields=tuple(fields),
        conditions=list(conditions),
        **kwargs,
    )


def pde(lhs, rhs=0, name: str = "pde", **options) -> Condition:
    return Condition("pde", name, sp.Eq(lhs, rhs, evaluate=False), options=options)


def boundary(lhs, rhs=0, name: str = "boundary", on=None, where=None, **options) -> Condition:
    return Condition(
        "boundary", name, sp.Eq(lhs, rhs, evaluate=False), on=on, where=where, options=options
    )


def initial(lhs, rhs=0, name: str = "initial", **options) -> Condition:
    return Condition("initial", name, sp.Eq(lhs, rhs, evaluate=False), options=options)


class CountingGrad:
    """Counts ``torch.autograd.grad`` calls made while installed (an independent check)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        original = torch.autograd.grad

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(torch.autograd, "grad", counted)
