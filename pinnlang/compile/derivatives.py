"""The derivative engine: which derivatives a problem needs, and how they are computed.

A derivative of field ``u`` is named by a *multi-index*: the sorted tuple of the input columns it
differentiates along, e.g. with inputs ``(x, t)`` ``u_x -> (0,)``, ``u_xt -> (0, 1)``,
``u_xx -> (0, 0)`` and ``u`` itself ``-> ()``. The compiler collects every multi-index a
condition uses into a :class:`DerivativePlan`, closed under *parents*: the parent of ``m`` is
``m[:-1]`` (drop the last, largest index), so ``u_xx`` and ``u_xt`` both hang under ``u_x``.

At evaluation time a :class:`DerivativeEngine` turns a network, a batch of inputs and a plan into
:class:`DerivativeValues` (one fresh cache per evaluation, never global). The default
:class:`AutogradEngine` makes one ``torch.autograd.grad`` call per plan node that has children:
the gradient of the sum of a column with respect to the whole input tensor gives all its partials
at once, so ``u_x, u_t`` cost one call and ``u_xx, u_xt`` one more.

Other strategies (e.g. forward/Taylor mode for a known MLP) subclass :class:`DerivativeEngine`
and register with :func:`register_engine`; the lowering never changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import torch

MultiIndex = tuple[int, ...]
Net = Callable[[torch.Tensor], torch.Tensor]


def canonical(indices: Iterable[int]) -> MultiIndex:
    """The sorted tuple naming a derivative (mixed partials commute)."""
    return tuple(sorted(int(i) for i in indices))


def parent(index: MultiIndex) -> MultiIndex:
    """The derivative ``index`` is computed from: ``index`` without its last (largest) entry."""
    return index[:-1]


@dataclass(frozen=True)
class DerivativePlan:
    """The derivatives one evaluation needs: for each field, multi-indices closed under parents.

    Attributes:
        n_inputs: Number of network inputs (columns of ``x``).
        nodes: ``{field index: frozenset of multi-indices}``; always contains ``()`` for a field
            that appears at all.
    """

    n_inputs: int
    nodes: Mapping[int, frozenset[MultiIndex]] = field(default_factory=dict)

    @classmethod
    def from_requests(
        cls, n_inputs: int, requests: Iterable[tuple[int, MultiIndex]]
    ) -> "DerivativePlan":
        """Build the plan from ``(field index, multi-index)`` requests, adding all parents."""
        nodes: dict[int, set[MultiIndex]] = {}
        for field_index, index in requests:
            index = canonical(index)
            if any(not 0 <= i < n_inputs for i in index):
                raise ValueError(f"derivative index {index} out of range for {n_inputs} inputs")
            bucket = nodes.setdefault(int(field_index), set())
            while True:
                bucket.add(index)
                if not index:
                    break
                index = parent(index)
        return cls(n_inputs, {f: frozenset(s) for f, s in sorted(nodes.items())})

    def merge(self, other: "DerivativePlan") -> "DerivativePlan":
        """The union of two plans over the same inputs."""
        requests = [(f, m) for plan in (self, other) for f, ms in plan.nodes.items() for m in ms]
        return DerivativePlan.from_requests(self.n_inputs, requests)

    def children(self, field_index: int, index: MultiIndex) -> list[MultiIndex]:
        """Planned multi-indices whose parent is ``index``, in order."""
        return sorted(
            m for m in self.nodes.get(field_index, ()) if m and parent(m) == index
        )

    def parents(self, field_index: int) -> list[MultiIndex]:
        """Planned nodes of ``field_index`` that have children, lowest order first."""
        nodes = self.nodes.get(field_index, frozenset())
        return sorted({parent(m) for m in nodes if m}, key=lambda m: (len(m), m))

    @property
    def grad_calls(self) -> int:
        """Backward passes a reverse-mode evaluation of this plan needs (one per parent node)."""
        return sum(len(self.parents(f)) for f in self.nodes)

    @property
    def max_order(self) -> int:
        return max((len(m) for ms in self.nodes.values() for m in ms), default=0)


@dataclass
class DerivativeValues:
    """The per-evaluation cache: network outputs and every planned derivative.

    Attributes:
        x: The input tensor the derivatives are taken with respect to (requires grad).
        outputs: ``net(x)``, shape ``(N, n_fields)``.
        values: ``{(field index, multi-index): tensor (N,)}``; ``()`` holds the field itself.
        grad_calls: How many ``torch.autograd.grad`` calls this evaluation made (the
            instrumented counter the tests read).
    """

    x: torch.Tensor
    outputs: torch.Tensor
    values: dict[tuple[int, MultiIndex], torch.Tensor] = field(default_factory=dict)
    grad_calls: int = 0

    def get(self, field_index: int, index: Iterable[int] = ()) -> torch.Tensor:
        """The derivative ``index`` of field ``field_index`` (it must have been planned)."""
        key = (int(field_index), canonical(index))
        try:
            return self.values[key]
        except KeyError:
            raise KeyError(
                f"derivative {key[1]} of output {key[0]} was not planned for this evaluation"
            ) from None


class DerivativeEngine(ABC):
    """A strategy computing the planned derivatives of a network's outputs.

    Subclasses implement :meth:`evaluate`; they receive the whole plan up front, so an engine may
    compute everything in one pass (e.g. forward/Taylor mode) instead of level by level.
    """

    name: str = "abstract"

    @abstractmethod
    def evaluate(
        self, net: Net, x: torch.Tensor, plan: DerivativePlan, *, create_graph: bool = True
    ) -> DerivativeValues:
        """Evaluate ``net`` at ``x`` and every derivative in ``plan``.

        Args:
            net: Maps ``(N, n_inputs)`` to ``(N, n_fields)``.
            x: Input points, ``(N, n_inputs)``; the engine makes its own leaf copy.
            plan: The derivatives to compute.
            create_graph: Keep the graph of every derivative so a loss built from them can be
                back-propagated to the network's parameters (training). ``False`` is for checks:
                the results are then detached from the parameters.
        """


_ENGINES: dict[str, type[DerivativeEngine]] = {}


def register_engine(name: str) -> Callable[[type[DerivativeEngine]], type[DerivativeEngine]]:
    """Class decorator registering a :class:`DerivativeEngine` under ``name``."""

    def decorate(cls: type[DerivativeEngine]) -> type[DerivativeEngine]:
        if name in _ENGINES and _ENGINES[name] is not cls:
            raise ValueError(f"a derivative engine named {name!r} is already registered")
        cls.name = name
        _ENGINES[name] = cls
        return cls

    return decorate


def available_engines() -> list[str]:
    """Names of the registered derivative engines."""
    return sorted(_ENGINES)


def make_engine(engine: DerivativeEngine | str | None) -> DerivativeEngine:
    """An engine instance from an instance, a registered name, or ``None`` (autograd)."""
    if engine is None:
        return AutogradEngine()
    if isinstance(engine, DerivativeEngine):
        return engine
    try:
        return _ENGINES[engine]()
    except KeyError:
        known = ", ".join(available_engines())
        raise ValueError(
            f"unknown derivative engine {engine!r}; expected one of: {known}"
        ) from None


@register_engine("autograd")
class AutogradEngine(DerivativeEngine):
    """Reverse-mode derivatives, one ``torch.autograd.grad`` call per plan node with children."""

    def evaluate(
        self, net: Net, x: torch.Tensor, plan: DerivativePlan, *, create_graph: bool = True
    ) -> DerivativeValues:
        needs_grad = any(len(ms) > 1 for ms in plan.nodes.values())
        x = x.detach().requires_grad_(needs_grad)
        outputs = net(x)
        if outputs.ndim == 1:
            outputs = outputs.unsqueeze(-1)
        result = DerivativeValues(x=x, outputs=outputs)
        for field_index in plan.nodes:
            result.values[(field_index, ())] = outputs[:, field_index]
            for index in plan.parents(field_index):
                self._differentiate(result, plan, field_index, index, create_graph)
        return result

    @staticmethod
    def _differentiate(
        result: DerivativeValues,
        plan: DerivativePlan,
        field_index: int,
        index: MultiIndex,
        create_graph: bool,
    ) -> None:
        column = result.values[(field_index, index)]
        children = plan.children(field_index, index)
        # A node whose children have children must keep its graph; leaves only for training.
        keep_graph = create_graph or any(plan.children(field_index, c) for c in children)
        if column.requires_grad:
            (gradient,) = torch.autograd.grad(
                column.sum(),
                result.x,
                create_graph=keep_graph,
                retain_graph=True,
                allow_unused=True,
                materialize_grads=True,
            )
            result.grad_calls += 1
        else:  # the column does not depend on x at all: every partial is zero
            gradient = torch.zeros_like(result.x)
        for child in children:
            result.values[(field_index, child)] = gradient[:, child[-1]]
