"""Speed of residual evaluation: pinnlang's derivative engine against naive autograd.

For three problems, the same network and points, this times

- *residual*: forward + derivatives + residual (graphs kept for training), and
- *+ backward*: the same, then the mean squared residual back-propagated to the parameters,

once through the compiled pinnlang condition (the derivative tree: one ``torch.autograd.grad``
call per tree node with children) and once through a naive hand-written residual that calls
``torch.autograd.grad`` once per derivative, each built from scratch (``u_xx`` re-derives
``u_x``). It prints the median milliseconds of repeated runs and the ratio naive / pinnlang.

    python benchmarks/derivatives.py [--repeats 30] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp
import torch

from pinnlang.compile import Batch, compile_problem
from pinnlang.geometry import Box, Interval, Rectangle
from pinnlang.problem import Condition, Constant, Problem, TimeAxis

x, y, z, t = sp.symbols("x y z t")
u = sp.Function("u")
NU = 0.01 / np.pi


def tanh_mlp(in_dim: int, width: int, depth: int) -> torch.nn.Sequential:
    """``depth`` hidden tanh layers of ``width``."""
    layers: list[torch.nn.Module] = []
    size = in_dim
    for _ in range(depth):
        layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
        size = width
    layers.append(torch.nn.Linear(size, 1))
    return torch.nn.Sequential(*layers)


def grad(outputs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    (g,) = torch.autograd.grad(outputs.sum(), x, create_graph=True)
    return g


# ---------------------------------------------------------------------- naive residuals
def naive_burgers(net, X):
    X = X.detach().requires_grad_(True)
    value = net(X)[:, 0]
    u_t = grad(net(X)[:, 0], X)[:, 1]
    u_x = grad(net(X)[:, 0], X)[:, 0]
    u_xx = grad(grad(net(X)[:, 0], X)[:, 0], X)[:, 0]
    return u_t + value * u_x - NU * u_xx


def naive_laplacian(forcing: Callable[[torch.Tensor], torch.Tensor]):
    def residual(net, X):
        X = X.detach().requires_grad_(True)
        total = 0
        for axis in range(X.shape[1]):
            total = total + grad(grad(net(X)[:, 0], X)[:, axis], X)[:, axis]
        return -total - forcing(X.detach())

    return residual


def poisson_forcing(X):
    return 2 * np.pi**2 * torch.sin(np.pi * X[:, 0]) * torch.sin(np.pi * X[:, 1])


def no_forcing(X):
    return torch.zeros(X.shape[0], dtype=X.dtype)


# ---------------------------------------------------------------------- problems
def burgers() -> Problem:
    U = u(x, t)
    nu = sp.Symbol("nu")
    return Problem(
        "burgers", space_coords=(x,), domain=Interval(-1.0, 1.0), time_axis=TimeAxis(t, 0.0, 1.0),
        constants=(Constant(nu, sp.Float(0.01) / sp.pi),), fields=(u,),
        conditions=[Condition("pde", "pde", sp.Eq(U.diff(t) + U * U.diff(x), nu * U.diff(x, 2)))],
    )


def poisson2d() -> Problem:
    U = u(x, y)
    forcing = 2 * sp.pi**2 * sp.sin(sp.pi * x) * sp.sin(sp.pi * y)
    return Problem(
        "poisson", space_coords=(x, y), domain=Rectangle((0.0, 1.0), (0.0, 1.0)), fields=(u,),
        conditions=[Condition("pde", "pde", sp.Eq(-(U.diff(x, 2) + U.diff(y, 2)), forcing))],
    )


def laplace3d() -> Problem:
    U = u(x, y, z)
    return Problem(
        "laplace3d", space_coords=(x, y, z), domain=Box((0.0,) * 3, (1.0,) * 3), fields=(u,),
        conditions=[Condition("pde", "pde", sp.Eq(-sum(U.diff(c, 2) for c in (x, y, z)), 0))],
    )


@dataclass
class Case:
    name: str
    problem: Callable[[], Problem]
    naive: Callable
    width: int
    depth: int
    points: int
    naive_grad_calls: int


CASES = [
    Case("Burgers (x, t)", burgers, naive_burgers, 20, 8, 2540, 4),
    Case("Poisson 2-D", poisson2d, naive_laplacian(poisson_forcing), 50, 4, 2000, 4),
    Case("Laplace 3-D", laplace3d, naive_laplacian(no_forcing), 50, 4, 2000, 6),
]


def median_ms(fns: list[Callable[[], object]], repeats: int, warmup: int = 3) -> list[float]:
    """Median milliseconds of each function, timed interleaved (so load changes hit all alike)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, bucket in zip(fns, samples):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [1000 * statistics.median(bucket) for bucket in samples]


def run(repeats: int) -> list[dict]:
    rows = []
    for case in CASES:
        torch.manual_seed(0)
        compiled = compile_problem(case.problem())
        (cond,) = compiled.conditions
        batch: Batch = cond.sample(case.points, np.random.default_rng(0))
        net = tanh_mlp(batch.x.shape[1], case.width, case.depth)

        def ours():
            return cond.residual(net, batch, {})

        def theirs():
            return case.naive(net, batch.x)

        def with_backward(residual_fn):
            def step():
                net.zero_grad(set_to_none=True)
                residual_fn().square().mean().backward()

            return step

        difference = float((ours()[:, 0] - theirs()).detach().abs().max())
        grad_calls = cond.evaluate(net, batch, {}).derivatives.grad_calls
        timings = median_ms(
            [ours, theirs, with_backward(ours), with_backward(theirs)], repeats
        )
        row = dict(
            case=case.name, points=case.points, net=f"{case.depth}x{case.width}",
            calls=(grad_calls, case.naive_grad_calls), difference=difference,
            ours=timings[0], naive=timings[1], ours_bw=timings[2], naive_bw=timings[3],
        )
        rows.append(row)
    return rows


def print_table(rows: list[dict]) -> None:
    print(
        "| problem | net | points | grad calls (pinnlang / naive) | residual ms: pinnlang | naive "
        "| ratio | + backward ms: pinnlang | naive | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['net']} tanh | {r['points']} | {r['calls'][0]} / {r['calls'][1]} "
            f"| {r['ours']:.2f} | {r['naive']:.2f} | {r['naive'] / r['ours']:.2f}x "
            f"| {r['ours_bw']:.2f} | {r['naive_bw']:.2f} | {r['naive_bw'] / r['ours_bw']:.2f}x |"
        )
    worst = max(r["difference"] for r in rows)
    print(f"\nlargest |pinnlang - naive| residual difference: {worst:.1e} (float32)")
    threads = torch.get_num_threads()
    print(f"torch {torch.__version__}, {threads} thread(s), median of interleaved repeated runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print_table(run(args.repeats))


if __name__ == "__main__":
    main()
