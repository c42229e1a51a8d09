"""``ForwardModeEngine``: the derivative engine that propagates derivatives forward through MLPs.

For a network that exposes its structure — ``linears`` (the ``nn.Linear`` layers in order) and
``activation_name`` — possibly behind the zoo's input normalisation (``NormalizedNet`` with a
``normalize`` layer of ``scale``/``offset``), every planned derivative comes out of one pass of
:func:`~pinnlang.compile.forward_mode.forward_channels`, with no ``torch.autograd.grad`` call.
Any other network (a user's module, a hard-constraint wrapper, a Fourier-feature model, an
activation the forward path does not know, derivatives above fourth order) is evaluated by the
autograd engine instead, so choosing this engine is always safe::

    compiled = compile_problem(problem, engine="forward")   # once this module is imported
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import torch
from torch import Tensor, nn

from pinnlang.compile.derivatives import (
    AutogradEngine,
    DerivativeEngine,
    DerivativePlan,
    DerivativeValues,
    Net,
    register_engine,
)
from pinnlang.compile.forward_activations import supported_activations
from pinnlang.compile.forward_mode import DerivativeRequest, forward_channels
from pinnlang.compile.forward_plan import LAPLACIAN, MAX_ORDER
from pinnlang.models.normalize import NormalizedNet


@dataclass(frozen=True)
class MLPStructure:
    """What the forward path needs to know about a network.

    Attributes:
        linears: The linear layers in order.
        activation: The activation's name.
        input_scale: Scale of an input normalisation in front of the MLP (or None).
        input_shift: Its offset: the MLP sees ``x * input_scale + input_shift``.
    """

    linears: tuple[nn.Module, ...]
    activation: str
    input_scale: Tensor | None = None
    input_shift: Tensor | None = None


def _plain_mlp(net: object) -> tuple[tuple[nn.Module, ...], str] | None:
    linears = getattr(net, "linears", None)
    activation = getattr(net, "activation_name", None)
    if not isinstance(linears, (nn.ModuleList, list, tuple)) or not isinstance(activation, str):
        return None
    if not linears or not all(type(layer) is nn.Linear for layer in linears):
        return None
    if activation.lower() not in supported_activations():
        return None
    return tuple(linears), activation


def mlp_structure(net: object) -> MLPStructure | None:
    """The MLP structure of ``net``, or None when the forward path cannot evaluate it.

    Recognised: a module with ``linears`` and ``activation_name`` whose class is exactly what
    its ``forward`` computes (the zoo's ``mlp``), and the same behind a wrapper with ``normalize``
    (the zoo's ``NormalizedNet``, whose ``Normalize`` is the affine map ``x * scale + offset``).
    """
    if isinstance(net, NormalizedNet):
        found = _plain_mlp(net.net)
        if found is None or not _is_zoo_mlp(net.net):
            return None
        normalize = net.normalize
        return MLPStructure(*found, input_scale=normalize.scale, input_shift=normalize.offset)
    found = _plain_mlp(net)
    if found is None or not _is_zoo_mlp(net):
        return None
    return MLPStructure(*found)


def _is_zoo_mlp(net: object) -> bool:
    """Only networks known to compute ``linears[-1] ∘ σ ∘ ... ∘ linears[0]``.

    A module may expose ``linears`` and still do more in ``forward`` (residual connections,
    gates); those must go to autograd. The zoo's ``mlp`` is recognised by its registry name,
    an ``nn.Sequential``-free duck type by an explicit ``forward_mode_compatible = True``.
    """
    if getattr(net, "forward_mode_compatible", False) is True:
        return True
    return getattr(type(net), "registry_name", None) == "mlp"


@register_engine("forward")
@final
class ForwardModeEngine(DerivativeEngine):
    """Derivatives of zoo MLPs propagated forward with the value; autograd for anything else.

    The planned multi-indices of every field are propagated together (the channels are shared by
    all output fields). A plan may also carry an optional ``laplacians`` mapping
    ``{field index: axes}``; each is then propagated as one collapsed Laplacian channel and
    stored under ``(field, "laplacian")``.

    Args:
        fallback: Evaluate unsupported networks with the autograd engine (default). With
            ``False`` an unsupported network raises ``TypeError``.
    """

    def __init__(self, fallback: bool = True):
        self.fallback = fallback
        self._autograd = AutogradEngine()

    @staticmethod
    def supports(net: Net, plan: DerivativePlan | None = None) -> bool:
        """Whether ``net`` (and the orders of ``plan``) can go through the forward path."""
        if plan is not None and plan.max_order > MAX_ORDER:
            return False
        return mlp_structure(net) is not None

    def evaluate(
        self, net: Net, x: Tensor, plan: DerivativePlan, *, create_graph: bool = True
    ) -> DerivativeValues:
        """Evaluate ``net`` and every planned derivative at ``x`` (see :class:`DerivativeEngine`)."""
        structure = mlp_structure(net) if plan.max_order <= MAX_ORDER else None
        if structure is None:
            if not self.fallback:
                raise TypeError(
                    f"the forward derivative engine cannot evaluate a {type(net).__name__} with "
                    f"derivatives up to order {plan.max_order}; it needs a zoo MLP (optionally "
                    f"behind input normalisation) and orders up to {MAX_ORDER}"
                )
            return self._autograd.evaluate(net, x, plan, create_graph=create_graph)
        laplacians = {f: tuple(sorted(a)) for f, a in (getattr(plan, "laplacians", None) or {}).items()}
        lap_axes = sorted({a for axes in laplacians.values() for a in axes})
        if any(axes != tuple(lap_axes) for axes in laplacians.values()):
            raise ValueError(
                f"every field's Laplacian in one plan must run over the same axes, got {laplacians}"
            )
        request = DerivativeRequest(
            derivatives=tuple({m for ms in plan.nodes.values() for m in ms if m}),
            laplacian=tuple(lap_axes),
        )
        x = x.detach()
        with torch.set_grad_enabled(create_graph and torch.is_grad_enabled()):
            outputs, channels = forward_channels(
                structure.linears, structure.activation, x, request,
                structure.input_scale, structure.input_shift,
            )
        result = DerivativeValues(x=x, outputs=outputs)
        for field_index, indices in plan.nodes.items():
            for index in indices:
                source = outputs if not index else channels[index]
                result.values[(field_index, index)] = source[:, field_index]
        for field_index in laplacians:
            result.values[(field_index, LAPLACIAN)] = channels[LAPLACIAN][:, field_index]
        return result
