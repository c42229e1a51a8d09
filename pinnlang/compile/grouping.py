"""One network call for every condition that needs only the fields' values.

On a small problem a training step is dominated by many small network calls, one per
condition. The conditions whose residual reads nothing but the network's outputs at their own
points (:attr:`~pinnlang.compile.conditions.CompiledCondition.values_only`: ``initial: u = ...``,
``boundary: u = 0``, any equation without derivatives, ``data`` statements) do not need a call
each: :func:`condition_residuals` evaluates the network once on their concatenated points, splits
the output back into one slice per condition, and evaluates each residual from its slice
(:meth:`~pinnlang.compile.derivatives.DerivativeValues.of_values`). Every other condition
(derivatives, periodic pairs) goes through its derivative engine as before.

The residuals are those of the per-condition evaluation up to float rounding (a matrix product
over more rows may sum in another order), provided the network maps every row on its own, as a
PINN's network does.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from pinnlang.compile.conditions import Batch, CompiledCondition
from pinnlang.compile.derivatives import DerivativeValues, Net


def shared_call(conditions: Sequence[CompiledCondition]) -> list[int]:
    """Indices of the conditions that share one network call: the values-only ones, when there
    are at least two of them (else none: one condition gains nothing from sharing)."""
    indices = [i for i, cond in enumerate(conditions) if cond.values_only]
    return indices if len(indices) >= 2 else []


def condition_residuals(
    conditions: Sequence[CompiledCondition],
    net: Net,
    batches: Mapping[str, Batch],
    unknowns: Mapping[str, torch.Tensor] | None = None,
    *,
    group: bool = True,
) -> list[torch.Tensor]:
    """The residual of every condition on its batch, in the order of ``conditions``, with the
    graph kept for a parameter backward (training).

    Args:
        conditions: The compiled conditions.
        net: Maps ``(N, in_dim)`` to ``(N, n_fields)`` row by row.
        batches: Condition name -> its points (every condition must have one).
        unknowns: Name -> scalar tensor for every unknown the conditions use.
        group: Evaluate the values-only conditions with one network call (``False``: one call
            per condition, each through its engine).
    """
    shared = shared_call(conditions) if group else []
    residuals: list[torch.Tensor | None] = [None] * len(conditions)
    if shared:
        picked = [(conditions[i], batches[conditions[i].name]) for i in shared]
        x = torch.cat([batch.x.detach() for _, batch in picked])
        outputs = net(x)
        sizes = [len(batch) for _, batch in picked]
        for i, (cond, batch), xs, part in zip(shared, picked, x.split(sizes), outputs.split(sizes)):
            values = DerivativeValues.of_values(xs, part, cond.plan)
            residuals[i] = cond.residual_from_values(values, batch, unknowns)
    for i, cond in enumerate(conditions):
        if residuals[i] is None:
            residuals[i] = cond.residual(net, batches[cond.name], unknowns)
    return residuals


__all__ = ["condition_residuals", "shared_call"]
