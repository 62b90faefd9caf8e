"""Why a run's logged LR is not the planned schedule: causes, their parameters, and what is left.

:func:`explain` takes the logged ``(step, lr)`` pairs and a schedule ``s`` and tries each cause that
happens in practice as a *model* of the log: a prediction of every logged value from ``s`` and a few
whole-number parameters, fitted to the log. A model explains the log when every prediction equals the
logged value within the log's own rounding (:attr:`warmupctl.spec.logs.RunLog.rounding`: exact for a
JSON float, 2^-24 for TensorBoard's float32, the printed digits of a text log). Models are ranked:
by :func:`preference`: those that explain first; among them one under which the log starts on the
schedule, then the log's own convention, then the simplest (fewest parameters: fewest skipped steps),
then the smallest residual.

Every model places the value logged at ``step`` on update ``k = step − offset`` (the logging
convention, :mod:`warmupctl.calc.actual`) and reads ``s`` at the position the scheduler had reached:

==================  ==========================================  =========================================
cause               position read by update k                   what happens in the run
==================  ==========================================  =========================================
``offset``          ``k``                                       only the logging convention (offset ≠ 0)
``skipped``         ``k − (updates skipped before k)``          fp16/AMP overflow: the optimizer step is
                                                                skipped and so is ``scheduler.step()``
                                                                (transformers ``trainer.py``: ``if not
                                                                accelerator.optimizer_step_was_skipped``;
                                                                Megatron: ``if update_successful``)
``per-micro-batch`` ``(k + 1)·A − 1``                           stepped after every micro-batch
``per-process``     ``k·N``                                     stepped N times per update (accelerate's
                                                                ``AcceleratedScheduler`` on N processes)
``per-epoch``       ``floor(k / U)``                            stepped once per epoch of U updates
``resume``          ``k`` before K, then ``k − K`` (fresh) or   a resume at K with a fresh scheduler, or
                    ``s_T2(k)`` (restored, rebuilt for T2)      a restored one rebuilt for a new length
``warmup``,         ``k`` on ``s`` rebuilt with the fitted       another warmup, run length or peak than
``total``, ``peak`` warmup, run length, peak                    the spec says
==================  ==========================================  =========================================

The stepping models are :mod:`warmupctl.calc.stepping`'s policies (:class:`PerMicroBatch`,
:class:`TimesPerUpdate`, :class:`PerEpoch`), evaluated through their ``position``.

**Skipped steps** are fitted as a lag ``d(k)`` that never decreases: walking the log in order, the
lag is kept while the predictions match, and raised at the first value that needs it, by the
smallest amount that matches. A rise from ``d`` to ``d'`` between the last value that *proves* lag
``d`` (it would differ under ``d + 1``) at update ``a`` and the value at update ``b`` means ``d' − d``
optimizer steps were skipped among updates ``a..b−1`` — exactly update ``b − 1`` when the log has
every update. A rise larger than the updates in between cannot be skipped steps, and is refused
(a resume is). Skips while the schedule is flat (a constant peak) leave no trace until it moves.

Fitting is done on an even subsample of at most :data:`SUBSAMPLE` values first, then checked on every
value: a log of 10^6 updates is explained in about a second.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.stepping import PerEpoch, PerMicroBatch, TimesPerUpdate
from warmupctl.engine import Schedule

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Values a candidate is first tried on.
SUBSAMPLE = 3000
#: Accumulation steps and process counts tried.
MAX_FACTOR = 64
#: The relative tolerance of a log written exactly: a few units in the last place of a float64.
FLOAT64_TOLERANCE = 4 * 2.0 ** -52
#: The largest rise of the lag tried at one value (skipped steps between two logged values).
MAX_SKIP_RISE = 4096
#: Values the lag model may leave unexplained before it is given up.
MAX_FAILURES = 8
#: Deviations listed when nothing explains the log.
WORST = 5

Rebuild = Callable[..., "Schedule | None"]


@dataclass(frozen=True)
class Cause:
    """One cause with its parameters (plain numbers) and the sentence saying it."""

    name: str
    params: Mapping[str, Any]
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"cause": self.name, **self.params, "text": self.text}


@dataclass(frozen=True, eq=False)
class Explanation:
    """A model of the log: its causes, where it puts each value, and what it leaves unexplained.

    Attributes:
        causes: the causes, the main one first (empty: the log follows the schedule as it is).
        offset: ``update = step − offset``.
        updates, predicted: per logged value, the update and the LR the model predicts.
        residual: the largest relative deviation left (0: explained exactly).
        residual_abs: the largest absolute deviation left.
        explained: every value within the log's rounding.
        complexity: parameters fitted (ranking: the simplest explanation first).
        schedule: the schedule the model reads (a fitted or inferred one), when it is not the given one.
        curve: the LR the model gives any update (to draw the explanation).
        hidden: skipped steps the model puts before the first logged value (a lag already there when
            the log starts: the values cannot tell it from the logging convention).
    """

    causes: tuple[Cause, ...]
    offset: int
    updates: IntArray
    predicted: FloatArray
    residual: float
    residual_abs: float
    explained: bool
    complexity: int
    schedule: Schedule | None = None
    curve: Callable[[IntArray], FloatArray] | None = None
    hidden: int = 0
    kind: str | None = None

    @property
    def name(self) -> str:
        return self.causes[0].name if self.causes else "none"

    def describe(self) -> str:
        if not self.causes:
            from warmupctl.calc.actual import meaning

            return f"the log follows the schedule ({meaning(0, self.kind).split(':')[0]})"
        return "; ".join(c.text for c in self.causes)

    def as_dict(self) -> dict[str, Any]:
        # Every cause's parameters, the main cause's first: a resume with skipped steps has its
        # ``count`` and ``updates`` here as numbers too, not only inside ``causes``.
        merged: dict[str, Any] = {}
        for cause in self.causes:
            for key, value in cause.params.items():
                merged.setdefault(key, value)
        return {"cause": self.name, "parameters": {**merged, "offset": self.offset},
                "causes": [c.as_dict() for c in self.causes], "offset": self.offset,
                "residual": self.residual, "residual_abs": self.residual_abs,
                "explained": self.explained}


@dataclass(frozen=True)
class Worst:
    """A logged value the best model does not explain."""

    step: int
    update: int
    logged: float
    predicted: float
    rel_diff: float
    line: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "update": self.update, "logged": self.logged,
                "predicted": self.predicted, "rel_diff": _finite(self.rel_diff), "line": self.line}


@dataclass(frozen=True, eq=False)
class Report:
    """What :func:`explain` found: the best explanation, the runners-up, and notes."""

    label: str
    best: Explanation
    runners_up: tuple[Explanation, ...]
    tolerance: float
    count: int
    worst: tuple[Worst, ...] = ()
    notes: tuple[str, ...] = ()
    inferred: Mapping[str, Any] | None = None
    facts: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schedule": self.label, "count": self.count, "tolerance": self.tolerance,
            "explained": self.best.explained, **self.best.as_dict(),
            "runners_up": [e.as_dict() for e in self.runners_up],
            "notes": list(self.notes), "facts": dict(self.facts),
        }
        if not self.best.explained:
            data["largest_deviations"] = [w.as_dict() for w in self.worst]
        if self.inferred is not None:
            data["inferred_spec"] = dict(self.inferred)
        return data


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------


def relative(logged: FloatArray, predicted: FloatArray) -> FloatArray:
    """``|logged − predicted| / max(|logged|, |predicted|)``, 0 where equal, inf where undefined.

    Only the values that differ are divided (a log that follows its model is mostly equal values).

    >>> relative(np.array([1.0, 0.0, 2.0, 1.0]), np.array([1.0, 0.0, 1.0, np.nan])).tolist()
    [0.0, 0.0, 0.5, inf]
    """
    logged, predicted = np.broadcast_arrays(np.asarray(logged, dtype=np.float64),
                                            np.asarray(predicted, dtype=np.float64))
    rel = np.zeros(logged.shape)
    differ = np.flatnonzero(logged != predicted)  # NaN differs from everything
    if len(differ):
        a, b = logged.ravel()[differ], predicted.ravel()[differ]
        with np.errstate(all="ignore"):
            part = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
        part[np.isnan(part)] = np.inf
        rel.ravel()[differ] = part
    return rel


class _Log:
    """The logged values, the subsample, and the tolerance."""

    def __init__(self, steps: IntArray, lrs: FloatArray, rounding: float, kind: str | None = None,
                 facts: Mapping[str, int] | None = None) -> None:
        self.kind = kind  # the log's format: the causes are said in its trainer's words
        self.facts = dict(facts or {})
        self.steps = np.asarray(steps, dtype=np.int64)
        self.lrs = np.asarray(lrs, dtype=np.float64)
        self.tol = max(rounding * 1.0001, FLOAT64_TOLERANCE)
        n = len(self.steps)
        if n <= SUBSAMPLE:
            self.sub = np.arange(n)
        else:
            self.sub = np.unique(np.concatenate([np.arange(min(n, 200)),
                                                 np.linspace(0, n - 1, SUBSAMPLE).astype(np.int64)]))

    def close(self, logged: FloatArray, predicted: FloatArray) -> NDArray[np.bool_]:
        return relative(logged, predicted) <= self.tol

    def table(self, schedule: Schedule) -> FloatArray:
        """``schedule`` at every step 0..(last logged step + 1), evaluated once per schedule and
        shared by the models (positions are looked up instead of evaluated again)."""
        cached = getattr(self, "_table", None)
        if cached is not None and cached[0] is schedule:
            return cached[1]
        table = _safe(schedule, np.arange(int(self.steps[-1]) + 2))
        self._table = (schedule, table)
        return table

    def lookup(self, schedule: Schedule, positions: IntArray) -> FloatArray:
        """``schedule`` at positions, from the table when the log is dense enough to have one."""
        positions = np.asarray(positions, dtype=np.int64)
        if int(self.steps[-1]) > max(4 * len(self.steps), 1 << 16) or not len(positions) \
                or positions.max() > int(self.steps[-1]) + 1:
            return _safe(schedule, positions)
        table = self.table(schedule)
        return np.where(positions >= 0, table[np.maximum(positions, 0)], np.nan)


def _safe(schedule: Schedule, positions: IntArray) -> FloatArray:
    """The schedule at positions (negative ones give NaN: no such step)."""
    positions = np.asarray(positions, dtype=np.int64)
    out = np.full(len(positions), np.nan)
    ok = positions >= 0
    if ok.any():
        out[ok] = np.asarray(schedule(positions[ok]), dtype=np.float64)
    return out


def _measure(log: _Log, predicted: FloatArray, idx: IntArray | None = None) -> tuple[float, float, bool]:
    logged = log.lrs if idx is None else log.lrs[idx]
    differ = np.flatnonzero(logged != predicted)
    if not len(differ):
        return 0.0, 0.0, True
    a, b = logged[differ], predicted[differ]
    rel = relative(a, b)
    with np.errstate(all="ignore"):
        absolute = np.abs(a - b)
    absolute[np.isnan(absolute)] = np.inf
    worst = float(np.max(rel))
    return worst, float(np.max(absolute)), worst <= log.tol


# ------------------------------------------------------------------------------------------------
# Candidate models
# ------------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    causes: tuple[Cause, ...]
    offset: int
    complexity: int
    curve: Callable[[IntArray], FloatArray]  # any updates -> the LR the model says they used
    schedule: Schedule | None = None
    at_log: Callable[[], FloatArray] | None = None  # the predictions at the log's values, when cheaper
    hidden: int = 0  # skipped steps before the first logged value


def _finish(log: _Log, c: _Candidate) -> Explanation:
    updates = log.steps - c.offset
    predicted = c.at_log() if c.at_log is not None else c.curve(updates)
    residual, residual_abs, ok = _measure(log, predicted)
    return Explanation(c.causes, c.offset, updates, predicted, residual, residual_abs, ok,
                       c.complexity, c.schedule, c.curve, c.hidden, log.kind)


def _screened(log: _Log, candidates: list[_Candidate]) -> list[Explanation]:
    """Candidates measured on every value: those that explain the subsample, and the closest of the
    others (4; in a log of more than 2·10^5 values 1, and none when one explains the subsample: a
    long log is not walked once per candidate that cannot win)."""
    if len(log.sub) == len(log.steps):
        return [_finish(log, c) for c in candidates]
    keep = 1 if len(log.steps) > 200_000 else 4
    scored = []
    for c in candidates:
        residual, _, ok = _measure(log, c.curve(log.steps[log.sub] - c.offset), log.sub)
        scored.append((not ok, residual, c))
    scored.sort(key=lambda item: (item[0], item[1]))
    chosen = [c for failed, _, c in scored if not failed]
    chosen += [c for failed, _, c in scored if failed][:0 if chosen and keep == 1 else keep]
    return [_finish(log, c) for c in chosen]


def _offset_cause(offset: int, log: _Log) -> tuple[Cause, ...]:
    if offset == 0:
        return ()
    from warmupctl.calc.actual import meaning

    return (Cause("offset", {"offset": offset}, f"logging convention: {meaning(offset, log.kind)}"),)


def _plain(schedule: Schedule, log: _Log, offset: int, extra: int = 0) -> _Candidate:
    return _Candidate(_offset_cause(offset, log), offset, extra, lambda u: _safe(schedule, u), None,
                      at_log=lambda: log.lookup(schedule, log.steps - offset))


def _stepped(schedule: Schedule, log: _Log, offset: int) -> list[_Candidate]:
    """Per micro-batch (A), per process (N), per epoch (U): the best factor of each on the subsample."""
    k = log.steps - offset
    sub = log.sub
    found: list[_Candidate] = []
    policies: list[tuple[str, Any, str]] = []
    for a in range(2, MAX_FACTOR + 1):
        policies.append(("per-micro-batch", PerMicroBatch(a), "grad_accum"))
    for n in range(2, MAX_FACTOR + 1):
        policies.append(("per-process", TimesPerUpdate(n), "processes"))
    for u in _epoch_candidates(log, k):
        policies.append(("per-epoch", PerEpoch(u), "updates_per_epoch"))
    best: dict[str, tuple[float, Any, str]] = {}
    for word, policy, param in policies:
        residual, _, _ = _measure(log, _safe(schedule, policy.position(k[sub])), sub)
        if word not in best or residual < best[word][0]:
            best[word] = (residual, policy, param)
    texts = {
        "per-micro-batch": "the scheduler was stepped after every micro-batch: {} micro-batches per "
                           "update (update k reads step (k + 1)·{} − 1)",
        "per-process": "the scheduler was stepped {} times per update (once per process: "
                       "update k reads step k·{})",
        "per-epoch": "the scheduler was stepped once per epoch of {} updates (update k reads step "
                     "floor(k / {}))",
    }
    for word, (_, policy, param) in best.items():
        value = int(getattr(policy, "grad_accum", None) or getattr(policy, "times", None)
                    or policy.updates_per_epoch)
        cause = Cause(word, {param: value}, texts[word].format(value, value))
        found.append(_Candidate((cause, *_offset_cause(offset, log)), offset, 1,
                                lambda u, p=policy: _safe(schedule, p.position(u))))
    return found


def _epoch_candidates(log: _Log, k: IntArray) -> list[int]:
    """Epoch lengths worth trying: from the runs of equal consecutive values, and small ones."""
    values = log.lrs
    changes = np.flatnonzero(values[1:] != values[:-1]) + 1
    out: set[int] = set(range(2, 17))
    if len(changes) >= 2:
        gaps = np.diff(k[changes])
        if len(gaps):
            g = int(np.median(gaps))
            out.update(range(max(2, g - 2), g + 3))
    return sorted(out)


def _skipped(schedule: Schedule, log: _Log, offset: int) -> _Candidate | None:
    """Fit a non-decreasing lag (see the module docstring); None when no lag explains the start."""
    k = log.steps - offset
    n = len(k)
    if n == 0 or k[0] < 0:
        return None
    table = log.table(schedule) if int(log.steps[-1]) <= max(4 * n, 1 << 16) else \
        _safe(schedule, np.arange(int(k[-1]) + 1))
    y = log.lrs
    lag = np.zeros(n, dtype=np.int64)
    events: list[tuple[int, int, int]] = []  # (first update possible, last update, count)
    d, i, verified = 0, 0, -1
    failures = 0
    while i < n:
        j, size, mismatch = i, 256, n
        while j < n:
            end = min(n, j + size)
            pos = k[j:end] - d
            got = table[np.maximum(pos, 0)]
            ok = (pos >= 0) & (relative(y[j:end], got) <= log.tol)
            if not ok.all():
                mismatch = j + int(np.argmin(ok))
                end = mismatch
            # The last value that proves lag d: one more skipped step would have given another LR
            # (looked for from the block's end, a few values at a time: most values prove it).
            back = end
            while back > j:
                first = max(j, back - 64 * (1 + (end - back) // 64))
                prev = k[first:back] - d - 1
                proves = (prev < 0) | (relative(y[first:back], table[np.maximum(prev, 0)]) > log.tol)
                if proves.any():
                    verified = first + int(np.flatnonzero(proves)[-1])
                    break
                back = first
            if mismatch < n:
                break
            j, size = end, size * 2
        lag[i:mismatch] = d
        if mismatch >= n:
            break
        m = mismatch
        low = int(k[verified]) if verified >= 0 else 0
        room = int(k[m]) - low if verified >= 0 else int(k[m])
        room = min(room, int(k[m]) - d, MAX_SKIP_RISE)
        if room <= 0:
            lag[m] = d
            failures += 1
            if failures > MAX_FAILURES:
                return None
            i = m + 1
            continue
        tries = np.arange(d + 1, d + room + 1, dtype=np.int64)
        hits = np.flatnonzero(relative(np.full(len(tries), y[m]), table[k[m] - tries]) <= log.tol)
        if not len(hits):
            lag[m] = d
            failures += 1
            if failures > MAX_FAILURES:
                return None  # not a lag: the other models explain this log, or nothing does
            i = m + 1
            continue
        new = int(tries[hits[0]])
        events.append((low, int(k[m]) - 1, new - d))
        d = new
        lag[m] = d
        verified = m if (k[m] - d - 1 < 0 or relative(np.array([y[m]]), table[[k[m] - d - 1]])[0]
                         > log.tol) else verified
        i = m + 1
    if not events:
        return None
    total = sum(c for _, _, c in events)
    exact = all(last - first + 1 == count for first, last, count in events)
    updates = [u for first, last, count in events for u in range(first, last + 1)] if exact else None
    params: dict[str, Any] = {"count": total}
    if updates is not None:
        params["updates"] = updates
    params["windows"] = [{"first": a, "last": b, "count": c} for a, b, c in events]
    text = _skipped_text(log, total, bool(updates), _skipped_places(updates, params["windows"]))
    lag_final = lag.copy()
    cause = Cause("skipped", params, text)
    def curve(u: IntArray) -> FloatArray:
        at = np.searchsorted(k, u, side="right") - 1
        lags = np.where(at >= 0, lag_final[np.maximum(at, 0)], 0)
        return _safe(schedule, np.asarray(u) - lags)

    return _Candidate((cause, *_offset_cause(offset, log)), offset, total + failures * 1000, curve,
                      at_log=lambda: table[np.maximum(k - lag_final, 0)], hidden=int(lag_final[0]))


def _skipped_places(updates: Sequence[int] | None, windows: Sequence[Mapping[str, int]]) -> str:
    """Where skipped steps are, for a cause's text: the updates (12 at most, then "…"), or the windows
    that hold them (6 at most) when the log cannot tell which updates."""
    if updates:
        return ", ".join(map(str, updates[:12])) + (" …" if len(updates) > 12 else "")
    return "; ".join(f"{w['count']} among updates {w['first']}..{w['last']}" for w in windows[:6]) + \
        (" …" if len(windows) > 6 else "")


def _skipped_text(log: _Log, total: int, listed: bool, where: str) -> str:
    """The skipped steps in the words of the trainer that wrote the log."""
    s = "s" if total != 1 else ""
    at = f"{'update' + s + ' ' if listed else ''}{where}"
    if log.kind == "megatron":
        # megatron/training/training.py: train_step() steps opt_param_scheduler only
        # ``if update_successful``; the loop still counts the iteration and training_log() prints
        # ``number of skipped iterations``.
        said = log.facts.get("skipped_iterations")
        counted = "" if said is None else (
            f"; the log itself counts {said} skipped iteration{'s' if said != 1 else ''}")
        return (f"{total} iteration{s} skipped (Megatron-LM: an fp16 loss-scale overflow makes "
                f"update_successful false and opt_param_scheduler.step() is not called, while the "
                f"iteration still counts, so the log lags by {total} at the end{counted}): {at}")
    if log.kind == "fairseq":
        # fairseq/trainer.py: an overflowed update does not advance num_updates (set_num_updates is
        # called only when the step was taken), so fp16 overflow leaves no lag in its log.
        return (f"the scheduler fell {total} update{s} behind num_updates (not fairseq's fp16 "
                f"overflow, which does not count the update in num_updates): {at}")
    return (f"{total} optimizer step{s} skipped (fp16/AMP overflow: the scheduler is not stepped, so "
            f"the log lags by {total} at the end): {at}")


def _first_mismatch(schedule: Schedule, log: _Log, offset: int) -> int | None:
    """The first value the schedule does not give (looked for in growing blocks: it is often early)."""
    k, start, size = log.steps - offset, 0, 4096
    while start < len(k):
        end = min(len(k), start + size)
        ok = log.close(log.lrs[start:end], log.lookup(schedule, k[start:end]))
        if not ok.all():
            return start + int(np.argmin(ok))
        start, size = end, size * 4
    return None


def _resumes(schedule: Schedule, log: _Log, offset: int, rebuild: Rebuild | None) -> list[_Candidate]:
    """A resume at K with a fresh scheduler; a restored one rebuilt for T2 (needs ``rebuild``)."""
    m = _first_mismatch(schedule, log, offset)
    if m is None or m == 0:
        return []
    k = log.steps - offset
    lo, hi = int(k[m - 1]) + 1, int(k[m])
    after = np.arange(m, len(k))
    probe = after[np.unique(np.linspace(0, len(after) - 1, min(len(after), 64)).astype(np.int64))]
    found: list[_Candidate] = []
    best: tuple[float, int] | None = None
    for at in range(lo, min(hi, lo + 4096) + 1):
        residual, _, _ = _measure(log, _safe(schedule, k[probe] - at), probe)
        if best is None or residual < best[0]:
            best = (residual, at)
    if best is not None:
        at = best[1]
        cause = Cause("resume", {"at": at, "scheduler": "fresh"},
                      f"resumed at update {at} with a fresh scheduler (it restarts from step 0)")
        found.append(_Candidate((cause, *_offset_cause(offset, log)), offset, 1,
                                lambda u, at=at: _safe(schedule, np.where(u < at, u, u - at))))
    if rebuild is not None:
        last = int(after[-1])
        total = _solve_total(lambda t: rebuild(total=t), int(k[last]), float(log.lrs[last]),
                             schedule.total_steps)
        if total is not None and total != schedule.total_steps:
            other = rebuild(total=total)
            if other is not None:
                at = lo
                cause = Cause("resume", {"at": at, "scheduler": "restored", "total": total,
                                         "planned_total": schedule.total_steps},
                              f"resumed at update {at} (between updates {lo - 1} and {hi}) with the "
                              f"scheduler restored but rebuilt for {total} updates instead of "
                              f"{schedule.total_steps}")
                found.append(_Candidate((cause, *_offset_cause(offset, log)), offset, 2,
                                        lambda u, at=at, o=other: np.where(
                                            u < at, _safe(schedule, u), _safe(o, u)), other))
    return found


def _solve_total(build: Callable[[int], Schedule | None], k: int, y: float, planned: int) -> int | None:
    """The run length T whose schedule gives ``y`` at update ``k`` (decays rise with T)."""
    def at(t: int) -> float:
        s = build(t)
        return math.nan if s is None else float(_safe(s, np.array([k]))[0])

    lo, hi = k + 1, max(planned, k + 2) * 2
    try:
        while at(hi) < y and hi < 2**40:
            hi *= 2
        if not at(hi) >= y:
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if at(mid) >= y:
                hi = mid
            else:
                lo = mid + 1
    except Exception:  # noqa: BLE001 — a spec that cannot be built at some length: no fit
        return None
    best = min((t for t in (lo - 1, lo, lo + 1) if t > k), key=lambda t: abs(at(t) - y))
    return best


# ------------------------------------------------------------------------------------------------
# The entry point
# ------------------------------------------------------------------------------------------------


def offsets_for(steps: IntArray, convention: int | None) -> list[int]:
    """The alignments tried, the log's own convention first, every value on an update >= 0."""
    from warmupctl.calc.actual import CANDIDATES

    order = ([convention] if convention is not None else []) + [c for c in CANDIDATES if c != convention]
    return [o for o in order if int(steps[0]) - o >= 0]


def explain(schedule: Schedule, steps: IntArray, lrs: FloatArray, *, rounding: float = 0.0,
            convention: int | None = None, offset: int | None = None, rebuild: Rebuild | None = None,
            planned: Mapping[str, Any] | None = None, facts: Mapping[str, int] | None = None,
            lines: IntArray | None = None, runners_up: int = 3, families: bool = True,
            kind: str | None = None) -> Report:
    """Explain the log by the causes of the module docstring.

    Args:
        schedule: the planned schedule.
        steps, lrs: the log (strictly increasing steps).
        rounding: the log's relative rounding (``RunLog.rounding``).
        convention: the logger's own offset when the format fixes it (tried first).
        offset: force ``update = step − offset``.
        rebuild: ``rebuild(warmup=, total=, peak=) -> Schedule`` (any subset; None where the spec
            cannot be rebuilt), for the fitted causes; None skips them.
        planned: the spec's ``warmup``, ``total`` and ``peak``, to name what the fit changed.
        facts: what the log states about the run (``max_steps``, ``global_step``, ...).
        lines: the file line of each value, for the deviations listed.
        runners_up: how many other explanations to keep.
        families: when nothing else explains the log, also fit the families of
            :mod:`warmupctl.calc.infer` (another scheduler type).
        kind: the log's format (``RunLog.kind``): the causes are said in the words of the trainer
            that wrote it (Megatron-LM's iterations, fairseq's num_updates).
    """
    facts = dict(facts or {})
    log = _Log(steps, lrs, rounding, kind, facts)
    tried = [offset] if offset is not None else offsets_for(log.steps, convention)
    explanations = _screened(log, [_plain(schedule, log, o) for o in tried])
    if not any(e.explained for e in explanations):
        extra: list[_Candidate] = []
        for o in tried:
            skipped = _skipped(schedule, log, o)
            if skipped is not None:
                extra.append(skipped)
            extra.extend(_stepped(schedule, log, o))
            extra.extend(_resumes(schedule, log, o, rebuild))
        explanations.extend(_screened(log, extra))
        if not any(e.explained for e in explanations):  # causes together: a resume with skips
            from warmupctl.calc import explain_combos as combo

            explanations.extend(_screened(log, [
                c for o in tried for c in (*combo.resume_with_skips(schedule, log, o),
                                           *combo.restored_with_skips(schedule, log, o, rebuild))]))
        # A refit (warmup, length, peak) is tried unless a one-parameter cause explains the log, or
        # skipped steps do (a lag that grows step by step is not a schedule of another length).
        if not any(e.explained and (e.complexity <= 1 or e.name == "skipped") for e in explanations):
            from warmupctl.calc.explain_refit import refit

            refits = [c for o in tried
                      for c in refit(schedule, log, o, rebuild, planned or {}, facts.get("max_steps"))]
            explanations.extend(_screened(log, refits))
    if families and not any(e.explained for e in explanations):
        explanations.extend(_other_types(schedule, log, steps, lrs, rounding, convention, facts))
    explanations.sort(key=lambda e: preference(e, convention, tried))
    best = explanations[0]
    seen = {_signature(best)}
    others = []
    for e in explanations[1:]:
        if _signature(e) not in seen and len(others) < runners_up:
            seen.add(_signature(e))
            others.append(e)
    worst: tuple[Worst, ...] = ()
    if not best.explained:
        rel = relative(log.lrs, best.predicted)
        top = np.argsort(-np.where(np.isfinite(rel), rel, np.inf), kind="stable")[:WORST]
        worst = tuple(Worst(int(log.steps[i]), int(best.updates[i]), float(log.lrs[i]),
                            float(best.predicted[i]), float(rel[i]),
                            None if lines is None else int(lines[i])) for i in top)
    notes = list(_stop_notes(facts, log, best))
    return Report(schedule.label, best, tuple(others), log.tol, len(log.steps), worst, tuple(notes),
                  None, facts)


def preference(e: Explanation, convention: int | None, tried: Sequence[int] = ()) -> tuple[Any, ...]:
    """The one ranking of explanations (``explain`` and ``summary --actual``'s ``skipped`` use it).

    Those that explain the log first. Among them, at equal residual within the log's rounding:

    1. a reading under which the log starts on the schedule: a lag already there at the first logged
       value (skipped steps before it) is what another logging convention also gives, so the values
       cannot prove it;
    2. the log's own convention, when its format states it (when every reading needs such a hidden
       lag, the convention is the only evidence of how much of it is offset);
    3. the fewest causes and parameters (parsimony: the fewest skipped steps);
    4. the smallest residual, then the earlier offset tried (the log's own first).

    The others by how close they come, then the simplest.
    """
    order = tried.index(e.offset) if e.offset in tried else len(tried)
    if not e.explained:
        return (True, e.residual, e.complexity, order)
    return (False, e.hidden > 0, convention is not None and e.offset != convention, e.complexity,
            e.residual, order)


def _other_types(schedule: Schedule, log: _Log, steps: IntArray, lrs: FloatArray, rounding: float,
                 convention: int | None, facts: Mapping[str, int]) -> list[Explanation]:
    """Another scheduler type (a family of :mod:`warmupctl.calc.infer` fitted to the log)."""
    from warmupctl.calc.infer import infer, planned

    found = []
    for inferred in infer(steps, lrs, rounding=rounding, convention=convention, facts=facts)[:2]:
        stated = planned(inferred.spec)
        params: dict[str, Any] = {"schedule": inferred.family, **stated}
        extra = {key: value for key, value in inferred.spec.items()
                 if key not in ("kind", "schedule", "lr", "args", "warmup_steps", "total_steps")}
        params.update(extra)
        text = (f"the scheduler was {inferred.family} (warmup {stated.get('warmup')}, "
                f"{stated.get('total', 'no')} updates, peak {stated['peak']:g}"
                + "".join(f", {key} {value}" for key, value in extra.items())
                + f"), not {schedule.label}")
        cause = Cause("type", params, text)
        fitted = inferred.schedule
        found.append(_finish(log, _Candidate((cause, *_offset_cause(inferred.offset, log)),
                                             inferred.offset,
                                             3, lambda u, f=fitted: _safe(f, u), fitted)))
    return found


def _signature(e: Explanation) -> tuple[Any, ...]:
    return (e.offset, tuple((c.name, tuple(sorted((k, str(v)) for k, v in c.params.items())))
                            for c in e.causes))


def _stop_notes(facts: Mapping[str, int], log: _Log, best: Explanation):
    """Stopped early or still going — only when the log's own state says so."""
    total, done = facts.get("max_steps"), facts.get("global_step")
    if total and done and done < total:
        yield (f"the run stopped at update {done} of its max_steps {total} (stopped early, or still "
               "going when the log was copied)")
