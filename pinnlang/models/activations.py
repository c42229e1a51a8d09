"""The activation functions a zoo network may use, by name."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from pinnlang.models.base import require_choice

Activation = Callable[[torch.Tensor], torch.Tensor]

ACTIVATIONS: dict[str, Activation] = {
    "tanh": torch.tanh,
    "sin": torch.sin,
    "gelu": F.gelu,
    "silu": F.silu,
    "softplus": F.softplus,
    "relu": torch.relu,
}
"""Name -> elementwise function. All but ``relu`` are infinitely differentiable; ``relu`` has a
zero second derivative, so it is never a default."""


def get_activation(name: str) -> Activation:
    """Return the activation function called ``name``.

    Raises:
        PinnUsageError: for an unknown name, with the closest one and the list of names.
    """
    return ACTIVATIONS[require_choice(name, ACTIVATIONS, "activation")]
