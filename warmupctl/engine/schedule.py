"""The one object every command works on: a schedule that maps update indices to learning rates.

Native specs resolve to a :class:`~warmupctl.engine.phases.Piecewise` function; library specs resolve
to the library's own vectorized function (see :mod:`warmupctl.frameworks`). Both are wrapped in a
:class:`Schedule` with what the renderers need to annotate them: the total, the warmup, the phase
boundaries and the notes about quirks.

The contract: ``schedule(k)`` is the learning rate used by optimizer update ``k`` (0-based) in the
standard training loop of whatever defines the schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warmupctl.errors import EngineError

LRFunction = Callable[[NDArray[np.int64]], NDArray[np.float64]]

#: Updates evaluated at once when a schedule is walked from start to end (8 MB of float64).
CHUNK_SIZE = 1 << 20


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

    def __post_init__(self) -> None:
        if self.total_steps <= 0:
            raise EngineError(f"total_steps must be positive, got {self.total_steps}")

    def __call__(self, steps: ArrayLike) -> NDArray[np.float64]:
        """LR of each update in ``steps`` (any shape; same shape out)."""
        updates = np.asarray(steps, dtype=np.int64)
        return np.asarray(self.fn(updates.ravel()), dtype=np.float64).reshape(updates.shape)

    def values(self, count: int | None = None) -> NDArray[np.float64]:
        """LR of updates ``0 .. count-1`` (``total_steps`` by default)."""
        n = self.total_steps if count is None else count
        if self.chunks is not None:
            return np.concatenate(list(self.chunks(n, max(n, 1)))) if n else np.empty(0)
        return self(np.arange(n, dtype=np.int64))

    def iter_chunks(
        self, count: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[tuple[int, NDArray[np.float64]]]:
        """Walk updates ``0 .. count-1`` in order, ``chunk_size`` at a time: ``(first update, values)``.

        Memory stays bounded whatever the length, which is how summaries and CSV output of 10^9
        updates work.
        """
        n = self.total_steps if count is None else count
        if self.chunks is not None:
            first = 0
            for block in self.chunks(n, chunk_size):
                yield first, block
                first += len(block)
            return
        for first in range(0, n, chunk_size):
            stop = min(n, first + chunk_size)
            yield first, self(np.arange(first, stop, dtype=np.int64))
