"""The self-contained checkpoint of a run: everything needed to predict again, in plain types.

A checkpoint is one ``torch.save``d dict that loads with ``torch.load(path, weights_only=True)``:

``format``, ``version``
    ``"pinnlang-run"`` and ``1``.
``problem``, ``source``, ``source_path``
    the problem's name, its ``.pinn`` text (the original text when there was one) and the path
    it was read from (relative data files resolve against its folder).
``model``
    ``{"config": build_model arguments, "state_dict": ...}`` of the network body (``None``
    config for a module that was not built by the zoo: pass it again to ``Result.load``).
``lower``, ``upper``
    the input box of the normalisation layer.
``unknowns``, ``settings``, ``input_names``, ``field_names``
    plain values.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import torch

from pinnlang.errors import PinnRuntimeError, PinnUsageError

CHECKPOINT_FORMAT = "pinnlang-run"
CHECKPOINT_VERSION = 1
CHECKPOINT_FILE = "model.pt"


def _plain(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v, where) for k, v in value.items()}
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    raise PinnRuntimeError(f"cannot store a {type(value).__name__} in a checkpoint ({where})")


def make_checkpoint(*, problem: str, source: str, source_path: str | None,
                    model_config: Mapping[str, Any] | None, model_state: Mapping[str, torch.Tensor],
                    lower: list[float], upper: list[float], unknowns: Mapping[str, float],
                    settings: Mapping[str, Any], input_names: list[str],
                    field_names: list[str]) -> dict[str, Any]:
    """Assemble a checkpoint dict of plain values and tensors only."""
    return {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "problem": problem,
        "source": source,
        "source_path": source_path,
        "model": {
            "config": _plain(dict(model_config), "model config") if model_config is not None else None,
            "state_dict": {k: v.detach().cpu().clone() for k, v in model_state.items()},
        },
        "lower": [float(v) for v in lower],
        "upper": [float(v) for v in upper],
        "unknowns": {k: float(v) for k, v in unknowns.items()},
        "settings": _plain(dict(settings), "settings"),
        "input_names": list(input_names),
        "field_names": list(field_names),
    }


def save_checkpoint(checkpoint: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write ``checkpoint`` to ``path`` (atomically: a partial file never replaces a good one)."""
    path = os.fspath(path)
    tmp = path + ".tmp"
    torch.save(dict(checkpoint), tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises:
        PinnUsageError: the file is missing or is not a pinnlang checkpoint.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise PinnUsageError(f"no checkpoint at '{path}'")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a corrupt or foreign file: say so, without a traceback
        raise PinnUsageError(f"'{path}' is not a readable pinnlang checkpoint: {err}") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise PinnUsageError(f"'{path}' is not a pinnlang checkpoint (no format '{CHECKPOINT_FORMAT}')")
    if checkpoint.get("version", 0) > CHECKPOINT_VERSION:
        raise PinnUsageError(f"'{path}' was written by a newer pinnlang "
                             f"(checkpoint version {checkpoint['version']})")
    return checkpoint
