"""The forward derivative path against nested ``torch.autograd.grad``, in float64."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from pinnlang.compile.forward_activations import activation_derivatives, supported_activations
from pinnlang.compile.forward_mode import (
    LAPLACIAN,
    DerivativeRequest,
    forward_channels,
    forward_derivatives,
)

ACTIVATION_FUNCTIONS = {
    "tanh": torch.tanh,
    "sin": torch.sin,
    "cos": torch.cos,
    "sigmoid": torch.sigmoid,
    "softplus": nn.functional.softplus,
    "silu": nn.functional.silu,
    "swish": nn.functional.silu,
    "gelu": nn.functional.gelu,
    "relu": torch.relu,
}


def make_mlp(in_dim: int, width: int, depth: int, out_dim: int = 1, seed: int = 0) -> list[nn.Linear]:
    """``depth`` hidden layers of ``width``, random weights and non-zero biases, float64."""
    torch.manual_seed(seed)
    sizes = [in_dim] + [width] * depth + [out_dim]
    linears = [nn.Linear(a, b).double() for a, b in zip(sizes[:-1], sizes[1:])]
    for layer in linears:
        nn.init.normal_(layer.weight, std=1.2 / layer.in_features**0.5)
        nn.init.normal_(layer.bias, std=0.3)
    return linears


def run_mlp(linears: list[nn.Linear], activation: str, x: torch.Tensor) -> torch.Tensor:
    act = ACTIVATION_FUNCTIONS[activation]
    h = x
    for layer in linears[:-1]:
        h = act(layer(h))
    return linears[-1](h)


def nested_autograd(linears, activation, x, request, n_fields, scale=None, shift=None):
    """The same derivatives by nested ``autograd.grad`` (the reference), graphs kept."""
    x = x.detach().requires_grad_(True)
    xin = x if scale is None else x * scale + shift
    out = run_mlp(linears, activation, xin)
    derivs = {}
    for field in range(n_fields):
        cache = {(): out[:, field]}

        def partial(idx):
            if idx not in cache:
                lower = partial(idx[:-1])
                (grad,) = torch.autograd.grad(
                    lower.sum(), x, create_graph=True, allow_unused=True, materialize_grads=True
                )
                cache[idx] = grad[:, idx[-1]]
            return cache[idx]

        for idx in request.derivatives:
            derivs[(field, idx)] = partial(idx)
        if request.laplacian:
            derivs[(field, LAPLACIAN)] = sum(partial((a, a)) for a in request.laplacian)
    return out, derivs


def full_second_order(d: int) -> DerivativeRequest:
    pairs = list(itertools.combinations(range(d), 2))
    return DerivativeRequest.of(first=range(d), second=range(d), mixed=pairs, laplacian=range(d))


def assert_matches(linears, activation, x, request, n_fields=1, atol=1e-11, **fold):
    value, derivs = forward_derivatives(
        linears, activation, x, request, input_scale=fold.get("scale"), input_shift=fold.get("shift")
    )
    ref_value, ref_derivs = nested_autograd(linears, activation, x, request, n_fields, **fold)
    torch.testing.assert_close(value, ref_value, rtol=0, atol=atol)
    assert set(derivs) == set(ref_derivs) == set(request.keys(n_fields))
    for key, ref in ref_derivs.items():
        torch.testing.assert_close(derivs[key], ref, rtol=0, atol=atol, msg=lambda m: f"{key}: {m}")


@pytest.mark.parametrize("d", [1, 2, 3, 5])
@pytest.mark.parametrize("depth,width", [(1, 7), (2, 16), (4, 9)])
def test_first_and_second_order_match_nested_autograd(d, depth, width):
    linears = make_mlp(d, width, depth, seed=d * 10 + depth)
    x = torch.rand(33, d, dtype=torch.float64) * 2 - 1
    assert_matches(linears, "tanh", x, full_second_order(d))


@pytest.mark.parametrize("d", [2, 3])
def test_third_and_fourth_order_match_nested_autograd(d):
    linears = make_mlp(d, 8, 3, seed=d)
    x = torch.rand(17, d, dtype=torch.float64) * 2 - 1
    higher = [(0, 0, 0), (0, 0, 1), (0, 1, d - 1), (0, 0, 0, 0), (0, 0, 1, 1), (0, 1, 1, d - 1)]
    assert_matches(linears, "tanh", x, DerivativeRequest.of(higher=higher, laplacian=[0, 1]))


@pytest.mark.parametrize("activation", sorted(supported_activations()))
def test_every_activation_matches_nested_autograd(activation):
    linears = make_mlp(2, 10, 2, seed=3)
    x = torch.rand(21, 2, dtype=torch.float64) * 2 - 1
    request = DerivativeRequest.of(
        first=[0, 1], second=[0], mixed=[(0, 1)], laplacian=[0, 1], higher=[(0, 0, 1), (1, 1, 1, 1)]
    )
    assert_matches(linears, activation, x, request, atol=1e-10)


def test_activation_table_matches_autograd_to_fourth_order():
    z = torch.linspace(-3, 3, 41, dtype=torch.float64, requires_grad=True)
    for name in supported_activations():
        ref = [ACTIVATION_FUNCTIONS[name](z)]
        for _ in range(4):
            (grad,) = torch.autograd.grad(
                ref[-1].sum(), z, create_graph=True, allow_unused=True, materialize_grads=True
            )
            ref.append(grad)
        for order, (got, want) in enumerate(zip(activation_derivatives(name, z, 4), ref)):
            torch.testing.assert_close(got, want, rtol=0, atol=1e-13, msg=f"{name} order {order}")


def test_several_fields_and_a_laplacian_over_a_subset():
    linears = make_mlp(3, 12, 3, out_dim=3, seed=7)
    x = torch.rand(25, 3, dtype=torch.float64)
    request = DerivativeRequest.of(first=[2], second=[2], laplacian=[0, 1])
    assert_matches(linears, "tanh", x, request, n_fields=3)


def test_input_normalisation_is_folded_into_the_first_layer():
    linears = make_mlp(2, 12, 3, seed=11)
    lower = torch.tensor([0.0, -2.0], dtype=torch.float64)
    upper = torch.tensor([1.0, 3.0], dtype=torch.float64)
    scale = 2.0 / (upper - lower)
    shift = -1.0 - lower * scale
    x = lower + torch.rand(19, 2, dtype=torch.float64) * (upper - lower)
    assert_matches(linears, "tanh", x, full_second_order(2), scale=scale, shift=shift)


def test_value_alone_and_layers_without_bias():
    linears = make_mlp(2, 6, 2, seed=5)
    linears[1] = nn.Linear(6, 6, bias=False).double()
    x = torch.rand(9, 2, dtype=torch.float64)
    assert_matches(linears, "tanh", x, DerivativeRequest())
    assert_matches(linears, "tanh", x, DerivativeRequest.of(first=[0], mixed=[(0, 1)]))


def test_channels_view_stacks_every_field():
    linears = make_mlp(2, 8, 2, out_dim=2, seed=2)
    x = torch.rand(10, 2, dtype=torch.float64)
    request = DerivativeRequest.of(first=[1], laplacian=[0, 1])
    value, channels = forward_channels(linears, "tanh", x, request)
    _, derivs = forward_derivatives(linears, "tanh", x, request)
    assert set(channels) == {(1,), LAPLACIAN}
    assert channels[(1,)].shape == value.shape == (10, 2)
    torch.testing.assert_close(channels[LAPLACIAN][:, 1], derivs[(1, LAPLACIAN)])


def burgers_like_loss(value, d, nu=0.01):
    residual = d[(0, (1,))] + value[:, 0] * d[(0, (0,))] - nu * d[(0, (0, 0))]
    return residual.square().mean() + d[(0, LAPLACIAN)].square().mean() + value.square().mean()


@pytest.mark.parametrize("activation", ["tanh", "sin", "silu"])
@pytest.mark.parametrize("d,depth", [(2, 3), (3, 4)])
def test_parameter_gradients_equal_nested_autograd(activation, d, depth):
    linears = make_mlp(d, 14, depth, seed=d + depth)
    params = [p for layer in linears for p in layer.parameters()]
    x = torch.rand(40, d, dtype=torch.float64) * 2 - 1
    request = DerivativeRequest.of(first=[0, 1], second=[0], laplacian=range(d))

    value, derivs = forward_derivatives(linears, activation, x, request)
    grads = torch.autograd.grad(burgers_like_loss(value, derivs), params)
    ref_value, ref_derivs = nested_autograd(linears, activation, x, request, 1)
    ref_grads = torch.autograd.grad(burgers_like_loss(ref_value, ref_derivs), params)
    for got, want in zip(grads, ref_grads):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-10)


def test_fourth_order_parameter_gradients_equal_nested_autograd():
    linears = make_mlp(2, 10, 3, seed=9)
    params = [p for layer in linears for p in layer.parameters()]
    x = torch.rand(30, 2, dtype=torch.float64)
    request = DerivativeRequest.of(higher=[(0, 0, 0, 0), (0, 0, 1, 1), (1, 1, 1, 1)])

    def biharmonic(d):
        return (d[(0, (0, 0, 0, 0))] + 2 * d[(0, (0, 0, 1, 1))] + d[(0, (1, 1, 1, 1))]).square().mean()

    unused = {"allow_unused": True, "materialize_grads": True}  # the output bias drops out
    forward = forward_derivatives(linears, "tanh", x, request)[1]
    grads = torch.autograd.grad(biharmonic(forward), params, **unused)
    ref = torch.autograd.grad(biharmonic(nested_autograd(linears, "tanh", x, request, 1)[1]), params, **unused)
    assert float(grads[-1].abs().max()) == 0.0
    for got, want in zip(grads, ref):
        torch.testing.assert_close(got, want, rtol=0, atol=1e-10)


def test_requests_are_normalised_and_compared_by_value():
    a = DerivativeRequest(derivatives=((1, 0), (0,), (0,)), laplacian=(1, 0, 1))
    b = DerivativeRequest.of(first=[0], mixed=[(0, 1)], laplacian=[0, 1])
    assert a == b and hash(a) == hash(b)
    assert a.derivatives == ((0,), (0, 1)) and a.laplacian == (0, 1)
    assert a.keys(2) == [(0, (0,)), (0, (0, 1)), (0, LAPLACIAN), (1, (0,)), (1, (0, 1)), (1, LAPLACIAN)]


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: DerivativeRequest.of(higher=[(0, 0, 0, 0, 0)]), "not supported by the forward path"),
        (lambda: DerivativeRequest.of(first=[-1]), "not supported by the forward path"),
        (lambda: DerivativeRequest.of(laplacian=[-2]), "laplacian axes must be non-negative"),
    ],
)
def test_bad_requests_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_calls_are_refused():
    linears = make_mlp(2, 4, 1)
    x = torch.rand(5, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="out of range for a network with 2 inputs"):
        forward_derivatives(linears, "tanh", x, DerivativeRequest.of(first=[2]))
    with pytest.raises(ValueError, match="does not know the activation 'elu'"):
        forward_derivatives(linears, "elu", x, DerivativeRequest.of(first=[0]))
    with pytest.raises(ValueError, match=r"expected inputs shaped \(N, d\)"):
        forward_derivatives(linears, "tanh", x[0], DerivativeRequest.of(first=[0]))
    with pytest.raises(ValueError, match=r"the network takes 2 inputs, got x of shape \(5, 3\)"):
        forward_derivatives(linears, "tanh", torch.rand(5, 3), DerivativeRequest.of(first=[0]))
    with pytest.raises(TypeError, match="expected torch.nn.Linear layers, got Tanh"):
        forward_derivatives([linears[0], nn.Tanh()], "tanh", x, DerivativeRequest.of(first=[0]))


# --- the derivative engine -------------------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402
from typing import Mapping  # noqa: E402

import numpy as np  # noqa: E402

from pinnlang.compile.derivatives import AutogradEngine, DerivativePlan, make_engine  # noqa: E402
from pinnlang.compile.forward_engine import ForwardModeEngine, mlp_structure  # noqa: E402
from pinnlang.models import NormalizedNet, build_model  # noqa: E402


@dataclass(frozen=True)
class PlanWithLaplacian(DerivativePlan):
    """A plan carrying the optional ``laplacians`` the forward engine understands."""

    laplacians: Mapping[int, tuple[int, ...]] = field(default_factory=dict)


def zoo_net(in_dim=2, out_dim=2, activation="tanh", normalized=True):
    torch.manual_seed(4)
    body = build_model("mlp", in_dim, out_dim, width=12, depth=3, activation=activation).double()
    if not normalized:
        return body
    lower, upper = [-1.0, 0.0, 2.0][:in_dim], [1.0, 0.5, 5.0][:in_dim]
    return NormalizedNet(body, lower, upper).double()


ENGINE_PLAN = [(0, (0,)), (0, (0, 0)), (0, (1,)), (1, (0, 1)), (1, (1, 1, 1)), (1, ())]


def params_grads(net, values, plan):
    loss = sum(v.square().mean() for v in values.values.values())
    return torch.autograd.grad(loss, list(net.parameters()), allow_unused=True, materialize_grads=True)


@pytest.mark.parametrize("normalized", [True, False])
def test_engine_matches_the_autograd_engine_values_and_parameter_gradients(normalized):
    net = zoo_net(normalized=normalized)
    assert ForwardModeEngine.supports(net)
    plan = DerivativePlan.from_requests(2, ENGINE_PLAN)
    x = torch.rand(30, 2, dtype=torch.float64) * torch.tensor([2.0, 0.5]) - torch.tensor([1.0, 0.0])
    got = ForwardModeEngine().evaluate(net, x, plan)
    want = AutogradEngine().evaluate(net, x, plan)
    assert got.grad_calls == 0 and want.grad_calls > 0
    assert set(got.values) == set(want.values)
    torch.testing.assert_close(got.outputs, want.outputs, rtol=0, atol=1e-12)
    for key in want.values:
        torch.testing.assert_close(got.values[key], want.values[key], rtol=0, atol=1e-10)
    for g, w in zip(params_grads(net, got, plan), params_grads(net, want, plan)):
        torch.testing.assert_close(g, w, rtol=0, atol=1e-10)


def test_engine_propagates_a_collapsed_laplacian_when_the_plan_asks():
    net = zoo_net(in_dim=3, out_dim=1)
    plan = PlanWithLaplacian(
        3, DerivativePlan.from_requests(3, [(0, (2,))]).nodes, laplacians={0: (1, 0)}
    )
    x = torch.rand(20, 3, dtype=torch.float64) + torch.tensor([0.0, 0.0, 2.0])
    got = ForwardModeEngine().evaluate(net, x, plan)
    ref = AutogradEngine().evaluate(net, x, DerivativePlan.from_requests(3, [(0, (0, 0)), (0, (1, 1))]))
    torch.testing.assert_close(
        got.values[(0, LAPLACIAN)], ref.get(0, (0, 0)) + ref.get(0, (1, 1)), rtol=0, atol=1e-10
    )


def test_engine_falls_back_to_autograd_for_other_networks():
    plan = DerivativePlan.from_requests(2, [(0, (0, 1))])
    x = torch.rand(8, 2, dtype=torch.float64)
    torch.manual_seed(0)
    others = [
        nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 1)).double(),
        build_model("modified_mlp", 2, 1, width=6, depth=2).double(),  # has linears, is no MLP
        build_model("resnet", 2, 1, width=6, depth=2).double(),
    ]
    for net in others:
        assert not ForwardModeEngine.supports(net) and mlp_structure(net) is None
        got = ForwardModeEngine().evaluate(net, x, plan)
        want = AutogradEngine().evaluate(net, x, plan)
        assert got.grad_calls == want.grad_calls > 0
        torch.testing.assert_close(got.get(0, (0, 1)), want.get(0, (0, 1)))
        with pytest.raises(TypeError, match="forward derivative engine cannot evaluate"):
            ForwardModeEngine(fallback=False).evaluate(net, x, plan)
    too_high = DerivativePlan.from_requests(2, [(0, (0, 0, 0, 0, 1))])
    assert not ForwardModeEngine.supports(zoo_net(), too_high)


def test_engine_is_registered_and_detaches_without_create_graph():
    assert isinstance(make_engine("forward"), ForwardModeEngine)
    net = zoo_net()
    values = ForwardModeEngine().evaluate(
        net, torch.rand(5, 2, dtype=torch.float64), DerivativePlan.from_requests(2, ENGINE_PLAN),
        create_graph=False,
    )
    assert not any(v.requires_grad for v in values.values.values())


def test_compiled_problem_losses_are_the_same_with_the_forward_engine():
    import pinnlang
    from pinnlang.compile import compile_problem

    problem = pinnlang.load("problems/burgers.pinn")
    forward = compile_problem(problem, dtype=torch.float64, engine="forward")
    autograd = compile_problem(problem, dtype=torch.float64)
    batches = forward.sample(np.random.default_rng(0), points=64)
    net = NormalizedNet(zoo_net(normalized=False, out_dim=1), [-1.0, 0.0], [1.0, 1.0]).double()
    assert ForwardModeEngine.supports(net)
    got = forward.losses(net, batches, forward.unknown_tensors())
    want = autograd.losses(net, batches, autograd.unknown_tensors())
    assert set(got) == set(want)
    for name in want:
        torch.testing.assert_close(got[name], want[name], rtol=1e-12, atol=1e-12)
