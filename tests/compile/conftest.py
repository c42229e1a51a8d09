"""The compiler's tests run torch on one thread: their tensors are tiny, and on a shared machine
a second intra-op thread mostly waits for a core (the first backward then takes seconds)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
