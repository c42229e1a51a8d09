"""Elementwise activations and their derivatives up to fourth order, for the forward path.

``activation_derivatives(name, z, order)`` returns ``[σ(z), σ'(z), ..., σ⁽ᵒʳᵈᵉʳ⁾(z)]`` using the
cheapest closed forms: every derivative of ``tanh`` is a polynomial in ``t = tanh(z)``, of
``sigmoid`` a polynomial in ``s = sigmoid(z)``, and ``sin`` cycles through ``cos, -sin, -cos``.
Only the derivatives asked for are computed.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

#: The highest derivative order of an activation that the forward path knows.
MAX_ACTIVATION_ORDER = 4


def _tanh(z: Tensor, order: int) -> list[Tensor]:
    t = torch.tanh(z)
    out = [t]
    if order >= 1:
        s1 = 1.0 - t * t  # tanh' = 1 - tanh²
        out.append(s1)
    if order >= 2:
        out.append(-2.0 * t * s1)  # tanh'' = -2 tanh (1 - tanh²)
    if order >= 3:
        t2 = t * t
        out.append(-2.0 * s1 * (1.0 - 3.0 * t2))  # tanh''' = -2 (1 - t²)(1 - 3t²)
    if order >= 4:
        out.append(8.0 * t * s1 * (2.0 - 3.0 * t2))  # tanh'''' = 8 t (1 - t²)(2 - 3t²)
    return out


def _sin(z: Tensor, order: int) -> list[Tensor]:
    s = torch.sin(z)
    if order == 0:
        return [s]
    c = torch.cos(z)
    cycle = [s, c, -s, -c]
    return [cycle[k % 4] for k in range(order + 1)]


def _cos(z: Tensor, order: int) -> list[Tensor]:
    c = torch.cos(z)
    if order == 0:
        return [c]
    s = torch.sin(z)
    cycle = [c, -s, -c, s]
    return [cycle[k % 4] for k in range(order + 1)]


def _sigmoid_chain(s: Tensor, order: int) -> list[Tensor]:
    """``[σ', σ'', ...]`` of the logistic function, given ``s = sigmoid(z)``."""
    out: list[Tensor] = []
    if order >= 1:
        s1 = s * (1.0 - s)
        out.append(s1)
    if order >= 2:
        one_minus_2s = 1.0 - 2.0 * s
        out.append(s1 * one_minus_2s)
    if order >= 3:
        out.append(s1 * (1.0 - 6.0 * s + 6.0 * s * s))
    if order >= 4:
        out.append(s1 * one_minus_2s * (1.0 - 12.0 * s + 12.0 * s * s))
    return out


def _sigmoid(z: Tensor, order: int) -> list[Tensor]:
    s = torch.sigmoid(z)
    return [s, *_sigmoid_chain(s, order)]


def _softplus(z: Tensor, order: int) -> list[Tensor]:
    out = [torch.nn.functional.softplus(z)]
    if order >= 1:
        s = torch.sigmoid(z)
        out.append(s)
        out.extend(_sigmoid_chain(s, order - 1))
    return out


def _silu(z: Tensor, order: int) -> list[Tensor]:
    s = torch.sigmoid(z)
    sig = [s, *_sigmoid_chain(s, order)]
    # Leibniz: (z·s)⁽ⁿ⁾ = z·s⁽ⁿ⁾ + n·s⁽ⁿ⁻¹⁾
    return [z * sig[0]] + [z * sig[n] + n * sig[n - 1] for n in range(1, order + 1)]


def _gelu(z: Tensor, order: int) -> list[Tensor]:
    # exact (erf) GELU: σ = z Φ(z), σ' = Φ + z φ, and σ⁽ⁿ⁾ = φ · polynomial(z) for n >= 2
    cdf = 0.5 * (1.0 + torch.erf(z * 0.7071067811865476))
    out = [z * cdf]
    if order >= 1:
        pdf = torch.exp(-0.5 * z * z) * 0.3989422804014327
        out.append(cdf + z * pdf)
    if order >= 2:
        z2 = z * z
        out.append(pdf * (2.0 - z2))
    if order >= 3:
        out.append(pdf * z * (z2 - 4.0))
    if order >= 4:
        out.append(pdf * (7.0 * z2 - z2 * z2 - 4.0))
    return out


def _relu(z: Tensor, order: int) -> list[Tensor]:
    out = [torch.relu(z)]
    if order >= 1:
        out.append((z > 0).to(z.dtype))
    zero = torch.zeros_like(z)
    out.extend(zero for _ in range(2, order + 1))
    return out


_ACTIVATIONS: dict[str, Callable[[Tensor, int], list[Tensor]]] = {
    "tanh": _tanh,
    "sin": _sin,
    "cos": _cos,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "silu": _silu,
    "gelu": _gelu,
    "relu": _relu,
    "swish": _silu,
}


def supported_activations() -> tuple[str, ...]:
    """The activation names the forward path can differentiate."""
    return tuple(sorted(_ACTIVATIONS))


def activation_derivatives(name: str, z: Tensor, order: int) -> list[Tensor]:
    """The activation and its derivatives at ``z``.

    Args:
        name: One of :func:`supported_activations` (case-insensitive).
        z: Pre-activations, any shape.
        order: Highest derivative wanted, ``0 <= order <= MAX_ACTIVATION_ORDER``.

    Returns:
        ``[σ(z), σ'(z), ..., σ⁽ᵒʳᵈᵉʳ⁾(z)]``, each shaped like ``z``.

    Raises:
        ValueError: For an unknown activation or an order out of range.
    """
    fn = _ACTIVATIONS.get(name.lower())
    if fn is None:
        raise ValueError(
            f"the forward derivative path does not know the activation {name!r}; "
            f"expected one of {', '.join(supported_activations())}"
        )
    if not 0 <= order <= MAX_ACTIVATION_ORDER:
        raise ValueError(
            f"activation derivatives of order {order} are not available; "
            f"expected 0..{MAX_ACTIVATION_ORDER}"
        )
    return fn(z, order)
