"""Shared fixtures for the model-zoo tests."""

from __future__ import annotations

from typing import Iterator

import pytest

from pinnlang.models import available_models, unregister_model
from pinnlang.models.registry import _REGISTRY


@pytest.fixture
def restore_registry() -> Iterator[None]:
    """Undo every model a test registers, so other tests see the zoo unchanged."""
    before = dict(_REGISTRY)
    yield
    for name in [name for name in _REGISTRY if name not in before]:
        unregister_model(name)
    _REGISTRY.update(before)
    assert set(available_models()) >= set(before)
