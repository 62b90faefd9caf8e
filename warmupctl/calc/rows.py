"""Which updates a table shows: all of them, every Kth, chosen ones, or a compact view of the events."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from warmupctl.engine import Schedule

#: Points of the compact view besides the events: one every 5 % of the run.
COMPACT_POINTS = 20


def compact_steps(schedule: Schedule, count: int | None = None) -> NDArray[np.int64]:
    """Update 0 and 1, each boundary and its neighbours, every ~5 %, the peak, the last two updates."""
    n = schedule.total_steps if count is None else count
    picks = {0, 1, n - 2, n - 1}
    for boundary in schedule.boundaries:
        picks.update((boundary.step - 1, boundary.step, boundary.step + 1))
    if schedule.warmup_steps:
        picks.update((schedule.warmup_steps - 1, schedule.warmup_steps))
    picks.update(int(round(i * (n - 1) / COMPACT_POINTS)) for i in range(COMPACT_POINTS + 1))
    return np.array(sorted(p for p in picks if 0 <= p < n), dtype=np.int64)


def every_steps(count: int, every: int) -> NDArray[np.int64]:
    """0, K, 2K, ... and always the last update, so the final LR is shown."""
    steps = np.arange(0, count, every, dtype=np.int64)
    if count and steps[-1] != count - 1:
        steps = np.append(steps, count - 1)
    return steps
