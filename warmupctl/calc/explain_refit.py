"""Another warmup, run length or peak than the spec says: the spec rebuilt with fitted values.

:func:`fit_lengths` fits ``build(warmup=, total=, peak=)`` to a log (the peak from the largest value,
the warmup from the last value of a linear ramp or from its slope, the run length from a value of the
decay, :func:`warmupctl.calc.explain._solve_total`); :func:`refit` names what changed against the
spec as the causes ``warmup``, ``total`` and ``peak`` of :func:`warmupctl.calc.explain.explain`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

from warmupctl.calc.explain import (
    Cause,
    Rebuild,
    _Candidate,
    _Log,
    _measure,
    _offset_cause,
    _safe,
    _solve_total,
)
from warmupctl.engine import Schedule


def fit_lengths(build: Callable[..., Schedule | None], log: _Log, offset: int,
                hint_total: int | None, prior: tuple[int, float] | None = None,
                ) -> tuple[dict[str, Any], Schedule, float] | None:
    """Fit ``build(warmup=, total=, peak=)`` to the log: the peak from the largest value, the warmup
    from the last value of a linear ramp, the length from a value of the decay; ``prior`` (the spec's
    warmup and peak) is tried too, since a log every n updates may hold neither the peak nor two
    values of the ramp. Returns the parameters, the schedule and its residual on the subsample, or
    None."""
    # Estimated on the subsample and around the largest value (a log of 10^6 values is not walked
    # once per candidate); each candidate is then measured on the subsample.
    top_all = int(np.argmax(log.lrs))
    around = np.arange(max(0, top_all - 256), min(len(log.lrs), top_all + 257))
    at = np.union1d(log.sub, around)
    k = log.steps[at] - offset
    y = log.lrs[at]
    if k[0] < 0 or not np.isfinite(y).all():
        return None
    top = int(np.argmax(y))
    peak = shortest(float(y[top]), log.tol)
    if peak <= 0:
        return None
    rising = np.flatnonzero((np.arange(len(y)) < top) & (y > 0) & (y < peak * (1 - 1e-9)))
    candidates: set[tuple[int, float]] = set()
    if k[0] == 0 and y[0] >= peak * (1 - 1e-12):
        candidates.add((0, peak))
    elif len(rising):
        j = int(rising[-1])
        w = peak * float(k[j]) / float(y[j])
        candidates |= {(max(1, int(math.floor(w)) + d), peak) for d in (-1, 0, 1, 2)}
        # The ramp's slope peak / W does not move when skipped steps shift the ramp; and when the
        # peak itself is not logged (a log every n updates), the peak is slope × W.
        # The rise into the largest value crosses the warmup's end when the peak is not logged, so
        # it is used only when the ramp has no other; and the upper median, since a rise over a
        # skipped step is lower, never higher (the mean of two slopes is neither).
        ramp = rising if len(rising) >= 2 else np.concatenate([rising, [top]])
        dy, dk = np.diff(y[ramp]), np.diff(k[ramp]).astype(np.float64)
        slopes = dy[dy > 0] / dk[dy > 0]
        if len(slopes):
            slope = float(np.sort(slopes)[len(slopes) // 2])
            w = peak / slope
            candidates |= {(max(1, int(round(w)) + d), peak) for d in (-1, 0, 1)}
            near = set(range(max(1, int(k[top]) - 3), int(k[top]) + 4))
            near |= set(range(max(1, int(round(w)) - 2), int(round(w)) + 3))
            # Rounded values (float32, printed digits) put the slope off by about the rounding times
            # the peak over one logged rise: the peak's shortest decimal is taken within that.
            rise = float(np.median(dy[dy > 0]))
            ptol = max(log.tol * float(y[top]) / rise * 4.0, 1e-9)
            for warm in near:
                # slope × W carries the rounding of a division: the peak is its shortest decimal,
                # then checked against every value like any other candidate.
                candidates.add((warm, shortest(slope * warm, ptol)))
    else:
        candidates |= {(max(1, int(k[top]) + d), peak) for d in (-1, 0)}
    if prior is not None:
        candidates.add(prior)
    sub = log.sub
    results = []
    for warmup, top_lr in sorted(candidates):
        decay = np.flatnonzero((k > warmup) & (y < top_lr * (1 - 1e-9)))
        if len(decay):
            j = int(decay[np.argmin(np.abs(y[decay] - top_lr / 2))])
            total = _solve_total(partial(_at_total, build, warmup, top_lr), int(k[j]), float(y[j]),
                                 hint_total or int(k[-1]) + 1)
            totals = {total} if total is not None else set()
        else:
            totals = {hint_total or int(k[-1]) + 1}
        for total in totals:
            if total is None or total <= warmup:
                continue
            schedule = build(warmup=warmup, total=total, peak=top_lr)
            if schedule is None:
                continue
            residual, _, _ = _measure(log, _safe(schedule, log.steps[sub] - offset), sub)
            results.append((residual, warmup, total, schedule, top_lr))
            if residual <= log.tol:
                break
    if not results:
        return None
    residual, warmup, total, schedule, top_lr = min(results, key=lambda r: r[0])
    return {"warmup": warmup, "total": total, "peak": top_lr}, schedule, residual


def _at_total(build: Callable[..., Schedule | None], warmup: int, peak: float,
              total: int) -> Schedule | None:
    return build(warmup=warmup, total=total, peak=peak)


def shortest(value: float, tol: float) -> float:
    """The shortest decimal within ``tol`` (relative) of ``value``: a float32 log's 0.0010000000474974513
    is the 1e-3 the spec said.

    >>> shortest(0.0010000000474974513, 2.0 ** -24), shortest(0.1, 0.0)
    (0.001, 0.1)
    """
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if abs(candidate - value) <= tol * abs(value):
            return candidate
    return value


def refit(schedule: Schedule, log: _Log, offset: int, rebuild: Rebuild | None,
           planned: Mapping[str, Any], hint_total: int | None) -> list[_Candidate]:
    if rebuild is None:
        return []
    warmup, peak = planned.get("warmup"), planned.get("peak")
    prior = (int(warmup), float(peak)) if warmup is not None and peak is not None else None
    fit = fit_lengths(lambda **kw: rebuild(**kw), log, offset, hint_total, prior)
    if fit is None:
        return []
    params, fitted, _ = fit
    causes = []
    words = {"warmup": "warmup length", "total": "run length", "peak": "peak LR"}
    for key in ("warmup", "total", "peak"):
        if key in planned and planned[key] is not None and params[key] != planned[key]:
            causes.append(Cause(key, {key: params[key], f"planned_{key}": planned[key]},
                                f"the {words[key]} was {params[key]:g}, not {planned[key]:g}"))
    if not causes:
        return []
    return [_Candidate((*causes, *_offset_cause(offset, log)), offset, len(causes),
                       lambda u: _safe(fitted, u), fitted)]
