"""``resnet``: residual blocks of two linear layers with skip connections."""

from __future__ import annotations

from typing import final

import torch
from torch import nn

from pinnlang.models.activations import ACTIVATIONS, Activation, get_activation
from pinnlang.models.base import ZooModel, require_choice, require_positive_int, xavier_init
from pinnlang.models.registry import register_model


@final
class ResidualBlock(nn.Module):
    """``h -> act(h + W_2 act(W_1 h + b_1) + b_2)``, width preserved."""

    def __init__(self, width: int, activation: Activation):
        super().__init__()
        self.first = nn.Linear(width, width)
        self.second = nn.Linear(width, width)
        self.activation = activation

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.activation(h + self.second(self.activation(self.first(h))))


@register_model("resnet")
@final
class ResNet(ZooModel):
    """Residual network: depth blocks of two linear layers with skip connections.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per layer.
        depth: number of residual blocks (each holds two ``width x width`` layers).
        activation: one of ``tanh sin gelu silu softplus relu``.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 64, depth: int = 2,
                 activation: str = "tanh"):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "depth")
        activation = require_choice(activation, ACTIVATIONS, "activation")
        super().__init__(in_dim, out_dim, width=width, depth=depth, activation=activation)
        self.activation_name = activation
        self.activation = get_activation(activation)
        self.input_layer = nn.Linear(self.in_dim, width)
        self.blocks = nn.ModuleList(ResidualBlock(width, self.activation) for _ in range(depth))
        self.output_layer = nn.Linear(width, self.out_dim)
        layers = [self.input_layer, self.output_layer]
        layers += [layer for block in self.blocks for layer in (block.first, block.second)]
        xavier_init(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.activation(self.input_layer(x))
        for block in self.blocks:
            h = block(h)
        return self.output_layer(h)
