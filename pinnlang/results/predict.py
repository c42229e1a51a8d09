"""Evaluating a trained network at user-given points, and L2 relative errors."""

from __future__ import annotations

import difflib
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.reference.points import relative_l2_error

CHUNK = 65_536


def network_device_dtype(network: nn.Module) -> tuple[torch.device, torch.dtype]:
    """The device and floating dtype of ``network``'s first parameter (CPU/float32 if none)."""
    for tensor in list(network.parameters()) + list(network.buffers()):
        if tensor.is_floating_point():
            return tensor.device, tensor.dtype
    return torch.device("cpu"), torch.get_default_dtype()


def evaluate(network: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
             chunk: int = CHUNK) -> torch.Tensor:
    """``network(x)`` in chunks, without gradients; output ``(N, n_fields)``."""
    was_training = getattr(network, "training", False)
    if isinstance(network, nn.Module):
        network.eval()
    try:
        with torch.no_grad():
            parts = [network(x[i:i + chunk]) for i in range(0, max(len(x), 1), chunk)]
    finally:
        if isinstance(network, nn.Module):
            network.train(was_training)
    out = torch.cat(parts) if parts else x.new_zeros((0, 0))
    return out.unsqueeze(-1) if out.ndim == 1 else out


def predict_fields(network: nn.Module, input_names: Sequence[str], field_names: Sequence[str],
                   coords: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate every field at the points given by ``coords`` (one value or array per input).

    The values broadcast against each other (``x=array, t=0.5``). If any of them is a
    ``torch.Tensor`` the outputs are tensors (on that tensor's device), else NumPy arrays; each
    output has the broadcast shape of the inputs.

    Raises:
        PinnUsageError: a missing or unknown input name.
    """
    unknown = [name for name in coords if name not in input_names]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(input_names), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise PinnUsageError(f"predict: '{name}' is not an input of this problem{hint}; "
                             f"the inputs are {', '.join(input_names)}")
    missing = [name for name in input_names if name not in coords]
    if missing:
        raise PinnUsageError(f"predict needs a value for every input ({', '.join(input_names)}); "
                             f"missing {', '.join(missing)}")
    as_torch = any(isinstance(v, torch.Tensor) for v in coords.values())
    out_device = next((v.device for v in coords.values() if isinstance(v, torch.Tensor)), None)
    arrays = [np.asarray(coords[name].detach().cpu().numpy() if isinstance(coords[name], torch.Tensor)
                         else coords[name], dtype=np.float64) for name in input_names]
    try:
        arrays = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(f"{n}: {np.shape(a)}" for n, a in zip(input_names, arrays))
        raise PinnUsageError(f"predict: the input shapes do not broadcast together ({shapes})") from None
    shape = arrays[0].shape
    device, dtype = network_device_dtype(network)
    x = torch.as_tensor(np.stack([a.reshape(-1) for a in arrays], axis=1), dtype=dtype, device=device)
    values = evaluate(network, x)
    result: dict[str, Any] = {}
    for i, field in enumerate(field_names):
        column = values[:, i].reshape(shape)
        if as_torch:
            result[field] = column.to(out_device)
        else:
            result[field] = column.double().cpu().numpy()
    return result


def l2_relative_errors(predicted: torch.Tensor, exact: torch.Tensor,
                       field_names: Sequence[str]) -> dict[str, float]:
    """``||pred - exact|| / ||exact||`` per field with an exact solution (NaN columns skipped),
    by :func:`pinnlang.reference.relative_l2_error`."""
    errors: dict[str, float] = {}
    for i, field in enumerate(field_names):
        target = exact[:, i].detach().double().cpu().numpy()
        keep = ~np.isnan(target)
        if not keep.any():
            continue
        errors[field] = relative_l2_error(predicted[:, i].detach().double().cpu().numpy()[keep], target[keep])
    return errors
