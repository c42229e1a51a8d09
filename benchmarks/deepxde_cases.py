"""The benchmark problems written with DeepXDE (PyTorch backend), for the ``deepxde`` column of
``benchmarks/speed.py``. Optional: DeepXDE is not a dependency (``pip install deepxde``).

Each case uses DeepXDE's own way of writing the problem: ``dde.nn.FNN`` with tanh and Glorot-normal
weights (the hand-written network's shape), ``dde.grad.jacobian``/``hessian`` for derivatives,
``dde.data.PDE``/``TimePDE`` with the hand-written loop's point counts (DeepXDE draws its own
points, and by default also evaluates the ``pde`` on the boundary and initial points), Adam at
1e-3. One step is what ``Model.train`` runs per iteration: ``data.train_next_batch`` and
``Model._train_step`` (loss, backward, Adam), without its display and callback bookkeeping.
"""

from __future__ import annotations

import math
import os
from typing import Callable

os.environ.setdefault("DDE_BACKEND", "pytorch")

from handwritten import BURGERS_NU, HEAT_ALPHA, build_case  # noqa: E402


def available() -> bool:
    """Whether DeepXDE imports here, on the PyTorch backend."""
    try:
        import deepxde
    except ImportError:
        return False
    return deepxde.backend.backend_name == "pytorch"


def _shape(problem: str, size: str, seed: int) -> tuple[int, int, dict[str, int]]:
    """Depth, width and point counts of the hand-written case."""
    case = build_case(problem, size, seed)
    linears = [m for m in case.model if hasattr(m, "weight")]
    counts = {name: len(points) for name, points in case.points.items() if name in ("interior", "initial", "boundary")}
    return len(linears) - 1, linears[0].out_features, counts


def _time_problem(dde, problem: str, counts: dict[str, int]):
    import torch

    if problem == "burgers":
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 1))

        def pde(x, u):
            u_x = dde.grad.jacobian(u, x, i=0, j=0)
            u_t = dde.grad.jacobian(u, x, i=0, j=1)
            u_xx = dde.grad.hessian(u, x, i=0, j=0)
            return u_t + u * u_x - BURGERS_NU * u_xx

        def initial(x):
            return -torch.sin(math.pi * torch.as_tensor(x[:, 0:1]))
    else:
        geom = dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))

        def pde(x, u):
            return dde.grad.jacobian(u, x, i=0, j=1) - HEAT_ALPHA * dde.grad.hessian(u, x, i=0, j=0)

        def initial(x):
            return torch.sin(math.pi * torch.as_tensor(x[:, 0:1]))

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geom, lambda x: initial(x).numpy(), lambda _, on_initial: on_initial)
    return dde.data.TimePDE(geom, pde, [bc, ic], num_domain=counts["interior"],
                            num_boundary=counts["boundary"], num_initial=counts["initial"])


def _poisson_problem(dde, dim: int, counts: dict[str, int]):
    import torch

    geom = dde.geometry.Hypercube([0.0] * dim, [1.0] * dim)

    def pde(x, u):
        laplacian = sum(dde.grad.hessian(u, x, i=i, j=i) for i in range(dim))
        source = dim * math.pi**2 * torch.sin(math.pi * x).prod(dim=1, keepdim=True)
        return -laplacian - source

    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_boundary: on_boundary)
    return dde.data.PDE(geom, pde, bc, num_domain=counts["interior"], num_boundary=counts["boundary"])


def deepxde_step(problem: str, size: str, seed: int) -> Callable[[], None]:
    """One DeepXDE training iteration of ``problem`` at ``size`` (see the module docstring)."""
    import deepxde as dde

    depth, width, counts = _shape(problem, size, seed)
    dde.config.set_random_seed(seed)
    if problem in ("burgers", "heat1d"):
        data, in_dim = _time_problem(dde, problem, counts), 2
    else:
        dim = int(problem.removeprefix("poisson").removesuffix("d"))
        data, in_dim = _poisson_problem(dde, dim, counts), dim
    net = dde.nn.FNN([in_dim] + [width] * depth + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3, verbose=0)

    def step() -> None:
        model.train_state.set_data_train(*model.data.train_next_batch(model.batch_size))
        state = model.train_state
        model._train_step(state.X_train, state.y_train, state.train_aux_vars)

    return step
