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
from typing import Any, Callable, Iterable, Mapping

import torch

from pinnlang.compile.forward_plan import LAPLACIAN

MultiIndex = tuple[int, ...]
Net = Callable[[torch.Tensor], torch.Tensor]


def canonical(indices: Iterable[int]) -> MultiIndex:
    """The sorted tuple naming a derivative (mixed partials commute)."""
    return tuple(sorted(int(i) for i in indices))


def parent(index: MultiIndex) -> MultiIndex:
    """The derivative ``index`` is computed from: ``index`` without its last (largest) entry."""
    return index[:-1]


@dataclass(frozen=True)
class AutogradStep:
    """One ``torch.autograd.grad`` call of a reverse-mode evaluation (see :attr:`DerivativePlan.steps`).

    Attributes:
        field: The output column differentiated.
        index: The multi-index of the column differentiated (its gradient gives the children).
        children: The planned multi-indices read off that gradient, each ``index + (axis,)``.
        keep_graph: The gradient is itself differentiated again (a child has children), so its
            graph must be kept even when the evaluation does not build one for training.
    """

    field: int
    index: MultiIndex
    children: tuple[MultiIndex, ...]
    keep_graph: bool


@dataclass(frozen=True)
class DerivativePlan:
    """The derivatives one evaluation needs: for each field, multi-indices closed under parents.

    Attributes:
        n_inputs: Number of network inputs (columns of ``x``).
        nodes: ``{field index: frozenset of multi-indices}``; always contains ``()`` for a field
            that appears at all.
        laplacians: ``{field index: sorted axes}``: the field's Laplacian over those input axes
            is wanted as one value, stored under ``(field, LAPLACIAN)``. How it is computed is the
            engine's choice (the autograd engine sums the pure second derivatives; the forward
            engine propagates one collapsed channel). The pure second derivatives are *not* in
            ``nodes`` unless something else reads them.

    A plan is immutable; engines may memoise what they derive from it with :meth:`cached`.
    """

    n_inputs: int
    nodes: Mapping[int, frozenset[MultiIndex]] = field(default_factory=dict)
    laplacians: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @classmethod
    def from_requests(
        cls,
        n_inputs: int,
        requests: Iterable[tuple[int, MultiIndex]],
        laplacians: Mapping[int, Iterable[int]] | None = None,
    ) -> "DerivativePlan":
        """Build the plan from ``(field index, multi-index)`` requests, adding all parents.

        Args:
            n_inputs: Number of network inputs.
            requests: ``(field index, multi-index)`` pairs.
            laplacians: ``{field index: axes}`` of the Laplacians wanted as one value each.
        """
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
        axes_of: dict[int, tuple[int, ...]] = {}
        for field_index, axes in (laplacians or {}).items():
            axes = tuple(sorted({int(a) for a in axes}))
            if not axes or any(not 0 <= a < n_inputs for a in axes):
                raise ValueError(f"Laplacian axes {axes} out of range for {n_inputs} inputs")
            axes_of[int(field_index)] = axes
            nodes.setdefault(int(field_index), set()).add(())
        return cls(
            n_inputs,
            {f: frozenset(s) for f, s in sorted(nodes.items())},
            dict(sorted(axes_of.items())),
        )

    def merge(self, other: "DerivativePlan") -> "DerivativePlan":
        """The union of two plans over the same inputs.

        Raises:
            ValueError: The plans want the same field's Laplacian over different axes.
        """
        requests = [(f, m) for plan in (self, other) for f, ms in plan.nodes.items() for m in ms]
        laplacians = dict(self.laplacians)
        for f, axes in other.laplacians.items():
            if laplacians.setdefault(f, axes) != axes:
                raise ValueError(
                    f"the Laplacian of output {f} is planned over axes {laplacians[f]} and {axes}"
                )
        return DerivativePlan.from_requests(self.n_inputs, requests, laplacians)

    def cached(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per plan and key (for layouts engines derive from a plan)."""
        memo = self.__dict__.setdefault("_memo", {})
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = build()
            return value

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
    def expanded(self) -> "DerivativePlan":
        """The plan with every Laplacian spelled out: its pure second derivatives (and their
        parents) added to ``nodes``, no ``laplacians``. What a reverse-mode evaluation computes."""
        if not self.laplacians:
            return self
        return self.cached("expanded", self._expand)

    def _expand(self) -> "DerivativePlan":
        requests = [(f, m) for f, ms in self.nodes.items() for m in ms]
        requests += [(f, (a, a)) for f, axes in self.laplacians.items() for a in axes]
        return DerivativePlan.from_requests(self.n_inputs, requests)

    @property
    def steps(self) -> tuple[AutogradStep, ...]:
        """The ``torch.autograd.grad`` calls of a reverse-mode evaluation of :attr:`expanded`,
        in an order where every column is computed before it is differentiated."""
        return self.cached("steps", self._steps)

    def _steps(self) -> tuple[AutogradStep, ...]:
        plan = self.expanded
        steps = []
        for f in plan.nodes:
            for index in plan.parents(f):
                children = tuple(plan.children(f, index))
                keep = any(plan.children(f, c) for c in children)
                steps.append(AutogradStep(f, index, children, keep))
        return tuple(steps)

    @property
    def grad_calls(self) -> int:
        """Backward passes a reverse-mode evaluation of this plan needs (one per parent node)."""
        return len(self.steps)

    @property
    def max_order(self) -> int:
        orders = [len(m) for ms in self.nodes.values() for m in ms]
        return max(orders + ([2] if self.laplacians else []), default=0)

    @property
    def values_only(self) -> bool:
        """Whether the plan wants the fields' values and no derivative (every engine then just
        evaluates the network once, see :meth:`DerivativeValues.of_values`)."""
        return self.max_order == 0


@dataclass
class DerivativeValues:
    """The per-evaluation cache: network outputs and every planned derivative.

    Attributes:
        x: The input tensor the derivatives are taken with respect to (requires grad).
        outputs: ``net(x)``, shape ``(N, n_fields)``.
        values: ``{(field index, multi-index): tensor (N,)}``; ``()`` holds the field itself,
            ``(field index, LAPLACIAN)`` a planned Laplacian.
        grad_calls: How many ``torch.autograd.grad`` calls this evaluation made (the
            instrumented counter the tests read).
    """

    x: torch.Tensor
    outputs: torch.Tensor
    values: dict[tuple[int, MultiIndex], torch.Tensor] = field(default_factory=dict)
    grad_calls: int = 0

    @classmethod
    def of_values(
        cls, x: torch.Tensor, outputs: torch.Tensor, plan: DerivativePlan
    ) -> "DerivativeValues":
        """The cache of a :attr:`~DerivativePlan.values_only` plan from network outputs already
        computed at ``x`` (what every engine stores for such a plan after its one network call).

        Raises:
            ValueError: The plan wants derivatives.
        """
        if not plan.values_only:
            raise ValueError(f"the plan wants derivatives up to order {plan.max_order}")
        if outputs.ndim == 1:
            outputs = outputs.unsqueeze(-1)
        result = cls(x=x, outputs=outputs)
        for field_index in plan.nodes:
            result.values[(field_index, ())] = outputs[:, field_index]
        return result

    def get(self, field_index: int, index: Iterable[int] | str = ()) -> torch.Tensor:
        """The derivative ``index`` (a multi-index or ``LAPLACIAN``) of field ``field_index``
        (it must have been planned)."""
        key = (int(field_index), index if index == LAPLACIAN else canonical(index))
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
    handles_laplacians: bool = False
    """Whether :meth:`evaluate` computes a plan's ``laplacians`` itself. An engine that does not
    (one written for plans of multi-indices only) is given :attr:`DerivativePlan.expanded` by
    :meth:`compute`, which then sums the Laplacians from the pure second derivatives."""

    def compute(
        self, net: Net, x: torch.Tensor, plan: DerivativePlan, *, create_graph: bool = True
    ) -> DerivativeValues:
        """:meth:`evaluate`, with the plan's Laplacians filled in for engines that do not handle
        them (what the compiled conditions call)."""
        if not plan.laplacians or self.handles_laplacians:
            return self.evaluate(net, x, plan, create_graph=create_graph)
        result = self.evaluate(net, x, plan.expanded, create_graph=create_graph)
        for field_index, axes in plan.laplacians.items():
            result.values[(field_index, LAPLACIAN)] = sum_columns(
                [result.values[(field_index, (a, a))] for a in axes]
            )
        return result

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
    """Reverse-mode derivatives, one ``torch.autograd.grad`` call per plan node with children.

    A planned Laplacian is the sum of the pure second derivatives along its axes (added to the
    derivative tree, in axis order).
    """

    handles_laplacians = True

    def evaluate(
        self, net: Net, x: torch.Tensor, plan: DerivativePlan, *, create_graph: bool = True
    ) -> DerivativeValues:
        steps = plan.steps
        x = x.detach().requires_grad_(bool(steps))
        outputs = net(x)
        if outputs.ndim == 1:
            outputs = outputs.unsqueeze(-1)
        result = DerivativeValues(x=x, outputs=outputs)
        values = result.values
        for field_index in plan.nodes:
            values[(field_index, ())] = outputs[:, field_index]
        for step in steps:
            column = values[(step.field, step.index)]
            if column.requires_grad:
                (gradient,) = torch.autograd.grad(
                    column.sum(),
                    x,
                    create_graph=create_graph or step.keep_graph,
                    retain_graph=True,
                    allow_unused=True,
                    materialize_grads=True,
                )
                result.grad_calls += 1
            else:  # the column does not depend on x at all: every partial is zero
                gradient = torch.zeros_like(x)
            for child in step.children:
                values[(step.field, child)] = gradient[:, child[-1]]
        for field_index, axes in plan.laplacians.items():
            values[(field_index, LAPLACIAN)] = sum_columns(
                [values[(field_index, (a, a))] for a in axes]
            )
        return result


def sum_columns(columns: list[torch.Tensor]) -> torch.Tensor:
    """``columns[0] + columns[1] + ...`` left to right (every engine sums a Laplacian so)."""
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total
