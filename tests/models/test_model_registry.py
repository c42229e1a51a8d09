"""The registry: lookups, errors, user modules, entry points, descriptions."""

from __future__ import annotations

import importlib.metadata

import pytest
import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.models import (
    ENTRY_POINT_GROUP,
    MLP,
    REQUIRED,
    available_models,
    build_model,
    describe_models,
    get_model_class,
    model_arguments,
    model_config,
    register_model,
    register_module,
    unregister_model,
)


class TinyNet(nn.Module):
    """A user's two-layer network."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 4):
        super().__init__()
        self.first = nn.Linear(in_dim, hidden)
        self.second = nn.Linear(hidden, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(torch.tanh(self.first(x)))


# (call, expected fragments of the message)
BAD_USES = [
    (lambda: build_model("mlpp", 2, 1), ["unknown model 'mlpp'", "did you mean 'mlp'",
                                         "available models: mlp, axis_fourier, fourier"]),
    (lambda: get_model_class("sirn"), ["did you mean 'siren'"]),
    (lambda: build_model("zzz", 2, 1), ["unknown model 'zzz'; available models: mlp"]),
    (lambda: build_model("mlp", 2, 1, widht=3), ["model 'mlp' does not take argument 'widht'",
                                                 "did you mean 'width'",
                                                 "it accepts: width, depth, activation"]),
    (lambda: build_model("siren", 2, 1, activation="tanh"),
     ["model 'siren' does not take argument 'activation'", "it accepts: width, depth, w0, w0_hidden"]),
    (lambda: build_model("mlp", 2, 1, activation="tanhh"),
     ["unknown activation 'tanhh' (did you mean 'tanh'?)", "tanh, sin, gelu, silu, softplus, relu"]),
    (lambda: build_model("mlp", 2, 1, width=0), ["width must be a whole number >= 1, got 0"]),
    (lambda: build_model("mlp", 2, 1, width=3.5), ["width must be a whole number >= 1, got 3.5"]),
    (lambda: build_model("mlp", 2, 1, depth=True), ["depth must be a whole number >= 1, got True"]),
    (lambda: build_model("mlp", 0, 1), ["in_dim must be a whole number >= 1, got 0"]),
    (lambda: build_model("fourier", 2, 1, sigma=-1.0), ["sigma must be a positive number, got -1.0"]),
    (lambda: build_model("modified_mlp", 2, 1, depth=1), ["modified_mlp depth", ">= 2, got 1"]),
    (lambda: build_model(3, 2, 1), ["a model name must be a string, got 3"]),
]


@pytest.mark.parametrize(("call", "fragments"), BAD_USES)
def test_bad_uses_raise_usage_errors_that_say_what_to_do(call, fragments):
    with pytest.raises(PinnUsageError) as info:
        call()
    for fragment in fragments:
        assert fragment in info.value.message


def test_unknown_model_error_points_to_the_models_command():
    with pytest.raises(PinnUsageError) as info:
        build_model("mlpp")
    assert "pinnlang models" in info.value.render()


def test_model_arguments_lists_defaults():
    assert model_arguments("mlp") == {"width": 64, "depth": 4, "activation": "tanh"}
    assert model_arguments("siren")["w0"] == 30.0


def test_default_model_is_an_mlp():
    assert isinstance(build_model(in_dim=2), MLP)


def test_describe_models_gives_one_line_each():
    rows = dict(describe_models())
    assert set(rows) >= {"mlp", "fourier", "modified_mlp", "siren", "resnet"}
    assert rows["mlp"].startswith("Fully connected network (default)")
    assert all(desc and "\n" not in desc for desc in rows.values())


def test_register_module_builds_a_users_plain_module(restore_registry):
    register_module("tiny", TinyNet)
    assert "tiny" in available_models()
    assert dict(describe_models())["tiny"] == "A user's two-layer network."
    model = build_model("tiny", 3, 2, hidden=5)
    assert isinstance(model, TinyNet)
    assert model(torch.rand(4, 3)).shape == (4, 2)
    config = model_config(model)
    assert config == {"name": "tiny", "in_dim": 3, "out_dim": 2, "hidden": 5}
    rebuilt = build_model(**config)
    rebuilt.load_state_dict(model.state_dict())
    x = torch.rand(4, 3)
    assert torch.equal(rebuilt(x), model(x))
    with pytest.raises(PinnUsageError, match="does not take argument 'hiden'.*did you mean 'hidden'"):
        build_model("tiny", 3, 2, hiden=5)


def test_register_module_takes_a_factory(restore_registry):
    def make_linear(in_dim: int, out_dim: int, *, bias: bool = True) -> nn.Module:
        return nn.Linear(in_dim, out_dim, bias=bias)

    register_module("linear", make_linear, description="a single linear layer")
    model = build_model("linear", 2, 3, bias=False)
    assert model.bias is None
    assert dict(describe_models())["linear"] == "a single linear layer"
    assert model_config(model) == {"name": "linear", "in_dim": 2, "out_dim": 3, "bias": False}


def test_a_module_with_the_wrong_output_shape_is_refused(restore_registry):
    register_module("wrong", lambda in_dim, out_dim: nn.Linear(in_dim, out_dim + 1))
    with pytest.raises(PinnUsageError, match=r"must map \(N, 2\) -> \(N, 1\).*returned \(3, 2\)"):
        build_model("wrong", 2, 1)


def test_a_factory_returning_something_else_is_refused(restore_registry):
    register_module("notnet", lambda in_dim, out_dim: "a string")
    with pytest.raises(PinnUsageError, match="built a str, not a torch.nn.Module"):
        build_model("notnet", 2, 1)


def test_registration_mistakes(restore_registry):
    with pytest.raises(PinnUsageError, match="module instance"):
        register_module("inst", TinyNet(1, 1))
    with pytest.raises(PinnUsageError, match="not an identifier"):
        register_module("my-net", TinyNet)
    with pytest.raises(PinnUsageError, match="already registered"):
        register_module("mlp", TinyNet)
    with pytest.raises(PinnUsageError, match="decorates torch.nn.Module subclasses"):
        register_model("func")(lambda in_dim, out_dim: TinyNet(in_dim, out_dim))
    with pytest.raises(PinnUsageError, match="unknown model 'nothing'"):
        unregister_model("nothing")
    register_module("mlp", TinyNet, replace=True)
    assert get_model_class("mlp") is TinyNet


def test_register_model_decorator_names_a_zoo_subclass(restore_registry):
    from pinnlang.models import ZooModel

    @register_model("affine")
    class Affine(ZooModel):
        """An affine map."""

        def __init__(self, in_dim: int, out_dim: int, scale: float = 1.0):
            super().__init__(in_dim, out_dim, scale=scale)
            self.linear = nn.Linear(in_dim, out_dim)
            self.scale = scale

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.scale * self.linear(x)

    model = Affine(2, 1, scale=2.0)
    assert model.config == {"name": "affine", "in_dim": 2, "out_dim": 1, "scale": 2.0}
    assert isinstance(build_model(**model.config), Affine)


def test_config_needs_plain_values(restore_registry):
    register_module("tiny_tensor", lambda in_dim, out_dim, scale=None: TinyNet(in_dim, out_dim))
    model = build_model("tiny_tensor", 2, 1, scale=torch.tensor(2.0))
    with pytest.raises(PinnUsageError, match="argument 'scale' of model 'tiny_tensor' is a Tensor"):
        model_config(model)
    with pytest.raises(PinnUsageError, match="was not built by build_model"):
        model_config(TinyNet(1, 1))
    assert model_arguments("tiny_tensor") == {"scale": None}


def test_model_arguments_marks_required_ones(restore_registry):
    register_module("needs_k", lambda in_dim, out_dim, *, k, bias=True: nn.Linear(in_dim, out_dim))
    assert model_arguments("needs_k") == {"k": REQUIRED, "bias": True}
    with pytest.raises(PinnUsageError, match="missing a required argument: 'k'.*it accepts: k, bias"):
        build_model("needs_k", 2, 1)


def _fake_entry_points(monkeypatch, *installed: importlib.metadata.EntryPoint) -> None:
    """Make ``importlib.metadata.entry_points`` report ``installed`` in the models group."""
    real = importlib.metadata.entry_points

    def entry_points(**params):
        if params == {"group": ENTRY_POINT_GROUP}:
            return list(installed)
        return real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def _entry_point(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_an_entry_point_adds_a_model(monkeypatch, tmp_path):
    (tmp_path / "pinn_plugin_nets.py").write_text(
        "import torch\n"
        "class ScaledLinear(torch.nn.Module):\n"
        "    '''A plug-in's scaled linear map.'''\n"
        "    def __init__(self, in_dim, out_dim, scale=2.0):\n"
        "        super().__init__()\n"
        "        self.linear = torch.nn.Linear(in_dim, out_dim)\n"
        "        self.scale = scale\n"
        "    def forward(self, x):\n"
        "        return self.scale * self.linear(x)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    _fake_entry_points(monkeypatch, _entry_point("scaled", "pinn_plugin_nets:ScaledLinear"),
                       _entry_point("plain_linear", "torch.nn:Linear"))
    assert available_models()[-2:] == ["plain_linear", "scaled"]
    model = build_model("scaled", 3, 2, scale=0.5)
    assert type(model).__name__ == "ScaledLinear" and model.scale == 0.5
    assert model(torch.rand(4, 3)).shape == (4, 2)
    assert model_config(model) == {"name": "scaled", "in_dim": 3, "out_dim": 2, "scale": 0.5}
    assert isinstance(build_model("plain_linear", 2, 5), nn.Linear)
    assert dict(describe_models())["scaled"] == "A plug-in's scaled linear map. (plug-in)"
    with pytest.raises(PinnUsageError, match="did you mean 'scaled'"):
        build_model("scaler", 2, 1)


def test_a_broken_entry_point_is_reported_not_raised_by_describe(monkeypatch):
    _fake_entry_points(monkeypatch, _entry_point("broken", "no_such_module_for_pinnlang:Net"))
    assert "broken" in available_models()
    with pytest.raises(PinnUsageError, match="model 'broken' .* could not be loaded: ModuleNotFoundError"):
        build_model("broken", 2, 1)
    assert "could not be loaded" in dict(describe_models())["broken"]


def test_registered_names_win_over_entry_points(monkeypatch):
    _fake_entry_points(monkeypatch, _entry_point("mlp", "torch.nn:Linear"))
    assert available_models().count("mlp") == 1
    assert isinstance(build_model("mlp", 2, 1), MLP)
