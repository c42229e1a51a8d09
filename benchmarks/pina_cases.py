"""The benchmark problems written with PINA (``pina-mathlab``), for the ``pina`` column of
``benchmarks/speed.py``. Optional: PINA is not a dependency (``pip install pina-mathlab``).

Each case uses PINA's own way of writing the problem: a ``TimeDependentProblem``/``SpatialProblem``
class whose ``domains`` are ``CartesianDomain`` boxes (the boundary from ``partial()``), whose
``conditions`` are ``Condition(domain=..., equation=Equation(...))`` with the residuals written
with ``pina.operator.grad``/``laplacian`` (Burgers and heat in the ``grad(u)`` then
``grad(dudx)`` style of PINA's tutorials, so two ``autograd.grad`` calls as in the hand-written
loop) and ``FixedValue(0.0)`` on the boundary; ``discretise_domain`` with the hand-written loop's
point counts (PINA draws its own random points, and splits a boundary's points evenly between its
faces); ``FeedForward`` tanh network of the hand-written shape, holding the hand-written initial
weights (copied, so every column starts from the same network; PINA's own default would be torch's
initialisation); ``PhysicsInformedSingleModelSolver`` with ``TorchOptimizer(Adam, lr=1e-3)`` and
its default MSE per condition, summed without weights, which is the hand-written loss (on the
hand-written points, ``pina_step(..., handwritten_points=True)``, its first loss is the
hand-written one). Unlike DeepXDE, the ``pde`` residual is evaluated on the interior points only;
the Poisson forcing term is computed inside the residual at every step, as in PINA's own
``Poisson2DSquareProblem`` (the hand-written loop computes it once).

One step is what PINA's ``Trainer`` (Lightning's automatic optimisation, ``batch_size=None`` so
one batch per epoch) runs per batch: the batch from PINA's ``DataModule`` train dataloader and its
``transfer_batch_to_device``, ``zero_grad``, ``solver.training_step`` (per condition: clone the
input ``LabelTensor``, forward, residual, loss; then the weighting's aggregate), backward, Adam,
and the epoch-end scheduler step (``ConstantLR``, a no-op on the rate) — without Lightning's loop,
callbacks, progress bar and logging: ``solver.log`` is a no-op here (the ``.item()`` of each
condition's loss that PINA computes as the logged value still runs).

Tested with pina-mathlab 0.3.2.post2610; every name comes from PINA's public modules (``pina``,
``pina.problem``, ``pina.domain``, ``pina.equation``, ``pina.equation.zoo``, ``pina.model``,
``pina.operator``, ``pina.optim``, ``pina.solver``), none from ``pina._src``.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import warnings
from types import SimpleNamespace
from typing import Callable

import torch
from torch import Tensor, nn

from handwritten import BURGERS_NU, HEAT_ALPHA, build_case


@functools.cache
def _pina() -> SimpleNamespace | None:
    """PINA's names used here, or ``None`` when PINA (of this API) is not importable."""
    # importing PINA warns (torch.jit.script deprecations, via torch_geometric) and sets
    # process-wide warning filters and format (its trainer module): keep all that to the import
    format_before = warnings.formatwarning
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from pina import Condition, LabelTensor, Trainer
            from pina.domain import CartesianDomain
            from pina.equation import Equation
            from pina.equation.zoo import FixedValue
            from pina.model import FeedForward
            from pina.operator import grad, laplacian
            from pina.optim import TorchOptimizer
            from pina.problem import SpatialProblem, TimeDependentProblem
            from pina.solver import PhysicsInformedSingleModelSolver
    except ImportError:
        return None
    finally:
        warnings.formatwarning = format_before
    return SimpleNamespace(
        Condition=Condition, LabelTensor=LabelTensor, Trainer=Trainer, CartesianDomain=CartesianDomain,
        Equation=Equation, FixedValue=FixedValue, FeedForward=FeedForward, grad=grad,
        laplacian=laplacian, TorchOptimizer=TorchOptimizer, SpatialProblem=SpatialProblem,
        TimeDependentProblem=TimeDependentProblem,
        PhysicsInformedSingleModelSolver=PhysicsInformedSingleModelSolver,
    )


def available() -> bool:
    """Whether PINA imports here, with the API of the tested version (see the module docstring)."""
    return _pina() is not None


# The problem classes are built per case: PINA keeps ``domains`` and ``conditions`` on the class
# and its DataModule replaces the conditions in that dict with their sampled points.


def _time_problem(pn: SimpleNamespace, problem: str) -> type:
    grad = pn.grad
    if problem == "burgers":
        lower, sign = -1.0, -1.0  # x in [-1, 1], u(x, 0) = -sin(pi x)

        def pde(input_, output_):
            du = grad(output_, input_, components=["u"], d=["x", "t"])
            ddu = grad(du, input_, components=["dudx"], d=["x"])
            return du["dudt"] + output_["u"] * du["dudx"] - BURGERS_NU * ddu["ddudxdx"]
    else:
        lower, sign = 0.0, 1.0  # x in [0, 1], u(x, 0) = sin(pi x)

        def pde(input_, output_):
            du = grad(output_, input_, components=["u"], d=["x", "t"])
            ddu = grad(du, input_, components=["dudx"], d=["x"])
            return du["dudt"] - HEAT_ALPHA * ddu["ddudxdx"]

    def initial(input_, output_):
        return output_ - sign * torch.sin(math.pi * input_["x"])

    class TimeProblem(pn.TimeDependentProblem, pn.SpatialProblem):
        output_variables = ["u"]
        spatial_domain = pn.CartesianDomain({"x": [lower, 1.0]})
        temporal_domain = pn.CartesianDomain({"t": [0.0, 1.0]})
        domains = {
            "interior": spatial_domain.update(temporal_domain),
            "initial": spatial_domain.update(pn.CartesianDomain({"t": 0.0})),
            "boundary": spatial_domain.partial().update(temporal_domain),
        }
        conditions = {
            "interior": pn.Condition(domain="interior", equation=pn.Equation(pde)),
            "initial": pn.Condition(domain="initial", equation=pn.Equation(initial)),
            "boundary": pn.Condition(domain="boundary", equation=pn.FixedValue(0.0)),
        }

    return TimeProblem


def _poisson_problem(pn: SimpleNamespace, dim: int) -> type:
    names = [f"x{i + 1}" for i in range(dim)]

    def pde(input_, output_):
        lap = pn.laplacian(output_, input_, components=["u"], d=names)
        source = dim * math.pi**2 * torch.sin(math.pi * input_.extract(names)).prod(dim=-1, keepdim=True)
        return -lap - source

    class Poisson(pn.SpatialProblem):
        output_variables = ["u"]
        spatial_domain = pn.CartesianDomain({name: [0.0, 1.0] for name in names})
        domains = {"interior": spatial_domain, "boundary": spatial_domain.partial()}
        conditions = {
            "interior": pn.Condition(domain="interior", equation=pn.Equation(pde)),
            "boundary": pn.Condition(domain="boundary", equation=pn.FixedValue(0.0)),
        }

    return Poisson


def _quiet_trainer(pn: SimpleNamespace, solver):
    """PINA's ``Trainer`` (its DataModule and logging settings), without Lightning's info lines."""
    rank_zero = logging.getLogger("lightning.pytorch.utilities.rank_zero")
    level = rank_zero.level
    rank_zero.setLevel(logging.WARNING)  # "GPU available: ...", "TPU available: ...", a tip
    try:
        return pn.Trainer(solver, batch_size=None, accelerator="cpu", devices=1, logger=False,
                          enable_progress_bar=False, enable_model_summary=False,
                          enable_checkpointing=False)
    finally:
        rank_zero.setLevel(level)


def pina_step(problem: str, size: str, seed: int, handwritten_points: bool = False) -> Callable[[], Tensor]:
    """One PINA training step of ``problem`` at ``size`` (see the module docstring).

    ``handwritten_points=True`` trains on the hand-written loop's points instead of PINA's own
    (same counts), so that the first step's loss is the hand-written loss (a check of the case).
    """
    pn = _pina()
    if pn is None:
        raise ImportError("PINA (pina-mathlab) is not importable")
    case = build_case(problem, size, seed)
    linears = [m for m in case.model if isinstance(m, nn.Linear)]
    counts = {name: len(case.points[name]) for name in ("interior", "initial", "boundary") if name in case.points}
    if problem in ("burgers", "heat1d"):
        problem_class = _time_problem(pn, problem)
    else:
        problem_class = _poisson_problem(pn, int(problem.removeprefix("poisson").removesuffix("d")))

    torch.manual_seed(seed)
    random.seed(seed)  # a Union domain (the boundary) shuffles its faces with ``random``
    pina_problem = problem_class()
    for domain, n in counts.items():
        pina_problem.discretise_domain(n=n, mode="random", domains=[domain])
        if handwritten_points:
            labels = pina_problem.input_variables  # the hand-written columns: (x, t) or (x1, ...)
            pina_problem.discretised_domains[domain] = pn.LabelTensor(case.points[domain], labels)
    net = pn.FeedForward(linears[0].in_features, 1, inner_size=linears[0].out_features,
                         n_layers=len(linears) - 1, func=torch.nn.Tanh)
    net.model.load_state_dict(case.model.state_dict())  # the same Linear/Tanh layout
    lr = case.optimizer.param_groups[0]["lr"]
    solver = pn.PhysicsInformedSingleModelSolver(
        pina_problem, net, optimizer=pn.TorchOptimizer(torch.optim.Adam, lr=lr))

    trainer = _quiet_trainer(pn, solver)
    data = trainer.data_module
    data.setup("fit")
    loader = data.train_dataloader()
    solver.trainer = trainer  # what ``Trainer.fit`` does, and ``configure_optimizers`` after it
    (optimizer,), (scheduler,) = solver.configure_optimizers()
    solver.log = lambda *args, **kwargs: None  # Lightning's logging needs its running fit loop
    device = torch.device("cpu")

    def step() -> Tensor:
        batch = data.transfer_batch_to_device(next(iter(loader)), device, 0)
        optimizer.zero_grad(set_to_none=True)
        loss = solver.training_step(batch, 0)
        solver.backward(loss)
        optimizer.step()
        scheduler.step()
        return loss.detach()

    return step
