"""Piecewise schedules: a tuple of phases joined end to start, as optax ``join_schedules`` joins them.

Phase ``i`` covers updates ``[b_i, b_i + steps_i)`` (half-open, so the peak of a warmup of W updates is
the LR of update W, as in transformers and optax). Inside it the LR is
``shapes.interpolate(shape, k, steps, start, end)`` with the local index ``k = update - b_i``.

Outside the phases the schedule is clamped, as optax does: updates before 0 take the first phase's
value at k = 0, and updates at or after the total take the last phase's value at k = steps (``min_lr``
for a decay, the peak for a warmup-only schedule, the top again for a cosine with whole cycles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warmupctl.core.errors import EngineError
from warmupctl.engine.shapes import SHAPES, interpolate


@dataclass(frozen=True)
class Phase:
    """One stretch of a piecewise schedule.

    Attributes:
        name: label shown in tables and plots ("warmup", "stable", "decay", or the user's).
        steps: length in updates (> 0).
        start: LR at the phase's first update (k = 0).
        end: LR the phase travels toward; for law shapes, the floor.
        shape: a key of :data:`warmupctl.engine.shapes.SHAPES`.
        params: the shape's parameters (defaults filled in by the shape).
    """

    name: str
    steps: int
    start: float
    end: float
    shape: str = "linear"
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.steps <= 0:
            raise EngineError(f"phase {self.name!r} has {self.steps} steps; phases are non-empty")
        if self.shape not in SHAPES:
            raise EngineError(f"unknown shape {self.shape!r}")

    def values(self, k: ArrayLike) -> NDArray[np.float64]:
        """LR at local indices ``k`` (0 <= k <= steps); ``k`` is left as it is."""
        return self.evaluate_into(np.array(k, dtype=np.float64))

    def evaluate_into(self, k: NDArray[np.float64]) -> NDArray[np.float64]:
        """LR at local indices ``k`` (a float64 array), computed in place in ``k`` and returned."""
        if k.size == 1:
            # numpy runs a one-element in-place ufunc through its scalar loop (libm), which can differ
            # in the last bit from the vector loop every other update takes (np.power(0.1, 2.0) is
            # 0.010000000000000002 in one, 0.01 in the other): evaluate a pair so that a value never
            # depends on where a chunk or a phase happens to cut.
            pair = np.repeat(k.ravel(), 2)
            k.ravel()[0] = interpolate(SHAPES[self.shape], pair, self.steps, self.start, self.end,
                                       self.params)[0]
            return k
        return interpolate(SHAPES[self.shape], k, self.steps, self.start, self.end, self.params)

    @property
    def final(self) -> float:
        """The value the phase hands over (its value at k = steps)."""
        return float(self.values([float(self.steps)])[0])


@dataclass(frozen=True)
class Piecewise:
    """A vectorized schedule made of phases; call it on an integer array of update indices.

    Attributes:
        phases: the phases, in order.
        step_offset: evaluate update k at k + step_offset (1 makes update 0 already move off init_lr).

    Examples:
        >>> warm = Phase("warmup", 2, 0.0, 1.0)
        >>> decay = Phase("decay", 2, 1.0, 0.0)
        >>> Piecewise((warm, decay))([0, 1, 2, 3, 4, 5]).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    phases: tuple[Phase, ...]
    step_offset: int = 0

    def __post_init__(self) -> None:
        if not self.phases:
            raise EngineError("a piecewise schedule needs at least one phase")

    @property
    def starts(self) -> tuple[int, ...]:
        """The first update of each phase."""
        bounds = np.cumsum([0] + [p.steps for p in self.phases])
        return tuple(int(b) for b in bounds[:-1])

    @property
    def total_steps(self) -> int:
        return sum(p.steps for p in self.phases)

    def __call__(self, steps: ArrayLike) -> NDArray[np.float64]:
        updates = np.asarray(steps, dtype=np.int64) + self.step_offset
        starts = np.asarray(self.starts, dtype=np.int64)
        index = np.searchsorted(starts, updates, side="right") - 1
        np.clip(index, 0, len(self.phases) - 1, out=index)
        out = np.empty(updates.shape, dtype=np.float64)
        for i, phase in enumerate(self.phases):
            mask = index == i
            if not mask.any():
                continue
            local = np.clip(updates[mask] - starts[i], 0, phase.steps).astype(np.float64)
            out[mask] = phase.evaluate_into(local)
        return out

    def fill(self, first: int, out: NDArray[np.float64]) -> NDArray[np.float64]:
        """LR of the consecutive updates ``first, first + 1, ...`` written into ``out`` (in place).

        The fast path of :meth:`Schedule.iter_chunks`: a run of consecutive updates crosses each phase
        at most once, so each phase is evaluated on a slice of ``out`` (its local indices written there
        as floats, then transformed in place) with no search and no mask. Equal, bit for bit, to
        ``self(range(first, first + len(out)))``.

        Examples:
            >>> warm = Phase("warmup", 2, 0.0, 1.0)
            >>> Piecewise((warm, Phase("decay", 2, 1.0, 0.0))).fill(1, np.empty(5)).tolist()
            [0.5, 1.0, 0.5, 0.0, 0.0]
        """
        low = first + self.step_offset  # the phase clock of out[0]
        high = low + len(out)
        starts = self.starts
        last = len(self.phases) - 1
        # Before update 0 and after the last phase the schedule holds its end values (clamped).
        if low < 0:
            out[: min(high, 0) - low] = self.phases[0].values([0.0])[0]
        end = starts[last] + self.phases[last].steps
        if high > end:
            out[max(low, end) - low:] = self.phases[last].final
        for start, phase in zip(starts, self.phases):
            a, b = max(low, start), min(high, start + phase.steps)
            if a >= b:
                continue
            # At most _BLOCK updates at a time: the work stays in cache and the index ramp is fixed.
            for lo in range(a, b, _BLOCK):
                hi = min(b, lo + _BLOCK)
                view = out[lo - low: hi - low]
                np.add(_RAMP[:hi - lo], float(lo - start), out=view)  # local indices, exact below 2^53
                phase.evaluate_into(view)
        return out


#: Updates evaluated at once inside :meth:`Piecewise.fill` (512 KB of float64, within L2 cache).
_BLOCK = 1 << 16
#: 0.0, 1.0, 2.0, ...: the local indices of a block are this plus an offset, written straight into the
#: output, so a walk allocates no index array per chunk. (Fresh chunk-sized temporaries are not free:
#: glibc hands freed memory back to the system and takes it again, a page fault per 4 KB, which cost
#: as much as the cosine itself on the machine of docs/benchmarks.md.)
_RAMP = np.arange(_BLOCK, dtype=np.float64)
_RAMP.flags.writeable = False
