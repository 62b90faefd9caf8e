"""Causes together: a resume at update K whose run also skipped optimizer steps, before the resume,
after it, or both.

A lag (skipped steps, :func:`warmupctl.calc.explain._skipped`) never decreases; a resume with a fresh
scheduler sets the scheduler back to step 0, which no lag explains. So the log is walked with a lag
(:func:`lag_break`) to the first value no lag explains: the resume is between it and the value
before. Its update ``K`` is where the fresh schedule's value is the logged one (the latest such
update: skipped steps after the resume are counted only where the values need them). Each side is
then fitted with its own lag: the steps skipped before the resume are lost with the old scheduler's
state, and those after it lag the fresh one.

A resume with the scheduler *restored* but rebuilt for another run length ``T2`` keeps its step count:
the lag carries over the resume, and from update ``K`` on the values are those of the schedule
rebuilt for ``T2`` (found from the log's last value, :func:`warmupctl.calc.explain._solve_total`, for
each lag it may have there).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.explain import (
    MAX_SKIP_RISE,
    Cause,
    Rebuild,
    _Candidate,
    _finish,
    _Log,
    _offset_cause,
    _safe,
    _skipped,
    _skipped_places,
    _solve_total,
    relative,
)
from warmupctl.engine import Schedule

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class Shifted:
    """A schedule restarted at update ``at``: update ``u`` reads step ``u − at`` (NaN before it)."""

    def __init__(self, schedule: Schedule, at: int) -> None:
        self.schedule, self.at = schedule, at

    def __call__(self, updates: Any) -> FloatArray:
        return _safe(self.schedule, np.asarray(updates, dtype=np.int64) - self.at)


def lag_break(values_at: Any, k: IntArray, y: FloatArray, tol: float) -> int | None:
    """The index of the first value that no non-decreasing lag explains (a rise of the lag is at most
    the updates since the value before), or None when a lag explains them all."""
    d, at = 0, 0
    while at < len(k):
        bad = np.flatnonzero(relative(y[at:], _safe(values_at, k[at:] - d)) > tol)
        if not len(bad):
            return None
        at += int(bad[0])
        room = int(k[at] - k[at - 1]) if at > 0 else int(k[at])
        rises = np.arange(d + 1, d + min(room, MAX_SKIP_RISE) + 1)
        if not len(rises):
            return at
        fits = np.flatnonzero(relative(np.full(len(rises), y[at]), _safe(values_at, k[at] - rises)) <= tol)
        if not len(fits):
            return at
        d = int(rises[fits[0]])
    return None


def _part(log: _Log, first: int, last: int) -> _Log:
    part = _Log(log.steps[first:last], log.lrs[first:last], 0.0, log.kind, log.facts)
    part.tol = log.tol
    return part


def _side(values_at: Any, part: _Log, offset: int) -> tuple[FloatArray, dict[str, Any] | None] | None:
    """The predictions on one side of the resume and its skipped steps (None: none needed), or None
    when a lag does not explain that side."""
    k = part.steps - offset
    plain = _safe(values_at, k)
    if (relative(part.lrs, plain) <= part.tol).all():
        return plain, None
    candidate = _skipped(values_at, part, offset)
    if candidate is None:
        return None
    explanation = _finish(part, candidate)
    if not explanation.explained:
        return None
    return explanation.predicted, dict(candidate.causes[0].params)


def _hidden(before: dict[str, Any] | None, first: int) -> int:
    """Skipped steps the side before the resume puts before the first logged update (a lag already
    there when the log starts), for :func:`warmupctl.calc.explain.preference`'s first rule."""
    return sum(int(w["count"]) for w in (before or {}).get("windows", ()) if int(w["last"]) < first)


def _skips_cause(skips: list[dict[str, Any]]) -> Cause:
    """One ``skipped`` cause for the skipped steps of both sides of a resume."""
    count = sum(int(s["count"]) for s in skips)
    updates = None if any(s.get("updates") is None for s in skips) else \
        [u for s in skips for u in s["updates"]]
    windows = [w for s in skips for w in s["windows"]]
    where = _skipped_places(updates, windows)
    params: dict[str, Any] = {"count": count}
    if updates is not None:
        params["updates"] = updates
    params["windows"] = windows
    return Cause("skipped", params, f"{count} optimizer step{'s' if count != 1 else ''} skipped "
                 f"(fp16/AMP overflow: the scheduler is not stepped): {where}")


def restored_with_skips(schedule: Schedule, log: _Log, offset: int,
                        rebuild: Rebuild | None) -> list[_Candidate]:
    """A resume at K with the scheduler restored but rebuilt for another run length, with skipped
    steps (the lag carries over the resume); [] when the log does not show one."""
    k = log.steps - offset
    if rebuild is None or not len(k) or k[0] < 0:
        return []
    m = lag_break(schedule, k, log.lrs, log.tol)
    if m is None or m == 0:
        return []
    before = _side(schedule, _part(log, 0, m), offset)
    if before is None:
        return []
    carried = 0 if before[1] is None else int(before[1]["count"])
    at = int(k[m - 1]) + 1
    totals: list[int] = []
    for lag in range(carried, carried + 9):
        total = _solve_total(lambda t: rebuild(total=t), int(k[-1]) - lag, float(log.lrs[-1]),
                             schedule.total_steps)
        if total is not None and total != schedule.total_steps and total not in totals:
            totals.append(total)
    for total in totals:
        other = rebuild(total=total)
        if other is None:
            continue
        after = _side(Shifted(other, carried), _part(log, m, len(k)), offset)
        if after is None:
            continue
        skips = [s for s in (before[1], after[1]) if s]
        if not skips:
            continue  # no lag: warmupctl.calc.explain._resumes says it
        resume = Cause("resume", {"at": at, "scheduler": "restored", "total": total,
                                  "planned_total": schedule.total_steps},
                       f"resumed at update {at} with the scheduler restored but rebuilt for {total} "
                       f"updates instead of {schedule.total_steps}")
        predicted = np.concatenate([before[0], after[0]])

        def at_log(predicted: FloatArray = predicted) -> FloatArray:
            return predicted

        def curve(u: IntArray, other: Schedule = other) -> FloatArray:
            u = np.asarray(u, dtype=np.int64)
            return np.where(u < at, _safe(schedule, u), _safe(other, u))

        return [_Candidate((resume, _skips_cause(skips), *_offset_cause(offset, log)), offset,
                           2 + sum(int(s["count"]) for s in skips), curve, other, at_log=at_log,
                           hidden=_hidden(before[1], int(k[0])))]
    return []


def resume_with_skips(schedule: Schedule, log: _Log, offset: int) -> list[_Candidate]:
    """A resume at K with a fresh scheduler, with skipped steps on either side (see the module
    docstring); [] when the log does not show one."""
    k = log.steps - offset
    if not len(k) or k[0] < 0:
        return []
    m = lag_break(schedule, k, log.lrs, log.tol)
    if m is None or m == 0:
        return []
    window = np.arange(int(k[m - 1]) + 1, int(k[m]) + 1)[-MAX_SKIP_RISE:]
    matches = window[relative(np.full(len(window), log.lrs[m]), _safe(schedule, k[m] - window)) <= log.tol]
    before = _side(schedule, _part(log, 0, m), offset)
    if before is None:
        return []
    for at in matches[::-1][:4]:  # the latest resume first
        after = _side(Shifted(schedule, int(at)), _part(log, m, len(k)), offset)
        if after is None:
            continue
        predicted = np.concatenate([before[0], after[0]])
        skips = [s for s in (before[1], after[1]) if s]
        if not skips:
            continue  # a plain resume: warmupctl.calc.explain._resumes says it
        count = sum(int(s["count"]) for s in skips)
        resume = Cause("resume", {"at": int(at), "scheduler": "fresh"},
                       f"resumed at update {int(at)} with a fresh scheduler (it restarts from step 0)")
        skipped = _skips_cause(skips)
        shifted = Shifted(schedule, int(at))
        cut = int(at)

        def curve(u: IntArray, shifted: Shifted = shifted, cut: int = cut) -> FloatArray:
            u = np.asarray(u, dtype=np.int64)
            return np.where(u < cut, _safe(schedule, u), shifted(u))

        def at_log(predicted: FloatArray = predicted) -> FloatArray:
            return predicted

        return [_Candidate((resume, skipped, *_offset_cause(offset, log)), offset, 1 + count, curve,
                           at_log=at_log, hidden=_hidden(before[1], int(k[0])))]
    return []
