"""Hard constraints: the output transform enforces boundary values exactly."""

from __future__ import annotations

import pytest
import torch

from pinnlang.errors import PinnUsageError
from pinnlang.models import BoxDistance, HardConstraint, box_distance, build_model

LOWER = [0.0, -1.0]
UPPER = [1.0, 2.0]


def _boundary_points(n: int = 25, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Points on the four sides of the rectangle [0, 1] x [-1, 2]."""
    s = torch.rand(n, dtype=dtype)
    x = s * (UPPER[0] - LOWER[0]) + LOWER[0]
    y = s * (UPPER[1] - LOWER[1]) + LOWER[1]
    sides = [
        torch.stack([torch.full_like(y, LOWER[0]), y], dim=1),
        torch.stack([torch.full_like(y, UPPER[0]), y], dim=1),
        torch.stack([x, torch.full_like(x, LOWER[1])], dim=1),
        torch.stack([x, torch.full_like(x, UPPER[1])], dim=1),
    ]
    return torch.cat(sides)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_zero_dirichlet_holds_exactly_on_the_box(dtype):
    torch.manual_seed(0)
    net = build_model("mlp", 2, 2, width=8, depth=2)
    model = HardConstraint(net, box_distance(LOWER, UPPER)).to(dtype)
    boundary = _boundary_points(dtype=dtype)
    out = model(boundary)
    assert out.shape == (100, 2) and out.dtype == dtype
    assert torch.count_nonzero(out) == 0
    assert net(boundary).abs().min() > 0  # the network alone is not zero there
    interior = torch.tensor([[0.5, 0.5], [0.25, 1.5]], dtype=dtype)
    assert torch.count_nonzero(model(interior)) == 4


def test_particular_values_are_taken_exactly_on_the_boundary():
    torch.manual_seed(1)
    net = build_model("mlp", 2, 1, width=8, depth=2)

    def particular(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x[:, :1]) + x[:, 1:] ** 2

    model = HardConstraint(net, box_distance(LOWER, UPPER), particular)
    boundary = _boundary_points()
    assert torch.equal(model(boundary), particular(boundary))


def test_box_distance_values_and_sides():
    distance = box_distance([0.0, 0.0], [2.0, 1.0], dims=[0, 1], sides=["both", "lower"])
    x = torch.tensor([[1.0, 1.0], [1.0, 0.5], [0.5, 1.0], [1.0, 0.0], [2.0, 0.7]])
    # 4 s (1 - s) along x, s along t
    expected = torch.tensor([[1.0], [0.5], [0.75], [0.0], [0.0]])
    assert torch.allclose(distance(x), expected)
    assert distance(x).shape == (5, 1)
    only_x = box_distance([0.0, 0.0], [2.0, 1.0], dims=[0])
    assert torch.allclose(only_x(x), torch.tensor([[1.0], [1.0], [0.75], [1.0], [0.0]]))


def test_initial_and_boundary_values_on_space_time():
    """u = 0 at x = 0, 1 and at t = 0; free at t = 1."""
    torch.manual_seed(2)
    net = build_model("mlp", 2, 1, width=8, depth=2)
    model = HardConstraint(net, box_distance([0.0, 0.0], [1.0, 1.0], sides=["both", "lower"]))
    t = torch.rand(10)
    assert torch.count_nonzero(model(torch.stack([torch.zeros(10), t], 1))) == 0
    assert torch.count_nonzero(model(torch.stack([torch.ones(10), t], 1))) == 0
    assert torch.count_nonzero(model(torch.stack([t, torch.zeros(10)], 1))) == 0
    assert torch.count_nonzero(model(torch.stack([t * 0.8 + 0.1, torch.ones(10)], 1))) == 10


def test_derivatives_through_the_constraint_are_finite():
    torch.manual_seed(3)
    model = HardConstraint(build_model("mlp", 2, 1, width=8, depth=2), box_distance(LOWER, UPPER))
    x = torch.rand(7, 2, requires_grad=True)
    (grad,) = torch.autograd.grad(model(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(grad[:, 0].sum(), x)
    assert torch.isfinite(grad).all() and torch.isfinite(second).all()


def test_distance_module_follows_dtype_and_state_dict():
    model = HardConstraint(build_model("mlp", 2, 1, width=4, depth=1), box_distance(LOWER, UPPER))
    assert isinstance(model.distance_fn, BoxDistance)
    assert "distance_fn.lower" in model.state_dict()
    model = model.double()
    assert model.distance_fn.lower.dtype == torch.float64
    assert model(torch.rand(3, 2, dtype=torch.float64)).dtype == torch.float64


def test_a_plain_function_distance_of_shape_n_is_accepted():
    net = build_model("mlp", 1, 1, width=4, depth=1)
    model = HardConstraint(net, lambda x: x[:, 0] * (1 - x[:, 0]))
    out = model(torch.tensor([[0.0], [1.0], [0.5]]))
    assert out.shape == (3, 1)
    assert out[0].item() == 0.0 and out[1].item() == 0.0 and out[2].item() != 0.0


@pytest.mark.parametrize(("distance", "particular", "message"), [
    (lambda x: x, None, r"distance function must return shape \(4,\), \(4, 1\) or \(4, 3\); got \(4, 2\)"),
    (lambda x: x[:, :1], lambda x: x.sum(), r"particular function must return shape"),
    (lambda x: 1.0, None, "distance function must return a tensor, got float"),
])
def test_bad_shapes_from_the_functions_are_reported(distance, particular, message):
    model = HardConstraint(build_model("mlp", 2, 3, width=4, depth=1), distance, particular)
    with pytest.raises(PinnUsageError, match=message):
        model(torch.rand(4, 2))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dims": [2]}, r"distinct input indices in 0..1, got \[2\]"),
    ({"dims": [0, 0]}, "distinct input indices"),
    ({"dims": []}, "at least one input"),
    ({"sides": ["both"]}, "one side per constrained input: 2 dims, 1 sides"),
    ({"sides": "lowr"}, "unknown box side 'lowr' .did you mean 'lower'.."),
])
def test_bad_box_distance_arguments(kwargs, message):
    with pytest.raises(PinnUsageError, match=message):
        box_distance(LOWER, UPPER, **kwargs)


def test_constraint_functions_must_be_callable():
    net = build_model("mlp", 1, 1, width=4, depth=1)
    with pytest.raises(PinnUsageError, match="callable distance"):
        HardConstraint(net, 0.0)
    with pytest.raises(PinnUsageError, match="particular function must be callable"):
        HardConstraint(net, box_distance([0.0], [1.0]), 1.0)
