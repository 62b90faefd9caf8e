"""Key events of a schedule: the first LR, the warmup end, the peak, the final LR, the area.

One pass over the updates in chunks (:meth:`Schedule.iter_chunks`): a summary of 10^9 updates needs
the memory of a few chunks, and reads each LR once. Other per-chunk work (a plot's envelope) can ride
on the same pass through ``observers``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.engine import Schedule

#: ``observer(first, block)``: sees every chunk of a walk, in order.
Observer = Callable[[int, NDArray[np.float64]], None]


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

    def as_dict(self, lr: bool = True) -> dict[str, Any]:
        """The JSON form; ``lr=False`` for a series that is not a learning rate (``momentum``,
        ``betas[0]``, ``weight_decay``): its values are named ``first``, ``peak``, ``min``, ``sum``, ...
        instead of ``first_lr``, ``peak_lr``, ``min_lr``, ``lr_sum``."""
        def key(name: str) -> str:
            return name if lr else name.removesuffix("_lr").removeprefix("lr_")

        return {
            "label": self.label,
            "total_steps": self.total_steps,
            key("first_lr"): self.first_lr,
            "warmup_steps": self.warmup_steps,
            key("warmup_end_lr"): self.warmup_end_lr,
            "peak_step": self.peak_step,
            key("peak_lr"): self.peak_lr,
            "final_step": self.final_step,
            key("final_lr"): self.final_lr,
            "min_step": self.min_step,
            key("min_lr"): self.min_lr,
            key("mean_lr"): self.mean_lr,
            key("lr_sum"): self.lr_sum,
            "notes": list(self.notes),
        }


def summarize(schedule: Schedule, count: int | None = None, *,
              observers: Iterable[Observer] = ()) -> Summary:
    """Summarize updates ``0 .. count-1`` (the whole run by default), in one pass.

    The peak and the minimum are the first update holding the largest (smallest) LR, NaNs aside;
    ``lr_sum`` is ``math.fsum`` of the per-chunk sums, accumulated exactly as it goes (Shewchuk's
    partials) so the memory does not grow with the length. Each ``observer(first, block)`` sees the
    same chunks, so that a caller needing more than the summary walks the schedule only once.

    Examples:
        >>> from warmupctl.engine import Phase, Piecewise
        >>> s = Schedule(Piecewise((Phase("warmup", 2, 0.0, 1.0), Phase("decay", 2, 1.0, 0.0))), 4, "x")
        >>> r = summarize(s)
        >>> (r.first_lr, r.peak_step, r.peak_lr, r.final_lr, r.lr_sum)
        (0.0, 2, 1.0, 0.5, 2.0)
    """
    n = schedule.total_steps if count is None else count
    watchers = tuple(observers)
    warmup = schedule.warmup_steps
    peak_step = min_step = 0
    peak = -math.inf
    low = math.inf
    total = _ExactSum()
    first = final = math.nan
    warmup_lr: float | None = None
    for start, block in schedule.iter_chunks(n):
        for watch in watchers:
            watch(start, block)
        if start == 0:
            first = float(block[0])
        if start <= warmup < start + len(block):
            warmup_lr = float(block[warmup - start])
        # max/min are single SIMD passes; the index is looked for only in a chunk that holds a new
        # extreme (for a decay: the first chunks). A NaN poisons max/min, so such a chunk takes the
        # NaN-skipping path (an all-NaN chunk has no extreme).
        top, bottom = float(block.max()), float(block.min())
        if math.isnan(top) or math.isnan(bottom):
            if np.isnan(block).all():
                top = bottom = math.nan
            else:
                top, bottom = float(np.nanmax(block)), float(np.nanmin(block))
        if top > peak:
            peak, peak_step = top, start + int(np.argmax(block == top))
        if bottom < low:
            low, min_step = bottom, start + int(np.argmax(block == bottom))
        total.add(float(np.sum(block)))
        final = float(block[-1])
    lr_sum = total.value()
    notes = list(schedule.notes)
    if first == 0.0 and peak > 0:
        notes.insert(0, "update 0 gets LR 0: the first update does not move the weights")
    return Summary(
        label=schedule.label,
        total_steps=n,
        first_lr=first,
        warmup_steps=warmup,
        warmup_end_lr=warmup_lr if 0 < warmup < n else None,
        peak_step=peak_step,
        peak_lr=peak,
        final_step=n - 1,
        final_lr=final,
        min_step=min_step,
        min_lr=low,
        mean_lr=lr_sum / n,
        lr_sum=lr_sum,
        notes=tuple(notes),
    )


class _ExactSum:
    """The exact sum of floats as non-overlapping partials (Shewchuk 1997, the algorithm of
    ``math.fsum``), rounded once at the end: equal to ``math.fsum`` of everything added, in a few
    floats of memory rather than one per chunk.

    >>> s = _ExactSum()
    >>> for x in (1e100, 1.0, -1e100, 1e-100):
    ...     s.add(x)
    >>> s.value() == math.fsum([1e100, 1.0, -1e100, 1e-100])
    True
    """

    def __init__(self) -> None:
        self._partials: list[float] = []
        self._special = 0.0  # inf/nan are kept apart, as fsum does (inf + -inf is nan, not an error)

    def add(self, x: float) -> None:
        if not math.isfinite(x):
            self._special += x
            return
        partials = self._partials
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        if not math.isfinite(x):  # the running sum overflowed: it is +-inf from here on
            self._special += x
            return
        partials[i:] = [x]

    def value(self) -> float:
        if self._special or math.isnan(self._special):
            return self._special
        return math.fsum(self._partials)


def summarize_series(schedule: Schedule, count: int | None = None) -> dict[str, Summary]:
    """The summary of each series of ``schedule`` besides its LR (``lr/pg1``, ``momentum``, ...),
    in their order; each is walked in one pass, like the LR."""
    from warmupctl.engine.series import pick

    return {name: summarize(pick(schedule, name), count) for name in schedule.series}
