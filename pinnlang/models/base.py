"""The base of every zoo network, and the argument checks the zoo shares.

A zoo network records the arguments it was built with (:attr:`ZooModel.config`), so that
``build_model(**model.config)`` rebuilds the same architecture and a checkpoint can hold just
``{"config": ..., "state_dict": ...}``. Every recorded value is a plain Python value (``bool``,
``int``, ``float``, ``str``, ``None``, lists and string-keyed dicts of these), so the config is
JSON-serialisable and loads with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import abc
import copy
import difflib
import math
from typing import Any, ClassVar, Iterable

import torch
from torch import nn

from pinnlang.errors import PinnUsageError


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""`` if none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def require_positive_int(value: Any, what: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if it is a whole number ``>= minimum``.

    Integral floats (``64.0``, as a settings file may give) are accepted and converted.

    Raises:
        PinnUsageError: if the value is not a whole number or is too small.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PinnUsageError(f"{what} must be a whole number >= {minimum}, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise PinnUsageError(f"{what} must be a whole number >= {minimum}, got {value!r}")
        value = int(value)
    if value < minimum:
        raise PinnUsageError(f"{what} must be a whole number >= {minimum}, got {value}")
    return int(value)


def require_positive_float(value: Any, what: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite number ``> 0``.

    Raises:
        PinnUsageError: otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PinnUsageError(f"{what} must be a positive number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise PinnUsageError(f"{what} must be a positive number, got {value!r}")
    return float(value)


def require_choice(value: Any, choices: Iterable[str], what: str) -> str:
    """Return ``value`` if it is one of ``choices``.

    Raises:
        PinnUsageError: naming the choices and the closest one.
    """
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        raise PinnUsageError(
            f"unknown {what} {value!r}{hint}; choose one of: {', '.join(choices)}"
        )
    return value


def plain_value(value: Any, what: str) -> Any:
    """Return ``value`` as a plain, JSON-serialisable Python value (tuples become lists).

    Raises:
        PinnUsageError: if the value (or part of it) is not a plain value, e.g. a tensor.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain_value(item, what) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: plain_value(item, what) for key, item in value.items()}
    raise PinnUsageError(
        f"{what} is a {type(value).__name__}; a model's arguments must be plain values "
        "(numbers, strings, booleans, None, lists or dicts of these) so a checkpoint can store them"
    )


class ZooModel(nn.Module, abc.ABC):
    """Abstract base of the zoo: a network ``(N, in_dim) -> (N, out_dim)`` that records its config.

    Subclasses check their own arguments, then call
    ``super().__init__(in_dim, out_dim, **hyperparameters)`` with every other constructor
    argument, so that ``config`` can rebuild them.

    Attributes:
        in_dim: number of inputs.
        out_dim: number of outputs.
        registry_name: the name the class is registered under (set by ``register_model``).
    """

    registry_name: ClassVar[str | None] = None

    def __init__(self, in_dim: int, out_dim: int, **hyperparameters: Any):
        super().__init__()
        self.in_dim = require_positive_int(in_dim, "in_dim")
        self.out_dim = require_positive_int(out_dim, "out_dim")
        self._hyperparameters = {
            key: plain_value(value, f"argument {key!r}") for key, value in hyperparameters.items()
        }
        self._built_as: str | None = None

    @property
    def config(self) -> dict[str, Any]:
        """The name and every constructor argument, as plain values: ``build_model(**config)``."""
        name = self._built_as or type(self).registry_name or type(self).__name__
        return {
            "name": name,
            "in_dim": self.in_dim,
            "out_dim": self.out_dim,
            **copy.deepcopy(self._hyperparameters),
        }

    @abc.abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map inputs of shape ``(N, in_dim)`` to outputs of shape ``(N, out_dim)``."""

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={value!r}" for key, value in self.config.items() if key != "name")


def xavier_init(layers: Iterable[nn.Linear]) -> None:
    """Glorot-normal weights and zero biases for every layer."""
    for layer in layers:
        nn.init.xavier_normal_(layer.weight)
        nn.init.zeros_(layer.bias)
