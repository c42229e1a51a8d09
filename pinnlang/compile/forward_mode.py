"""Input derivatives of an MLP propagated forward with its value ("collapsed Taylor mode").

A PINN loss needs derivatives of the network output with respect to its inputs. Nested
``torch.autograd.grad`` builds them backwards, one graph per order, and the parameter gradient then
back-propagates through all of those graphs. For a multilayer perceptron — ``Linear`` layers with
an elementwise activation between them, the last layer linear — the derivatives can instead be
carried forward next to the value. With ``z = W h + b`` and ``h' = σ(z)``::

    ∂_i z  = W ∂_i h                ∂_i h'  = σ'(z) ∂_i z
    ∂_ij z = W ∂_ij h               ∂_ij h' = σ''(z) ∂_i z ∂_j z + σ'(z) ∂_ij z
    Δz     = W Δh                   Δh'     = σ''(z) Σ_i (∂_i z)² + σ'(z) Δz

and higher orders by Faà di Bruno's formula. Every channel goes through the same weight matrix, so
the channels are stacked along a leading axis and each layer costs one matrix multiply. The
Laplacian is its own channel: the pure second derivatives it sums are never materialised. The first
layer is cheaper still: ``∂_i z = W[:, i]`` is a constant column and all higher ``∂z`` vanish.

Nothing here calls ``torch.autograd.grad``: the loss built from the returned tensors needs one
ordinary backward for the parameters, and the whole path can be compiled by ``torch.compile``.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import Tensor, nn

from pinnlang.compile.forward_activations import activation_derivatives
from pinnlang.compile.forward_plan import (
    LAPLACIAN,
    ChannelPlan,
    DerivativeIndex,
    DerivativeKey,
    DerivativeRequest,
    build_plan,
)

__all__ = [
    "LAPLACIAN",
    "DerivativeIndex",
    "DerivativeKey",
    "DerivativeRequest",
    "forward_channels",
    "forward_derivatives",
]

def _linear_params(linear: nn.Module) -> tuple[Tensor, Tensor | None]:
    weight = getattr(linear, "weight", None)
    if not isinstance(weight, Tensor) or weight.dim() != 2:
        raise TypeError(f"expected torch.nn.Linear layers, got {type(linear).__name__}")
    return weight, getattr(linear, "bias", None)


def _first_layer(
    linear: nn.Module, input_scale: Tensor | None, input_shift: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    """Weight and bias of the first layer with the input map ``x*scale + shift`` folded in."""
    weight, bias = _linear_params(linear)
    if input_shift is not None:
        shift_term = weight @ input_shift.to(weight)
        bias = shift_term if bias is None else bias + shift_term
    if input_scale is not None:
        weight = weight * input_scale.to(weight)
    return weight, bias


def _take(stack: Tensor, rows: tuple[int, ...]) -> Tensor:
    """``stack[rows]``, as a view when ``rows`` is a contiguous run."""
    start = rows[0]
    if rows == tuple(range(start, start + len(rows))):
        return stack if len(rows) == stack.shape[0] else stack[start : start + len(rows)]
    return stack[list(rows)]


def _activate_first(plan: ChannelPlan, sig: list[Tensor], weight: Tensor) -> Tensor:
    """The stacked channels after the first activation, where ``∂_i z = W[:, i]``."""
    parts = [sig[0].unsqueeze(0)]
    for order, group in enumerate(plan.groups, start=1):
        # only the all-singletons partition survives: ∂_S h = σ⁽ᵏ⁾(z) Π_{i∈S} W[:, i]
        columns = weight[:, list(plan.first_layer_axes[order - 1])].T  # (k·n, w)
        prod = columns.reshape(len(group), order, -1).prod(dim=1) if order > 1 else columns
        parts.append(sig[order].unsqueeze(0) * prod.unsqueeze(1))
    if plan.laplacian_rows:
        lap_axes = list(plan.laplacian_axes)
        parts.append((sig[2] * weight[:, lap_axes].square().sum(dim=1)).unsqueeze(0))
    return torch.cat(parts, dim=0)


def _activate(plan: ChannelPlan, sig: list[Tensor], z: list[Tensor], lap: Tensor | None) -> Tensor:
    """The stacked channels after a hidden activation, given the pre-activation channels.

    Args:
        plan: The channel layout.
        sig: ``[σ(z), σ'(z), ...]`` at the value channel.
        z: Per-order pre-activation stacks; ``z[0]`` is the value ``(N, w)``, ``z[k]`` is
            ``(n_k, N, w)`` for the order-``k`` multi-indices of the plan.
        lap: The Laplacian pre-activation ``(N, w)`` or None.
    """
    parts = [sig[0].unsqueeze(0)]
    if plan.groups:
        parts.append(sig[1] * z[1])
    if len(plan.groups) >= 2:
        left, right = plan.second_order_pairs
        if left == right:
            cross = _take(z[1], left).square()
        else:
            cross = _take(z[1], left) * _take(z[1], right)
        parts.append(torch.addcmul(sig[1] * z[2], sig[2], cross))
    for order in range(3, len(plan.groups) + 1):
        rows = []
        for row, terms in enumerate(plan.higher_terms[order - 3]):
            acc = sig[1] * z[order][row]
            for blocks, coeff, factors in terms:
                prod = z[factors[0][0]][factors[0][1]]
                for k, i in factors[1:]:
                    prod = prod * z[k][i]
                acc = acc + (coeff * prod) * sig[blocks] if coeff != 1 else acc + prod * sig[blocks]
            rows.append(acc)
        parts.append(torch.stack(rows))
    if lap is not None:
        sq = _take(z[1], plan.laplacian_rows).square().sum(dim=0)
        parts.append(torch.addcmul(sig[1] * lap, sig[2], sq).unsqueeze(0))
    return torch.cat(parts, dim=0)


def _split(plan: ChannelPlan, stack: Tensor, bias: Tensor | None) -> tuple[list[Tensor], Tensor | None]:
    """Per-order views of a stacked linear output, with the bias added to the value only."""
    value = stack[0] if bias is None else stack[0] + bias
    z = [value]
    offset = 1
    for group in plan.groups:
        z.append(stack[offset : offset + len(group)])
        offset += len(group)
    lap = stack[offset] if plan.laplacian_rows else None
    return z, lap


def forward_channels(
    linears: Sequence[nn.Module],
    activation: str,
    x: Tensor,
    request: DerivativeRequest,
    input_scale: Tensor | None = None,
    input_shift: Tensor | None = None,
) -> tuple[Tensor, dict[DerivativeIndex, Tensor]]:
    """Like :func:`forward_derivatives`, with every field of a derivative in one ``(N, out)``."""
    if x.dim() != 2:
        raise ValueError(f"expected inputs shaped (N, d), got {tuple(x.shape)}")
    plan = build_plan(request, x.shape[1])
    weight, bias = _first_layer(linears[0], input_scale, input_shift)
    if len(linears) == 1:
        return _affine_only(plan, weight, bias, x)
    pre = torch.nn.functional.linear(x, weight, bias)
    stack = _activate_first(plan, activation_derivatives(activation, pre, plan.activation_order), weight)
    for linear in linears[1:-1]:
        weight, bias = _linear_params(linear)
        z, lap = _split(plan, torch.matmul(stack, weight.T), bias)
        sig = activation_derivatives(activation, z[0], plan.activation_order)
        stack = _activate(plan, sig, z, lap)
    weight, bias = _linear_params(linears[-1])
    out = torch.matmul(stack, weight.T)
    value = out[0] if bias is None else out[0] + bias
    derivs = {name: out[row] for name, row in plan.output_rows.items()}
    return value, derivs


def _affine_only(
    plan: ChannelPlan, weight: Tensor, bias: Tensor | None, x: Tensor
) -> tuple[Tensor, dict[DerivativeIndex, Tensor]]:
    """A single linear layer: constant first derivatives, higher ones zero."""
    value = torch.nn.functional.linear(x, weight, bias)
    derivs: dict[DerivativeIndex, Tensor] = {}
    for name in plan.output_rows:
        if isinstance(name, tuple) and len(name) == 1:
            derivs[name] = weight[:, name[0]].expand(x.shape[0], -1)
        else:
            derivs[name] = torch.zeros_like(value)
    return value, derivs


def forward_derivatives(
    linears: Sequence[nn.Module],
    activation: str,
    x: Tensor,
    request: DerivativeRequest,
    input_scale: Tensor | None = None,
    input_shift: Tensor | None = None,
) -> tuple[Tensor, dict[DerivativeKey, Tensor]]:
    """Value and requested input derivatives of an MLP, all propagated forward.

    The network is ``linears[-1] ∘ σ ∘ ... ∘ σ ∘ linears[0]`` applied to ``x*scale + shift``.

    Args:
        linears: The ``nn.Linear`` layers in order (at least one).
        activation: Name of the elementwise activation between them (see
            :func:`pinnlang.compile.forward_activations.supported_activations`).
        x: Inputs ``(N, d)``.
        request: Which derivatives to propagate.
        input_scale: Optional ``(d,)`` scale of an input normalisation folded into the first layer.
        input_shift: Optional ``(d,)`` shift of that normalisation.

    Returns:
        ``(value, derivs)``: the output ``(N, out)`` and ``{(field, index): (N,) tensor}`` for every
        field and every requested multi-index, plus ``(field, "laplacian")`` when asked for.

    Raises:
        ValueError: For an unknown activation, an axis beyond ``d`` or an unsupported order.
        TypeError: When a layer is not linear.
    """
    value, channels = forward_channels(linears, activation, x, request, input_scale, input_shift)
    derivs: dict[DerivativeKey, Tensor] = {}
    for name, tensor in channels.items():
        for field in range(tensor.shape[1]):
            derivs[(field, name)] = tensor[:, field]
    return value, derivs
