"""Every zoo network trains: gradients reach every weight and a smooth 1-D function is fitted."""

from __future__ import annotations

from typing import Iterator

import pytest
import torch

from pinnlang.models import available_models, build_model

ZOO = ["mlp", "axis_fourier", "fourier", "modified_mlp", "siren", "resnet"]


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny networks run fastest on one thread (and the test machine is shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", available_models())
def test_every_trainable_weight_gets_a_gradient(name):
    torch.manual_seed(0)
    model = build_model(name, 2, 1, width=8, depth=2)
    x = torch.rand(16, 2) * 2 - 1
    model(x).pow(2).mean().backward()
    for param_name, param in model.named_parameters():
        assert param.grad is not None, param_name
        assert param.grad.abs().max() > 0, param_name


@pytest.mark.parametrize("name", ZOO)
def test_fits_sin_pi_x_with_adam(name, one_thread):
    torch.manual_seed(0)
    model = build_model(name, 1, 1, width=16, depth=2)
    x = torch.linspace(-1, 1, 64).unsqueeze(-1)
    y = torch.sin(torch.pi * x)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    initial = (model(x) - y).pow(2).mean().item()
    for _ in range(200):
        optimiser.zero_grad()
        loss = (model(x) - y).pow(2).mean()
        loss.backward()
        optimiser.step()
    assert loss.item() < 0.05 * initial
