"""Plain hand-written torch training loops: the baseline every speed and accuracy table compares to.

Each problem function builds an ``nn.Sequential`` tanh MLP, draws uniform random points, and writes
the PINN loss out by hand with nested ``torch.autograd.grad`` — the way a PINN is usually coded
without any library — then returns a :class:`HandwrittenCase` whose ``step()`` does one Adam step::

    case = burgers(size="default", seed=0)
    for _ in range(1000):
        loss = case.step()
    case.model  # the trained nn.Sequential

Sizes: ``"default"`` is the size the problem is usually solved at (below), ``"pinnacle"`` the
common benchmark size of 5 hidden layers of 100 neurons, 8192 interior points and 2048 points on
the boundary and initial sets together, and ``"tiny"`` (Burgers only) a 3×20 network on 100 points.

=============  ==============  ==========================================
problem        network         points (interior + initial + boundary)
=============  ==============  ==========================================
burgers        8 × 20 tanh     2540 + 80 + 160, ν = 0.01/π
poisson2d      4 × 50 tanh     2000 + 400
heat1d         4 × 50 tanh     2000 + 80 + 160, α = 0.1
poisson3d      4 × 50 tanh     2000 + 600
poisson5d      4 × 50 tanh     2000 + 1000
burgers tiny   3 × 20 tanh     60 + 20 + 20
=============  ==============  ==========================================

Run as a script for a quick sanity check: ``python benchmarks/handwritten.py`` trains each default
case for a few hundred steps and prints its loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

BURGERS_NU = 0.01 / math.pi
HEAT_ALPHA = 0.1

#: (depth, width, interior points, boundary-and-initial points) of the shared benchmark size.
PINNACLE = (5, 100, 8192, 2048)


@dataclass
class HandwrittenCase:
    """One hand-written training setup.

    Attributes:
        name: Problem name (``"burgers"``, ``"poisson2d"``, ...).
        size: ``"default"``, ``"pinnacle"`` or ``"tiny"``.
        model: The ``nn.Sequential`` network (``Linear``, ``Tanh``, ..., ``Linear``).
        points: The fixed training points and targets, e.g. ``"interior"`` ``(N, d)``.
        loss: The hand-written loss (nested ``autograd.grad``), a scalar.
        optimizer: Adam over ``model.parameters()``.
    """

    name: str
    size: str
    model: nn.Sequential
    points: dict[str, Tensor]
    loss: Callable[[], Tensor]
    optimizer: torch.optim.Optimizer

    def step(self) -> Tensor:
        """One Adam step on the loss; returns the loss before the step (detached)."""
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        return loss.detach()


def tanh_mlp(in_dim: int, depth: int, width: int, out_dim: int = 1) -> nn.Sequential:
    """``depth`` hidden tanh layers of ``width``, Glorot-normal weights, zero biases."""
    sizes = [in_dim] + [width] * depth
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    layers.append(nn.Linear(width, out_dim))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def uniform_box(n: int, lower: list[float], upper: list[float], gen: torch.Generator) -> Tensor:
    """``n`` uniform random points in the box ``[lower, upper]``."""
    lo, hi = torch.tensor(lower), torch.tensor(upper)
    return lo + torch.rand(n, len(lower), generator=gen) * (hi - lo)


def uniform_box_boundary(n: int, dim: int, gen: torch.Generator) -> Tensor:
    """``n`` uniform random points on the faces of the unit cube ``[0, 1]^dim``."""
    x = torch.rand(n, dim, generator=gen)
    face = torch.randint(0, dim, (n,), generator=gen)
    side = torch.randint(0, 2, (n,), generator=gen).float()
    x[torch.arange(n), face] = side
    return x


def _sizes(size: str, default: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    if size == "default":
        return default
    if size == "pinnacle":
        return PINNACLE
    raise ValueError(f"unknown size {size!r}; expected 'default' or 'pinnacle'")


def _case(name, size, model, points, loss, lr) -> HandwrittenCase:
    return HandwrittenCase(name, size, model, points, loss, torch.optim.Adam(model.parameters(), lr=lr))


def burgers(size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """Viscous Burgers ``u_t + u u_x = ν u_xx`` on ``x ∈ [-1, 1], t ∈ [0, 1]``, ν = 0.01/π.

    ``u(x, 0) = -sin(πx)``, ``u(±1, t) = 0``. Inputs are the columns ``(x, t)``.
    """
    if size == "tiny":
        depth, width, n_int, n_init, n_bc = 3, 20, 60, 20, 20
    else:
        depth, width, n_int, n_edge = _sizes(size, (8, 20, 2540, 240))
        n_init, n_bc = (80, 160) if size == "default" else (n_edge // 2, n_edge // 2)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = tanh_mlp(2, depth, width)
    interior = uniform_box(n_int, [-1.0, 0.0], [1.0, 1.0], gen).requires_grad_(True)
    initial = uniform_box(n_init, [-1.0, 0.0], [1.0, 0.0], gen)
    boundary = uniform_box(n_bc, [-1.0, 0.0], [1.0, 1.0], gen)
    boundary[:, 0] = torch.where(torch.rand(n_bc, generator=gen) < 0.5, -1.0, 1.0)
    u0 = -torch.sin(math.pi * initial[:, 0])

    def loss() -> Tensor:
        u = model(interior)
        (du,) = torch.autograd.grad(u.sum(), interior, create_graph=True)
        u_x, u_t = du[:, 0], du[:, 1]
        (du_x,) = torch.autograd.grad(u_x.sum(), interior, create_graph=True)
        u_xx = du_x[:, 0]
        pde = u_t + u[:, 0] * u_x - BURGERS_NU * u_xx
        ic = model(initial)[:, 0] - u0
        bc = model(boundary)[:, 0]
        return pde.square().mean() + ic.square().mean() + bc.square().mean()

    points = {"interior": interior.detach(), "initial": initial, "boundary": boundary, "u0": u0}
    return _case("burgers", size, model, points, loss, lr)


def burgers_tiny(seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """Burgers on a 3×20 network and 100 points (60 interior, 20 initial, 20 boundary)."""
    return burgers(size="tiny", seed=seed, lr=lr)


def poisson_source(x: Tensor) -> Tensor:
    """``f = d π² Π sin(π xᵢ)``, so that ``-Δu = f`` has ``u = Π sin(π xᵢ)``, zero on the cube's faces."""
    return x.shape[1] * math.pi**2 * torch.sin(math.pi * x).prod(dim=1)


def poisson_exact(x: Tensor) -> Tensor:
    """The exact solution ``Π sin(π xᵢ)`` of :func:`poisson`."""
    return torch.sin(math.pi * x).prod(dim=1)


def poisson(dim: int, size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """Poisson ``-Δu = f`` on ``[0, 1]^dim`` with ``u = 0`` on the boundary (see :func:`poisson_source`)."""
    depth, width, n_int, n_bc = _sizes(size, (4, 50, 2000, 200 * dim))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = tanh_mlp(dim, depth, width)
    interior = uniform_box(n_int, [0.0] * dim, [1.0] * dim, gen).requires_grad_(True)
    boundary = uniform_box_boundary(n_bc, dim, gen)
    source = poisson_source(interior.detach())

    def loss() -> Tensor:
        u = model(interior)
        (du,) = torch.autograd.grad(u.sum(), interior, create_graph=True)
        lap = 0.0
        for i in range(dim):
            (ddu,) = torch.autograd.grad(du[:, i].sum(), interior, create_graph=True)
            lap = lap + ddu[:, i]
        pde = -lap - source
        bc = model(boundary)[:, 0]
        return pde.square().mean() + bc.square().mean()

    points = {"interior": interior.detach(), "boundary": boundary, "source": source}
    return _case(f"poisson{dim}d", size, model, points, loss, lr)


def poisson2d(size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """2-D Poisson: 4×50, 2000 interior + 400 boundary points."""
    return poisson(2, size, seed, lr)


def poisson3d(size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """3-D Poisson: 4×50, 2000 interior + 600 boundary points."""
    return poisson(3, size, seed, lr)


def poisson5d(size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """5-D Poisson: 4×50, 2000 interior + 1000 boundary points."""
    return poisson(5, size, seed, lr)


def heat1d(size: str = "default", seed: int = 0, lr: float = 1e-3) -> HandwrittenCase:
    """Heat ``u_t = α u_xx`` on ``x, t ∈ [0, 1]``, α = 0.1, ``u(x, 0) = sin(πx)``, ``u(0, t) = u(1, t) = 0``.

    The exact solution is ``exp(-απ²t) sin(πx)``. Inputs are the columns ``(x, t)``.
    """
    depth, width, n_int, n_edge = _sizes(size, (4, 50, 2000, 240))
    n_init, n_bc = (80, 160) if size == "default" else (n_edge // 2, n_edge // 2)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = tanh_mlp(2, depth, width)
    interior = uniform_box(n_int, [0.0, 0.0], [1.0, 1.0], gen).requires_grad_(True)
    initial = uniform_box(n_init, [0.0, 0.0], [1.0, 0.0], gen)
    boundary = uniform_box(n_bc, [0.0, 0.0], [1.0, 1.0], gen)
    boundary[:, 0] = (torch.rand(n_bc, generator=gen) < 0.5).float()
    u0 = torch.sin(math.pi * initial[:, 0])

    def loss() -> Tensor:
        u = model(interior)
        (du,) = torch.autograd.grad(u.sum(), interior, create_graph=True)
        u_x, u_t = du[:, 0], du[:, 1]
        (du_x,) = torch.autograd.grad(u_x.sum(), interior, create_graph=True)
        pde = u_t - HEAT_ALPHA * du_x[:, 0]
        ic = model(initial)[:, 0] - u0
        bc = model(boundary)[:, 0]
        return pde.square().mean() + ic.square().mean() + bc.square().mean()

    points = {"interior": interior.detach(), "initial": initial, "boundary": boundary, "u0": u0}
    return _case("heat1d", size, model, points, loss, lr)


#: Problem name -> builder ``(size, seed) -> HandwrittenCase``.
PROBLEMS: dict[str, Callable[..., HandwrittenCase]] = {
    "burgers": burgers,
    "poisson2d": poisson2d,
    "heat1d": heat1d,
    "poisson3d": poisson3d,
    "poisson5d": poisson5d,
}


def all_cases() -> list[tuple[str, str]]:
    """Every ``(problem, size)`` pair of the benchmark, tiny Burgers included."""
    pairs = [(name, size) for size in ("default", "pinnacle") for name in PROBLEMS]
    return [("burgers", "tiny"), *pairs]


def build_case(name: str, size: str, seed: int = 0) -> HandwrittenCase:
    """The hand-written case ``name`` at ``size`` (``"tiny"`` only for Burgers)."""
    if name == "burgers" and size == "tiny":
        return burgers_tiny(seed=seed)
    try:
        builder = PROBLEMS[name]
    except KeyError:
        raise ValueError(f"unknown problem {name!r}; expected one of {', '.join(PROBLEMS)}") from None
    return builder(size=size, seed=seed)


if __name__ == "__main__":
    torch.set_num_threads(2)
    for problem in PROBLEMS:
        case = build_case(problem, "default")
        first = float(case.step())
        for _ in range(99):
            last = float(case.step())
        print(f"{problem:10s} loss {first:10.4g} -> {last:10.4g} after 100 Adam steps")
