"""``modified_mlp``: the gated MLP with two input encoders."""

from __future__ import annotations

from typing import final

import torch
from torch import nn

from pinnlang.models.activations import ACTIVATIONS, get_activation
from pinnlang.models.base import ZooModel, require_choice, require_positive_int, xavier_init
from pinnlang.models.registry import register_model


@register_model("modified_mlp")
@final
class ModifiedMLP(ZooModel):
    """Gated MLP (Wang, Teng & Perdikaris 2021): encoders U, V mixed by H <- (1-Z)*U + Z*V.

    With ``act`` the activation::

        U = act(x W_u + b_u),  V = act(x W_v + b_v),  H_1 = act(x W_1 + b_1)
        Z_k = act(H_k W_z,k + b_z,k),  H_(k+1) = (1 - Z_k) * U + Z_k * V,  k = 1 .. depth - 1
        f(x) = H_depth W + b

    ``linears`` holds ``W_1``, the ``depth - 1`` gate layers and the output layer in order;
    ``encoder_u`` and ``encoder_v`` the two encoders.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per hidden layer (and per encoder).
        depth: number of hidden layers ``H_1 .. H_depth`` (at least 2: one gate).
        activation: the activation, ``tanh`` in the original.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh"):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "modified_mlp depth (hidden layers, one input layer "
                                     "and at least one gated layer)", minimum=2)
        activation = require_choice(activation, ACTIVATIONS, "activation")
        super().__init__(in_dim, out_dim, width=width, depth=depth, activation=activation)
        self.encoder_u = nn.Linear(self.in_dim, width)
        self.encoder_v = nn.Linear(self.in_dim, width)
        sizes = [self.in_dim] + [width] * depth + [self.out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activation_name = activation
        self.activation = get_activation(activation)
        xavier_init([self.encoder_u, self.encoder_v, *self.linears])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = self.activation
        u = act(self.encoder_u(x))
        v = act(self.encoder_v(x))
        h = act(self.linears[0](x))
        for gate in self.linears[1:-1]:
            z = act(gate(h))
            h = (1.0 - z) * u + z * v
        return self.linears[-1](h)
