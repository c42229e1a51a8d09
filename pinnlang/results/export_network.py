"""The trained network as a standalone model: ONNX, TorchScript, or a ``torch.export`` program.

Every format holds the whole network a run predicts with, input normalisation included (and any
output transform of the body, such as a :class:`~pinnlang.models.HardConstraint`), so the file
alone reproduces :meth:`Result.predict <pinnlang.results.Result.predict>`:

``onnx``
    one input per problem input, named after it, shape ``(N,)``, and one output per field, named
    after it, shape ``(N,)``, with a dynamic batch axis ``N``:
    ``session.run(None, {"x": xs, "y": ys}) -> [u, v]``. Written by ``torch.onnx.export``'s
    dynamo exporter (``torch.export`` + onnxscript). The input and field names are also stored as
    the model's metadata (``pinnlang.inputs``, ``pinnlang.fields``).
``torchscript``
    ``(N, inputs) -> (N, fields)``, columns in the order of the names, by ``torch.jit.trace``;
    ``torch.jit.load(path)`` runs it. The names are in the file's extra file ``pinnlang.json``.
``pt2``
    the same map as a ``torch.export`` program (``torch.export.load(path).module()``), the format
    torch recommends now that TorchScript is deprecated.

Each export is checked before it returns: the written file is loaded back and must reproduce the
network on sample points, else :class:`~pinnlang.errors.PinnRuntimeError`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from typing import TYPE_CHECKING, Iterator

import numpy as np
import torch
from torch import nn

from pinnlang.errors import PinnRuntimeError
from pinnlang.optional import require

if TYPE_CHECKING:
    from pinnlang.results.result import Result

#: Largest difference allowed between the network and its export on the check's sample points.
CHECK_TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}
CHECK_POINTS = 64
ONNX_OPSET = 18
NAMES_FILE = "pinnlang.json"


class NamedColumns(nn.Module):
    """``network`` taking one ``(N,)`` tensor per input and returning one ``(N,)`` per field."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, *columns: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.network(torch.stack(columns, dim=1))
        return tuple(out.unbind(dim=1))


@contextlib.contextmanager
def quiet_exporters() -> Iterator[None]:
    """Silence torch's exporters: their deprecation notices, tracer remarks and progress logs
    (every export is checked by running it instead, see :func:`check_export`)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "torch._export")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def sample_inputs(result: "Result", n: int = CHECK_POINTS) -> np.ndarray:
    """``n`` fixed-seed points of the input box (the check's sample points)."""
    rng = np.random.default_rng(0)
    return result.lower + (result.upper - result.lower) * rng.random((n, len(result.input_names)))


def check_export(result: "Result", points: np.ndarray, exported: np.ndarray, fmt: str) -> None:
    """Compare an export's values at ``points`` with the network's.

    Raises:
        PinnRuntimeError: they differ by more than :data:`CHECK_TOLERANCE`.
    """
    expected = result.evaluate(points)
    dtype = network_dtype(result.network)
    gap = float(np.max(np.abs(np.asarray(exported, dtype=np.float64) - expected)))
    scale = max(1.0, float(np.max(np.abs(expected))))
    if not gap <= CHECK_TOLERANCE.get(dtype, 1e-5) * scale:
        raise PinnRuntimeError(f"the {fmt} export does not reproduce the network: values differ by "
                               f"{gap:.3g} on {len(points)} sample points")


def network_dtype(network: nn.Module) -> torch.dtype:
    return next((p.dtype for p in network.parameters() if p.is_floating_point()), torch.float32)


def example_batch(result: "Result", n: int = 8) -> torch.Tensor:
    dtype = network_dtype(result.network)
    return torch.as_tensor(sample_inputs(result, n), dtype=dtype)


def cpu_copy(network: nn.Module) -> nn.Module:
    """The network on the CPU in evaluation mode (exports are device-neutral files)."""
    import copy

    return copy.deepcopy(network).to("cpu").eval()


def export_onnx(result: "Result", path: str) -> list[str]:
    """Write the network as an ONNX model with named inputs and outputs (see the module doc)."""
    onnx = require("onnx", "ONNX export")
    require("onnxscript", "ONNX export")
    ort = require("onnxruntime", "checking an ONNX export")
    model = NamedColumns(cpu_copy(result.network))
    x = example_batch(result)
    columns = tuple(x[:, i].contiguous() for i in range(x.shape[1]))
    batch = torch.export.Dim("N")
    with quiet_exporters():
        try:
            torch.onnx.export(model, columns, path, input_names=result.input_names,
                              output_names=result.field_names, dynamic_shapes=(tuple({0: batch} for _ in columns),),
                              dynamo=True, opset_version=ONNX_OPSET, external_data=False, verbose=False)
        except Exception as err:  # the exporter's own error names the operator it cannot convert
            raise PinnRuntimeError(f"torch.onnx.export could not convert this network: "
                                   f"{str(err).splitlines()[0]}") from None
    proto = onnx.load(path)
    onnx.helper.set_model_props(proto, {"pinnlang.problem": result.name,
                                        "pinnlang.inputs": ",".join(result.input_names),
                                        "pinnlang.fields": ",".join(result.field_names)})
    onnx.save(proto, path)
    points = sample_inputs(result)
    dtype = np.float64 if network_dtype(result.network) == torch.float64 else np.float32
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {name: points[:, i].astype(dtype) for i, name in enumerate(result.input_names)})
    check_export(result, points, np.stack(outputs, axis=1), "ONNX")
    return [path]


def export_torchscript(result: "Result", path: str) -> list[str]:
    """Write the network as a traced TorchScript module ``(N, inputs) -> (N, fields)``."""
    network = cpu_copy(result.network)
    names = json.dumps({"problem": result.name, "inputs": result.input_names, "fields": result.field_names})
    with quiet_exporters():
        traced = torch.jit.trace(network, example_batch(result))
        torch.jit.save(traced, path, _extra_files={NAMES_FILE: names})
        loaded = torch.jit.load(path, map_location="cpu")
    points = sample_inputs(result)
    with torch.no_grad(), quiet_exporters():
        values = loaded(torch.as_tensor(points, dtype=network_dtype(network)))
    check_export(result, points, values.double().numpy(), "TorchScript")
    return [path]


def export_program(result: "Result", path: str) -> list[str]:
    """Write the network as a ``torch.export`` program ``(N, inputs) -> (N, fields)``."""
    network = cpu_copy(result.network)
    names = json.dumps({"problem": result.name, "inputs": result.input_names, "fields": result.field_names})
    with quiet_exporters():
        program = torch.export.export(network, (example_batch(result),),
                                      dynamic_shapes=({0: torch.export.Dim("N")},))
        torch.export.save(program, path, extra_files={NAMES_FILE: names})
        loaded = torch.export.load(path).module()
    points = sample_inputs(result)
    with torch.no_grad():
        values = loaded(torch.as_tensor(points, dtype=network_dtype(network)))
    check_export(result, points, values.double().numpy(), "torch.export")
    return [path]
