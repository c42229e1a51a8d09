"""Loss weighting: how the per-condition losses are combined into one.

- ``fixed``: each condition's ``weight`` option (default 1).
- ``annealing``: learning-rate annealing by gradient statistics (Wang, Teng & Perdikaris 2021,
  "Understanding and mitigating gradient flow pathologies in PINNs"): every ``anneal_every`` steps
  ``w_i <- alpha w_i + (1 - alpha) * max|grad L_pde| / mean|grad L_i|`` for every non-``pde``
  condition ``i``, with the fixed weights as a factor on top. Under DDP the new weights are
  averaged over the ranks.
- ``gradnorm``: gradient-norm balancing (Wang, Sankaran, Wang & Perdikaris 2023, "An expert's
  guide to training physics-informed neural networks"): every ``anneal_every`` steps
  ``w_i <- alpha w_i + (1 - alpha) * sum_j ||grad L_j|| / ||grad L_i||`` for every condition, the
  ``pde`` ones included, so each condition pulls on the parameters as hard as the others; the
  fixed weights are a factor on top.

Causal weighting (Wang, Sankaran & Perdikaris 2022, "Respecting causality is all you need for
training PINNs") orders a time-dependent ``pde`` residual into time bins and weights bin ``k`` by
``exp(-eps * sum_{j<k} L_j)``, so later times count once earlier times are resolved.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class LossWeights(nn.Module):
    """Per-condition weights as a buffer (saved in checkpoints, broadcast by DDP).

    Args:
        names: condition names, in order.
        kinds: condition kinds, in the same order.
        fixed: the conditions' fixed weights.
        scheme: ``fixed``, ``annealing`` or ``gradnorm``.
        alpha: moving-average factor of the annealed weights.
    """

    def __init__(self, names: Sequence[str], kinds: Sequence[str], fixed: Sequence[float],
                 scheme: str = "fixed", alpha: float = 0.9):
        super().__init__()
        self.names = list(names)
        self.kinds = list(kinds)
        self.scheme = scheme
        self.alpha = alpha
        self.register_buffer("fixed", torch.tensor([float(w) for w in fixed]))
        self.register_buffer("adaptive", torch.ones(len(self.names)))

    @property
    def weights(self) -> torch.Tensor:
        """The current weight of each condition."""
        return self.fixed * self.adaptive

    def combine(self, losses: torch.Tensor) -> torch.Tensor:
        """The weighted sum of the per-condition losses ``(C,)`` (one ``dot`` per step: the
        product of the weights is kept until a buffer changes, in place or by a move)."""
        return torch.dot(self._current(losses.dtype), losses)

    def _current(self, dtype: torch.dtype) -> torch.Tensor:
        key = (id(self.fixed), self.fixed._version, id(self.adaptive), self.adaptive._version, dtype)
        if getattr(self, "_cache_key", None) != key:
            self._cache = self.weights.to(dtype)
            self._cache_key = key
        return self._cache

    @property
    def anneals(self) -> bool:
        """Whether the weights adapt (``annealing``: a ``pde`` condition and another one are
        needed; ``gradnorm``: two conditions)."""
        if self.scheme == "gradnorm":
            return len(self.kinds) > 1
        return (self.scheme == "annealing" and "pde" in self.kinds
                and any(k != "pde" for k in self.kinds))

    @torch.no_grad()
    def _set(self, estimate: torch.Tensor) -> None:
        self.adaptive.mul_(self.alpha).add_((1 - self.alpha) * estimate.to(self.adaptive))

    def anneal(self, losses: Sequence[torch.Tensor], parameters: Sequence[torch.Tensor]) -> None:
        """Update the annealed weights from the gradient of each loss w.r.t. ``parameters``."""
        parameters = [p for p in parameters if p.requires_grad]
        grads = []
        for loss in losses:
            g = torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
            flat = torch.cat([(gi if gi is not None else torch.zeros_like(p)).reshape(-1)
                              for gi, p in zip(g, parameters)]).abs()
            grads.append(flat.detach())
        if self.scheme == "gradnorm":
            norms = torch.stack([g.norm() for g in grads])
            total = norms.sum()
            estimate = torch.where(norms > 0, total / norms.clamp_min(1e-30), torch.ones_like(norms))
            self._reduce_and_set(estimate)
            return
        pde = [i for i, k in enumerate(self.kinds) if k == "pde"]
        top = torch.stack([grads[i].max() for i in pde]).max()
        estimate = torch.ones_like(self.adaptive)
        for i, kind in enumerate(self.kinds):
            if kind != "pde":
                mean = grads[i].mean()
                estimate[i] = torch.where(mean > 0, top / mean.clamp_min(1e-30), torch.ones_like(mean))
        self._reduce_and_set(estimate)

    def _reduce_and_set(self, estimate: torch.Tensor) -> None:
        """Average ``estimate`` over the DDP ranks (if any), then fold it into the weights."""
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(estimate)
            estimate /= torch.distributed.get_world_size()
        self._set(estimate)


def causal_mean_square(residual: torch.Tensor, t: torch.Tensor, t0: float, t1: float,
                       bins: int, eps: float) -> torch.Tensor:
    """Causally weighted mean square of ``residual`` ``(N, k)`` at times ``t`` ``(N,)``.

    Points are grouped into ``bins`` equal time bins; bin ``k``'s mean square ``L_k`` is weighted
    by ``exp(-eps * sum_{j<k} L_j)`` (no gradient through the weights).
    """
    squared = residual.reshape(len(t), -1).pow(2).mean(dim=1)
    index = ((t - t0) / (t1 - t0) * bins).long().clamp_(0, bins - 1)
    sums = squared.new_zeros(bins).index_add_(0, index, squared)
    counts = squared.new_zeros(bins).index_add_(0, index, torch.ones_like(squared))
    per_bin = sums / counts.clamp_min(1.0)
    previous = torch.cumsum(per_bin.detach(), 0) - per_bin.detach()
    weights = torch.exp(-eps * previous)
    return (weights * per_bin).mean()
