"""Hard constraints: output transforms that satisfy boundary values exactly.

``HardConstraint(net, distance, particular)`` computes ``particular(x) + distance(x) * net(x)``.
Where ``distance`` vanishes the output equals ``particular`` whatever the network does. The
caller (the compiler, which knows the problem) supplies both functions; :func:`box_distance`
covers the common case of zero values on the faces of a box or interval.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, final

import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.models.base import require_choice
from pinnlang.models.normalize import checked_box

TensorFunction = Callable[[torch.Tensor], torch.Tensor]
SIDES = ("both", "lower", "upper")


def _as_columns(values: torch.Tensor, n: int, out_dim: int, what: str) -> torch.Tensor:
    """Accept ``(N,)``, ``(N, 1)`` or ``(N, out_dim)``; return a 2-D tensor that broadcasts."""
    if not isinstance(values, torch.Tensor):
        raise PinnUsageError(f"the {what} function must return a tensor, got {type(values).__name__}")
    if values.dim() == 1:
        values = values.unsqueeze(-1)
    if values.dim() != 2 or values.shape[0] != n or values.shape[1] not in (1, out_dim):
        raise PinnUsageError(
            f"the {what} function must return shape ({n},), ({n}, 1) or ({n}, {out_dim}); "
            f"got {tuple(values.shape)}"
        )
    return values


@final
class HardConstraint(nn.Module):
    """``x -> particular(x) + distance(x) * net(x)``.

    Args:
        net: a module mapping ``(N, in_dim) -> (N, out_dim)``.
        distance_fn: torch callable ``(N, in_dim) -> (N,)``, ``(N, 1)`` or ``(N, out_dim)``;
            zero exactly where the constraint holds, non-zero elsewhere. An ``nn.Module`` (such
            as :class:`BoxDistance`) is registered as a submodule and follows ``.to()``.
        particular_fn: torch callable of the same shapes, the prescribed values where the
            distance is zero; ``None`` means zero.
    """

    def __init__(self, net: nn.Module, distance_fn: TensorFunction,
                 particular_fn: TensorFunction | None = None):
        super().__init__()
        if not callable(distance_fn):
            raise PinnUsageError("HardConstraint needs a callable distance function")
        if particular_fn is not None and not callable(particular_fn):
            raise PinnUsageError("HardConstraint's particular function must be callable or None")
        self.net = net
        self.distance_fn = distance_fn
        self.particular_fn = particular_fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        n, out_dim = out.shape[0], out.shape[-1]
        result = _as_columns(self.distance_fn(x), n, out_dim, "distance") * out
        if self.particular_fn is not None:
            result = _as_columns(self.particular_fn(x), n, out_dim, "particular") + result
        return result


@final
class BoxDistance(nn.Module):
    """A smooth function of the inputs that is zero exactly on chosen faces of a box.

    For each chosen input ``d`` with ``s = (x_d - lower_d) / (upper_d - lower_d)``, the factor is
    ``4 s (1 - s)`` (side ``both``: zero on both faces, 1 in the middle), ``s`` (``lower``: zero
    on the lower face only, e.g. an initial time) or ``1 - s`` (``upper``). The distance is the
    product of the factors, shape ``(N, 1)``, inside ``(0, 1]`` in the interior of the box.

    Args:
        lower: lower corner of the whole input box.
        upper: upper corner of the whole input box.
        dims: which inputs (column indices) to constrain; all by default.
        sides: ``"both"``, ``"lower"`` or ``"upper"``, one for all dims or one per dim.
    """

    def __init__(self, lower: Any, upper: Any, dims: Sequence[int] | None = None,
                 sides: str | Sequence[str] = "both"):
        super().__init__()
        low, high = checked_box(lower, upper)
        n_inputs = low.numel()
        dims = list(range(n_inputs)) if dims is None else list(dims)
        if not dims:
            raise PinnUsageError("box_distance needs at least one input to constrain")
        bad = [d for d in dims if isinstance(d, bool) or not isinstance(d, int)
               or not 0 <= d < n_inputs]
        if bad or len(set(dims)) != len(dims):
            raise PinnUsageError(
                f"dims must be distinct input indices in 0..{n_inputs - 1}, got {dims}"
            )
        side_list = [sides] * len(dims) if isinstance(sides, str) else list(sides)
        if len(side_list) != len(dims):
            raise PinnUsageError(f"give one side per constrained input: {len(dims)} dims, "
                                 f"{len(side_list)} sides")
        side_list = [require_choice(side, SIDES, "box side") for side in side_list]
        self.dims = dims
        self.sides = side_list
        self.register_buffer("index", torch.tensor(dims, dtype=torch.long))
        self.register_buffer("lower", low[dims])
        self.register_buffer("upper", high[dims])
        self.register_buffer("both", torch.tensor([s == "both" for s in side_list]))
        self.register_buffer("lower_only", torch.tensor([s == "lower" for s in side_list]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lower = self.lower.to(x.dtype)
        upper = self.upper.to(x.dtype)
        selected = x.index_select(-1, self.index)
        s = (selected - lower) / (upper - lower)
        rest = (upper - selected) / (upper - lower)
        factor = torch.where(self.both, 4.0 * s * rest, torch.where(self.lower_only, s, rest))
        return factor.prod(dim=-1, keepdim=True)

    def extra_repr(self) -> str:
        return f"dims={self.dims}, sides={self.sides}"


def box_distance(lower: Any, upper: Any, dims: Sequence[int] | None = None,
                 sides: str | Sequence[str] = "both") -> BoxDistance:
    """A distance function for zero values on the faces of a box: see :class:`BoxDistance`.

    ``HardConstraint(net, box_distance(lower, upper, dims=[0]))`` makes ``u = 0`` hold exactly at
    both ends of input 0 (say ``x``) whatever the network's weights.
    """
    return BoxDistance(lower, upper, dims=dims, sides=sides)
