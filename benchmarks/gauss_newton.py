"""Matrix-free Gauss–Newton at PINNacle's size, and dense vs matrix-free on small networks.

``burgers`` (default): a 5×100 MLP (40,801 parameters) on ``problems/burgers.pinn``'s equations
at PINNacle's point counts (8192 ``pde`` points, 1024 initial + 1024 boundary) trains a short
Adam warm-up, then Levenberg–Marquardt iterations on a
:class:`~pinnlang.solver.gauss_newton.MatrixFreeSystem` (fresh points every
``--resample-every`` iterations), printing a row per block of iterations: iteration, loss,
relative L2 error of ``u`` against the Cole–Hopf reference (:mod:`pinnlang.reference.burgers`)
on a 256 × 101 grid, milliseconds per iteration, conjugate-gradient products per iteration and
the peak memory (CPU: the process's peak resident set, ``resource.getrusage``; CUDA:
``torch.cuda.max_memory_allocated``)::

    python benchmarks/gauss_newton.py --minutes 12
    python benchmarks/gauss_newton.py --device cuda --iterations 400

``compare``: ms per Levenberg–Marquardt iteration of the dense and the matrix-free system, and
what :func:`~pinnlang.solver.gauss_newton.make_residual_system` chooses, on
``problems/poisson2d.pinn`` at 3×20 and 3×40::

    python benchmarks/gauss_newton.py compare

``precision``: ``problems/poisson2d.pinn`` in float32 and float64 (``precision = 64``), on the
library's 3×20 MLP (its file's 1000 Adam steps + 200 iterations on fresh points) and on the
network of the energy natural gradient paper (Müller & Zeinhofer 2023, 6e-8 on this problem:
one hidden layer of 64 tanh neurons, a fixed set of 900 interior points, ENGD's Gauss–Newton
step), here trained by 1000 Adam steps and ``--iterations`` Levenberg–Marquardt iterations on
the fixed points; a row per run with the relative L2 error, seconds and peak memory::

    python benchmarks/gauss_newton.py precision --iterations 2000

``gram``: milliseconds for the Gram matrix ``JᵀJ`` of a dense iteration, as one general matrix
product and block by block (:func:`~pinnlang.solver.levenberg_marquardt.symmetric_gram`), at the
sizes of the library's dense phases (residual rows × parameters, float64)::

    python benchmarks/gauss_newton.py gram
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pinnlang  # noqa: E402
from pinnlang.reference.burgers import burgers_cole_hopf  # noqa: E402
from pinnlang.solver.gauss_newton import MatrixFreeSystem, _seconds, make_residual_system  # noqa: E402
from pinnlang.solver.levenberg_marquardt import ResidualSystem, symmetric_gram  # noqa: E402
from pinnlang.solver.lm_optimizer import LevenbergMarquardtOptimizer  # noqa: E402

PROBLEMS = Path(__file__).resolve().parents[1] / "problems"


def peak_memory_mb(device: torch.device) -> float:
    """The peak memory so far: CUDA allocations on a GPU, else the process's peak RSS."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def burgers_error(net: torch.nn.Module, nx: int = 256, nt: int = 101) -> float:
    """Relative L2 error of ``net``'s ``u`` against Cole–Hopf on an ``nx × nt`` grid of [-1, 1] × [0, 1]."""
    x, t = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(0, 1, nt), indexing="ij")
    exact = burgers_cole_hopf(x.ravel(), t.ravel())
    p = next(net.parameters())
    points = torch.as_tensor(np.stack([x.ravel(), t.ravel()], 1), dtype=p.dtype, device=p.device)
    with torch.no_grad():
        u = net(points)[:, 0].double().cpu().numpy()
    return float(np.linalg.norm(u - exact) / np.linalg.norm(exact))


def _parts(module, batches):
    weights = [float(w) for w in module.loss_weights.weights.tolist()]
    return module.net, module.unknowns, module.compiled.conditions, batches, weights


def run_burgers(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    problem = pinnlang.load(str(PROBLEMS / "burgers.pinn"))
    warm = pinnlang.solve(problem, steps=args.warmup, lm_steps=0, lm_resample_every=0, model="mlp",
                          width=args.width, depth=args.depth, points=args.pde_points,
                          boundary_points=args.other_points, lr=1e-3,
                          seed=args.seed, accelerator=args.device, threads=args.threads, quiet=True)
    module = warm.module
    device = next(module.net.parameters()).device
    module.use_engine(args.engine)
    print(f"Adam warm-up: {args.warmup} steps in {time.perf_counter() - start:.0f} s, "
          f"u error {burgers_error(module.net):.3e}, peak memory {peak_memory_mb(device):.0f} MB")
    round_index = module.points_round()

    def system(batches):
        return MatrixFreeSystem(*_parts(module, batches), tolerance=args.tolerance, max_iterations=args.cg_max)

    current = system(module.training_points())
    method = LevenbergMarquardtOptimizer(current.parameters)
    print(f"{current.size} parameters, {current.rows} residual rows, engine {args.engine}, "
          f"CG tolerance {args.tolerance:g}, at most {args.cg_max} products per linearisation")
    print(f"{'iteration':>9} {'loss':>10} {'u L2 error':>11} {'ms/iter':>8} {'cpu ms':>8} {'CG/iter':>8} "
          f"{'damping':>8} {'peak MB':>8}")
    block_seconds, block_cpu, block_products, best = 0.0, 0.0, 0, math.inf
    deadline = start + 60 * args.minutes if args.minutes > 0 else math.inf
    for iteration in range(1, args.iterations + 1):
        if args.resample_every and iteration > 1 and (iteration - 1) % args.resample_every == 0:
            round_index += 1
            current = system(module.draw_round(round_index))
        tick, cpu = time.perf_counter(), time.process_time()
        block_products += _iterate(method, current, round_index)
        block_seconds += time.perf_counter() - tick
        block_cpu += time.process_time() - cpu
        last = iteration == args.iterations or time.perf_counter() >= deadline or method.stalled
        if iteration % args.every == 0 or last:
            count = iteration % args.every or args.every
            error = burgers_error(module.net)
            best = min(best, error)
            print(f"{iteration:>9} {method.record['loss']:>10.3e} {error:>11.3e} "
                  f"{1000 * block_seconds / count:>8.0f} {1000 * block_cpu / count:>8.0f} "
                  f"{block_products / count:>8.1f} {method.damping:>8.1e} {peak_memory_mb(device):>8.0f}",
                  flush=True)
            block_seconds, block_cpu, block_products = 0.0, 0.0, 0
        if last:
            break
    print(f"best u error {best:.3e}; total {time.perf_counter() - start:.0f} s")


def _iterate(method: LevenbergMarquardtOptimizer, system, round_index: int = 0) -> int:
    """One iteration of ``method`` on ``system``; the products with ``JᵀJ`` it took (matrix-free)."""
    before = getattr(system, "products", 0)
    method.step(lambda: (system, round_index))
    return getattr(system, "products", 0) - before


def run_compare(args: argparse.Namespace) -> None:
    problem = pinnlang.load(str(PROBLEMS / "poisson2d.pinn"))
    print(f"{'network':>8} {'params':>7} {'rows':>6} {'system':>12} {'ms/iter':>8} {'CG/iter':>8} "
          f"{'loss after':>11}")
    for width in args.widths:
        warm = pinnlang.solve(problem, steps=args.warmup, lm_steps=0, lm_resample_every=0, model="mlp",
                              width=width, depth=3, seed=args.seed, threads=args.threads, quiet=True)
        module = warm.module
        module.use_engine("forward")
        batches = module.training_points()
        start_params = {k: v.clone() for k, v in ResidualSystem(*_parts(module, batches)).current().items()}
        chosen = make_residual_system(*_parts(module, batches))[1]
        for name, build in (("dense", ResidualSystem),
                            ("matrix-free", lambda *a: MatrixFreeSystem(*a, tolerance=args.tolerance,
                                                                        max_iterations=args.cg_max))):
            system = build(*_parts(module, batches))
            system.assign(start_params)
            _iterate(LevenbergMarquardtOptimizer(system.parameters), system)  # warm up
            system.assign(start_params)
            method = LevenbergMarquardtOptimizer(system.parameters)
            tick, products = time.perf_counter(), 0
            for _ in range(args.compare_iterations):
                products += _iterate(method, system)
            ms = 1000 * (time.perf_counter() - tick) / args.compare_iterations
            cg = f"{products / args.compare_iterations:.1f}" if name != "dense" else "-"
            print(f"{f'3x{width}':>8} {system.size:>7} {len(system.residual()):>6} {name:>12} {ms:>8.1f} "
                  f"{cg:>8} {method.record['loss']:>11.3e}")
        print(f"  auto: {chosen}")


#: (label, settings) of the ``precision`` runs; ``lm_steps`` None: ``--iterations``.
PRECISION_RUNS = (
    ("3x20, 200 LM on fresh points", dict(width=20, depth=3, lm_steps=200, lm_resample_every=5)),
    ("1x64, LM on 900 fixed points", dict(width=64, depth=1, lm_steps=None, lm_resample_every=0, points=900)),
)


def run_precision(args: argparse.Namespace) -> None:
    problem = pinnlang.load(str(PROBLEMS / "poisson2d.pinn"))
    print(f"{'network and phase':<32} {'precision':>9} {'LM iter':>8} {'L2 rel. error u':>16} {'seconds':>8} "
          f"{'peak MB':>8}")
    for label, settings in PRECISION_RUNS:
        for precision in (32, 64):
            run = dict(settings, lm_steps=settings["lm_steps"] or args.iterations)
            tick = time.perf_counter()
            result = pinnlang.solve(problem, steps=1000, precision=precision, seed=args.seed,
                                    threads=args.threads, accelerator=args.device, quiet=True, **run)
            seconds = time.perf_counter() - tick
            print(f"{label:<32} {precision:>9} {run['lm_steps']:>8} {result.errors()['u']:>16.3e} "
                  f"{seconds:>8.1f} {peak_memory_mb(torch.device(args.device)):>8.0f}", flush=True)


#: (what, residual rows, parameters) of dense Levenberg-Marquardt phases the library runs.
GRAM_SIZES = (
    ("poisson2d, 3x20", 2000, 921),
    ("heat_nd, 3x20", 3002, 1001),
    ("heat_nd, 3x28 (widened)", 3002, 1849),
    ("cavity, 3x24", 8832, 1347),
    ("cavity, 3x24, 4x points", 35328, 1347),
    ("wave1d, 3x32", 2500, 2241),
)


def _best_seconds(work, repeats: int = 3) -> float:
    """The fastest of ``repeats`` timings of ``work()`` after a warm-up (``_seconds`` waits for
    queued GPU kernels)."""
    work()
    return min(_seconds(work) for _ in range(repeats))


def run_gram(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"threads {torch.get_num_threads()}, device {device}")
    print(f"{'phase':<26} {'rows':>6} {'params':>6} {'J.T @ J ms':>11} {'blocks ms':>10} {'speed-up':>9} "
          f"{'max rel. diff':>14}")
    generator = torch.Generator().manual_seed(args.seed)
    for label, rows, columns in GRAM_SIZES:
        jac = torch.randn(rows, columns, generator=generator, dtype=torch.float64).to(device)
        whole = _best_seconds(lambda: jac.T @ jac)
        blocks = _best_seconds(lambda: symmetric_gram(jac))
        want = jac.T @ jac
        diff = float((symmetric_gram(jac) - want).abs().max() / want.abs().max())
        print(f"{label:<26} {rows:>6} {columns:>6} {1000 * whole:>11.1f} {1000 * blocks:>10.1f} "
              f"{whole / blocks:>8.2f}x {diff:>14.1e}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="burgers", choices=("burgers", "compare", "precision", "gram"))
    parser.add_argument("--warmup", type=int, default=None, help="Adam steps first (burgers 500, compare 300)")
    parser.add_argument("--width", type=int, default=100, help="burgers: the MLP's width")
    parser.add_argument("--depth", type=int, default=5, help="burgers: the MLP's hidden layers")
    parser.add_argument("--pde-points", type=int, default=8192, help="burgers: pde points")
    parser.add_argument("--other-points", type=int, default=1024, help="burgers: initial and boundary points each")
    parser.add_argument("--iterations", type=int, default=1000, help="Levenberg-Marquardt iterations at most")
    parser.add_argument("--minutes", type=float, default=12.0, help="stop the burgers run after this (0: never)")
    parser.add_argument("--every", type=int, default=5, help="a table row every this many iterations")
    parser.add_argument("--resample-every", type=int, default=5, help="fresh points every K iterations (0: never)")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="CG stops at this residual relative to |J^T rho|")
    parser.add_argument("--cg-max", type=int, default=100, help="products with J^T J per linearisation at most")
    parser.add_argument("--engine", choices=("forward", "autograd"), default="forward")
    parser.add_argument("--compare-iterations", type=int, default=10)
    parser.add_argument("--widths", type=lambda text: [int(w) for w in text.split(",")], default=[20, 40],
                        help="compare: the widths of the 3-layer networks (comma-separated)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: the run's default)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = 500 if args.what == "burgers" else 300
    {"burgers": run_burgers, "compare": run_compare, "precision": run_precision, "gram": run_gram}[args.what](args)


if __name__ == "__main__":
    main()
