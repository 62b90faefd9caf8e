"""The one object every command works on: a schedule that maps update indices to learning rates.

Native specs resolve to a :class:`~warmupctl.engine.phases.Piecewise` function; library specs resolve
to the library's own vectorized function (see :mod:`warmupctl.frameworks`). Both are wrapped in a
:class:`Schedule` with what the renderers need to annotate them: the total, the warmup, the phase
boundaries and the notes about quirks.

The contract: ``schedule(k)`` is the learning rate used by optimizer update ``k`` (0-based) in the
standard training loop of whatever defines the schedule.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warmupctl.core.errors import EngineError
from warmupctl.engine.progress import Progress

LRFunction = Callable[[NDArray[np.int64]], NDArray[np.float64]]

#: Updates evaluated at once when a schedule is walked from start to end: 2^16 float64 are 512 KB, so a
#: chunk and its work buffers stay in the CPU's L2 cache, and the per-chunk Python overhead (tens of
#: microseconds) stays under 1 ns per update.
CHUNK_SIZE = 1 << 16

#: Threads that evaluate chunks ahead of the consumer on long walks (numpy releases the GIL inside
#: its loops, and a cosine costs ~9 ns of libm ``cos`` per update, so a second core nearly halves a walk
#: of 10^9 updates). Results do not depend on it: each chunk is computed alone, and yielded in order.
WORKERS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else (os.cpu_count() or 1)))

#: Walks shorter than this many chunks stay on the calling thread (a pool costs ~1 ms to start).
_THREADED_CHUNKS = 16


def _update_indices(steps: ArrayLike) -> NDArray[np.int64]:
    """``steps`` as int64 update indices, refusing what is not a whole number >= 0 (see ``__call__``)."""
    raw = np.asarray(steps)
    if raw.dtype.kind in "iub":
        updates = raw.astype(np.int64, copy=False)
    elif raw.dtype.kind == "f":
        whole = np.isfinite(raw) & (raw == np.floor(raw))
        if not whole.all():
            bad = raw[~whole].flat[0] if raw.ndim else raw
            raise ValueError(
                f"update index must be a whole number >= 0 (got {float(bad)!r}); lr[k] is the LR of "
                "optimizer update k, counted from 0")
        updates = raw.astype(np.int64)
    else:
        raise ValueError(
            f"update index must be a whole number >= 0 (got {steps!r}); lr[k] is the LR of "
            "optimizer update k, counted from 0")
    if updates.size and updates.min() < 0:
        bad_index = int(updates[updates < 0].flat[0]) if updates.ndim else int(updates)
        raise ValueError(
            f"update index must be a whole number >= 0 (got {bad_index}); for the last update of the "
            "run use s(s.total_steps - 1)")
    return updates


@dataclass(frozen=True)
class Boundary:
    """An update index worth marking: a phase starts there (the warmup end is one of them)."""

    step: int
    label: str


@dataclass(frozen=True)
class Schedule:
    """A resolved schedule.

    Attributes:
        fn: vectorized ``int64 updates -> float64 LR``; must accept any non-negative indices,
            including past ``total_steps``.
        total_steps: the run's length in optimizer updates.
        label: a short name for legends and titles ("cosine, warmup 100", "torch.OneCycleLR").
        warmup_steps: updates of warmup; by design the warmup hands over at this update (0: none).
        boundaries: phase starts to mark on plots and tables.
        notes: one-line remarks about surprising behaviour, shown on stderr and in summaries.
        spec: the resolved spec (every key with its final value), for JSON output.
        source: what the numbers reproduce ("warmupctl native", "transformers 5.23.0 ...").
        chunks: optional ``(count, chunk_size) -> iterator of arrays`` that walks updates 0..count-1 in
            order, for recursive library forms that carry state from chunk to chunk.
        series: further values the schedule sets at each update besides ``lr`` (the LR of each
            parameter group ``lr/pg0``, ``momentum``, ``betas[0]``, ``weight_decay``), each a
            Schedule of the same length; ``lr`` itself is this Schedule. See
            :mod:`warmupctl.engine.series`.
        progress: the samples (and tokens) consumed before each update, when the schedule's library
            counts data (Megatron); see :mod:`warmupctl.engine.progress`.

    A ``fn`` that also has a ``fill(first, out)`` method (as :class:`~warmupctl.engine.phases.Piecewise`
    has) writes the LRs of the consecutive updates ``first, first + 1, ...`` into ``out`` in place;
    walks and :meth:`values` then use it rather than building index arrays.
    """

    fn: LRFunction
    total_steps: int
    label: str
    warmup_steps: int = 0
    boundaries: tuple[Boundary, ...] = ()
    notes: tuple[str, ...] = ()
    spec: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = "warmupctl native"
    chunks: Callable[[int, int], Iterator[NDArray[np.float64]]] | None = None
    series: Mapping[str, Schedule] = field(default_factory=lambda: MappingProxyType({}))
    progress: Progress | None = None

    def __post_init__(self) -> None:
        if self.total_steps <= 0:
            raise EngineError(f"total_steps must be positive, got {self.total_steps}")

    @overload
    def __call__(self, steps: int | np.integer) -> float: ...

    @overload
    def __call__(self, steps: ArrayLike) -> NDArray[np.float64]: ...

    def __call__(self, steps: ArrayLike) -> float | NDArray[np.float64]:
        """LR of update ``steps``: a Python ``float`` for one update (an int), an array of the same
        shape for an array or a list of them (scalars in, floats out: ``json.dumps(s(5))`` works).

        An update index is a whole number >= 0. Integers (Python or numpy) and floats that are whole
        numbers (``s(5.0)``, ``s(np.arange(3.0))``) are accepted; a negative index, a fraction, NaN or
        infinity raises :class:`ValueError` rather than returning another update's LR (numpy's
        ``-1`` means "last", but the LR of update -1 is not the LR of the last update, and ``s(2.5)``
        has no meaning in a loop of whole updates).

        Raises:
            ValueError: an index that is negative or not a whole number.
        """
        updates = _update_indices(steps)
        values = np.asarray(self.fn(updates.ravel()), dtype=np.float64)
        if updates.ndim == 0 and not isinstance(steps, np.ndarray):
            return float(values[0])
        return values.reshape(updates.shape)

    def values(self, count: int | None = None) -> NDArray[np.float64]:
        """LR of updates ``0 .. count-1`` (``total_steps`` by default).

        The result is one array of ``count`` floats; a closed form with ``fill`` writes it chunk by
        chunk, so the evaluation needs no memory beyond that array and the chunks in flight.
        """
        n = self.total_steps if count is None else count
        if self.chunks is not None:
            return np.concatenate(list(self.chunks(n, max(n, 1)))) if n else np.empty(0)
        fill = getattr(self.fn, "fill", None)
        if fill is None:
            return self(np.arange(n, dtype=np.int64))
        out = np.empty(n, dtype=np.float64)
        jobs = ((first, out[first:first + CHUNK_SIZE]) for first in range(0, n, CHUNK_SIZE))
        for _ in _ordered(fill, jobs, WORKERS if n > _THREADED_CHUNKS * CHUNK_SIZE else 1):
            pass  # each job writes its slice of ``out``
        return out

    def iter_chunks(
        self, count: int | None = None, chunk_size: int = CHUNK_SIZE, workers: int = WORKERS
    ) -> Iterator[tuple[int, NDArray[np.float64]]]:
        """Walk updates ``0 .. count-1`` in order, ``chunk_size`` at a time: ``(first update, values)``.

        Memory stays bounded whatever the length (at most ``2 * workers + 1`` chunks exist at once),
        which is how summaries, plots and CSV output of 10^9 updates work. Each block is a new array
        (a consumer may keep it). A closed form with ``fill`` is evaluated by up to ``workers``
        threads, ahead of the consumer; recursive replays (``chunks``) walk on the calling thread.
        """
        n = self.total_steps if count is None else count
        if self.chunks is not None:
            first = 0
            for block in self.chunks(n, chunk_size):
                yield first, block
                first += len(block)
            return
        fill = getattr(self.fn, "fill", None)
        if fill is None:
            for first in range(0, n, chunk_size):
                yield first, self(np.arange(first, min(n, first + chunk_size), dtype=np.int64))
            return
        jobs = ((first, np.empty(min(chunk_size, n - first), dtype=np.float64))
                for first in range(0, n, chunk_size))
        yield from _ordered(fill, jobs, workers if n > _THREADED_CHUNKS * chunk_size else 1)


def _ordered(
    fill: Callable[[int, NDArray[np.float64]], NDArray[np.float64]],
    jobs: Iterable[tuple[int, NDArray[np.float64]]],
    workers: int = WORKERS,
) -> Iterator[tuple[int, NDArray[np.float64]]]:
    """``(first, fill(first, out))`` for each job, in order; with ``workers > 1`` a thread pool runs
    up to ``2 * workers`` jobs ahead of the consumer (``fill`` is pure: each job owns its ``out``)."""
    if workers <= 1:
        for first, out in jobs:
            yield first, fill(first, out)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(workers, thread_name_prefix="warmupctl-chunk")
    pending: deque = deque()
    try:
        for first, out in jobs:
            pending.append((first, pool.submit(fill, first, out)))
            if len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        # A consumer that stops early (or an error) cancels what has not started; the few chunks
        # already running finish on their own.
        pool.shutdown(wait=False, cancel_futures=True)
