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

_ONE = torch.ones(())


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


def _cross(plan: ChannelPlan, first: Tensor) -> Tensor:
    """``∂_i z ∂_j z`` for every second-order channel ``(i, j)``, stacked."""
    left, right = plan.second_order_pairs
    if left == right:
        return _take(first, left).square()
    return _take(first, left) * _take(first, right)


def _activate_tanh(plan: ChannelPlan, z: list[Tensor], lap: Tensor | None) -> Tensor:
    """:func:`_activate` for tanh up to second order, in fewer operations.

    With ``t = tanh(z)``, ``tanh'' = -2 t tanh'``, so a second-order channel is
    ``tanh'(z) · (∂_ij z - 2 t ∂_i z ∂_j z)``: one fused multiply-add and one product, and
    ``tanh''`` is never formed.
    """
    t = torch.tanh(z[0])
    s1 = torch.addcmul(_ONE.to(t), t, t, value=-1.0)  # 1 - t²
    parts = [t.unsqueeze(0)]
    if plan.groups:
        parts.append(s1 * z[1])
    if len(plan.groups) >= 2:
        parts.append(s1 * torch.addcmul(z[2], t, _cross(plan, z[1]), value=-2.0))
    if lap is not None:
        sq = _take(z[1], plan.laplacian_rows).square().sum(dim=0)
        parts.append((s1 * torch.addcmul(lap, t, sq, value=-2.0)).unsqueeze(0))
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
        parts.append(torch.addcmul(sig[1] * z[2], sig[2], _cross(plan, z[1])))
    rows_of = [None] + [group.unbind(0) for group in z[1:]] if len(plan.groups) >= 3 else []
    for order in range(3, len(plan.groups) + 1):
        rows = []
        for row, terms in enumerate(plan.higher_terms[order - 3]):
            acc = sig[1] * rows_of[order][row]
            for blocks, coeff, factors in terms:
                prod = rows_of[factors[0][0]][factors[0][1]]
                for k, i in factors[1:]:
                    prod = prod * rows_of[k][i]
                acc = torch.addcmul(acc, prod, sig[blocks], value=float(coeff))
            rows.append(acc)
        parts.append(torch.stack(rows))
    if lap is not None:
        sq = _take(z[1], plan.laplacian_rows).square().sum(dim=0)
        parts.append(torch.addcmul(sig[1] * lap, sig[2], sq).unsqueeze(0))
    return torch.cat(parts, dim=0)


def _split(plan: ChannelPlan, stack: Tensor, bias: Tensor | None) -> tuple[list[Tensor], Tensor | None]:
    """Per-order pieces of a stacked linear output, with the bias added to the value only.

    One ``split`` (rather than several slices) keeps the backward to a single concatenation.
    """
    sizes = [1] + [len(group) for group in plan.groups] + ([1] if plan.laplacian_rows else [])
    pieces = list(torch.split(stack, sizes, dim=0))
    value = pieces[0].squeeze(0)
    z = [value if bias is None else value + bias] + pieces[1 : 1 + len(plan.groups)]
    lap = pieces[-1].squeeze(0) if plan.laplacian_rows else None
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
    weight, bias = _first_layer(linears[0], input_scale, input_shift)
    if x.shape[1] != weight.shape[1]:
        raise ValueError(f"the network takes {weight.shape[1]} inputs, got x of shape {tuple(x.shape)}")
    # The input dimension comes from the weight, whose shape torch.compile keeps static (the
    # batch's may become symbolic). Under torch.compile the plan's construction is traced once
    # (dynamo would skip the cache with a warning) and becomes constants of the graph.
    in_dim = int(linears[0].weight.shape[1])
    plan = (build_plan.__wrapped__ if torch.compiler.is_compiling() else build_plan)(request, in_dim)
    if len(linears) == 1:
        return _affine_only(plan, weight, bias, x)
    pre = torch.nn.functional.linear(x, weight, bias)
    stack = _activate_first(plan, activation_derivatives(activation, pre, plan.activation_order), weight)
    fast_tanh = activation.lower() == "tanh" and len(plan.groups) <= 2
    for linear in linears[1:-1]:
        weight, bias = _linear_params(linear)
        z, lap = _split(plan, torch.matmul(stack, weight.T), bias)
        if fast_tanh:
            stack = _activate_tanh(plan, z, lap)
        else:
            sig = activation_derivatives(activation, z[0], plan.activation_order)
            stack = _activate(plan, sig, z, lap)
    weight, bias = _linear_params(linears[-1])
    rows = torch.matmul(stack, weight.T).unbind(0)
    value = rows[0] if bias is None else rows[0] + bias
    derivs = {name: rows[row] for name, row in plan.output_rows.items()}
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
