"""Two readings of warmup, as numbers: warmup as gradient noise, and the stability bound.

**Noise-equivalent batch** (warmup tames the gradient noise). The variance of an SGD update
grows as ``η(t)² / B(t)``. A warmup ``η(t) = α(t)·η0`` at batch ``B0`` therefore moves the weights with
the same noise as the constant LR ``η0`` at the batch

    ``B(t) = B0 / α(t)²``,   ``α(t) = lr(t) / η0``,

so a linear warmup (``α ∝ t``) is, in noise, a huge batch shrinking as ``1/t²`` towards ``B0`` — and a
decay is a batch growing again (Smith et al. 2018, "Don't decay the learning rate, increase the batch
size"). Where ``lr = 0`` the update does not move at all: ``B`` is infinite (``inf`` here, ``∞`` in
terminal tables, ``null`` in JSON).

**Stability bound** (a step too long for the slope). On a quadratic of curvature ``a``, gradient descent
multiplies the error by ``1 − η·a`` per update, which stays bounded only while ``η ≤ 2/a``. With the
sharpness ``λmax`` (the Hessian's largest eigenvalue) for ``a``, an update whose LR exceeds ``2/λmax``
is unstable along the sharpest direction. An LR exactly at the bound is marginal (``|1 − η·a| = 1``)
and is not flagged.

Pure numpy; a walk over a run is chunked (:meth:`Schedule.iter_chunks`), so memory stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from warmupctl.core.errors import EngineError
from warmupctl.engine import Schedule

#: Unstable stretches kept by :func:`stability` (a cyclic schedule may cross the bound many times);
#: past this many, the later stretches are merged into the last one and ``spans_merged`` says so.
MAX_SPANS = 1000


def noise_batch(lrs: ArrayLike, peak: float, batch: float) -> NDArray[np.float64]:
    """The batch size with the same gradient noise at the constant LR ``peak``: ``batch / α²``.

    Args:
        lrs: learning rates (any shape).
        peak: ``η0``, the LR the batch ``batch`` goes with (a schedule's peak); must be > 0.
        batch: ``B0``, the batch size actually used; must be > 0.

    Returns:
        ``batch · (peak / lr)²`` element-wise; ``inf`` where ``lr`` is 0, NaN where ``lr`` is NaN.

    Examples:
        >>> noise_batch([1e-4, 5e-5, 1e-5, 0.0], peak=1e-4, batch=256).tolist()
        [256.0, 1024.0, 25600.0, inf]
    """
    if not peak > 0 or not math.isfinite(peak):
        raise EngineError(f"the peak LR must be positive and finite, got {peak!r}")
    if not batch > 0 or not math.isfinite(batch):
        raise EngineError(f"the batch size must be positive and finite, got {batch!r}")
    lr = np.asarray(lrs, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):
        # (peak / lr)² rather than 1 / (lr / peak)²: the same float for ordinary LRs, and no underflow
        # to 0 (then a division by 0) for a tiny alpha.
        ratio = peak / lr
        out = batch * ratio * ratio
    return np.where(lr == 0, np.inf, out)


def stability_bound(sharpness: float) -> float:
    """``2 / λmax``: the largest LR gradient descent stays stable at on curvature ``λmax``.

    Examples:
        >>> stability_bound(40000.0)
        5e-05
    """
    if not sharpness > 0 or not math.isfinite(sharpness):
        raise EngineError(f"the sharpness must be positive and finite, got {sharpness!r}")
    return 2.0 / sharpness


def unstable(lrs: ArrayLike, sharpness: float) -> NDArray[np.bool_]:
    """Which LRs exceed ``2 / λmax`` (strictly: the bound itself is marginal, not unstable).

    Examples:
        >>> unstable([1e-5, 5e-5, 6e-5], sharpness=40000.0).tolist()
        [False, False, True]
    """
    return np.asarray(lrs, dtype=np.float64) > stability_bound(sharpness)


@dataclass(frozen=True)
class Stability:
    """Where a schedule crosses ``2 / λmax`` over updates ``0 .. count-1``.

    Attributes:
        sharpness: ``λmax``.
        bound: ``2 / λmax``.
        count: updates checked.
        unstable: how many of them have an LR above the bound.
        first: the first such update (the first crossing), or None.
        last: the last such update, or None.
        spans: the unstable stretches as half-open ``(start, stop)`` update ranges, in order.
        spans_merged: True when more than :data:`MAX_SPANS` stretches were found and the later ones
            were merged into the last span (which then also covers stable updates between them).
    """

    sharpness: float
    bound: float
    count: int
    unstable: int
    first: int | None
    last: int | None
    spans: tuple[tuple[int, int], ...]
    spans_merged: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "sharpness": self.sharpness, "bound": self.bound, "count": self.count,
            "unstable": self.unstable, "first": self.first, "last": self.last,
            "spans": [list(span) for span in self.spans], "spans_merged": self.spans_merged,
        }

    def describe(self) -> str:
        """One line for a note: how many updates cross, and where."""
        if not self.unstable:
            return (f"no update exceeds 2/λmax = {self.bound:.6g} (λmax {self.sharpness:g}) in "
                    f"{self.count} updates")
        where = f"first at update {self.first}, last at {self.last}"
        stretches = len(self.spans)
        runs = "" if stretches == 1 else f", in {stretches}{'+' if self.spans_merged else ''} stretches"
        return (f"{self.unstable} of {self.count} updates exceed 2/λmax = {self.bound:.6g} "
                f"(λmax {self.sharpness:g}): {where}{runs}")


def stability(schedule: Schedule, sharpness: float, count: int | None = None,
              max_spans: int = MAX_SPANS) -> Stability:
    """Walk the run once and find the updates whose LR exceeds ``2 / λmax``.

    Examples:
        >>> import warmupctl
        >>> s = warmupctl.schedule(kind="linear", warmup_steps=100, total_steps=1000, lr=1e-4)
        >>> r = stability(s, sharpness=25000.0)        # bound 8e-05
        >>> r.first, r.last, r.unstable, r.spans
        (81, 279, 199, ((81, 280),))
    """
    bound = stability_bound(sharpness)
    n = schedule.total_steps if count is None else count
    spans: list[list[int]] = []
    merged = False
    total = 0
    for first, block in schedule.iter_chunks(n):
        above = block > bound
        hits = int(np.count_nonzero(above))
        if not hits:
            continue
        total += hits
        # Stretch starts and stops inside the block, from the edges of the boolean mask.
        edges = np.diff(np.concatenate(([False], above, [False])).astype(np.int8))
        starts = (np.flatnonzero(edges == 1) + first).tolist()
        stops = (np.flatnonzero(edges == -1) + first).tolist()
        for start, stop in zip(starts, stops):
            if spans and spans[-1][1] == start:  # continues a stretch from the previous block
                spans[-1][1] = stop
            elif len(spans) >= max_spans:
                spans[-1][1] = stop
                merged = True
            else:
                spans.append([start, stop])
    return Stability(
        sharpness=float(sharpness), bound=bound, count=n, unstable=total,
        first=spans[0][0] if spans else None, last=spans[-1][1] - 1 if spans else None,
        spans=tuple((a, b) for a, b in spans), spans_merged=merged,
    )
