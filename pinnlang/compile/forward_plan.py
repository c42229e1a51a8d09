"""What the forward derivative path propagates: the request and the channel layout it implies.

A :class:`DerivativeRequest` names the wanted derivatives; :func:`build_plan` closes it under
sub-derivatives (∂³/∂x³ needs ∂/∂x and ∂²/∂x² on the way) and numbers the channels of each order
(the first-order ones, the second-order ones, ...; the collapsed Laplacian is a channel of its
own). It also precomputes the index bookkeeping of Faà di Bruno's formula, so the per-layer code
only multiplies tensors.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Sequence, Union

#: The highest derivative order the forward path propagates.
MAX_ORDER = 4

#: ``"laplacian"`` or a sorted tuple of input axes, e.g. ``(0,)`` for ∂/∂x₀, ``(0, 0)`` for
#: ∂²/∂x₀², ``(0, 1)`` for ∂²/∂x₀∂x₁.
DerivativeIndex = Union[tuple[int, ...], str]
#: ``(field_index, derivative_index)``.
DerivativeKey = tuple[int, DerivativeIndex]

LAPLACIAN = "laplacian"

MultiIndex = tuple[int, ...]


@dataclass(frozen=True)
class DerivativeRequest:
    """Which input derivatives of the network output to propagate.

    Attributes:
        derivatives: Multi-indices as sorted tuples of input axes, of order one to four:
            ``(0,)`` is ∂/∂x₀, ``(1, 1)`` is ∂²/∂x₁², ``(0, 1)`` the mixed ∂²/∂x₀∂x₁,
            ``(0, 0, 0, 0)`` is ∂⁴/∂x₀⁴. Normalised on construction (sorted, deduplicated).
        laplacian: Input axes summed by a collapsed Laplacian channel (``()`` for none). Only the
            sum is propagated, never its terms.
    """

    derivatives: tuple[MultiIndex, ...] = ()
    laplacian: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        normal = sorted({tuple(sorted(int(a) for a in idx)) for idx in self.derivatives},
                        key=lambda idx: (len(idx), idx))
        for idx in normal:
            if not 1 <= len(idx) <= MAX_ORDER or min(idx) < 0:
                raise ValueError(
                    f"derivative multi-index {idx} is not supported by the forward path; "
                    f"expected 1 to {MAX_ORDER} non-negative input axes"
                )
        lap = tuple(sorted({int(a) for a in self.laplacian}))
        if lap and lap[0] < 0:
            raise ValueError(f"laplacian axes must be non-negative, got {self.laplacian}")
        object.__setattr__(self, "derivatives", tuple(normal))
        object.__setattr__(self, "laplacian", lap)

    @classmethod
    def of(
        cls,
        first: Sequence[int] = (),
        second: Sequence[int] = (),
        mixed: Sequence[tuple[int, int]] = (),
        laplacian: Sequence[int] = (),
        higher: Sequence[Sequence[int]] = (),
    ) -> DerivativeRequest:
        """Build a request from the usual groups.

        Args:
            first: Axes ``i`` of the wanted ∂/∂xᵢ.
            second: Axes ``i`` of the wanted pure ∂²/∂xᵢ².
            mixed: Pairs ``(i, j)`` of the wanted ∂²/∂xᵢ∂xⱼ.
            laplacian: Axes summed by a collapsed Laplacian (``()`` for none).
            higher: Multi-indices of third or fourth order, e.g. ``(0, 0, 0, 0)``.
        """
        idx = [(i,) for i in first] + [(i, i) for i in second] + [tuple(p) for p in mixed]
        idx += [tuple(h) for h in higher]
        return cls(derivatives=tuple(idx), laplacian=tuple(laplacian))

    def names(self) -> list[DerivativeIndex]:
        """The derivative indices the forward path returns, in order."""
        names: list[DerivativeIndex] = list(self.derivatives)
        if self.laplacian:
            names.append(LAPLACIAN)
        return names

    def keys(self, n_fields: int) -> list[DerivativeKey]:
        """Every key of the derivative dict returned for a network with ``n_fields`` outputs."""
        return [(f, name) for f in range(n_fields) for name in self.names()]


#: One Faà di Bruno term of an order ≥ 3 channel: ``coeff · σ⁽ᵇˡᵒᶜᵏˢ⁾(z) · Π ∂_B z`` with the
#: factors given as ``(order of B, position of B among that order's channels)``.
FaaTerm = tuple[int, int, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class ChannelPlan:
    """The layout of the channels for one request and input dimension.

    Attributes:
        groups: ``groups[k-1]`` lists the order-``k`` multi-indices carried (the closure of the
            request under sub-multi-indices).
        first_layer_axes: Per order, the axes of every multi-index of that order, flattened: the
            first layer's ``∂_S z`` products use these columns of ``W``.
        second_order_pairs: Positions ``(i_rows, j_rows)`` among the first-order channels of the two factors
            of every second-order channel.
        higher_terms: For orders 3 and 4, per channel, the terms of Faà di Bruno's formula with
            at least two blocks (the one-block term is ``σ' ∂_S z``).
        laplacian_axes: Axes summed by the Laplacian channel.
        laplacian_rows: Their positions among the first-order channels.
        activation_order: The highest activation derivative needed.
        output_rows: Position of each requested derivative among the channels of its order
            (0 for the Laplacian, its own single channel).
    """

    groups: tuple[tuple[MultiIndex, ...], ...]
    first_layer_axes: tuple[tuple[int, ...], ...]
    second_order_pairs: tuple[tuple[int, ...], tuple[int, ...]]
    higher_terms: tuple[tuple[tuple[FaaTerm, ...], ...], ...]
    laplacian_axes: tuple[int, ...]
    laplacian_rows: tuple[int, ...]
    activation_order: int
    output_rows: dict[DerivativeIndex, int]


def _set_partitions(items: list[int]) -> Iterator[list[list[int]]]:
    """Every partition of ``items`` into non-empty blocks."""
    if not items:
        yield []
        return
    head, rest = items[0], items[1:]
    for partition in _set_partitions(rest):
        yield [[head], *partition]
        for i in range(len(partition)):
            yield [*partition[:i], [head, *partition[i]], *partition[i + 1 :]]


def _sub_multi_indices(idx: MultiIndex) -> set[MultiIndex]:
    subs: set[MultiIndex] = set()
    for mask in range(1, 2 ** len(idx)):
        subs.add(tuple(sorted(idx[p] for p in range(len(idx)) if mask >> p & 1)))
    return subs


def _faa_terms(idx: MultiIndex, rows: list[dict[MultiIndex, int]]) -> tuple[FaaTerm, ...]:
    counts: Counter[tuple[int, tuple[MultiIndex, ...]]] = Counter()
    for partition in _set_partitions(list(range(len(idx)))):
        if len(partition) < 2:
            continue
        blocks = tuple(sorted(tuple(sorted(idx[p] for p in block)) for block in partition))
        counts[(len(partition), blocks)] += 1
    terms = []
    for (n_blocks, blocks), coeff in sorted(counts.items()):
        factors = tuple((len(b), rows[len(b) - 1][b]) for b in blocks)
        terms.append((n_blocks, coeff, factors))
    return tuple(terms)


@functools.lru_cache(maxsize=256)
def build_plan(request: DerivativeRequest, in_dim: int) -> ChannelPlan:
    """Lay out the channels for ``request`` on a network with ``in_dim`` inputs.

    Raises:
        ValueError: When an axis is ``>= in_dim``.
    """
    wanted = set(request.derivatives)
    for idx in [*request.derivatives, request.laplacian]:
        if idx and max(idx) >= in_dim:
            raise ValueError(
                f"derivative axes {idx} are out of range for a network with {in_dim} inputs"
            )
    closure: set[MultiIndex] = {(a,) for a in request.laplacian}
    for idx in wanted:
        closure |= _sub_multi_indices(idx)
    max_order = max([0] + [len(i) for i in closure])
    groups = tuple(
        tuple(sorted(i for i in closure if len(i) == k)) for k in range(1, max_order + 1)
    )
    rows = [{idx: r for r, idx in enumerate(group)} for group in groups]
    pairs: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
    if max_order >= 2:
        pairs = (
            tuple(rows[0][(i,)] for i, _ in groups[1]),
            tuple(rows[0][(j,)] for _, j in groups[1]),
        )
    higher = tuple(
        tuple(_faa_terms(idx, rows) for idx in groups[k - 1]) for k in range(3, max_order + 1)
    )
    output_rows: dict[DerivativeIndex, int] = {idx: rows[len(idx) - 1][idx] for idx in request.derivatives}
    if request.laplacian:
        output_rows[LAPLACIAN] = 0
    return ChannelPlan(
        groups=groups,
        first_layer_axes=tuple(tuple(a for idx in group for a in idx) for group in groups),
        second_order_pairs=pairs,
        higher_terms=higher,
        laplacian_axes=request.laplacian,
        laplacian_rows=tuple(rows[0][(a,)] for a in request.laplacian),
        activation_order=max(max_order, 2 if request.laplacian else 0),
        output_rows=output_rows,
    )
