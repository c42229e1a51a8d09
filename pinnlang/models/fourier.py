"""``fourier``: random Fourier features followed by an MLP."""

from __future__ import annotations

import math
from typing import final

import torch

from pinnlang.models.activations import ACTIVATIONS
from pinnlang.models.base import (
    ZooModel,
    require_choice,
    require_positive_float,
    require_positive_int,
)
from pinnlang.models.mlp import MLP
from pinnlang.models.registry import register_model


def fourier_matrix(in_dim: int, features: int, sigma: float, seed: int) -> torch.Tensor:
    """The fixed Gaussian matrix ``B ~ N(0, sigma^2)``, shape ``(in_dim, features)``.

    Drawn in float64 from its own generator seeded with ``seed``, so it does not depend on (or
    disturb) the global random state, then cast to the default dtype.
    """
    generator = torch.Generator().manual_seed(seed)
    matrix = torch.randn(in_dim, features, generator=generator, dtype=torch.float64) * sigma
    return matrix.to(torch.get_default_dtype())


@register_model("fourier")
@final
class FourierNet(ZooModel):
    """Random Fourier features [cos(2 pi x B), sin(2 pi x B)], B ~ N(0, sigma^2) fixed, then an MLP.

    ``B`` is a buffer (``frequencies``), saved in the state dict but never trained. A larger
    ``sigma`` lets the network fit higher frequencies sooner.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per hidden layer of the MLP.
        depth: number of hidden layers of the MLP.
        activation: the MLP's activation.
        features: number of frequencies (the embedding has ``2 * features`` entries).
        sigma: standard deviation of the frequencies.
        seed: seed of the frequency matrix.
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh", features: int = 64, sigma: float = 1.0, seed: int = 0):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "depth")
        activation = require_choice(activation, ACTIVATIONS, "activation")
        features = require_positive_int(features, "features")
        sigma = require_positive_float(sigma, "sigma")
        seed = require_positive_int(seed, "seed", minimum=0)
        super().__init__(in_dim, out_dim, width=width, depth=depth, activation=activation,
                         features=features, sigma=sigma, seed=seed)
        self.register_buffer("frequencies", fourier_matrix(self.in_dim, features, sigma, seed))
        self.mlp = MLP(2 * features, self.out_dim, width=width, depth=depth, activation=activation)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The features ``[cos(2π x B), sin(2π x B)]``, shape ``(N, 2 * features)``."""
        projected = (2.0 * math.pi) * (x @ self.frequencies)
        return torch.cat([torch.cos(projected), torch.sin(projected)], dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.embed(x))
