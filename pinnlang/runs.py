"""A saved run, rebuilt: the one place a run folder's problem is parsed and compiled again.

``results/`` reads tensors and settings only; rebuilding a :class:`~pinnlang.results.Result`
needs the parser (the checkpoint keeps the ``.pinn`` text), the compiler and the model zoo, so it
happens here, one layer above. :meth:`pinnlang.Result.load` is the public entry.
"""

from __future__ import annotations

import os
from typing import Sequence

import torch
from torch import nn

from pinnlang.compile import compile_problem
from pinnlang.models.saved import rebuild_network
from pinnlang.results import checkpoint as ckpt
from pinnlang.results.result import Result
from pinnlang.solver.jump_smoothing import smooth_jumps
from pinnlang.syntax import parse


def load_run(folder: str | os.PathLike, *, model: nn.Module | None = None, device: str = "cpu",
             allow_data: Sequence[str | os.PathLike] = (), result_class: type[Result] = Result) -> Result:
    """Rebuild a result from a run folder (or its ``model.pt``): the problem from the saved text,
    with the jumps of its data smoothed as the run smoothed them, compiled in the checkpoint's
    dtype, and the network from its config and weights.

    Args:
        folder: the run folder, or the checkpoint file itself.
        model: the network body, for a run trained with a module the zoo cannot rebuild.
        device: where to put the network.
        allow_data: data files or folders outside the problem's folder that may be read.
        result_class: the class to build (a subclass of :class:`Result`).

    Raises:
        PinnUsageError: not a run folder, or a body that cannot be rebuilt.
    """
    folder = os.fspath(folder)
    path = folder if os.path.isfile(folder) else os.path.join(folder, ckpt.CHECKPOINT_FILE)
    run_dir = os.path.dirname(path) if os.path.isfile(folder) else folder
    data = ckpt.load_checkpoint(path)
    allowed = [os.fspath(p) for p in allow_data]
    problem = parse(data["source"], path=data.get("source_path") or "<checkpoint>", allowed_paths=allowed)
    dtype = next((v.dtype for v in data["model"]["state_dict"].values() if v.is_floating_point()),
                 torch.float32)
    compiled = compile_problem(problem, dtype=dtype, device=device, allowed_paths=allowed)
    # the data the run trained on: its jumps smoothed as solve() smoothed them (a run saved before
    # the setting existed smoothed nothing)
    fraction = float((data.get("settings") or {}).get("smooth_jumps", 0.0))
    problem, smoothed = smooth_jumps(problem, compiled, fraction)
    if smoothed:
        compiled = compile_problem(problem, dtype=dtype, device=device, allowed_paths=allowed)
    network = rebuild_network(data["model"]["config"], data["model"]["state_dict"],
                              data["lower"], data["upper"], body=model).to(device=device, dtype=dtype)
    return result_class.from_checkpoint(data, problem=problem, compiled=compiled, network=network,
                                        run_dir=run_dir, device=device)
