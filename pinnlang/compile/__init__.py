"""The compiler: a :class:`~pinnlang.problem.Problem` to torch residuals and samplers.

    compiled = compile_problem(problem, dtype=torch.float32, device="cpu")
    batches = compiled.sample(numpy.random.default_rng(0))
    losses = compiled.losses(net, batches, compiled.unknown_tensors())

Modules: :mod:`~pinnlang.compile.normalize` (SymPy rewrites), :mod:`~pinnlang.compile.lowering`
(SymPy to torch by dispatch), :mod:`~pinnlang.compile.derivatives` (the derivative plan and
the autograd engine), :mod:`~pinnlang.compile.forward_engine` (the ``"forward"`` engine: derivatives
of zoo MLPs propagated forward, with :mod:`~pinnlang.compile.forward_mode`), :mod:`~pinnlang.compile.sampling` and :mod:`~pinnlang.compile.data` (points),
:mod:`~pinnlang.compile.conditions` and :mod:`~pinnlang.compile.build` (compiled conditions),
:mod:`~pinnlang.compile.grouping` (one network call for the values-only conditions),
:mod:`~pinnlang.compile.compiled` (``compile_problem``), :mod:`~pinnlang.compile.exact`
(``verify_exact``).
"""

from pinnlang.compile.compiled import CompiledProblem, compile_problem
from pinnlang.compile.conditions import Batch, CompiledCondition, ConditionEvaluation
from pinnlang.compile.derivatives import (
    AutogradEngine,
    DerivativeEngine,
    DerivativePlan,
    DerivativeValues,
    available_engines,
    register_engine,
)
from pinnlang.compile.exact import ExactReport, verify_exact
from pinnlang.compile.forward_engine import ForwardModeEngine

__all__ = [
    "AutogradEngine",
    "Batch",
    "CompiledCondition",
    "CompiledProblem",
    "ConditionEvaluation",
    "DerivativeEngine",
    "DerivativePlan",
    "DerivativeValues",
    "ExactReport",
    "ForwardModeEngine",
    "available_engines",
    "compile_problem",
    "register_engine",
    "verify_exact",
]
