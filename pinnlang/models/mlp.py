"""``mlp``: the default fully connected network."""

from __future__ import annotations

import math
from typing import final

import torch
from torch import nn

from pinnlang.models.activations import ACTIVATIONS, get_activation
from pinnlang.models.base import ZooModel, require_choice, require_positive_int, xavier_init
from pinnlang.models.registry import register_model


@register_model("mlp")
@final
class MLP(ZooModel):
    """Fully connected network (default): depth hidden layers of width neurons, Glorot init.

    ``x -> act(W_1 x + b_1) -> ... -> act(W_depth h + b_depth) -> W_out h + b_out``.

    The structure is explicit so that other derivative engines can walk it layer by layer:
    ``linears`` holds the ``depth + 1`` ``nn.Linear`` layers in order (the last one has no
    activation), ``activation_name`` the activation's name and ``activation`` the function.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per hidden layer.
        depth: number of hidden layers.
        activation: one of ``tanh sin gelu silu softplus relu``.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh"):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "depth")
        activation = require_choice(activation, ACTIVATIONS, "activation")
        super().__init__(in_dim, out_dim, width=width, depth=depth, activation=activation)
        sizes = [self.in_dim] + [width] * depth + [self.out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activation_name = activation
        self.activation = get_activation(activation)
        xavier_init(self.linears)

    def widen(self, width: int, generator: torch.Generator | None = None) -> None:
        """Grow every hidden layer to ``width`` neurons, computing the same function as before.

        The old weights stay; a new neuron reads every neuron of the layer below through
        Glorot-normal weights drawn from ``generator`` (zero bias), and no old neuron nor the
        output reads a new one (those weights are 0). The gradient with respect to the output's
        new weights is the new neurons' activations, so a Gauss–Newton step can use them at
        once (Net2Net's function-preserving widening, Chen, Goodfellow & Shlens 2016, with
        random new neurons instead of copies, which would give the Jacobian equal columns).
        """
        old = int(self._hyperparameters["width"])
        width = require_positive_int(width, "width")
        if width <= old:
            raise ValueError(f"widen: {width} neurons is not wider than {old}")
        sizes = [self.in_dim] + [width] * int(self._hyperparameters["depth"]) + [self.out_dim]
        layers = []
        for layer, fan_in, fan_out in zip(self.linears, sizes[:-1], sizes[1:]):
            weight = torch.randn(fan_out, fan_in, generator=generator, dtype=torch.float64)
            weight *= math.sqrt(2.0 / (fan_in + fan_out))
            rows, cols = layer.weight.shape
            weight[:rows] = 0.0
            weight[:rows, :cols] = layer.weight.detach().double().cpu()
            bias = torch.zeros(fan_out, dtype=torch.float64)
            bias[:rows] = layer.bias.detach().double().cpu()
            fresh = nn.Linear(fan_in, fan_out, device=layer.weight.device, dtype=layer.weight.dtype)
            with torch.no_grad():
                fresh.weight.copy_(weight)
                fresh.bias.copy_(bias)
            layers.append(fresh)
        self.linears = nn.ModuleList(layers)
        self._hyperparameters["width"] = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *hidden, last = self.linears  # slicing a ModuleList would build a new one every call
        h = x
        for layer in hidden:
            h = self.activation(layer(h))
        return last(h)
