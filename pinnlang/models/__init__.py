"""The model zoo: a registry of networks, input normalisation and hard-constraint transforms.

This package knows no PDE: it builds networks ``(N, in_dim) -> (N, out_dim)`` by name.

>>> net = build_model("mlp", in_dim=2, out_dim=1, width=32, depth=3)
>>> same = build_model(**model_config(net))
"""

from __future__ import annotations

from pinnlang.models.activations import ACTIVATIONS, get_activation
from pinnlang.models.axis_fourier import AxisFourierNet
from pinnlang.models.base import ZooModel
from pinnlang.models.constraints import BoxDistance, HardConstraint, box_distance
from pinnlang.models.fourier import FourierNet
from pinnlang.models.mlp import MLP
from pinnlang.models.modified_mlp import ModifiedMLP
from pinnlang.models.normalize import Normalize, NormalizedNet
from pinnlang.models.registry import (
    DEFAULT_MODEL,
    ENTRY_POINT_GROUP,
    REQUIRED,
    available_models,
    build_model,
    describe_models,
    get_model_class,
    model_arguments,
    model_config,
    register_model,
    register_module,
    unregister_model,
)
from pinnlang.models.resnet import ResNet
from pinnlang.models.siren import Siren

__all__ = [
    "ACTIVATIONS",
    "AxisFourierNet",
    "BoxDistance",
    "DEFAULT_MODEL",
    "ENTRY_POINT_GROUP",
    "FourierNet",
    "HardConstraint",
    "MLP",
    "ModifiedMLP",
    "Normalize",
    "NormalizedNet",
    "REQUIRED",
    "ResNet",
    "Siren",
    "ZooModel",
    "available_models",
    "box_distance",
    "build_model",
    "describe_models",
    "get_activation",
    "get_model_class",
    "model_arguments",
    "model_config",
    "register_model",
    "register_module",
    "unregister_model",
]
