"""``siren``: sine activations with the SIREN initialisation."""

from __future__ import annotations

import math
from typing import final

import torch
from torch import nn

from pinnlang.models.base import ZooModel, require_positive_float, require_positive_int
from pinnlang.models.registry import register_model


@register_model("siren")
@final
class Siren(ZooModel):
    """Sine network (SIREN): h <- sin(w0 (W h + b)), w0 = 30, SIREN initialisation.

    Initialisation (Sitzmann et al. 2020): first-layer weights uniform in ``±1/in_dim``; every
    later weight uniform in ``±sqrt(6/fan_in)/w0_hidden``; biases keep PyTorch's default. The
    last layer is linear. Inputs are best normalised to ``[-1, 1]``.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per hidden layer.
        depth: number of hidden (sine) layers.
        w0: frequency factor of the first layer.
        w0_hidden: frequency factor of the other sine layers.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 64, depth: int = 4,
                 w0: float = 30.0, w0_hidden: float = 30.0):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "depth")
        w0 = require_positive_float(w0, "w0")
        w0_hidden = require_positive_float(w0_hidden, "w0_hidden")
        super().__init__(in_dim, out_dim, width=width, depth=depth, w0=w0, w0_hidden=w0_hidden)
        sizes = [self.in_dim] + [width] * depth + [self.out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activation_name = "sin"
        self.w0 = w0
        self.w0_hidden = w0_hidden
        self._initialise()

    def _initialise(self) -> None:
        with torch.no_grad():
            first = self.linears[0]
            first.weight.uniform_(-1.0 / self.in_dim, 1.0 / self.in_dim)
            for layer in self.linears[1:]:
                bound = math.sqrt(6.0 / layer.in_features) / self.w0_hidden
                layer.weight.uniform_(-bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.sin(self.w0 * self.linears[0](x))
        for layer in self.linears[1:-1]:
            h = torch.sin(self.w0_hidden * layer(h))
        return self.linears[-1](h)
