"""``ForwardModeEngine``: the derivative engine that propagates derivatives forward through MLPs.

For a network that exposes its structure — ``linears`` (the ``nn.Linear`` layers in order) and
``activation_name`` — possibly behind the zoo's input normalisation (``NormalizedNet`` with a
``normalize`` layer of ``scale``/``offset``), every planned derivative comes out of one pass of
:func:`~pinnlang.compile.forward_mode.forward_channels`, with no ``torch.autograd.grad`` call.
Any other network (a user's module, a hard-constraint wrapper, a Fourier-feature model, an
activation the forward path does not know, derivatives above fourth order) is evaluated by the
autograd engine instead, so choosing this engine is always safe::

    compiled = compile_problem(problem, engine="forward")
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
    sum_columns,
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
    all output fields). A plan's ``laplacians`` ``{field index: axes}`` are propagated as one
    collapsed Laplacian channel, stored under ``(field, "laplacian")`` — unless the pure second
    derivatives it sums are (all but at most one) propagated anyway, in which case it is their
    sum (see :class:`ForwardLayout`).

    Args:
        fallback: Evaluate unsupported networks with the autograd engine (default). With
            ``False`` an unsupported network raises ``TypeError``.
    """

    handles_laplacians = True

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
        layout: ForwardLayout = plan.cached("forward", lambda: ForwardLayout.of(plan))
        structure = mlp_structure(net) if layout.supported else None
        if structure is None:
            if not self.fallback:
                raise TypeError(
                    f"the forward derivative engine cannot evaluate a {type(net).__name__} with "
                    f"derivatives up to order {plan.max_order}; it needs a zoo MLP (optionally "
                    f"behind input normalisation) and orders up to {MAX_ORDER}"
                )
            return self._autograd.evaluate(net, x, plan, create_graph=create_graph)
        x = x.detach()
        with torch.set_grad_enabled(create_graph and torch.is_grad_enabled()):
            if layout.request is None:  # values only: the module's own forward is the fastest
                outputs = net(x)
                channels: dict = {}
            else:
                outputs, channels = forward_channels(
                    structure.linears, structure.activation, x, layout.request,
                    structure.input_scale, structure.input_shift,
                )
            if layout.summed_laplacian:
                channels[LAPLACIAN] = sum_columns([channels[(a, a)] for a in layout.laplacian_axes])
        result = DerivativeValues(x=x, outputs=outputs)
        values = result.values
        for key in layout.value_keys:
            values[key] = outputs[:, key[0]]
        for key in layout.channel_keys:
            values[key] = channels[key[1]][:, key[0]]
        return result


@dataclass(frozen=True)
class ForwardLayout:
    """What the forward engine derives from a plan once (memoised on the plan).

    Attributes:
        supported: The plan's orders are within :data:`MAX_ORDER`.
        request: The channels to propagate, or ``None`` when the plan wants values only.
        laplacian_axes: The axes of the plan's Laplacians (the same for every field).
        summed_laplacian: The Laplacian is the sum of pure second-derivative channels that are
            propagated anyway (when at most one of them would be extra, this costs no more
            channels than a collapsed one and gives the autograd engine's sum exactly);
            otherwise it is one collapsed channel.
        value_keys: ``(field, ())`` keys, read off the outputs.
        channel_keys: ``(field, multi-index or LAPLACIAN)`` keys, read off the channels.
    """

    supported: bool
    request: DerivativeRequest | None
    laplacian_axes: tuple[int, ...]
    summed_laplacian: bool
    value_keys: tuple[tuple[int, tuple[int, ...]], ...]
    channel_keys: tuple[tuple[int, object], ...]

    @classmethod
    def of(cls, plan: DerivativePlan) -> "ForwardLayout":
        axes_sets = {tuple(axes) for axes in plan.laplacians.values()}
        if len(axes_sets) > 1:
            raise ValueError(
                "every field's Laplacian in one plan must run over the same axes, got "
                f"{dict(plan.laplacians)}"
            )
        lap_axes = next(iter(axes_sets), ())
        derivatives = {m for ms in plan.nodes.values() for m in ms if m}
        missing = [(a, a) for a in lap_axes if (a, a) not in derivatives]
        summed = bool(lap_axes) and len(missing) <= 1
        if summed:
            derivatives |= set(missing)
        request = None
        if derivatives or lap_axes:
            request = DerivativeRequest(
                derivatives=tuple(derivatives), laplacian=() if summed else lap_axes
            )
        value_keys = tuple((f, ()) for f, ms in plan.nodes.items() if () in ms)
        channel_keys = tuple((f, m) for f, ms in plan.nodes.items() for m in sorted(ms) if m)
        channel_keys += tuple((f, LAPLACIAN) for f in plan.laplacians)
        return cls(
            supported=plan.max_order <= MAX_ORDER,
            request=request,
            laplacian_axes=tuple(lap_axes),
            summed_laplacian=summed,
            value_keys=value_keys,
            channel_keys=channel_keys,
        )
