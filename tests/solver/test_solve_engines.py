"""Both derivative engines give the same losses and parameter gradients on every worked problem.

Every ``problems/*.pinn`` is compiled twice in float64, once with the autograd engine and once
with the forward engine (without its autograd fallback, so a silent fallback cannot pass), and
both evaluate the same zoo MLP, behind the same input normalisation, on the same points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import pinnlang
import pinnlang.compile.forward_engine  # noqa: F401  (registers the forward engine)
from pinnlang.compile.forward_engine import ForwardModeEngine
from pinnlang.solver.network import build_body, fast_forward, wrap

PROBLEMS = sorted((Path(__file__).resolve().parents[2] / "problems").glob("*.pinn"))
#: Problems whose network or derivatives the forward engine cannot take (each with the reason).
FORWARD_UNSUPPORTED: dict[str, str] = {}
POINTS = 40
RTOL = 1e-8


def _network(problem, compiled) -> torch.nn.Module:
    torch.manual_seed(0)
    activation = str(problem.settings.get("activation", "tanh"))
    body = build_body("mlp", len(compiled.input_names), len(compiled.field_names),
                      {"width": 12, "depth": 3, "activation": activation})
    return wrap(body, compiled.lower, compiled.upper).to(torch.float64)


def _losses_and_gradient(compiled, net, batches, parameters):
    unknowns = compiled.unknown_tensors(requires_grad=True)
    losses = compiled.losses(net, batches, unknowns)
    total = torch.stack(list(losses.values())).sum()
    leaves = list(parameters) + list(unknowns.values())
    grads = torch.autograd.grad(total, leaves, allow_unused=True, materialize_grads=True)
    return {k: float(v.detach()) for k, v in losses.items()}, torch.cat([g.reshape(-1) for g in grads])


def _relative(a: float | torch.Tensor, b: float | torch.Tensor) -> float:
    a, b = torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    scale = max(float(a.norm()), float(b.norm()))
    return float((a - b).norm()) / scale if scale > 0 else 0.0


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_forward_and_autograd_engines_agree(path):
    problem = pinnlang.load(str(path))
    by_autograd = pinnlang.compile_problem(problem, dtype=torch.float64, engine="autograd")
    by_forward = pinnlang.compile_problem(problem, dtype=torch.float64,
                                          engine=ForwardModeEngine(fallback=False))
    net = _network(problem, by_autograd)
    if path.stem in FORWARD_UNSUPPORTED:
        assert not ForwardModeEngine.supports(net, by_forward.plan)
        pytest.skip(FORWARD_UNSUPPORTED[path.stem])
    assert ForwardModeEngine.supports(net, by_forward.plan), f"{path.stem}: forward engine refuses it"
    batches = by_autograd.sample(np.random.default_rng(0), points=POINTS)
    losses_a, grad_a = _losses_and_gradient(by_autograd, net, batches, net.parameters())
    losses_f, grad_f = _losses_and_gradient(by_forward, net, batches, net.parameters())
    assert losses_a.keys() == losses_f.keys()
    for name in losses_a:
        assert _relative(losses_f[name], losses_a[name]) <= RTOL, (name, losses_f[name], losses_a[name])
    assert _relative(grad_f, grad_a) <= RTOL
    # the solver's flat network function computes the same map as the module
    flat = fast_forward(net)
    losses_flat, grad_flat = _losses_and_gradient(by_autograd, flat, batches, net.parameters())
    assert _relative(grad_flat, grad_a) <= RTOL
    assert all(_relative(losses_flat[k], losses_a[k]) <= RTOL for k in losses_a)
