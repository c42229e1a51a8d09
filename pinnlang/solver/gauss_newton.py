"""Gauss–Newton for any network and any size: a matrix-free residual system and the dense/matrix-free choice.

The dense :class:`~pinnlang.solver.levenberg_marquardt.ResidualSystem` forms the Jacobian ``J``
(``R × P``, residual rows × parameters) through the forward derivative engine. That is the
fastest solve for a few thousand parameters, but its memory is ``R·P`` and its Gram matrix costs
``R·P²``: a 5×100 MLP (41k parameters) on 10k points would need 3.3 GB for ``J`` and 1.7·10¹³
flops per iteration. :class:`MatrixFreeSystem` solves the same damped normal equations

    (JᵀJ + μI) δ = −Jᵀρ

by conjugate gradients (Lanczos, :mod:`pinnlang.solver.krylov`) from products with ``J`` and
``Jᵀ`` only, so its memory grows with points + parameters (the autograd graph of one batch, and
the Krylov basis), never with their product:

- ``Jᵀu`` is one reverse pass, ``torch.autograd.grad(ρ, θ, u)``, through the graph of ``ρ``
  built once per iteration by :meth:`MatrixFreeSystem.prepare`;
- ``Jv`` is the double-vjp trick: ``g(u) = Jᵀu`` is linear in ``u``, so ``Jv = ∂⟨g(u), v⟩/∂u``,
  one reverse pass through the (cached) graph of ``g``. It needs nothing but autograd, so it
  works for every network — the zoo's Fourier-feature, SIREN, modified MLP and ResNet models
  and a user's own ``nn.Module`` — with either derivative engine (the autograd engine builds the
  residual's input derivatives with ``create_graph``, so ``ρ`` is differentiable in ``θ``).
  Measured on Burgers with a 5×100 MLP and 10,240 rows (one thread): 0.42 s per ``Jv`` this
  way, 1.6 s by forward mode (``torch.func.jvp`` through the forward engine) and 0.60 s from
  ``torch.func.linearize`` (after 8 s of tracing); ``Jᵀu`` 0.32 s.

The solve stops when the residual of the normal equations is below ``tolerance · ‖Jᵀρ‖`` (an
inexact Newton step) or after ``max_iterations`` products; a retry at a larger damping at the
same point reuses the Krylov basis and usually costs no product at all.

Why not a library: ``curvlinops-for-pytorch`` gives the GGN as a linear operator over a model's
outputs on a data loader; here the "outputs" are residuals built from input derivatives of the
network, its operator recomputes the forward pass at every product instead of reusing one
linearisation per iteration, and it knows no all-reduce across processes. ``scipy.sparse.linalg``
would move every product through numpy (no GPU) and restart for every damping.

With several processes every rank holds its own rows; ``reduce`` (an all-reduce sum) is applied
to ``Jᵀρ`` and to every ``JᵀJv``, so every rank builds the same basis and takes the same step.

:func:`make_residual_system` chooses dense or matrix-free for a run (:func:`choose_mode`).
"""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Mapping

import torch
from torch import Tensor, nn
from torch.func import functional_call

from pinnlang.compile.conditions import Batch
from pinnlang.solver.krylov import ShiftedLanczos
from pinnlang.solver.levenberg_marquardt import (ResidualSystem, TrainedParameters, symmetric_gram, total_count,
                                                 unsupported_network)
from pinnlang.solver.points import take
from pinnlang.solver.robust import Reduce, huber_factors, stacked_factors

#: Relative tolerance of the damped solves: stop when ‖JᵀJδ + μδ + Jᵀρ‖ ≤ this · ‖Jᵀρ‖.
CG_TOLERANCE = 1e-3
#: Products with JᵀJ per linearisation at most (the Krylov basis size).
CG_MAX_ITERATIONS = 100
#: Share of the available memory the dense Jacobian and Gram matrix may take.
DENSE_MEMORY_SHARE = 0.25
#: How many times a matrix-free iteration's cost a dense one may take and still be chosen: the
#: dense step solves the damped normal equations exactly, the matrix-free one stops after
#: :data:`CG_MAX_ITERATIONS` products, an inexact step that can be worth far less. Measured on
#: Helmholtz (3x28, 4375 rows): 20 dense iterations reached u 2.8e-3, 95 matrix-free ones
#: 3.0e-3 (95 dense ones 4.1e-4); on the 5-D heat problem (3x20, 3002 rows) 55 iterations of
#: either reached 3.2e-4 / 3.7e-4. The estimates it compares are within 3x of the real costs.
EXACT_STEP_WORTH = 2.0


class _StackedResidual(nn.Module):
    """``ρ`` of a whole run as a module whose parameters are the network's and the unknowns'
    (so ``functional_call`` can evaluate it at other parameters)."""

    def __init__(self, net: nn.Module, unknowns: nn.ParameterDict,
                 parts: list[tuple[Any, Batch, float]]):
        super().__init__()
        self.net = net
        self.unknowns = unknowns
        self.parts = parts  # (condition, its batch, √(w / (N k)))
        self.factors: Tensor | None = None  # Huber factors of the rows (pinnlang.solver.robust)

    def forward(self, create_graph: bool = True) -> Tensor:
        pieces = [scale * cond.residual(self.net, batch, dict(self.unknowns), create_graph=create_graph).reshape(-1)
                  for cond, batch, scale in self.parts]
        rho = torch.cat(pieces)
        return rho if self.factors is None else rho * self.factors.to(rho.dtype)


class MatrixFreeSystem(TrainedParameters):
    """The stacked, weighted residual ``ρ(θ)`` of a run and damped Gauss–Newton steps from
    Jacobian products, never forming ``J`` (the residual-system interface of
    :class:`~pinnlang.solver.levenberg_marquardt.ResidualSystem`).

    Args:
        net: Any network (``(N, in_dim) -> (N, n_fields)``).
        unknowns: The problem's unknowns (possibly empty); they are parameters too.
        conditions: The compiled conditions (with whichever derivative engine they use).
        batches: Condition name -> its points (this process's).
        weights: The weight of every condition, in the order of ``conditions``.
        reduce: Sum over processes (all-reduce), or ``None`` in one process.
        robust: Huber's threshold over each condition's median residual
            (:func:`~pinnlang.solver.robust.huber_factors`); 0: plain least squares.
        tolerance, max_iterations: The damped solves' stopping rule.

    Attributes:
        rows, local_rows: Residual rows over all processes, and this process's.
        cg_iterations: Products with ``JᵀJ`` at the current linearisation so far.
        products: Products with ``JᵀJ`` of every damped solve so far.
    """

    def __init__(self, net: nn.Module, unknowns: nn.ParameterDict, conditions: Any,
                 batches: Mapping[str, Batch], weights: list[float], *, reduce: Reduce | None = None,
                 robust: float = 0.0, tolerance: float = CG_TOLERANCE, max_iterations: int = CG_MAX_ITERATIONS):
        parts, rows, residuals, self.shapes = [], 0, [], []
        for cond, weight in zip(conditions, weights):
            batch = batches[cond.name]
            points = total_count(len(batch), reduce, batch.x.device)
            if len(batch.x) == 0:
                continue
            with torch.enable_grad():
                residual = cond.residual(net, batch, dict(unknowns), create_graph=False).detach()
            width = residual.shape[-1]
            parts.append((cond, batch, math.sqrt(float(weight) / (points * width))))
            residuals.append(residual)
            self.shapes.append((len(batch.x), width))
            rows += len(batch) * width
        self.stacked = _StackedResidual(net, unknowns, parts)
        self.robust = float(robust)
        if self.robust > 0 and residuals:  # Huber factors (pinnlang.solver.robust), again at each prepare
            self.stacked.factors = torch.cat(huber_factors(residuals, self.robust, reduce))
        self._take_parameters(self.stacked)
        self.reduce = reduce
        self.tolerance, self.max_iterations = tolerance, max_iterations
        self.local_rows = rows
        self.rows = total_count(rows, reduce, self.parameters[0].device)
        self.cg_iterations = self.products = 0
        self._rho: Tensor | None = None
        self._gradient: Tensor | None = None  # Jᵀρ, reduced
        self._transposed: list[Tensor] = []  # the graph of g(u) = Jᵀu
        self._probe: Tensor | None = None  # the u of that graph
        self._krylov: ShiftedLanczos | None = None  # the basis at the prepared point

    def residual(self, params: Mapping[str, Tensor] | None = None) -> Tensor:
        """``ρ`` at ``params`` (default: the current parameters), float64, this process's rows."""
        with torch.enable_grad():  # the autograd engine differentiates in x even here
            if params is None:
                rho = self.stacked(create_graph=False)
            else:
                rho = functional_call(self.stacked, dict(params), (), {"create_graph": False}, strict=False)
        return rho.detach().double()

    def prepare(self) -> Tensor:
        """Linearise at the current parameters: build the graphs of ``ρ`` and of ``u ↦ Jᵀu``,
        and compute ``Jᵀρ``; return ``ρ`` (float64)."""
        self._transposed, self._rho, self._probe, self._krylov = [], None, None, None  # free the last graph first
        with torch.enable_grad():
            self.stacked.factors = None
            rho = self.stacked(create_graph=True)
            if self.robust > 0 and self.shapes:  # the factors of these parameters
                self.stacked.factors = stacked_factors(rho.detach(), self.shapes, self.robust, self.reduce)
                rho = rho * self.stacked.factors.to(rho.dtype)
            self._probe = torch.zeros_like(rho, requires_grad=True)
            grads = torch.autograd.grad(rho, self.parameters, self._probe, create_graph=True, allow_unused=True)
            self._transposed = [g if g is not None else torch.zeros_like(p) for g, p in zip(grads, self.parameters)]
            self._rho = rho
            self._gradient = self._sum(self._vjp(rho.detach()))
        return rho.detach().double()

    def damped_step(self, damping: float) -> Tensor | None:
        """The step ``δ`` (float64) with ``(JᵀJ + μI) δ ≈ −Jᵀρ`` at the prepared point, from the
        Krylov basis of this point (extended as far as this damping needs), or ``None`` if it is
        not finite."""
        if self._rho is None:
            raise RuntimeError("prepare() the system before asking for a step")
        if self._krylov is None:
            self._krylov = ShiftedLanczos(self.gauss_newton_product, -self._gradient, self.max_iterations)
        before = self._krylov.products
        with torch.enable_grad():
            delta = self._krylov.solve(damping, self.tolerance)
        self.products += self._krylov.products - before
        self.cg_iterations = self._krylov.products
        if not bool(torch.isfinite(delta).all()):
            return None
        return delta

    def jacobian_product(self, v: Tensor) -> Tensor:
        """``Jv`` (this process's rows) at the prepared point, from a flat float64 ``v``."""
        pieces = self.unflatten(v).values()
        pairs = [(g, piece) for g, piece in zip(self._transposed, pieces) if g.requires_grad]
        if not pairs:
            return torch.zeros_like(self._rho.detach()).double()
        (jv,) = torch.autograd.grad([g for g, _ in pairs], self._probe, [piece for _, piece in pairs],
                                    retain_graph=True)
        return jv.double()

    def transposed_product(self, u: Tensor) -> Tensor:
        """``Jᵀu`` (this process's rows only, not reduced) at the prepared point."""
        return self._vjp(u.to(self._rho.dtype))

    def gauss_newton_product(self, v: Tensor) -> Tensor:
        """``JᵀJv`` summed over all processes."""
        return self._sum(self.transposed_product(self.jacobian_product(v)))

    def _vjp(self, u: Tensor) -> Tensor:
        grads = torch.autograd.grad(self._rho, self.parameters, u, retain_graph=True, allow_unused=True)
        return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1)
                          for g, p in zip(grads, self.parameters)]).double()

    def _sum(self, t: Tensor) -> Tensor:
        return t if self.reduce is None else self.reduce(t)


# ---------------------------------------------------------------------- dense or matrix-free
def available_memory(device: torch.device) -> int:
    """Bytes free for new tensors on ``device`` (CUDA: the free device memory; CPU: the
    kernel's ``MemAvailable``, else free physical pages)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def dense_fits(rows: int, size: int, side: int, device: torch.device) -> tuple[int, bool]:
    """The bytes of a float64 Jacobian of ``rows`` rows and ``size`` columns with its
    ``side × side`` Gram matrix, and whether they fit in :data:`DENSE_MEMORY_SHARE` of the free
    memory on ``device``."""
    nbytes = 8 * (rows * size + side * side)
    return nbytes, nbytes <= DENSE_MEMORY_SHARE * available_memory(device)


def _seconds(work: Callable[[], Any]) -> float:
    """Wall seconds of ``work()``, waiting for queued GPU kernels before and after."""
    gpu = torch.cuda.is_available() and torch.cuda.is_initialized()
    if gpu:
        torch.cuda.synchronize()
    start = time.perf_counter()
    work()
    if gpu:
        torch.cuda.synchronize()
    return time.perf_counter() - start


def _jacobian_seconds(net: nn.Module, unknowns: nn.ParameterDict, conditions: Any,
                      batches: Mapping[str, Batch], weights: list[float], rows: int) -> float:
    """Seconds to form the dense ``J`` of ``rows`` rows, extrapolated linearly from the
    measured time on 64 and 256 points of every condition (a fixed cost plus one per row)."""
    times, counts = [], []
    for n in (64, 256):
        probe = ResidualSystem(net, unknowns, conditions,
                               {k: take(b, torch.arange(min(n, len(b)))) for k, b in batches.items()}, weights)
        probe.jacobian()  # warm up
        times.append(min(_seconds(probe.jacobian) for _ in range(2)))
        counts.append(len(probe.residual()))
    if counts[1] <= counts[0] or rows <= counts[1]:
        return times[-1]
    per_row = max(times[1] - times[0], 0.0) / (counts[1] - counts[0])
    return times[1] + per_row * (rows - counts[1])


def _factor_seconds(side: int, inner: int, device: torch.device) -> float:
    """Seconds for the ``side × side`` Gram matrix over ``inner`` rows and its Cholesky factor,
    from a measured Gram matrix (:func:`~pinnlang.solver.levenberg_marquardt.symmetric_gram`) of
    ``k`` rows and ``n`` columns and factor of an ``m × m`` matrix with ``n, k, m`` up to 2048,
    512 and 1024 (scaled by flops: ``side²·inner`` and ``side³/3``; a product with a thinner inner
    dimension runs at a lower rate: 64 gave 3x the real Gram's time)."""
    n, k = min(side, 2048), min(inner, 512)
    b = torch.randn(k, n, dtype=torch.float64, device=device)
    symmetric_gram(b)  # warm up
    product = min(_seconds(lambda: symmetric_gram(b)) for _ in range(2)) / (n * n * k)
    m = min(side, 1024)
    c = torch.randn(m, m, dtype=torch.float64, device=device)
    spd = c @ c.T + m * torch.eye(m, dtype=torch.float64, device=device)
    torch.linalg.cholesky_ex(spd)  # warm up
    factor = min(_seconds(lambda: torch.linalg.cholesky_ex(spd)) for _ in range(2)) / m**3
    return product * side * side * inner + factor * side**3


def choose_mode(net: nn.Module, unknowns: nn.ParameterDict, conditions: Any, batches: Mapping[str, Batch],
                weights: list[float], free: MatrixFreeSystem, *,
                reduce: Reduce | None = None) -> tuple[str, str]:
    """``("dense" | "matrix-free", why)`` for a run: dense when the forward engine reads the
    network, ``J`` and its Gram matrix fit in a share of the free memory and one dense iteration
    costs at most :data:`EXACT_STEP_WORTH` times one matrix-free iteration at its cap of
    products. Both costs are measured here on this problem: the matrix-free one from one
    linearisation and one ``JᵀJv`` product of ``free``; the dense one from the Jacobian on a few
    rows per condition, extrapolated to all rows, and the matrix product and Cholesky rates on
    this device, scaled to the Gram matrix's flops (measured against real iterations: the
    Jacobian's share 2-3x low, the Gram matrix's and factor's 1.1-1.3x high). With several
    processes the measurements are summed over them (``reduce``), so every process chooses the
    same."""
    why = unsupported_network(net, conditions)
    if why:
        return "matrix-free", f"matrix-free: the dense Jacobian {why.removeprefix('it ')}"
    rows, size, total_rows = free.local_rows, free.size, free.rows
    device = free.parameters[0].device
    side = size if reduce is not None else min(total_rows, size)
    dense_bytes, fits = dense_fits(rows, size, side, device)
    dense = (_jacobian_seconds(net, unknowns, conditions, batches, weights, rows)
             + _factor_seconds(side, size if side != size else rows, device))
    prepare = _seconds(free.prepare)
    product = _seconds(lambda: free.gauss_newton_product(torch.ones(size, dtype=torch.float64, device=device)))
    matrix_free = prepare + free.max_iterations * product
    costs = torch.tensor([dense, matrix_free, 0.0 if fits else 1.0], dtype=torch.float64, device=device)
    if reduce is not None:
        costs = reduce(costs)
    dense, matrix_free, too_big = (float(c) for c in costs)
    sizes = f"{total_rows} residuals x {size} parameters"
    if too_big:
        return "matrix-free", (f"matrix-free: the dense Jacobian and Gram matrix of {sizes} need "
                               f"{dense_bytes / 2**30:.1f} GiB, more than {DENSE_MEMORY_SHARE:.0%} of the free memory")
    if dense <= EXACT_STEP_WORTH * matrix_free:
        return "dense", (f"dense: {sizes}, an iteration measured at about {dense:.2g} s dense vs "
                         f"{matrix_free:.2g} s matrix-free ({free.max_iterations} CG products)")
    return "matrix-free", (f"matrix-free: {sizes}, an iteration measured at about {matrix_free:.2g} s "
                           f"({free.max_iterations} CG products) vs {dense:.2g} s dense")


MODES = ("auto", "dense", "matrix-free")


def make_residual_system(net: nn.Module, unknowns: nn.ParameterDict, conditions: Any,
                         batches: Mapping[str, Batch], weights: list[float], *,
                         reduce: Reduce | None = None, mode: str = "auto", robust: float = 0.0) -> tuple[Any, str]:
    """The residual system of a Gauss–Newton phase and a sentence saying which one and why.

    ``mode``: ``"dense"`` (:class:`~pinnlang.solver.levenberg_marquardt.ResidualSystem`: ``J``
    formed through the forward engine; needs a network it reads), ``"matrix-free"``
    (:class:`MatrixFreeSystem`) or ``"auto"`` (:func:`choose_mode`); ``robust``: Huber's
    threshold of both (:mod:`pinnlang.solver.robust`; 0: plain least squares).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "dense":
        why = unsupported_network(net, conditions)
        if why:
            raise ValueError(f"a dense Gauss-Newton system needs the forward engine: {why}")
        return (ResidualSystem(net, unknowns, conditions, batches, weights, reduce=reduce, robust=robust),
                "dense (asked for)")
    free = MatrixFreeSystem(net, unknowns, conditions, batches, weights, reduce=reduce, robust=robust)
    if mode == "matrix-free":
        return free, "matrix-free (asked for)"
    chosen, why = choose_mode(net, unknowns, conditions, batches, weights, free, reduce=reduce)
    if chosen == "dense":
        return ResidualSystem(net, unknowns, conditions, batches, weights, reduce=reduce, robust=robust), why
    return free, why
