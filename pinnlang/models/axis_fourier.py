"""``axis_fourier``: the inputs and, along the inputs that oscillate, their sine and cosine at a
given wavenumber, followed by an MLP."""

from __future__ import annotations

import math
from typing import Any, Sequence, final

import torch

from pinnlang.errors import PinnUsageError
from pinnlang.models.activations import ACTIVATIONS
from pinnlang.models.base import ZooModel, require_choice, require_positive_int
from pinnlang.models.mlp import MLP
from pinnlang.models.registry import register_model


def checked_wavenumbers(values: Any, in_dim: int) -> list[float]:
    """``values`` as a list of ``in_dim`` finite wavenumbers ``>= 0`` (0: no features there).

    Raises:
        PinnUsageError: a wrong length, a negative or non-finite entry.
    """
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        raise PinnUsageError(f"wavenumbers must be a list of numbers, got {values!r}") from None
    if len(numbers) != in_dim:
        raise PinnUsageError(f"wavenumbers needs one entry per input ({in_dim}), got {len(numbers)}")
    if not all(math.isfinite(v) and v >= 0 for v in numbers):
        raise PinnUsageError(f"wavenumbers must be finite and >= 0, got {numbers}")
    return numbers


@register_model("axis_fourier")
@final
class AxisFourierNet(ZooModel):
    """Fourier features along the axes: the inputs, sin and cos of each oscillating input, an MLP.

    The MLP reads ``[x, sin(k_i x_i), cos(k_i x_i) for k_i > 0]``: each input ``x_i`` (normalised
    to ``[-1, 1]``) with a wavenumber ``k_i > 0`` adds its sine and cosine at that wavenumber
    beside the inputs themselves. Data like ``sin(20 pi x) sin(pi y)``
    are then a product of one input feature and a smooth function, which a small tanh MLP
    represents at once, where it would fit ``sin(20 pi x)`` itself only slowly (spectral bias).
    Unlike the random features of ``fourier``, no other frequency and no mixing of the axes is
    added. The wavenumbers are fixed (a buffer, not trained); ``pinnlang.solve`` measures them
    from the problem's initial and boundary data when they are not given.

    Args:
        in_dim: number of inputs.
        out_dim: number of outputs.
        width: neurons per hidden layer of the MLP.
        depth: number of hidden layers of the MLP.
        activation: the MLP's activation.
        wavenumbers: one wavenumber per input on the normalised inputs (0: none along it).
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 20, depth: int = 3,
                 activation: str = "tanh", wavenumbers: Sequence[float] | None = None):
        width = require_positive_int(width, "width")
        depth = require_positive_int(depth, "depth")
        activation = require_choice(activation, ACTIVATIONS, "activation")
        in_dim = require_positive_int(in_dim, "in_dim")
        numbers = checked_wavenumbers([0.0] * in_dim if wavenumbers is None else wavenumbers, in_dim)
        super().__init__(in_dim, out_dim, width=width, depth=depth, activation=activation,
                         wavenumbers=numbers)
        self.axes = [i for i, k in enumerate(numbers) if k > 0]
        self.register_buffer("wavenumbers", torch.tensor([numbers[i] for i in self.axes],
                                                         dtype=torch.get_default_dtype()))
        self.mlp = MLP(self.in_dim + 2 * len(self.axes), self.out_dim, width=width, depth=depth,
                       activation=activation)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The MLP's input ``[x, sin(k x_axes), cos(k x_axes)]``."""
        if not self.axes:
            return x
        phase = x[:, self.axes] * self.wavenumbers.to(x.dtype)
        return torch.cat([x, torch.sin(phase), torch.cos(phase)], dim=-1)

    def widen(self, width: int, generator: torch.Generator | None = None) -> None:
        """Grow the MLP's hidden layers to ``width`` neurons, the function unchanged
        (:meth:`~pinnlang.models.mlp.MLP.widen`)."""
        self.mlp.widen(width, generator)
        self._hyperparameters["width"] = int(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.embed(x))
