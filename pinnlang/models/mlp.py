"""``mlp``: the default fully connected network."""

from __future__ import annotations

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *hidden, last = self.linears  # slicing a ModuleList would build a new one every call
        h = x
        for layer in hidden:
            h = self.activation(layer(h))
        return last(h)
