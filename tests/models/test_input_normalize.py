"""Input normalisation onto [-1, 1]."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from pinnlang.errors import PinnUsageError
from pinnlang.models import MLP, Normalize, NormalizedNet

LOWER = [-1.0, 0.0, 2.0]
UPPER = [3.0, 0.25, 7.5]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_box_corners_map_exactly_to_plus_minus_one(dtype):
    normalize = Normalize(LOWER, UPPER).to(dtype)
    corners = torch.tensor(list(itertools.product(*zip(LOWER, UPPER))), dtype=dtype)
    signs = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=3)), dtype=dtype)
    out = normalize(corners)
    assert out.dtype == dtype
    assert torch.equal(out, signs)


def test_interior_maps_inside_and_the_map_is_affine():
    normalize = Normalize(torch.tensor(LOWER), np.array(UPPER))
    x = torch.tensor(LOWER) + torch.rand(50, 3) * (torch.tensor(UPPER) - torch.tensor(LOWER))
    out = normalize(x)
    assert out.min() >= -1 and out.max() <= 1
    assert torch.allclose(out, x * normalize.scale + normalize.offset, atol=1e-6)
    centre = (torch.tensor(LOWER) + torch.tensor(UPPER)) / 2
    assert torch.allclose(normalize(centre.unsqueeze(0)), torch.zeros(1, 3), atol=1e-7)


def test_bounds_are_buffers_that_follow_the_module():
    normalize = Normalize([0, 0], [1, 2])  # integers become the default float dtype
    assert normalize.lower.dtype == torch.get_default_dtype()
    assert set(normalize.state_dict()) == {"lower", "upper"}
    assert list(normalize.parameters()) == []
    assert normalize.double().upper.dtype == torch.float64
    restored = Normalize([5, 5], [6, 6])
    restored.load_state_dict(normalize.state_dict())
    assert restored.upper.tolist() == [1.0, 2.0]


def test_normalized_net_feeds_the_network_normalised_inputs():
    torch.manual_seed(0)
    net = MLP(2, 1, width=4, depth=1)
    wrapped = NormalizedNet(net, [0.0, -2.0], [1.0, 2.0])
    x = torch.rand(6, 2)
    assert torch.equal(wrapped(x), net(wrapped.normalize(x)))
    assert set(wrapped.state_dict()) >= {"normalize.lower", "normalize.upper", "net.linears.0.weight"}


@pytest.mark.parametrize(("lower", "upper", "message"), [
    ([0.0, 1.0], [1.0, 1.0], "flat in input 1: lower = 1.0, upper = 1.0"),
    ([0.0], [1.0, 2.0], "same length, got 1 and 2"),
    ([0.0, float("nan")], [1.0, 2.0], "finite numbers"),
    ([], [], "non-empty"),
    (["a"], [1.0], "list of numbers"),
])
def test_bad_boxes_are_refused(lower, upper, message):
    with pytest.raises(PinnUsageError, match=message):
        Normalize(lower, upper)


def test_wrong_number_of_columns_is_refused():
    with pytest.raises(PinnUsageError, match=r"expects inputs with 3 columns, got shape \(4, 1\)"):
        Normalize(LOWER, UPPER)(torch.zeros(4, 1))
