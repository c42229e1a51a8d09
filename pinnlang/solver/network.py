"""The network a problem is trained with: a zoo model (or the user's module) behind input
normalisation to the box of all inputs."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import torch
from torch import nn

from pinnlang.models import NormalizedNet, build_model, model_arguments
from pinnlang.models.saved import body_config, body_of, rebuild_network  # noqa: F401  (re-exported)

#: Settings forwarded to a zoo model when it accepts an argument of that name.
MODEL_SETTINGS = ("width", "depth", "activation", "sigma", "features")


def build_body(model: str | nn.Module, in_dim: int, out_dim: int,
               settings: Mapping[str, Any],
               measured: Mapping[str, Callable[[], Any]] | None = None) -> nn.Module:
    """The network body: ``model`` itself if it is a module, else the zoo model of that name.

    Zoo models get ``width``, ``depth``, ``activation``, ``sigma`` and ``features`` from
    ``settings`` when their constructor takes them, and each argument ``measured`` names (a
    function measuring it from the problem, e.g. ``axis_fourier``'s ``wavenumbers``) when it
    takes that one.
    """
    if isinstance(model, nn.Module):
        return model
    accepted = model_arguments(model)
    kwargs = {k: settings[k] for k in MODEL_SETTINGS if k in accepted and k in settings}
    kwargs.update({k: measure() for k, measure in (measured or {}).items() if k in accepted})
    return build_model(model, in_dim, out_dim, **kwargs)


def wrap(body: nn.Module, lower: Any, upper: Any) -> NormalizedNet:
    """``body`` behind :class:`~pinnlang.models.Normalize` to the input box."""
    return NormalizedNet(body, lower, upper)


def fast_forward(network: nn.Module) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A flat function computing ``network`` when it is the zoo's ``mlp`` behind input
    normalisation, or ``None``.

    It computes the same map as ``network(x)`` — ``x * scale + offset``, then the MLP's
    ``linears`` with its ``activation`` between them — through ``torch.nn.functional`` alone,
    without the per-call module dispatch (for a 3 x 20 network on 100 points that dispatch is a
    sixth of a training step). The layers' parameters are read at every call, so in-place weight
    updates (optimisers, weight averaging, loading a state dict) are always seen.
    """
    if not isinstance(network, NormalizedNet):
        return None
    body = network.net
    if getattr(type(body), "registry_name", None) != "mlp":
        return None
    linears = list(body.linears)
    if not linears or not all(type(layer) is nn.Linear for layer in linears):
        return None
    hidden, last, activation = linears[:-1], linears[-1], body.activation
    scale = network.normalize.scale.to(last.weight.dtype)
    offset = network.normalize.offset.to(last.weight.dtype)
    linear = torch.nn.functional.linear

    def forward(x: torch.Tensor) -> torch.Tensor:
        h = torch.addcmul(offset, x, scale)
        for layer in hidden:
            h = activation(linear(h, layer.weight, layer.bias))
        return linear(h, last.weight, last.bias)

    return forward
