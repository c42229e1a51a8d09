"""Input normalisation: map the box of all inputs onto ``[-1, 1]`` before the network sees it."""

from __future__ import annotations

from typing import Any, final

import torch
from torch import nn

from pinnlang.errors import PinnUsageError


def as_bound_vector(values: Any, what: str) -> torch.Tensor:
    """``values`` (a sequence, array or tensor) as a detached 1-D floating tensor.

    A floating tensor keeps its dtype; anything else takes the default dtype.

    Raises:
        PinnUsageError: if the values are not finite numbers.
    """
    try:
        tensor = torch.as_tensor(values)
    except (TypeError, ValueError, RuntimeError) as err:
        raise PinnUsageError(f"{what} must be a list of numbers, got {values!r}") from err
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.get_default_dtype())
    tensor = tensor.detach().clone().reshape(-1)
    if tensor.numel() == 0 or not torch.isfinite(tensor).all():
        raise PinnUsageError(f"{what} must be a non-empty list of finite numbers, got {values!r}")
    return tensor


def checked_box(lower: Any, upper: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Lower and upper corners of a box as tensors, with ``lower < upper`` in every dimension.

    Raises:
        PinnUsageError: for mismatched lengths or an empty (or flat) side.
    """
    low = as_bound_vector(lower, "lower")
    high = as_bound_vector(upper, "upper").to(low.dtype)
    if low.shape != high.shape:
        raise PinnUsageError(
            f"lower and upper must have the same length, got {low.numel()} and {high.numel()}"
        )
    flat = [i for i in range(low.numel()) if not low[i] < high[i]]
    if flat:
        i = flat[0]
        raise PinnUsageError(
            f"the box is empty or flat in input {i}: lower = {low[i].item()}, "
            f"upper = {high[i].item()} (need lower < upper)"
        )
    return low, high


@final
class Normalize(nn.Module):
    """``x -> 2 (x - lower) / (upper - lower) - 1``: the box ``[lower, upper]`` onto ``[-1, 1]``.

    ``lower`` and ``upper`` are buffers (saved in the state dict, moved by ``.to()``); the
    corners map to exactly ``-1`` and ``+1``. The map is affine, ``x * scale + offset``.

    Args:
        lower: lower corner, one entry per input.
        upper: upper corner, one entry per input.
    """

    def __init__(self, lower: Any, upper: Any):
        super().__init__()
        low, high = checked_box(lower, upper)
        self.register_buffer("lower", low)
        self.register_buffer("upper", high)

    @property
    def dim(self) -> int:
        """Number of inputs."""
        return self.lower.numel()

    @property
    def scale(self) -> torch.Tensor:
        """``2 / (upper - lower)``, per input."""
        return 2.0 / (self.upper - self.lower)

    @property
    def offset(self) -> torch.Tensor:
        """``-(upper + lower) / (upper - lower)``, per input."""
        return -(self.upper + self.lower) / (self.upper - self.lower)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.dim:
            raise PinnUsageError(
                f"Normalize expects inputs with {self.dim} columns, got shape {tuple(x.shape)}"
            )
        lower = self.lower.to(x.dtype)
        upper = self.upper.to(x.dtype)
        return 2.0 * (x - lower) / (upper - lower) - 1.0

    def extra_repr(self) -> str:
        return f"lower={self.lower.tolist()}, upper={self.upper.tolist()}"


@final
class NormalizedNet(nn.Module):
    """``x -> net(Normalize(lower, upper)(x))``: a network that sees inputs in ``[-1, 1]``.

    Args:
        net: any module mapping ``(N, in_dim) -> (N, out_dim)``.
        lower: lower corner of the input box.
        upper: upper corner of the input box.

    Attributes:
        normalize: the :class:`Normalize` layer.
        net: the wrapped network.
    """

    def __init__(self, net: nn.Module, lower: Any, upper: Any):
        super().__init__()
        self.normalize = Normalize(lower, upper)
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.normalize(x))
