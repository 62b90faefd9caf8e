"""Key events of a schedule: the first LR, the warmup end, the peak, the final LR, the area.

Computed in chunks (:meth:`Schedule.iter_chunks`), so a summary of 10^9 updates needs no more memory
than one chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warmupctl.engine import Schedule


@dataclass(frozen=True)
class Summary:
    """What ``warmupctl summary`` reports. Steps are update indices; LRs are float64.

    ``lr_sum`` is the sum of the LR over every update (the "area", proportional to how far plain SGD
    can move); ``mean_lr`` is that sum over ``total_steps``.
    """

    label: str
    total_steps: int
    first_lr: float
    warmup_steps: int
    warmup_end_lr: float | None
    peak_step: int
    peak_lr: float
    final_step: int
    final_lr: float
    min_step: int
    min_lr: float
    mean_lr: float
    lr_sum: float
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "total_steps": self.total_steps,
            "first_lr": self.first_lr,
            "warmup_steps": self.warmup_steps,
            "warmup_end_lr": self.warmup_end_lr,
            "peak_step": self.peak_step,
            "peak_lr": self.peak_lr,
            "final_step": self.final_step,
            "final_lr": self.final_lr,
            "min_step": self.min_step,
            "min_lr": self.min_lr,
            "mean_lr": self.mean_lr,
            "lr_sum": self.lr_sum,
            "notes": list(self.notes),
        }


def summarize(schedule: Schedule, count: int | None = None) -> Summary:
    """Summarize updates ``0 .. count-1`` (the whole run by default)."""
    n = schedule.total_steps if count is None else count
    peak_step = min_step = 0
    peak = -math.inf
    low = math.inf
    partial_sums: list[float] = []
    first = final = math.nan
    for start, block in schedule.iter_chunks(n):
        if start == 0:
            first = float(block[0])
        top = int(np.nanargmax(block)) if not np.all(np.isnan(block)) else 0
        bottom = int(np.nanargmin(block)) if not np.all(np.isnan(block)) else 0
        if block[top] > peak:
            peak, peak_step = float(block[top]), start + top
        if block[bottom] < low:
            low, min_step = float(block[bottom]), start + bottom
        partial_sums.append(float(np.sum(block)))
        final = float(block[-1])
    total = math.fsum(partial_sums)
    warmup = schedule.warmup_steps
    warmup_lr = float(schedule([warmup])[0]) if 0 < warmup < n else None
    notes = list(schedule.notes)
    if first == 0.0 and peak > 0:
        notes.insert(0, "update 0 gets LR 0: the first update does not move the weights")
    return Summary(
        label=schedule.label,
        total_steps=n,
        first_lr=first,
        warmup_steps=warmup,
        warmup_end_lr=warmup_lr,
        peak_step=peak_step,
        peak_lr=peak,
        final_step=n - 1,
        final_lr=final,
        min_step=min_step,
        min_lr=low,
        mean_lr=total / n,
        lr_sum=total,
        notes=tuple(notes),
    )
