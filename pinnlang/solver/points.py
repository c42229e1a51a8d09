"""Collocation points: drawn per condition, per rank, per resample round, ahead of time.

Each round ``r`` of rank ``k`` draws with ``numpy.random.default_rng([seed, k, r])``, so a run is
reproducible, every DDP rank sees different points, and a resumed run draws exactly the points
the interrupted one would have. The next round is drawn on a background thread while the current
one trains, so resampling costs the training loop (almost) nothing.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Mapping

import numpy as np
import torch

from pinnlang.geometry.adaptive import rad_sample

Batch = Any
#: Candidates drawn per kept point in residual-based adaptive resampling.
RAD_CANDIDATE_FACTOR = 4


def batch_size(batch: Batch) -> int:
    """Number of points in ``batch``."""
    return int(batch.x.shape[0])


def map_batch(batch: Batch, fn: Callable[[torch.Tensor], torch.Tensor]) -> Batch:
    """``batch`` with ``fn`` applied to every tensor field whose first dimension is the points."""
    n = batch_size(batch)
    if not dataclasses.is_dataclass(batch):
        return batch
    changes = {}
    for f in dataclasses.fields(batch):
        value = getattr(batch, f.name)
        if isinstance(value, torch.Tensor) and value.ndim >= 1 and value.shape[0] == n:
            changes[f.name] = fn(value)
    return dataclasses.replace(batch, **changes)


def take(batch: Batch, index: torch.Tensor) -> Batch:
    """The points ``index`` of ``batch`` (every per-point field indexed alike)."""
    return map_batch(batch, lambda t: t[index.to(t.device)])


def move(batch: Batch, device: torch.device, dtype: torch.dtype) -> Batch:
    """``batch`` on ``device``, floating fields in ``dtype``."""
    return map_batch(batch, lambda t: t.to(device=device, dtype=dtype if t.is_floating_point() else t.dtype))


def time_window_share(step: int, adam_steps: int, windows: int) -> float:
    """The share of the time interval a curriculum of ``windows`` stages covers at ``step``:
    Adam's steps fall into equal stages covering 1/K, 2/K, ..., K/K of it; from the end of Adam
    on (L-BFGS), and with no windows, all of it."""
    if not windows or step >= adam_steps:
        return 1.0
    return (min(step * windows // max(adam_steps, 1), windows - 1) + 1) / windows


def pull_into_time_window(batches: Mapping[str, Batch], skip: set[str], column: int, t0: float,
                          share: float) -> dict[str, Batch]:
    """``batches`` with the times (input ``column``) of every condition not in ``skip`` mapped to
    ``t0 + (t - t0) * share``: uniform points stay uniform, now over the window."""

    def squeeze(x: torch.Tensor | None) -> torch.Tensor | None:
        if x is None:
            return None
        x = x.clone()
        x[:, column] = t0 + (x[:, column] - t0) * share
        return x

    return {name: b if name in skip else dataclasses.replace(b, x=squeeze(b.x), x_pair=squeeze(b.x_pair))
            for name, b in batches.items()}


class CollocationPoints:
    """The current training points of every condition, and the next round drawn ahead.

    Args:
        conditions: the compiled conditions (``name``, ``kind``, ``n_points``, ``sample``).
        counts: points per condition name (``None``: the condition's own default).
        samplers: sampler name per condition name.
        seed: the run's seed.
        rank: this process's global rank.
        prefetch: draw the next round on a background thread.
    """

    def __init__(self, conditions: list[Any], counts: Mapping[str, int | None], samplers: Mapping[str, str],
                 seed: int, rank: int, prefetch: bool = True):
        self.conditions = conditions
        self.counts = dict(counts)
        self.samplers = dict(samplers)
        self.seed = seed
        self.rank = rank
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pinnlang-points") if prefetch else None
        self._pending: tuple[int, Future] | None = None
        self.round = -1
        self.batches: dict[str, Batch] = {}

    def rng(self, round_index: int) -> np.random.Generator:
        """The generator of round ``round_index`` on this rank."""
        return np.random.default_rng([self.seed, self.rank, round_index])

    def selection_rng(self, round_index: int) -> np.random.Generator:
        """The generator that chooses among round ``round_index``'s candidates on this rank: a
        stream of its own (the round's generator would repeat the numbers that placed them)."""
        return np.random.default_rng([self.seed, self.rank, round_index, 1])

    def draw(self, round_index: int, factor: Mapping[str, int] | None = None) -> dict[str, Batch]:
        """Draw every condition's points for ``round_index`` (``factor``: oversampling per name)."""
        rng = self.rng(round_index)
        factor = (factor or {}) if round_index > 0 else {}  # the first round has no residuals to choose by
        batches = {}
        for c in self.conditions:
            n = self.counts.get(c.name)
            if n is None and c.name in factor:
                n = c.n_points or c.default_points
            batches[c.name] = c.sample(None if n is None else n * factor.get(c.name, 1), rng,
                                       self.samplers[c.name])
        return batches

    def advance(self, round_index: int, factor: Mapping[str, int] | None = None) -> dict[str, Batch]:
        """Make round ``round_index`` current (taking it from the prefetch if ready), prefetch the next."""
        if self._pending is not None and self._pending[0] == round_index:
            batches = self._pending[1].result()
        else:
            batches = self.draw(round_index, factor)
        self._pending = None
        if self._executor is not None:
            self._pending = (round_index + 1, self._executor.submit(self.draw, round_index + 1, factor))
        self.round = round_index
        self.batches = batches
        return batches

    def recount(self, counts: Mapping[str, int]) -> None:
        """Draw ``counts`` points (by condition name) from the next round on; a round drawn ahead
        with the old counts is dropped."""
        self.counts.update(counts)
        if self._pending is not None:
            self._pending[1].cancel()
            self._pending = None

    def close(self) -> None:
        """Stop the background thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._pending = None


def residual_adaptive(candidates: Batch, magnitudes: torch.Tensor, n: int,
                      rng: np.random.Generator) -> Batch:
    """RAD: keep ``n`` of the candidate points, drawn with probability growing with the residual.

    Args:
        candidates: a batch of (oversampled) candidate points.
        magnitudes: residual magnitude per candidate, ``(N,)`` or ``(N, k)``.
        n: points to keep.
        rng: the round's generator.
    """
    magnitudes = magnitudes.detach().double().cpu().numpy()
    magnitudes = np.nan_to_num(magnitudes, nan=0.0, posinf=0.0, neginf=0.0)
    index = np.arange(batch_size(candidates))[:, None]
    chosen = rad_sample(index, magnitudes, n, rng)[:, 0]
    return take(candidates, torch.as_tensor(chosen, dtype=torch.long))


def select_adaptive(conditions: Any, batches: dict[str, Any], factor: dict[str, int], rng: Any,
                    round_index: int, forward: Any, unknowns: Any) -> dict[str, Any]:
    """Each condition of ``factor``'s batch cut to ``1 / factor`` of its candidates by
    :func:`residual_adaptive` on the residual of ``forward`` (the first round, where an untrained
    network says nothing about where to look, is drawn without candidates: as it is)."""
    chosen = dict(batches)
    for cond in conditions:
        if cond.name not in factor or round_index == 0:
            continue
        n = len(batches[cond.name].x) // factor[cond.name]
        with torch.enable_grad():
            residual = cond.residual(forward, batches[cond.name], unknowns, create_graph=False)
        chosen[cond.name] = residual_adaptive(batches[cond.name], residual.detach(), n, rng)
    return chosen


def inclusion_probabilities(sizes: np.ndarray, n: int, uniform_share: float) -> np.ndarray:
    """Probabilities ``π`` of including each of ``M`` candidates so that ``n`` are kept:
    ``π = min(1, c q)`` with ``q`` a mixture of ``sizes / Σ sizes`` and ``uniform_share`` of the
    uniform ``1 / M``, ``c`` chosen so that ``Σ π = n``."""
    m = len(sizes)
    total = float(sizes.sum())
    q = (1 - uniform_share) * (sizes / total if total > 0 else np.full(m, 1.0 / m)) + uniform_share / m
    capped = np.zeros(m, dtype=bool)
    for _ in range(m):  # each pass caps at least one more candidate, or ends
        free = n - capped.sum()
        c = free / q[~capped].sum()
        over = (~capped) & (c * q >= 1)
        if not over.any():
            break
        capped |= over
    return np.where(capped, 1.0, np.minimum(1.0, c * q))


def systematic_sample(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``round(Σ π)`` distinct indices, index ``i`` among them with probability ``π_i`` (each at
    most 1): systematic sampling over the candidates in a random order, so the count is exact
    (a Gauss-Newton phase plans its rows) and a candidate with ``π = 1`` is always kept."""
    order = rng.permutation(len(pi))
    edges = np.cumsum(pi[order])
    n = int(round(float(edges[-1])))
    marks = rng.random() + np.arange(n)
    picked = np.minimum(np.searchsorted(edges, marks, side="right"), len(pi) - 1)
    return np.sort(order[picked])


#: What :func:`choose_important` chose for one condition: the kept candidates' indices and the
#: factors on their residuals.
Selection = tuple[torch.Tensor, torch.Tensor]


def choose_important(conditions: Any, batches: dict[str, Any], factor: Mapping[str, int], rng: Any, forward: Any,
                     unknowns: Any, uniform_share: float = 0.5,
                     placed: Callable[[str, Batch], Batch] | None = None) -> dict[str, Selection]:
    """For each condition of ``factor``: ``1 / factor`` of its candidates, each kept with a
    probability ``π`` growing with its squared residual at ``forward``
    (:func:`inclusion_probabilities`, :func:`systematic_sample`), and weighted by ``1 / π``: the
    mean square of the kept points, weighted, estimates the candidates' (Horvitz-Thompson), with
    its variance cut where a few points hold most of the squares. ``placed`` maps a condition's
    candidates to where they will train (a time window) for their residuals."""
    chosen: dict[str, Selection] = {}
    for cond in conditions:
        if cond.name not in factor:
            continue
        batch = batches[cond.name]
        m = len(batch.x)
        n = m // factor[cond.name]
        if n == 0:
            continue
        at = batch if placed is None else placed(cond.name, batch)
        with torch.enable_grad():
            residual = cond.residual(forward, at, unknowns, create_graph=False).detach()
        sizes = np.nan_to_num(residual.double().square().sum(-1).cpu().numpy(), nan=0.0, posinf=0.0)
        pi = inclusion_probabilities(sizes, n, uniform_share)
        kept = systematic_sample(pi, rng)
        chosen[cond.name] = (torch.as_tensor(kept, dtype=torch.long),
                             torch.as_tensor(np.sqrt(len(kept) / (m * pi[kept])), dtype=torch.float64))
    return chosen


def apply_selections(batches: dict[str, Any], selections: Mapping[str, Selection]) -> dict[str, Any]:
    """``batches`` with each selected condition cut to its kept candidates, their residuals
    weighted (:attr:`~pinnlang.compile.conditions.Batch.weights`)."""
    chosen = dict(batches)
    for name, (kept, weights) in selections.items():
        picked = take(batches[name], kept)
        chosen[name] = dataclasses.replace(picked, weights=weights.to(picked.x))
    return chosen
