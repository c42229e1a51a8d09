"""Every zoo network: shapes, dtypes, derivatives, rebuilding from its config, structure."""

from __future__ import annotations

import io
import json
import math
import re

import pytest
import torch

from pinnlang.errors import PinnUsageError
from pinnlang.models import (
    MLP,
    ModifiedMLP,
    ResNet,
    Siren,
    available_models,
    build_model,
    model_config,
)

ZOO = ["mlp", "axis_fourier", "fourier", "modified_mlp", "siren", "resnet"]
SMALL = {"width": 8, "depth": 2}
# Non-default arguments for each zoo model, to check the config records all of them.
CUSTOM = {
    "mlp": {"width": 7, "depth": 3, "activation": "sin"},
    "axis_fourier": {"width": 6, "depth": 2, "activation": "silu", "wavenumbers": [0.0, 31.5]},
    "fourier": {"width": 6, "depth": 2, "activation": "silu", "features": 5, "sigma": 2.5, "seed": 11},
    "modified_mlp": {"width": 6, "depth": 3, "activation": "gelu"},
    "siren": {"width": 6, "depth": 2, "w0": 20.0, "w0_hidden": 10.0},
    "resnet": {"width": 6, "depth": 3, "activation": "softplus"},
}


def test_the_zoo_is_registered_with_mlp_first():
    names = available_models()
    assert names[0] == "mlp"
    assert set(ZOO) <= set(names)


def _derivatives(model: torch.nn.Module, x: torch.Tensor, order: int) -> list[torch.Tensor]:
    """d^k u_0 / dx_0^k for k = 1..order, by repeated autograd."""
    x = x.clone().requires_grad_(True)
    current = model(x)[:, 0]
    found = []
    for _ in range(order):
        (grad,) = torch.autograd.grad(current.sum(), x, create_graph=True)
        current = grad[:, 0]
        found.append(current)
    return found


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", available_models())
def test_every_model_maps_shapes_and_dtypes_with_finite_derivatives(name, dtype):
    torch.manual_seed(0)
    model = build_model(name, 3, 2, **SMALL).to(dtype)
    x = torch.rand(17, 3, dtype=dtype) * 2 - 1
    out = model(x)
    assert out.shape == (17, 2)
    assert out.dtype == dtype
    assert torch.isfinite(out).all()
    first, second = _derivatives(model, x, order=2)
    for derivative in (first, second):
        assert derivative.dtype == dtype
        assert torch.isfinite(derivative).all()
        assert derivative.abs().max() > 0  # a genuine dependence on the input, not a flat map


@pytest.mark.parametrize("name", ZOO)
def test_zoo_models_are_four_times_differentiable(name):
    torch.manual_seed(1)
    model = build_model(name, 2, 1, **SMALL).double()
    x = torch.rand(9, 2, dtype=torch.float64)
    fourth = _derivatives(model, x, order=4)[-1]
    assert torch.isfinite(fourth).all()
    assert fourth.abs().max() > 0


@pytest.mark.parametrize("name", ZOO)
def test_config_is_plain_and_rebuilds_identical_model(name):
    torch.manual_seed(2)
    model = build_model(name, 2, 3, **CUSTOM[name])
    config = model_config(model)
    assert config == {"name": name, "in_dim": 2, "out_dim": 3, **CUSTOM[name]}
    assert json.loads(json.dumps(config)) == config
    rebuilt = build_model(**config)
    assert type(rebuilt) is type(model)
    rebuilt.load_state_dict(model.state_dict(), strict=True)
    x = torch.rand(11, 2)
    assert torch.equal(rebuilt(x), model(x))


@pytest.mark.parametrize("name", ZOO)
def test_checkpoint_round_trip_with_weights_only_load(name, tmp_path):
    torch.manual_seed(3)
    model = build_model(name, 2, 1, **SMALL)
    path = tmp_path / "model.ckpt"
    torch.save({"config": model_config(model), "state_dict": model.state_dict()}, path)
    checkpoint = torch.load(path, weights_only=True)
    rebuilt = build_model(**checkpoint["config"])
    rebuilt.load_state_dict(checkpoint["state_dict"])
    x = torch.rand(8, 2)
    assert torch.equal(rebuilt(x), model(x))


def test_models_built_directly_know_their_name():
    assert MLP(2, 1).config["name"] == "mlp"
    assert Siren(1, 1, width=4, depth=1).config == {
        "name": "siren", "in_dim": 1, "out_dim": 1, "width": 4, "depth": 1,
        "w0": 30.0, "w0_hidden": 30.0,
    }


def test_integral_float_arguments_become_ints():
    model = build_model("mlp", 2, 1, width=16.0, depth=2.0)
    assert model.config["width"] == 16 and isinstance(model.config["width"], int)


@pytest.mark.parametrize("activation", ["tanh", "sin", "gelu", "silu", "softplus", "relu"])
def test_mlp_takes_each_activation(activation):
    model = build_model("mlp", 1, 1, width=4, depth=1, activation=activation)
    x = torch.linspace(-1, 1, 5).unsqueeze(-1)
    expected = model.linears[1](model.activation(model.linears[0](x)))
    assert torch.equal(model(x), expected)
    assert model.activation_name == activation


def test_mlp_structure_is_explicit_with_glorot_init():
    torch.manual_seed(4)
    model = MLP(3, 2, width=256, depth=3)
    assert [(l.in_features, l.out_features) for l in model.linears] == [
        (3, 256), (256, 256), (256, 256), (256, 2)]
    assert all(isinstance(layer, torch.nn.Linear) for layer in model.linears)
    assert model.activation_name == "tanh" and model.activation is torch.tanh
    assert all(torch.count_nonzero(layer.bias) == 0 for layer in model.linears)
    hidden = model.linears[1].weight
    glorot_std = math.sqrt(2.0 / (256 + 256))
    assert abs(hidden.std().item() / glorot_std - 1) < 0.05


def test_modified_mlp_follows_the_gated_formula():
    torch.manual_seed(5)
    model = ModifiedMLP(2, 1, width=5, depth=3)
    assert len(model.linears) == 4  # input layer, two gates, output layer
    x = torch.rand(6, 2)
    act = torch.tanh
    u, v = act(model.encoder_u(x)), act(model.encoder_v(x))
    h = act(model.linears[0](x))
    for gate in (model.linears[1], model.linears[2]):
        z = act(gate(h))
        h = (1 - z) * u + z * v
    assert torch.allclose(model(x), model.linears[3](h))


def test_resnet_blocks_have_two_layers_and_a_skip():
    torch.manual_seed(6)
    model = ResNet(2, 1, width=4, depth=3)
    assert len(model.blocks) == 3
    block = model.blocks[0]
    h = torch.rand(5, 4)
    expected = torch.tanh(h + block.second(torch.tanh(block.first(h))))
    assert torch.allclose(block(h), expected)


def test_siren_initialisation_bounds():
    torch.manual_seed(7)
    model = Siren(3, 1, width=128, depth=3)
    first = model.linears[0].weight
    assert first.abs().max() <= 1.0 / 3
    assert first.abs().max() > 0.9 / 3
    for layer in model.linears[1:]:
        bound = math.sqrt(6.0 / layer.in_features) / 30.0
        assert layer.weight.abs().max() <= bound
    assert model.linears[1].weight.abs().max() > 0.95 * math.sqrt(6.0 / 128) / 30.0
    x = torch.rand(4, 3)
    h = torch.sin(30.0 * model.linears[0](x))
    for layer in model.linears[1:-1]:
        h = torch.sin(30.0 * layer(h))
    assert torch.allclose(model(x), model.linears[-1](h))


def test_fourier_features_are_reproducible_from_the_seed():
    torch.manual_seed(8)
    a = build_model("fourier", 2, 1, features=16, seed=5)
    torch.manual_seed(9)  # the global random state does not matter
    b = build_model("fourier", 2, 1, features=16, seed=5)
    c = build_model("fourier", 2, 1, features=16, seed=6)
    assert torch.equal(a.frequencies, b.frequencies)
    assert not torch.equal(a.frequencies, c.frequencies)
    assert "frequencies" in a.state_dict()
    assert all(p is not a.frequencies for p in a.parameters())


def test_fourier_frequencies_have_standard_deviation_sigma():
    model = build_model("fourier", 2, 1, features=4096, sigma=3.0, width=4, depth=1)
    assert model.frequencies.shape == (2, 4096)
    assert abs(model.frequencies.std().item() / 3.0 - 1) < 0.05
    x = torch.rand(3, 2)
    projected = 2 * math.pi * (x @ model.frequencies)
    assert torch.allclose(model.embed(x), torch.cat([projected.cos(), projected.sin()], dim=-1))


def test_a_checkpoint_file_is_small_and_plain(tmp_path):
    model = build_model("fourier", 2, 1, **SMALL)
    buffer = io.BytesIO()
    torch.save({"config": model.config}, buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True)["config"] == model.config


def test_axis_fourier_adds_the_sine_and_cosine_of_each_oscillating_input():
    model = build_model("axis_fourier", 3, 1, wavenumbers=[31.5, 0.0, 2.0])
    x = torch.rand(7, 3) * 2 - 1
    features = model.embed(x)
    assert features.shape == (7, 3 + 2 * 2)
    assert torch.equal(features[:, :3], x)
    assert torch.allclose(features[:, 3], torch.sin(31.5 * x[:, 0]))
    assert torch.allclose(features[:, 6], torch.cos(2.0 * x[:, 2]))
    # the wavenumbers are fixed: a buffer of the state dict, no parameter
    assert "wavenumbers" in model.state_dict()
    assert all("wavenumbers" not in name for name, _ in model.named_parameters())


@pytest.mark.parametrize("wavenumbers, fragment", [
    ([1.0], "one entry per input (2), got 1"),
    ([1.0, -2.0], "finite and >= 0"),
    ("ab", "must be a list of numbers"),
])
def test_axis_fourier_rejects_bad_wavenumbers(wavenumbers, fragment):
    with pytest.raises(PinnUsageError, match=re.escape(fragment)):
        build_model("axis_fourier", 2, 1, wavenumbers=wavenumbers)
