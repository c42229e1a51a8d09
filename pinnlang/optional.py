"""Optional dependencies: imported on first use, with a message naming the ``pip`` command.

Export (``meshio``, ``onnx``, ``onnxruntime``, ``onnxscript``) and sweeps (``optuna``) are extras
of the package; nothing imports them at start-up. A missing one is a usage error (exit 2, no
traceback) that says which extra installs it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pinnlang.errors import PinnUsageError

#: The ``pip`` distribution of each optional module, and the extra of pinnlang that lists it.
OPTIONAL: dict[str, tuple[str, str]] = {
    "meshio": ("meshio", "export"),
    "onnx": ("onnx", "export"),
    "onnxscript": ("onnxscript", "export"),
    "onnxruntime": ("onnxruntime", "export"),
    "optuna": ("optuna", "sweep"),
    "skfem": ("scikit-fem", "reference"),
}


def require(module: str, purpose: str) -> ModuleType:
    """Import the optional ``module`` or explain how to install it.

    Args:
        module: a key of :data:`OPTIONAL`.
        purpose: what needs it, e.g. ``"pinnlang export --format vtk"``.

    Raises:
        PinnUsageError: the module is not installed.
    """
    distribution, extra = OPTIONAL[module]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise PinnUsageError(
            f"{purpose} needs the '{distribution}' package, which is not installed",
            hint=f"pip install '{distribution}'   (or all of them: pip install 'pinnlang[{extra}]')",
        ) from None
