"""What limits the lid-driven cavity: the network, or the physics loss at the lid's corners?

Usage::

    python benchmarks/cavity_corners.py                         # the sharp lid (problems/cavity.pinn)
    python benchmarks/cavity_corners.py --lid smooth            # u = 16 x^2 (1 - x)^2 on the lid
    python benchmarks/cavity_corners.py --corner-rows cut --corner-distance 0.1

Three stages on the 3 x 24 tanh MLP the default training gives the cavity (float64, dense
Levenberg-Marquardt on fixed points, one process):

1. **fit**: the network fitted to the converged flow itself (u, v of
   ``benchmarks/cavity_reference.py``'s finite-element solution at random points): how well a
   network of this size can hold the flow;
2. **pressure**: the equations' rows added (the fit's rows kept at weight ``--keep``), so the
   pressure output fits the flow too;
3. **equations**: Levenberg-Marquardt on the equations and boundary conditions alone, from there.

Each reported row gives the relative L2 errors of u and v at Ghia et al.'s 15 + 15 centre-line
points (against ``pinnlang.reference``'s converged values for the sharp lid, the smooth lid's own
finite-element solution otherwise) and mean squares on fresh points: momentum_x's residual, the
three pdes' farther than 0.1 from the lid's corners, and the lid's residual. ``--corner-rows``
scales every row within ``--corner-distance`` of a corner by ``min(1, d/δ)²`` (``scaled``) or
leaves it out (``cut``). Needs scikit-fem. Findings: ``docs/benchmarks.md``, "The cavity: the loss
decides, not the network".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.func import functional_call, jacrev, vmap

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cavity_reference import at, solve_cavity  # noqa: E402

from pinnlang.reference import relative_l2_error  # noqa: E402
from pinnlang.reference.cavity_converged import converged_centrelines  # noqa: E402

RE = 100.0
CORNERS = torch.tensor([[0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
LIDS = {"sharp": lambda x: 1.0 + 0.0 * x, "smooth": lambda x: 16 * x**2 * (1 - x) ** 2}


class Network:
    """A tanh MLP (2 -> 3: u, v, p) as a function of one flat parameter vector, on [0, 1]²."""

    def __init__(self, width: int, depth: int, seed: int):
        torch.manual_seed(seed)
        layers, size = [], 2
        for _ in range(depth):
            layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
            size = width
        self.module = torch.nn.Sequential(*layers, torch.nn.Linear(size, 3)).double()
        named = list(self.module.named_parameters())
        self.names = [name for name, _ in named]
        self.shapes = [p.shape for _, p in named]
        self.theta = torch.cat([p.detach().reshape(-1) for _, p in named])

    def __call__(self, theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The outputs at one point ``x`` (2,)."""
        params, start = {}, 0
        for name, shape in zip(self.names, self.shapes):
            params[name] = theta[start:start + shape.numel()].reshape(shape)
            start += shape.numel()
        return functional_call(self.module, params, ((2 * x - 1)[None],))[0]


def corner_distance(x: torch.Tensor) -> torch.Tensor:
    return torch.cdist(x, CORNERS).min(dim=1).values


def corner_factors(x: torch.Tensor, mode: str, delta: float) -> torch.Tensor:
    d = corner_distance(x)
    if mode == "scaled":
        return torch.clamp(d / delta, max=1.0) ** 2
    if mode == "cut":
        return (d > delta).double()
    return torch.ones(len(x), dtype=torch.float64)


class Rows:
    """Residual rows ``r(θ)`` and their Jacobian, from per-point functions batched with vmap."""

    def __init__(self, parts):
        self.parts = parts  # (function of (theta, x) -> (k,), points (N, 2), factors (N,))

    def residual(self, theta):
        return torch.cat([(vmap(f, in_dims=(None, 0))(theta, x) * w[:, None]).reshape(-1)
                          for f, x, w in self.parts])

    def jacobian(self, theta):
        return torch.cat([(vmap(jacrev(f), in_dims=(None, 0))(theta, x) * w[:, None, None]).reshape(-1, len(theta))
                          for f, x, w in self.parts])


def levenberg_marquardt(rows: Rows, theta, iterations: int, report, every: int):
    """Dense LM (damping /3 on success, x2 on refusal) for ``iterations``; ``report(i, θ)``
    after the first iteration, every ``every`` and the last."""
    damping = 1e-3
    r = rows.residual(theta)
    loss = float(r @ r)
    eye = torch.eye(len(theta), dtype=theta.dtype)
    for i in range(iterations):
        jac = rows.jacobian(theta)
        gram, gradient = jac.T @ jac, jac.T @ r
        for _ in range(40):
            step = torch.linalg.solve(gram + damping * eye, -gradient)
            trial = rows.residual(theta + step)
            if float(trial @ trial) < loss:
                theta, r, loss = theta + step, trial, float(trial @ trial)
                damping = max(damping / 3, 1e-12)
                break
            damping *= 2
        if i % every == 0 or i == iterations - 1:
            report(i + 1, theta)
    return theta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lid", choices=sorted(LIDS), default="sharp")
    parser.add_argument("--cells", type=int, default=48, help="finite-element cells per side")
    parser.add_argument("--width", type=int, default=24)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--fit-points", type=int, default=3000)
    parser.add_argument("--fit-iterations", type=int, default=120)
    parser.add_argument("--pressure-iterations", type=int, default=25)
    parser.add_argument("--keep", type=float, default=30.0, help="weight of the fit's rows while the pressure fits")
    parser.add_argument("--iterations", type=int, default=30, help="iterations on the equations alone")
    parser.add_argument("--points", type=int, default=3000, help="interior points of the equations")
    parser.add_argument("--side-points", type=int, default=300, help="points per wall and on the lid")
    parser.add_argument("--corner-rows", choices=("all", "scaled", "cut"), default="all")
    parser.add_argument("--corner-distance", type=float, default=0.05)
    parser.add_argument("--every", type=int, default=10, help="report every N iterations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    lid_speed = LIDS[args.lid]
    start = time.perf_counter()
    flow = solve_cavity(args.cells, [RE], quiet=True, lid=None if args.lid == "sharp" else lid_speed)
    reference = converged_centrelines(100)
    centre = {name: torch.tensor(np.asarray(reference.points[name], dtype=np.float64)) for name in ("u", "v")}
    truth = dict(reference.values) if args.lid == "sharp" else {
        name: at(flow[i], centre[name].numpy()) for i, name in enumerate(("u", "v"))}
    net = Network(args.width, args.depth, args.seed)
    rng = np.random.default_rng(args.seed)

    def uniform(n):
        return torch.tensor(rng.random((n, 2)))

    fit_x = uniform(args.fit_points)
    fit_values = torch.tensor(np.stack([at(flow[0], fit_x.numpy()), at(flow[1], fit_x.numpy())], axis=1))

    def fit_part(weight):  # each row carries its point and its target u, v (vmap maps over both)
        points = torch.cat([fit_x, fit_values], dim=1)
        return (lambda theta, z: weight * (net(theta, z[:2])[:2] - z[2:]), points,
                torch.ones(len(points), dtype=torch.float64))

    def pde(theta, x):
        out = net(theta, x)
        grad = jacrev(net, argnums=1)(theta, x)  # reverse mode only: torch's forward-mode rules
        hess = jacrev(jacrev(net, argnums=1), argnums=1)(theta, x)  # warn on first use
        u, v = out[0], out[1]
        lap_u, lap_v = hess[0, 0, 0] + hess[0, 1, 1], hess[1, 0, 0] + hess[1, 1, 1]
        return torch.stack([u * grad[0, 0] + v * grad[0, 1] + grad[2, 0] - lap_u / RE,
                            u * grad[1, 0] + v * grad[1, 1] + grad[2, 1] - lap_v / RE,
                            grad[0, 0] + grad[1, 1]])

    def lid(theta, x):
        out = net(theta, x)
        return torch.stack([out[0] - lid_speed(x[0]), out[1]])

    def wall(theta, x):
        return net(theta, x)[:2]

    n = args.side_points
    side = torch.tensor(rng.random(n))
    lid_x = torch.stack([side, torch.ones(n, dtype=torch.float64)], dim=1)
    wall_x = torch.cat([torch.stack([torch.zeros(n, dtype=torch.float64), torch.tensor(rng.random(n))], dim=1),
                        torch.stack([torch.ones(n, dtype=torch.float64), torch.tensor(rng.random(n))], dim=1),
                        torch.stack([torch.tensor(rng.random(n)), torch.zeros(n, dtype=torch.float64)], dim=1)])
    inner_x = uniform(args.points)
    factors = {name: corner_factors(x, args.corner_rows, args.corner_distance)
               for name, x in (("pde", inner_x), ("lid", lid_x), ("wall", wall_x))}
    equations = [(pde, inner_x, factors["pde"]), (lid, lid_x, factors["lid"]), (wall, wall_x, factors["wall"])]

    fresh = np.random.default_rng(args.seed + 7919)
    fresh_inner = torch.tensor(fresh.random((20000, 2)))
    far = corner_distance(fresh_inner) > 0.1
    fresh_lid = torch.stack([torch.tensor(fresh.random(3000)), torch.ones(3000, dtype=torch.float64)], dim=1)

    print(f"cavity, {args.lid} lid, {args.width}x{args.depth} tanh MLP ({len(net.theta)} parameters), "
          f"corner rows: {args.corner_rows}" + (f" within {args.corner_distance:g}" if args.corner_rows != "all" else ""))
    print("| stage | iterations | u | v | momentum_x, fresh | pdes farther than 0.1 | lid, fresh | s |")
    print("|---|---|---|---|---|---|---|---|")

    def reporter(stage):
        def report(iteration, theta):
            with torch.no_grad():
                errors = [relative_l2_error(vmap(net, in_dims=(None, 0))(theta, centre[name])[:, i].numpy(), truth[name])
                          for i, name in enumerate(("u", "v"))]
                residual = vmap(pde, in_dims=(None, 0))(theta, fresh_inner)
                on_lid = vmap(lid, in_dims=(None, 0))(theta, fresh_lid)
            print(f"| {stage} | {iteration} | {errors[0]:.1e} | {errors[1]:.1e} | "
                  f"{float(residual[:, 0].square().mean()):.1e} | {float(residual[far].square().mean()):.1e} | "
                  f"{float(on_lid.square().mean()):.1e} | {time.perf_counter() - start:.0f} |", flush=True)
        return report

    theta = levenberg_marquardt(Rows([fit_part(1.0)]), net.theta, args.fit_iterations, reporter("fit"),
                                max(args.fit_iterations - 1, 1))
    theta = levenberg_marquardt(Rows(equations + [fit_part(args.keep)]), theta, args.pressure_iterations,
                                reporter("pressure"), max(args.pressure_iterations - 1, 1))
    levenberg_marquardt(Rows(equations), theta, args.iterations, reporter("equations"), args.every)


if __name__ == "__main__":
    main()
