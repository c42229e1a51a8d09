"""The model registry: names -> network classes or factories.

Three ways in, one way out:

- ``@register_model("name")`` on a :class:`~pinnlang.models.base.ZooModel` (or any
  ``torch.nn.Module``) subclass;
- ``register_module("name", cls_or_factory)`` for a plain ``nn.Module`` class or a function
  ``factory(in_dim, out_dim, **kwargs) -> nn.Module``;
- the ``pinnlang.models`` entry-point group: another package declares
  ``[project.entry-points."pinnlang.models"] mynet = "mypkg.nets:MyNet"`` and the name appears
  here, loaded only when it is first used.

``build_model(name, in_dim, out_dim, **kwargs)`` builds any of them. Every network it builds can
be rebuilt from ``model_config(model)``.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import torch
from torch import nn

from pinnlang.errors import PinnUsageError
from pinnlang.models.base import ZooModel, did_you_mean, plain_value, require_positive_int

ENTRY_POINT_GROUP = "pinnlang.models"
DEFAULT_MODEL = "mlp"
REQUIRED = inspect.Parameter.empty
"""Marks an argument without a default in :func:`model_arguments`."""

ModelFactory = Callable[..., nn.Module]
ModuleClass = TypeVar("ModuleClass", bound=type)

_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_CONFIG_ATTRIBUTE = "_pinnlang_config"


@dataclass(frozen=True)
class _Entry:
    """One registered name: what builds it and how it describes itself."""

    name: str
    target: ModelFactory
    description: str
    builtin: bool


_REGISTRY: dict[str, _Entry] = {}
_LOADED_ENTRY_POINTS: dict[tuple[str, str], ModelFactory] = {}


def register_model(name: str, *, description: str | None = None,
                   replace: bool = False) -> Callable[[ModuleClass], ModuleClass]:
    """Class decorator: register an ``nn.Module`` subclass under ``name``.

    The class is called as ``cls(in_dim, out_dim, **kwargs)``.

    Args:
        name: the model name (an identifier, so a ``.pinn`` file can write ``model = name``).
        description: one line for ``pinnlang models``; defaults to the docstring's first line.
        replace: allow replacing a different model already registered under ``name``.

    Raises:
        PinnUsageError: for a bad name, a name already taken, or a class that is not a Module.
    """

    def decorate(cls: ModuleClass) -> ModuleClass:
        if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
            raise PinnUsageError(
                f"@register_model({name!r}) decorates torch.nn.Module subclasses, "
                f"not {cls!r}; use register_module() for a factory function"
            )
        _add(name, cls, description, replace)
        if issubclass(cls, ZooModel) and "registry_name" not in vars(cls):
            cls.registry_name = name
        return cls

    return decorate


def register_module(name: str, module_or_factory: type[nn.Module] | ModelFactory, *,
                    description: str | None = None, replace: bool = False) -> None:
    """Register a plain ``nn.Module`` class, or a factory returning one, under ``name``.

    It is called as ``module_or_factory(in_dim, out_dim, **kwargs)`` and must give a module
    mapping ``(N, in_dim) -> (N, out_dim)``; ``build_model`` checks this on a small batch.

    Raises:
        PinnUsageError: for a bad or taken name, a module instance, or something not callable.
    """
    if isinstance(module_or_factory, nn.Module):
        raise PinnUsageError(
            f"register_module({name!r}, ...) got a module instance; pass its class, or a "
            "function (in_dim, out_dim, **kwargs) -> nn.Module, so each build gets fresh weights"
        )
    if not callable(module_or_factory):
        raise PinnUsageError(
            f"register_module({name!r}, ...) needs an nn.Module class or a factory function, "
            f"got {type(module_or_factory).__name__}"
        )
    _add(name, module_or_factory, description, replace)


def unregister_model(name: str) -> None:
    """Remove a model registered with ``register_model``/``register_module`` (tests, notebooks)."""
    if name not in _REGISTRY:
        raise _unknown_model_error(name)
    del _REGISTRY[name]


def available_models() -> list[str]:
    """Registered names (the built-in zoo first), then names from the entry-point group."""
    names = list(_REGISTRY)
    names += sorted(name for name in _entry_points() if name not in _REGISTRY)
    return names


def get_model_class(name: str) -> ModelFactory:
    """Return the class (or factory) registered under ``name``, loading an entry point if needed.

    Raises:
        PinnUsageError: for an unknown name (with the closest name and the list of names), or an
            entry point that cannot be loaded.
    """
    if not isinstance(name, str):
        raise PinnUsageError(f"a model name must be a string, got {name!r}")
    if name in _REGISTRY:
        return _REGISTRY[name].target
    entry_point = _entry_points().get(name)
    if entry_point is None:
        raise _unknown_model_error(name)
    return _load_entry_point(entry_point)


def model_arguments(name: str) -> dict[str, Any]:
    """The keyword arguments model ``name`` accepts, with their defaults (``REQUIRED`` if none).

    Returns an empty dict when the signature cannot be read.
    """
    signature = _signature(get_model_class(name))
    if signature is None:
        return {}
    return {param.name: param.default for param in _keyword_parameters(signature)}


def build_model(name: str = DEFAULT_MODEL, in_dim: int = 1, out_dim: int = 1,
                **kwargs: Any) -> nn.Module:
    """Build model ``name`` mapping ``(N, in_dim) -> (N, out_dim)``.

    Args:
        name: a name from :func:`available_models`.
        in_dim: number of network inputs.
        out_dim: number of network outputs.
        **kwargs: the model's own arguments (e.g. ``width``, ``depth``, ``activation``).

    Returns:
        The module; ``model_config(module)`` gives arguments that rebuild it.

    Raises:
        PinnUsageError: for an unknown name, unknown or bad arguments, or a third-party model
            that does not map ``(N, in_dim)`` to ``(N, out_dim)``.
    """
    target = get_model_class(name)
    in_dim = require_positive_int(in_dim, "in_dim")
    out_dim = require_positive_int(out_dim, "out_dim")
    _check_arguments(name, target, in_dim, out_dim, kwargs)
    model = target(in_dim, out_dim, **kwargs)
    if not isinstance(model, nn.Module):
        raise PinnUsageError(
            f"model {name!r} built a {type(model).__name__}, not a torch.nn.Module"
        )
    if isinstance(model, ZooModel):
        model._built_as = name
    else:
        setattr(model, _CONFIG_ATTRIBUTE,
                {"name": name, "in_dim": in_dim, "out_dim": out_dim, **kwargs})
    if not _is_builtin(name):
        _check_output_shape(name, model, in_dim, out_dim)
    return model


def model_config(model: nn.Module) -> dict[str, Any]:
    """The plain-valued arguments that rebuild ``model`` with ``build_model(**config)``.

    Raises:
        PinnUsageError: if the module was not built by the zoo or ``build_model``, or if one of
            its arguments is not a plain value.
    """
    if isinstance(model, ZooModel):
        return model.config
    config = getattr(model, _CONFIG_ATTRIBUTE, None)
    if config is None:
        raise PinnUsageError(
            f"this {type(model).__name__} was not built by build_model(), so a checkpoint cannot "
            "rebuild it; register it with register_module() and build it with build_model()"
        )
    name = config["name"]
    return {key: plain_value(value, f"argument {key!r} of model {name!r}")
            for key, value in config.items()}


def describe_models() -> list[tuple[str, str]]:
    """``(name, one-line description)`` for every available model, for ``pinnlang models``.

    Never raises: an entry point that fails to load is described by its error.
    """
    rows = []
    for name in available_models():
        if name in _REGISTRY:
            rows.append((name, _REGISTRY[name].description))
            continue
        try:
            rows.append((name, _describe(get_model_class(name)) + " (plug-in)"))
        except PinnUsageError as err:
            rows.append((name, err.message))
    return rows


# -- internals -------------------------------------------------------------------------------------


def _add(name: str, target: ModelFactory, description: str | None, replace: bool) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise PinnUsageError(
            f"model name {name!r} is not an identifier (a letter, then letters, digits or '_')"
        )
    existing = _REGISTRY.get(name)
    if existing is not None and not replace and not _same_target(existing.target, target):
        raise PinnUsageError(
            f"a model named {name!r} is already registered ({_qualified_name(existing.target)}); "
            "pick another name or pass replace=True"
        )
    module_name = getattr(target, "__module__", "") or ""
    _REGISTRY[name] = _Entry(
        name=name,
        target=target,
        description=description or _describe(target),
        builtin=module_name.startswith("pinnlang.models."),
    )


def _same_target(a: ModelFactory, b: ModelFactory) -> bool:
    return a is b or _qualified_name(a) == _qualified_name(b)


def _qualified_name(target: ModelFactory) -> str:
    module = getattr(target, "__module__", "?")
    return f"{module}.{getattr(target, '__qualname__', repr(target))}"


def _describe(target: ModelFactory) -> str:
    doc = inspect.getdoc(target) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return first or f"{_qualified_name(target)} (no description)"


def _is_builtin(name: str) -> bool:
    entry = _REGISTRY.get(name)
    return entry is not None and entry.builtin


def _unknown_model_error(name: str) -> PinnUsageError:
    names = available_models()
    return PinnUsageError(
        f"unknown model {name!r}{did_you_mean(name, names)}; available models: {', '.join(names)}",
        hint="`pinnlang models` lists them with a description",
    )


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry_point.name, entry_point)
    return found


def _load_entry_point(entry_point: importlib.metadata.EntryPoint) -> ModelFactory:
    key = (entry_point.name, entry_point.value)
    if key in _LOADED_ENTRY_POINTS:
        return _LOADED_ENTRY_POINTS[key]
    where = f"model {entry_point.name!r} (entry point {entry_point.value!r} in group {ENTRY_POINT_GROUP!r})"
    try:
        target = entry_point.load()
    except Exception as err:  # a broken plug-in must not look like a pinnlang bug
        raise PinnUsageError(f"{where} could not be loaded: {type(err).__name__}: {err}") from err
    if isinstance(target, nn.Module) or not callable(target):
        raise PinnUsageError(
            f"{where} must name an nn.Module class or a factory (in_dim, out_dim, **kwargs) -> "
            f"nn.Module, not a {type(target).__name__}"
        )
    _LOADED_ENTRY_POINTS[key] = target
    return target


def _signature(target: ModelFactory) -> inspect.Signature | None:
    try:
        return inspect.signature(target)
    except (TypeError, ValueError):  # some builtins and C extensions have none
        return None


def _keyword_parameters(signature: inspect.Signature) -> list[inspect.Parameter]:
    """Parameters after the two positional ones (in_dim, out_dim) that take a keyword."""
    params = list(signature.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    skipped = {p.name for p in positional[:2]}
    return [p for p in params
            if p.name not in skipped and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _check_arguments(name: str, target: ModelFactory, in_dim: int, out_dim: int,
                     kwargs: dict[str, Any]) -> None:
    signature = _signature(target)
    if signature is None:
        return
    try:
        signature.bind(in_dim, out_dim, **kwargs)
    except TypeError as err:
        accepted = [p.name for p in _keyword_parameters(signature)]
        takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        unknown = [key for key in kwargs if key not in accepted]
        listing = ", ".join(accepted) if accepted else "no keyword arguments"
        if unknown and not takes_any:
            key = unknown[0]
            raise PinnUsageError(
                f"model {name!r} does not take argument {key!r}{did_you_mean(key, accepted)}; "
                f"it accepts: {listing}"
            ) from None
        raise PinnUsageError(f"model {name!r} cannot be built with these arguments: {err}; "
                             f"it accepts: {listing}") from None


def _check_output_shape(name: str, model: nn.Module, in_dim: int, out_dim: int) -> None:
    """Run a third-party model once on a batch of 3 points and check the output shape."""
    parameter = next(iter(model.parameters()), None)
    dtype = parameter.dtype if parameter is not None else torch.get_default_dtype()
    device = parameter.device if parameter is not None else torch.device("cpu")
    probe = torch.zeros(3, in_dim, dtype=dtype, device=device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(probe)
    except Exception as err:  # report a plug-in's failure as the user's, with its cause
        raise PinnUsageError(
            f"model {name!r} failed on a batch of shape (3, {in_dim}): {type(err).__name__}: {err}"
        ) from err
    finally:
        model.train(was_training)
    shape = tuple(output.shape) if isinstance(output, torch.Tensor) else None
    if shape != (3, out_dim):
        got = shape if shape is not None else type(output).__name__
        raise PinnUsageError(
            f"model {name!r} must map (N, {in_dim}) -> (N, {out_dim}); "
            f"on a batch of 3 points it returned {got}"
        )
