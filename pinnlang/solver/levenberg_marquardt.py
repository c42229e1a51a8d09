"""Levenberg–Marquardt: a Gauss–Newton phase after Adam (and L-BFGS), for small networks.

The loss of a run is a sum of squares. With ``w_c`` the weight of condition ``c``, ``r_c`` its
residual on its ``N_c × k_c`` points and components, and ``θ`` the network's parameters (and the
problem's unknowns)::

    L(θ) = Σ_c w_c · mean(r_c(θ)²) = ‖ρ(θ)‖²,   ρ = [ √(w_c / (N_c k_c)) · r_c ]  stacked.

Each iteration linearises ``ρ`` and solves ``(JᵀJ + μI) δ = −Jᵀρ`` for the step ``δ``, ``J =
∂ρ/∂θ`` with one row per residual and one column per parameter. The damping ``μ`` adapts: a step
that lowers the loss is taken and ``μ`` divided by 3; one that does not is refused, ``μ`` doubled
and the system solved again. Small ``μ`` is Gauss–Newton, large ``μ`` a short gradient step.

Why: first-order methods crawl on a badly conditioned loss. On ``problems/wave1d.pinn`` the
``pde`` term's curvature is about (8π)⁴ times that of the initial data in the direction of the
fast standing mode; Adam and L-BFGS left an error of 0.36 (see ``docs/benchmarks.md``), while 400
iterations of this method on a 3×32 network reached 4.5e-3.

``J`` is built point by point: a residual row depends on its own point only, so
``torch.func.vmap`` over the points of ``torch.func.jacrev`` over the parameters gives the whole
matrix for about the cost of one backward pass. That goes through the forward derivative engine
(plain tensor operations, no ``torch.autograd.grad``), so the network must be one it evaluates:
the zoo's MLPs. The linear algebra is float64. With ``R`` residuals and ``P`` parameters an
iteration costs about ``R·P·min(R, P)/2`` multiply-adds for ``JᵀJ`` (or ``JJᵀ`` when there are
fewer residuals than parameters: ``(JᵀJ + μI)⁻¹Jᵀ = Jᵀ(JJᵀ + μI)⁻¹``; :func:`symmetric_gram`)
and ``min(R, P)³/3`` for its Cholesky factor, which suits networks of a few thousand parameters
(3×32: 2,241) on a few thousand points.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, Callable, Mapping

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev, vmap

from pinnlang.compile.conditions import Batch
from pinnlang.models.normalize import NormalizedNet
from pinnlang.solver.robust import stacked_factors
from pinnlang.solver.round_memory import GaussNewtonModel

#: Damping at the first iteration, and its bounds (at the upper one the method has stalled).
INITIAL_DAMPING = 1e-2
MIN_DAMPING, MAX_DAMPING = 1e-12, 1e12
#: Solves with a larger damping tried in one iteration: the damping doubles after each refused
#: step this many times; where a refusal would end the phase (a fresh round's first iteration, or
#: any on fixed points) it then grows :data:`ESCALATION`-fold up to :data:`MAX_DAMPING`, so that
#: the phase ends only where no step, however short, lowers the loss. Doubling alone spans a
#: factor of 1e6 from where it starts; on a badly scaled residual (``u_xx = -(8π)² sin 8πx`` on a
#: network that cannot hold it, loss ~4e4) the damping a short enough step needs lies beyond that,
#: and fresh rounds ended the phase as if nothing could move.
MAX_RETRIES = 20
ESCALATION = 10.0
#: Columns below which :func:`symmetric_gram` multiplies a block whole instead of halving it.
#: Only the speed depends on it, not the result: on one thread, leaves of 128, 256 and 512
#: columns gave the Gram matrix of 3000-8832 rows x 921-1347 columns within 5 % of each other,
#: 22-38 % faster than the whole product (which computes both triangles).
GRAM_LEAF = 256
_FIELDS = ("x", "normals", "targets", "x_pair", "weights")


def unsupported_network(network: nn.Module, conditions: Any) -> str | None:
    """Why the dense :class:`ResidualSystem` cannot run on ``network`` (``None`` if it can; the
    matrix-free system of :mod:`pinnlang.solver.gauss_newton` runs on any network)."""
    from pinnlang.compile.forward_engine import ForwardModeEngine

    body = network.net if isinstance(network, NormalizedNet) else network  # behind the input normalisation
    for cond in conditions:
        if not ForwardModeEngine.supports(network, cond.plan):
            return (f"it needs a network the forward derivative engine evaluates (the zoo's 'mlp' "
                    f"with a supported activation); condition '{cond.name}' on a "
                    f"{type(body).__name__} is not")
    return None


def levenberg_marquardt_size(module: Any) -> int:
    """The number of parameters (network and unknowns) a Levenberg–Marquardt phase of
    ``module`` would train. Any network, in any number of processes, can: the forward engine's
    networks with a dense or matrix-free system, the others matrix-free
    (:func:`~pinnlang.solver.gauss_newton.make_residual_system`; under DDP the products are
    summed over the processes)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class _RowResidual(nn.Module):
    """The residual of one condition at one point, as a module whose parameters are the
    network's and the unknowns' (so ``functional_call`` can substitute them)."""

    def __init__(self, net: nn.Module, unknowns: nn.ParameterDict, condition: Any):
        super().__init__()
        self.net = net
        self.unknowns = unknowns
        self.condition = condition

    def forward(self, x: Tensor, normals: Tensor | None, targets: Tensor | None,
                x_pair: Tensor | None, weights: Tensor | None) -> Tensor:
        def row(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.unsqueeze(0)

        batch = Batch(row(x), row(normals), row(targets), row(x_pair), row(weights))
        return self.condition.residual(self.net, batch, dict(self.unknowns)).reshape(-1)


def total_count(count: int, reduce: Callable[[Tensor], Tensor] | None, device: torch.device) -> int:
    """``count`` summed over all processes (``reduce``: the all-reduce sum; ``None``: one process).
    Each condition's scale ``√(w / (N k))`` divides by its points over all processes, so the
    ranks' ``‖ρ‖²`` add up to the loss of one process holding every rank's points."""
    if reduce is None:
        return count
    return int(round(float(reduce(torch.tensor(float(count), dtype=torch.float64, device=device)))))


class TrainedParameters(ABC):
    """The trained parameters of a residual system (the network's and the unknowns', by name)
    as one flat vector; the part of the residual-system interface both systems share."""

    names: list[str]
    parameters: list[nn.Parameter]
    size: int
    reduce: Callable[[Tensor], Tensor] | None

    def _take_parameters(self, owner: nn.Module) -> None:
        trained = [(name, p) for name, p in owner.named_parameters() if p.requires_grad]
        self.names = [name for name, _ in trained]
        self.parameters = [p for _, p in trained]
        self.size = sum(p.numel() for p in self.parameters)

    def current(self) -> dict[str, Tensor]:
        """The parameters now, by name."""
        return {n: p.detach() for n, p in zip(self.names, self.parameters)}

    def unflatten(self, vector: Tensor) -> dict[str, Tensor]:
        """The parameters of the flat ``vector`` (in the order of :attr:`names`), each in its dtype."""
        out, start = {}, 0
        for name, p in zip(self.names, self.parameters):
            out[name] = vector[start:start + p.numel()].reshape(p.shape).to(p.dtype)
            start += p.numel()
        return out

    def assign(self, params: Mapping[str, Tensor]) -> None:
        """Make ``params`` the network's (and unknowns') parameters."""
        with torch.no_grad():
            for name, p in zip(self.names, self.parameters):
                p.copy_(params[name])

    @abstractmethod
    def residual(self, params: Mapping[str, Tensor] | None = None) -> Tensor:
        """``ρ`` at ``params`` (default: the current parameters), float64, this process's rows."""

    def normal_equations(self) -> tuple[Tensor, Tensor] | None:
        """``(JᵀJ, Jᵀρ)`` at the prepared point (summed over all processes), or ``None`` where the
        system does not form them (a matrix-free one; a dense one with fewer rows than
        parameters, which solves with ``JJᵀ``)."""
        return None

    def loss(self, params: Mapping[str, Tensor] | None = None) -> float:
        """``‖ρ‖²`` at ``params`` summed over all processes."""
        total = self.residual(params).pow(2).sum()
        return float(total if self.reduce is None else self.reduce(total))


class ResidualSystem(TrainedParameters):
    """The stacked, weighted residual ``ρ(θ)`` of a run and its Jacobian.

    Args:
        net: The network (a zoo MLP).
        unknowns: The problem's unknowns (possibly empty); they are parameters too.
        conditions: The compiled conditions.
        batches: Condition name -> its points.
        weights: The weight of every condition, in the order of ``conditions``.
        reduce: Sum over processes (all-reduce), or ``None`` in one process. With it the step
            comes from the summed ``P × P`` Gram matrix ``JᵀJ`` and ``Jᵀρ`` of every process's rows.
        robust: Huber's threshold over each condition's median residual
            (:func:`~pinnlang.solver.robust.stacked_factors`, at the parameters of each
            :meth:`prepare`); 0: plain least squares.
    """

    def __init__(self, net: nn.Module, unknowns: nn.ParameterDict, conditions: Any,
                 batches: Mapping[str, Batch], weights: list[float], *,
                 reduce: Callable[[Tensor], Tensor] | None = None, robust: float = 0.0):
        self.reduce = reduce
        #: (J or None, the Gram matrix, ρ, Jᵀρ or None) at the last :meth:`prepare`: J is kept in
        #: one process, where the Gram matrix is the smaller of JᵀJ and JJᵀ (then Jᵀρ is None)
        self._prepared: tuple[Tensor | None, Tensor, Tensor, Tensor | None] | None = None
        self._take_parameters(_RowResidual(net, unknowns, conditions[0]))
        #: (row module, row function, vmap in_dims, the batch's tensors, scale √(w / (N k)))
        #: per condition with points
        self.parts: list[tuple[nn.Module, Callable, tuple, tuple, float]] = []
        #: Residual rows of this process (points times components, over the conditions).
        self.local_rows = 0
        #: (points, components) of each part's rows.
        self.shapes: list[tuple[int, int]] = []
        params = self.current()
        for cond, weight in zip(conditions, weights):
            batch = batches[cond.name]
            fields = tuple(getattr(batch, f) for f in _FIELDS)
            rows = total_count(len(batch.x), reduce, batch.x.device)
            if len(batch.x) == 0:
                continue
            module = _RowResidual(net, unknowns, cond)

            def one(p: Mapping[str, Tensor], *row: Tensor | None, module: nn.Module = module) -> Tensor:
                return functional_call(module, p, row)

            in_dims = (None,) + tuple(None if f is None else 0 for f in fields)
            with torch.no_grad():
                width = one(params, *(None if f is None else f[0] for f in fields)).numel()
            self.local_rows += len(batch.x) * width
            self.shapes.append((len(batch.x), width))
            self.parts.append((module, one, in_dims, fields, math.sqrt(float(weight) / (rows * width))))
        #: Huber factors of the rows (:mod:`pinnlang.solver.robust`) at the parameters of the
        #: last :meth:`prepare` (before one: of the first residual asked for); ``None``: none yet,
        #: or plain least squares.
        self.factors: Tensor | None = None
        self.robust = float(robust)

    @property
    def solves_dual(self) -> bool:
        """Whether the step solves with ``JJᵀ`` (one process, fewer rows than parameters: the
        smaller Gram matrix) and so has no normal equations."""
        return self.reduce is None and self.local_rows < self.size

    def residual(self, params: Mapping[str, Tensor] | None = None) -> Tensor:
        """``ρ`` at ``params`` (default: the current parameters), float64."""
        params = self.current() if params is None else params
        with torch.no_grad():
            pieces = [scale * vmap(one, in_dims=in_dims)(params, *fields).reshape(-1)
                      for _, one, in_dims, fields, scale in self.parts]
        rho = torch.cat(pieces).double()
        if self.factors is None and self.robust > 0 and self.parts:
            self.factors = stacked_factors(rho, self.shapes, self.robust, self.reduce)
        return rho if self.factors is None else rho.mul_(self.factors)

    def jacobian(self, params: Mapping[str, Tensor] | None = None) -> Tensor:
        """``J = ∂ρ/∂θ``, ``(R, P)`` float64, the columns in the order of :attr:`names`."""
        params = self.current() if params is None else params
        blocks = []
        for _, one, in_dims, fields, scale in self.parts:
            rows = vmap(jacrev(one), in_dims=in_dims)(params, *fields)  # name -> (N, k, *shape)
            count = rows[self.names[0]].shape[0] * rows[self.names[0]].shape[1]
            blocks.append(scale * torch.cat([rows[name].reshape(count, -1) for name in self.names], 1))
        jac = torch.cat(blocks).double()
        return jac if self.factors is None else jac.mul_(self.factors[:, None])

    def prepare(self) -> Tensor:
        """Form ``J`` and the Gram matrix at the current parameters (summed ``JᵀJ`` and ``Jᵀρ``
        with several processes); return ``ρ``."""
        params = self.current()
        self.factors = None  # the factors of these parameters (a resumed run finds them again)
        rho, jac = self.residual(params), self.jacobian(params)
        if self.reduce is None:
            self._prepared = (jac, gram_matrix(jac), rho, None if self.solves_dual else jac.T @ rho)
        else:
            self._prepared = (None, self.reduce(symmetric_gram(jac)), rho, self.reduce(jac.T @ rho))
        return rho

    def normal_equations(self) -> tuple[Tensor, Tensor] | None:
        """``(JᵀJ, Jᵀρ)`` at the prepared point (summed over all processes), ``None`` with fewer
        rows than parameters in one process (the step then solves with ``JJᵀ``)."""
        if self._prepared is None:
            raise RuntimeError("prepare() the system before asking for its normal equations")
        _, gram, _, gradient = self._prepared
        return None if gradient is None else (gram, gradient)

    def damped_step(self, damping: float, memory: GaussNewtonModel | None = None,
                    at: Tensor | None = None) -> Tensor | None:
        """``δ = −(JᵀJ + μI)⁻¹Jᵀρ`` at the prepared point (float64), ``None`` if the Cholesky
        factorisation fails. With ``memory`` (a :class:`~pinnlang.solver.round_memory.GaussNewtonModel`
        of past rounds, needing :meth:`normal_equations`) the step minimises the model of the
        prepared rows plus ``memory``, from the flat parameters ``at``:
        ``δ = −(JᵀJ + A + μI)⁻¹(Jᵀρ + b + A (θ − θ_A))``."""
        if self._prepared is None:
            raise RuntimeError("prepare() the system before asking for a step")
        jac, gram, rho, gradient = self._prepared
        if memory is not None:
            if gradient is None or at is None:
                raise ValueError("a step with a memory needs the normal equations and the parameters it starts from")
            return _solve_damped(gram + memory.gram, gradient + memory.gradient_at(at), damping)
        if gradient is None:
            return damped_step(jac, rho, damping, gram)
        return _solve_damped(gram, gradient, damping)


def gram_matrix(jac: Tensor) -> Tensor:
    """``JJᵀ`` when ``J`` has fewer rows than columns, else ``JᵀJ``: the smaller of the two."""
    return symmetric_gram(jac.T) if jac.shape[0] < jac.shape[1] else symmetric_gram(jac)


def symmetric_gram(a: Tensor) -> Tensor:
    """``AᵀA``, computing each block above the diagonal once: with ``A = [B C]`` split by columns,
    ``AᵀA = [[BᵀB, BᵀC], [CᵀB, CᵀC]]``, where ``CᵀB = (BᵀC)ᵀ`` and ``BᵀB``, ``CᵀC`` recurse down to
    :data:`GRAM_LEAF` columns. The whole product ``A.T @ A`` (a general matrix product: BLAS has
    no symmetric rank-k update in torch) computes both triangles; this does about half the work
    and is the Gram matrix's share of a dense iteration, the largest one (two thirds of the
    lid-driven cavity's, half the 5-D heat problem's)."""
    columns = a.shape[1]
    if columns <= GRAM_LEAF:
        return a.T @ a
    half = columns // 2
    left, right = a[:, :half], a[:, half:]
    gram = a.new_empty(columns, columns)
    gram[:half, :half] = symmetric_gram(left)
    gram[half:, half:] = symmetric_gram(right)
    corner = left.T @ right
    gram[:half, half:] = corner
    gram[half:, :half] = corner.T
    return gram


def damped_step(jac: Tensor, rho: Tensor, damping: float, gram: Tensor | None = None) -> Tensor | None:
    """``δ = −(JᵀJ + μI)⁻¹Jᵀρ`` (``None`` if the matrix is not numerically positive definite).

    Computed as ``−Jᵀ(JJᵀ + μI)⁻¹ρ`` when ``J`` has fewer rows than columns: the same vector,
    from the smaller matrix. ``gram`` is :func:`gram_matrix` of ``jac`` if already known.
    """
    dual = jac.shape[0] < jac.shape[1]
    solved = _solve_damped(gram_matrix(jac) if gram is None else gram, rho if dual else jac.T @ rho, damping)
    if solved is None:
        return None
    return jac.T @ solved if dual else solved


def _solve_damped(gram: Tensor, right: Tensor, damping: float) -> Tensor | None:
    """``−(G + μI)⁻¹ b`` by Cholesky (``None`` if ``G + μI`` is not numerically positive definite)."""
    matrix = gram.clone()
    matrix.diagonal().add_(damping)
    factor, info = torch.linalg.cholesky_ex(matrix)
    if int(info) != 0:
        return None
    return -torch.cholesky_solve(right.unsqueeze(1), factor).squeeze(1)
