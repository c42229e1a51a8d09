"""Milliseconds per training step and peak step memory: hand-written loop vs the forward path.

Usage::

    python benchmarks/speed.py            # every problem at its default and "pinnacle" size
    python benchmarks/speed.py --quick    # default sizes only, fewer repeats
    python benchmarks/speed.py --problems burgers poisson2d --sizes default --no-compile

Every column trains the same network (same seed, so the same initial weights) on the same points
with the same loss; only how the derivatives are computed differs:

- ``handwritten``: the plain loop of ``benchmarks/handwritten.py`` (nested ``autograd.grad``);
- ``forward``: :func:`pinnlang.compile.forward_mode.forward_channels` (value and derivatives
  propagated forward, then one ordinary backward);
- ``forward+compile``: the same loss under ``torch.compile`` (the step's backward and the Adam
  update stay eager);
- ``pinnlang``: the problem written in the language (:data:`PINN_SOURCES`), compiled with
  ``compile_problem(..., engine="forward")``, its ``losses`` summed, backward and Adam, on the zoo
  ``mlp`` holding the same weights and on the same points. Its gap to ``forward`` is the
  compiler's own overhead (lowered residual closures, derivative plans, per-condition evaluation).

Timing: ``torch.set_num_threads(2)`` (``--threads``), warm-up steps first, then rounds in which every column runs a
few steps in turn (interleaved, so load from other processes hits all columns alike); the table
gives the median milliseconds per step over all rounds, and each column's ratio to ``handwritten``.

Memory: the peak of live tensor bytes during one training step, measured with torch's profiler
(``profile_memory=True``): allocations minus frees summed in time order, relative to the start of
the step (so the parameters, points and optimiser state from before the step are not counted,
gradients and autograd's saved tensors are). ``resource.getrusage`` max RSS would include
allocator slack and, for the compiled column, the compiler's own memory.

- ``deepxde``: the same problem written with DeepXDE's PyTorch backend (its own network class,
  point sampling and derivative helpers; same network shape, point counts and learning rate),
  when DeepXDE is installed (``benchmarks/deepxde_cases.py``).
- ``pina``: the same problem written with PINA (its problem, domain and condition classes,
  ``FeedForward`` holding the same initial weights, its ``grad``/``laplacian`` operators, its PINN
  solver's ``training_step`` and Adam; same point counts, PINA draws the points), when PINA
  (``pina-mathlab``) is installed (``benchmarks/pina_cases.py``).

Adding a column is one function: decorate ``(problem, size, seed) -> step`` with ``@column(name)``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import deepxde_cases  # noqa: E402
import handwritten  # noqa: E402
import pina_cases  # noqa: E402
from handwritten import BURGERS_NU, HEAT_ALPHA, HandwrittenCase, all_cases, build_case  # noqa: E402

import pinnlang  # noqa: E402
from pinnlang.compile import Batch, compile_problem  # noqa: E402
from pinnlang.compile.forward_mode import DerivativeRequest, forward_channels  # noqa: E402
from pinnlang.models import build_model  # noqa: E402

Step = Callable[[], Tensor]
#: Column name -> builder ``(problem, size, seed) -> step``.
COLUMNS: dict[str, Callable[[str, str, int], Step]] = {}


def column(name: str) -> Callable[[Callable[[str, str, int], Step]], Callable[[str, str, int], Step]]:
    """Register a column of the table: a function building a training ``step()``."""

    def register(build: Callable[[str, str, int], Step]) -> Callable[[str, str, int], Step]:
        COLUMNS[name] = build
        return build

    return register


def forward_loss(case: HandwrittenCase) -> Callable[[], Tensor]:
    """The loss of ``case`` with its interior derivatives from the forward path."""
    linears = [m for m in case.model if isinstance(m, nn.Linear)]
    model, pts = case.model, case.points
    interior = pts["interior"]
    if case.name in ("burgers", "heat1d"):
        burgers = case.name == "burgers"
        request = DerivativeRequest.of(first=[0, 1] if burgers else [1], second=[0])

        def loss() -> Tensor:
            u, d = forward_channels(linears, "tanh", interior, request)
            if burgers:
                pde = d[(1,)] + u * d[(0,)] - BURGERS_NU * d[(0, 0)]
            else:
                pde = d[(1,)] - HEAT_ALPHA * d[(0, 0)]
            ic = model(pts["initial"])[:, 0] - pts["u0"]
            bc = model(pts["boundary"])[:, 0]
            return pde.square().mean() + ic.square().mean() + bc.square().mean()

        return loss
    dim = interior.shape[1]
    request = DerivativeRequest.of(laplacian=range(dim))
    source = pts["source"]

    def poisson_loss() -> Tensor:
        _, d = forward_channels(linears, "tanh", interior, request)
        pde = -d["laplacian"][:, 0] - source
        bc = model(pts["boundary"])[:, 0]
        return pde.square().mean() + bc.square().mean()

    return poisson_loss


def _step_of(case: HandwrittenCase, loss: Callable[[], Tensor]) -> Step:
    def step() -> Tensor:
        case.optimizer.zero_grad(set_to_none=True)
        value = loss()
        value.backward()
        case.optimizer.step()
        return value.detach()

    return step


def _checked_forward_case(problem: str, size: str, seed: int) -> tuple[HandwrittenCase, Callable[[], Tensor]]:
    case = build_case(problem, size, seed)
    loss = forward_loss(case)
    want, got = float(case.loss().detach()), float(loss().detach())
    if abs(got - want) > 1e-4 * max(1.0, abs(want)):
        raise AssertionError(f"{problem}/{size}: forward loss {got} != hand-written loss {want}")
    return case, loss


@column("handwritten")
def handwritten_step(problem: str, size: str, seed: int) -> Step:
    """The hand-written loop with nested ``torch.autograd.grad``."""
    return build_case(problem, size, seed).step


@column("forward")
def forward_step(problem: str, size: str, seed: int) -> Step:
    """The same loss with derivatives from the forward path."""
    case, loss = _checked_forward_case(problem, size, seed)
    return _step_of(case, loss)


@column("forward+compile")
def compiled_forward_step(problem: str, size: str, seed: int) -> Step:
    """The forward-path loss compiled with ``torch.compile`` (the whole graph, no breaks)."""
    case, loss = _checked_forward_case(problem, size, seed)
    torch._dynamo.reset()  # each case compiles afresh, as in a new process
    return _step_of(case, torch.compile(loss, fullgraph=True, dynamic=False))


def _poisson_source(dim: int) -> str:
    names = [f"x{i + 1}" for i in range(dim)]
    sines = "*".join(f"sin(pi*{n})" for n in names)
    box = ", ".join("[0, 1]" for _ in names)
    return (f"problem poisson{dim}d\nspace ({', '.join(names)}) in box({box})\nfield u\n"
            f"pde: -laplacian(u) = {dim}*pi^2*{sines}\nboundary: u = 0\n")


#: The hand-written problems of ``handwritten.py`` in the language (same equations and constants).
PINN_SOURCES = {
    "burgers": "problem burgers\nconst nu = 0.01/pi\nspace x in [-1, 1]\ntime t in [0, 1]\n"
               "field u\npde: d(u, t) + u*d(u, x) = nu*d(u, x, x)\ninitial: u = -sin(pi*x)\n"
               "boundary: u = 0\n",
    "heat1d": "problem heat1d\nconst alpha = 0.1\nspace x in [0, 1]\ntime t in [0, 1]\nfield u\n"
              "pde: d(u, t) = alpha*d(u, x, x)\ninitial: u = sin(pi*x)\nboundary: u = 0\n",
    "poisson2d": _poisson_source(2),
    "poisson3d": _poisson_source(3),
    "poisson5d": _poisson_source(5),
}


@column("pinnlang")
def pinnlang_step(problem: str, size: str, seed: int) -> Step:
    """``compile_problem(..., engine="forward").losses`` + backward + Adam on the same net and points."""
    case = build_case(problem, size, seed)
    linears = [m for m in case.model if isinstance(m, nn.Linear)]
    in_dim, width, depth = linears[0].in_features, linears[0].out_features, len(linears) - 1
    net = build_model("mlp", in_dim, 1, width=width, depth=depth, activation="tanh")
    if len(net.linears) != len(linears):
        raise AssertionError("the zoo mlp does not have the hand-written network's layers")
    with torch.no_grad():
        for mine, theirs in zip(net.linears, linears):
            mine.weight.copy_(theirs.weight)
            mine.bias.copy_(theirs.bias)
    compiled = compile_problem(pinnlang.parse(PINN_SOURCES[problem]), engine="forward")
    pts = case.points
    batches = {"pde": Batch(pts["interior"]), "boundary": Batch(pts["boundary"])}
    if "initial" in pts:
        batches["initial"] = Batch(pts["initial"])
    optimizer = torch.optim.Adam(net.parameters(), lr=case.optimizer.param_groups[0]["lr"])

    def loss() -> Tensor:
        return sum(compiled.losses(net, batches).values())

    want, got = float(case.loss().detach()), float(loss().detach())
    if abs(got - want) > 1e-4 * max(1.0, abs(want)):
        raise AssertionError(f"{problem}/{size}: pinnlang loss {got} != hand-written loss {want}")

    def step() -> Tensor:
        optimizer.zero_grad(set_to_none=True)
        value = loss()
        value.backward()
        optimizer.step()
        return value.detach()

    return step


if deepxde_cases.available():  # an optional extra (see benchmarks/deepxde_cases.py)
    column("deepxde")(deepxde_cases.deepxde_step)

if pina_cases.available():  # an optional extra (see benchmarks/pina_cases.py)
    column("pina")(pina_cases.pina_step)


def time_columns(
    steps: dict[str, Step], warmup: int, rounds: int, per_round: int, clock: str = "wall"
) -> dict[str, float]:
    """Median milliseconds per step of each column, interleaving the columns round by round.

    ``clock="cpu"`` measures this process's CPU time instead of wall time (steadier when other
    processes share the machine; with several threads it adds up their time).
    """
    now = time.process_time if clock == "cpu" else time.perf_counter
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = now()
            for _ in range(per_round):
                step()
            samples[name].append((now() - start) * 1e3 / per_round)
    return {name: statistics.median(s) for name, s in samples.items()}


def peak_step_memory(step: Step) -> int:
    """Peak live tensor bytes during one call of ``step`` (torch profiler, CPU memory)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    live = peak = 0
    for event in sorted(prof.events(), key=lambda e: e.time_range.start):
        live += event.self_cpu_memory_usage
        peak = max(peak, live)
    return peak


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    names = [n for n in COLUMNS if args.compile or "compile" not in n]
    rows = []
    for problem, size in all_cases():
        if problem not in args.problems or size not in args.sizes:
            continue
        start = time.perf_counter()
        steps = {name: COLUMNS[name](problem, size, args.seed) for name in names}
        for step in steps.values():
            step()  # compiles the compiled columns
        setup_s = time.perf_counter() - start
        times = time_columns(steps, args.warmup, args.rounds, args.per_round, args.clock)
        memory = {name: peak_step_memory(step) for name, step in steps.items()}
        rows.append({"problem": problem, "size": size, "ms": times, "mb": memory, "setup_s": setup_s})
        print_row(rows[-1], names, header=len(rows) == 1)
    return rows


def print_row(row: dict, names: list[str], header: bool) -> None:
    if header:
        cells = ["problem", "size"] + [f"{n} ms" for n in names]
        cells += [f"{n}/hw" for n in names[1:]] + [f"{n} MB" for n in names]
        print(" | ".join(f"{c:>16s}" for c in cells))
    ms, mb = row["ms"], row["mb"]
    base = ms["handwritten"]
    cells = [row["problem"], row["size"]] + [f"{ms[n]:.2f}" for n in names]
    cells += [f"{ms[n] / base:.2f}x" for n in names[1:]] + [f"{mb[n] / 2**20:.1f}" for n in names]
    print(" | ".join(f"{c:>16s}" for c in cells), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="default sizes only, fewer repeats")
    parser.add_argument("--no-compile", dest="compile", action="store_false",
                        help="skip the torch.compile column")
    parser.add_argument("--problems", nargs="+", default=list(handwritten.PROBLEMS))
    parser.add_argument("--sizes", nargs="+", default=["tiny", "default", "pinnacle"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall time (default) or this process's CPU time")
    args = parser.parse_args(argv)
    args.warmup, args.rounds, args.per_round = (3, 5, 3) if args.quick else (10, 15, 5)
    if args.quick:
        args.sizes = [s for s in args.sizes if s != "pinnacle"]
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.clock} clock, median of {args.rounds} interleaved rounds x {args.per_round} "
          "steps, float32; MB = peak live tensor memory of one step (torch profiler)")
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
