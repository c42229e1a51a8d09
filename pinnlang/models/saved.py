"""A trained network in a checkpoint: what to store of it and how to rebuild it (the zoo's
``build_model`` arguments and the body's weights, behind input normalisation)."""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.models.normalize import NormalizedNet
from pinnlang.models.registry import build_model, model_config


def body_of(network: nn.Module) -> nn.Module:
    """The body of a wrapped network (the network itself if it is not wrapped)."""
    return network.net if isinstance(network, NormalizedNet) else network


def body_config(body: nn.Module) -> dict[str, Any] | None:
    """``build_model`` arguments that rebuild ``body``, or ``None`` if the zoo cannot."""
    try:
        return model_config(body)
    except PinnUsageError:
        return None


def rebuild_network(config: Mapping[str, Any] | None, state_dict: Mapping[str, torch.Tensor],
                    lower: Any, upper: Any, *, body: nn.Module | None = None) -> NormalizedNet:
    """Rebuild a trained network from a checkpoint's model config and state dict.

    Args:
        config: ``build_model`` arguments (``None`` for a module the zoo did not build).
        state_dict: the body's weights.
        lower, upper: the normalisation box.
        body: a fresh module of the right architecture, required when ``config`` is ``None``.

    Raises:
        PinnUsageError: no way to rebuild the body, or weights that do not fit it.
    """
    if body is None:
        if config is None:
            raise PinnUsageError("this run was trained with a network the model zoo cannot rebuild; "
                                 "pass a module of the same architecture: Result.load(dir, model=...)")
        body = build_model(**dict(config))
    try:
        body.load_state_dict(dict(state_dict))
    except RuntimeError as err:
        raise PinnUsageError(f"the checkpoint's weights do not fit the network: {err}") from None
    lower_t = torch.as_tensor(lower, dtype=torch.float64)
    upper_t = torch.as_tensor(upper, dtype=torch.float64)
    return NormalizedNet(body, lower_t, upper_t)
