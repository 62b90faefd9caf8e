"""A run's logged LR against the computed schedule: which update each value belongs to, and how far
it is from ``schedule(update)``. Pure: arrays in, a frozen :class:`Overlay` out.

**Alignment.** A logger writes ``(step, lr)``; the value belongs to optimizer update
``k = step - offset``. transformers' Trainer, logging every ``logging_steps`` updates, writes
``step = state.global_step``, the count of updates completed (incremented right after
``lr_scheduler.step()``), and the ``learning_rate`` read

* **before** ``lr_scheduler.step()`` since transformers 4.51.0 (PR #36973, "Log the correct learning
  rate", fixing issues #28124 and #35942; ``trainer.py``: ``learning_rate = self._get_learning_rate()``
  after ``optimizer.step()``, then ``lr_scheduler.step()``, then ``global_step += 1``, then
  ``_maybe_log_save_evaluate(..., learning_rate=learning_rate)``; checked in 4.51.0 and 5.23.0): the
  entry with ``step`` s holds the LR of the update just done, update ``s - 1`` — **offset 1**. So the
  first entry of a run logged every update is ``step`` 1 with the LR of update 0 (0 for a warmup);
* **after** it up to 4.50.3 (``_maybe_log_save_evaluate`` called ``self._get_learning_rate()``,
  i.e. ``lr_scheduler.get_last_lr()[0]``, after ``lr_scheduler.step()``): ``step`` s holds the LR the
  *next* update, update ``s``, will use — **offset 0**.

``TensorBoardCallback`` and ``WandbCallback`` log the same value at the same ``global_step``, so their
exports follow the same rule. A hand-written loop may use any other (``writer.add_scalar("lr",
get_last_lr()[0], k)`` after ``scheduler.step()`` in update k is offset −1). :func:`align` with
``offset=None`` tries :data:`CANDIDATES` and keeps the alignment whose deviations have the smallest
median (then the smallest total, then the smallest largest one; a tie goes to the earlier candidate, the
current transformers convention). The median, not the largest deviation, decides: one wrong value in a
log (the very thing to find) must not turn the alignment of all the others.
A skipped optimizer step (an fp16 overflow) does not advance the scheduler but does count in
``global_step``: the log then runs one update behind the schedule from there on, and no single offset
fits — the deviation report shows where.

**Deviation.** ``|logged - computed|`` and ``|logged - computed| / max(|logged|, |computed|)`` (0 where
both are 0, inf where the schedule is undefined), as :mod:`warmupctl.calc.compare` measures a diff.
A float32 log (TensorBoard) is also compared with the computed LR rounded to float32.

Example:
    >>> from warmupctl import schedule
    >>> s = schedule(kind="linear", warmup_steps=2, total_steps=4, lr=1.0)
    >>> s.values().tolist()
    [0.0, 0.5, 1.0, 0.5]
    >>> o = align(s, np.array([1, 2, 3, 4]), np.array([0.0, 0.5, 1.0, 0.5]))   # transformers >= 4.51
    >>> o.offset, o.exact, o.largest.abs_diff
    (1, 4, 0.0)
    >>> align(s, np.array([0, 1, 2, 3]), np.array([0.0, 0.5, 1.0, 0.5])).offset  # logged before the update
    0
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.core.errors import EngineError
from warmupctl.engine import Schedule

#: Offsets :func:`align` tries when none is given, preferred in this order on a tie.
CANDIDATES: tuple[int, ...] = (1, 0, -1)

#: What each offset means, for notes.
MEANINGS: dict[int, str] = {
    1: "update = step − 1: the LR of the update just done (transformers >= 4.51 reads it before "
       "lr_scheduler.step())",
    0: "update = step: the LR of the next update (transformers <= 4.50 logged get_last_lr() after "
       "lr_scheduler.step(); or a loop that logs before its update)",
    -1: "update = step + 1: a loop counting updates from 0 that logs get_last_lr() after "
        "scheduler.step()",
}

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


#: The convention in the words of the trainer that wrote the log, by log format (``RunLog.kind``):
#: its own step word, and what it logs beside it. A format not listed here whose writer is not
#: transformers is said in its step word only (:data:`STEP_WORDS`).
FORMAT_MEANINGS: dict[str, dict[int, str]] = {
    # megatron/training/training.py: train_step() calls opt_param_scheduler.step() after a successful
    # optimizer.step(), then the loop does iteration += 1 and training_log() prints the group's lr.
    "megatron": {
        0: "update = iteration: Megatron-LM prints on the line of iteration N the LR that "
           "opt_param_scheduler.step() set at the end of iteration N, the one iteration N + 1 uses "
           "(update N, counting from 0)",
        1: "update = iteration − 1: the LR iteration N used itself (Megatron-LM prints the one set "
           "for the next iteration: not how it logs)",
    },
    # fairseq/trainer.py: set_num_updates(n) -> lr_step_update() steps the scheduler to n and logs lr.
    "fairseq": {
        0: "update = num_updates: fairseq logs lr after lr_step_update() set it for num_updates n, "
           "the LR of the next update (update n, counting from 0)",
        1: "update = num_updates − 1: the LR of the update just done (fairseq logs the next one's: "
           "not how it logs)",
    },
}
#: The step word of a format whose writer is known and is not the transformers Trainer.
STEP_WORDS: dict[str, str] = {"megatron": "iteration", "fairseq": "num_updates", "lightning": "step",
                              "mmengine": "step", "ultralytics": "epoch", "timm": "epoch"}


def meaning(offset: int, kind: str | None = None) -> str:
    """``update = step − offset``, in words where the offset is a known convention; ``kind`` (the
    log's format) says it in the words of the trainer that wrote the log.

    >>> meaning(0, "megatron").split(":")[0], meaning(2, "fairseq")
    ('update = iteration', 'update = num_updates − 2')
    """
    if kind in FORMAT_MEANINGS and offset in FORMAT_MEANINGS[kind]:
        return FORMAT_MEANINGS[kind][offset]
    if kind in STEP_WORDS:
        word = STEP_WORDS[kind]
        return f"update = {word}" if offset == 0 else \
            f"update = {word} {'−' if offset > 0 else '+'} {abs(offset)}"
    if offset in MEANINGS:
        return MEANINGS[offset]
    return f"update = step {'−' if offset > 0 else '+'} {abs(offset)}"


@dataclass(frozen=True)
class Fit:
    """One alignment tried: the median, the total and the largest ``|logged − computed|`` under it."""

    offset: int
    median: float
    total: float
    largest: float

    @property
    def key(self) -> tuple[float, float, float]:
        return self.median, self.total, self.largest


@dataclass(frozen=True)
class Deviation:
    """One logged value against the schedule, where it deviates most."""

    update: int
    step: int
    logged: float
    computed: float
    abs_diff: float
    rel_diff: float
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"update": self.update, "step": self.step, "logged": self.logged,
                "computed": self.computed, "abs_diff": _finite(self.abs_diff),
                "rel_diff": _finite(self.rel_diff), "line": self.line}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class Overlay:
    """The logged LRs placed on the schedule's updates, and how far they are from it.

    Attributes:
        label: the schedule's label.
        total_steps: the schedule's length (a log may stop before it, or run past it).
        offset: ``update = step − offset``.
        automatic: the offset was chosen by :func:`align` (else given).
        fits: every alignment tried (auto), best first; just the given one otherwise.
        steps, updates, logged, computed, lines: per logged value, in step order.
        largest: the value with the largest ``|logged − computed|`` (the first of equals).
        exact: values equal to the computed LR, bit for bit.
        float32_exact: values equal to the computed LR rounded to float32 (None: not a float32 log).
        from_log: why the offset is the log format's own (its logger's convention), else None.
        skipped: optimizer steps the log shows skipped (fp16 overflow: the scheduler was not stepped,
            so the log lags by a growing count): ``count``, ``updates`` (None when the log does not
            say which exactly), ``windows`` (``first``..``last`` updates holding ``count`` skips) and
            the ``offset`` under which they explain the log; count 0 when no lag explains it.
        kind: the log's format (``RunLog.kind``), to say the alignment in its trainer's words.
    """

    label: str
    total_steps: int
    offset: int
    automatic: bool
    fits: tuple[Fit, ...]
    steps: IntArray
    updates: IntArray
    logged: FloatArray
    computed: FloatArray
    lines: IntArray | None
    largest: Deviation
    exact: int
    float32_exact: int | None = None
    skipped: Mapping[str, Any] = field(default_factory=lambda: {"count": 0, "updates": []})
    kind: str | None = None
    #: Why the offset is the log format's own (its logger's convention), else None.
    from_log: str | None = None

    @property
    def count(self) -> int:
        return len(self.updates)

    @property
    def first_update(self) -> int:
        return int(self.updates[0])

    @property
    def last_update(self) -> int:
        return int(self.updates[-1])

    def describe(self) -> str:
        """One line: the verdict, with the largest deviation and where."""
        n = self.count
        span = f"update{'s' if n != 1 else ''} {self.first_update}" + (
            f"..{self.last_update}" if n != 1 else "")
        head = f"{n} logged LR{'s' if n != 1 else ''} ({span})"
        if self.exact == n:
            return f"{head} equal {self.label} exactly, bit for bit"
        top = self.largest
        line = f", line {top.line}" if top.line is not None else ""
        text = (f"{head} vs {self.label}: largest deviation {top.abs_diff:.3g} "
                f"({_percent(top.rel_diff)}) at update {top.update} (step {top.step}{line}): "
                f"logged {top.logged!r}, computed {top.computed!r}; {self.exact} of {n} exact")
        if self.float32_exact is not None:
            text += f", {self.float32_exact} of {n} equal in float32"
        count = self.skipped["count"]
        if count:
            updates = self.skipped.get("updates")
            where = (f"updates {', '.join(map(str, updates[:10]))}{' …' if len(updates) > 10 else ''}"
                     if updates else "see warmupctl explain")
            text += (f"; {count} skipped optimizer step{'s' if count != 1 else ''} (fp16 overflow: "
                     f"the scheduler was not stepped) explain the lag: {where}")
        return text

    def alignment(self) -> str:
        """One line: the alignment, and why it was chosen."""
        text = meaning(self.offset, self.kind)
        if self.from_log:
            return f"{text} ({self.from_log})"
        if not self.automatic:
            return f"{text} (--actual-offset {self.offset})"
        others = [f for f in self.fits if f.offset != self.offset]
        if not others:
            return f"{text} (the only alignment that puts every value on an update >= 0)"
        best = self.fits[0]
        versus = "; ".join(f"{_g(f.median)} for {_short(f.offset)}" for f in others)
        if all(f.key == best.key for f in others):
            return f"{text}: every alignment fits equally (median deviation {_g(best.median)}); " \
                   "assumed (--actual-offset to choose)"
        return f"{text}: chosen by its median deviation, {_g(best.median)} (vs {versus})"

    def rows(self) -> LoggedRows:
        """The logged values as a table of ``warmupctl diff`` (a ``RowSource``), at their updates."""
        return LoggedRows(self.updates, self.logged, self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "offset": self.offset, "automatic": self.automatic, "alignment": meaning(self.offset, self.kind),
            "convention": self.from_log,
            "fits": [{"offset": f.offset, "median": _finite(f.median), "total": _finite(f.total),
                      "largest": _finite(f.largest)} for f in self.fits],
            "count": self.count, "first_update": self.first_update, "last_update": self.last_update,
            "exact": self.exact, "float32_exact": self.float32_exact,
            "largest": self.largest.as_dict(),
            "skipped": dict(self.skipped),
        }


def _g(value: float) -> str:
    return "0" if value == 0 else f"{value:.3g}"


def _short(offset: int) -> str:
    return "update = step" if offset == 0 else \
        f"update = step {'−' if offset > 0 else '+'} {abs(offset)}"


def _percent(rel: float) -> str:
    if not math.isfinite(rel):
        return "the schedule is undefined there"
    return f"{100 * rel:.3g} % of the larger"


@dataclass(frozen=True, eq=False)
class LoggedRows:
    """Logged values at their updates, read like a saved table by :func:`warmupctl.calc.compare.compare`."""

    updates: IntArray
    values: FloatArray
    lines: IntArray | None
    kind: str = "log"
    label: str | None = None

    def blocks(self, chunk_size: int = 1 << 16) -> Iterator[tuple[IntArray, FloatArray]]:
        for first in range(0, len(self.updates), chunk_size):
            yield self.updates[first:first + chunk_size], self.values[first:first + chunk_size]

    def line_of(self, row: int) -> int | None:
        if self.lines is None or not len(self.lines):
            return None
        return int(self.lines[min(row, len(self.lines) - 1)])


def deviations(logged: FloatArray, computed: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``|logged − computed|`` (inf where either is NaN) and the relative deviation.

    >>> [a.tolist() for a in deviations(np.array([1.0, 0.0, 2.0]), np.array([1.0, 0.0, 1.0]))]
    [[0.0, 0.0, 1.0], [0.0, 0.0, 0.5]]
    """
    with np.errstate(all="ignore"):
        equal = logged == computed
        absolute = np.where(equal, 0.0, np.abs(logged - computed))
        absolute[np.isnan(absolute)] = np.inf
        magnitude = np.maximum(np.abs(logged), np.abs(computed))
        relative = np.where(absolute == 0.0, 0.0, absolute / magnitude)
        relative[np.isnan(relative)] = np.inf
    return absolute, relative


def _fit(offset: int, schedule: Schedule, steps: IntArray,
         logged: FloatArray) -> tuple[Fit, IntArray, FloatArray]:
    updates = steps - offset
    computed = np.asarray(schedule(updates), dtype=np.float64)
    absolute, _ = deviations(logged, computed)
    with np.errstate(all="ignore"):
        total = float(np.sum(absolute))
    return Fit(offset, float(np.median(absolute)), total, float(np.max(absolute))), updates, computed


def align(schedule: Schedule, steps: IntArray, logged: FloatArray, lines: IntArray | None = None, *,
          offset: int | None = None, float32: bool = False, convention: int | None = None,
          kind: str | None = None, rounding: float = 0.0) -> Overlay:
    """Place logged values on the schedule's updates (``update = step − offset``) and measure them.

    Args:
        schedule: the computed schedule.
        steps: the logger's steps, strictly increasing (as :func:`warmupctl.spec.logs.read_log`
            returns them).
        logged: the logged LRs.
        lines: the file line of each value, for reports.
        offset: ``update = step − offset``; None tries :data:`CANDIDATES` (those that put every value
            on an update >= 0) and keeps the best fit (see the module docstring).
        float32: the values were stored as float32: also count matches with ``float32(computed)``.
        convention: the log's own offset when its format states it (``RunLog.offset``): it decides
            between readings of the skipped steps as :func:`warmupctl.calc.explain.preference` does.
        kind: the log's format (``RunLog.kind``): the alignment is said in its trainer's words.
        rounding: the log's relative rounding (``RunLog.rounding``: a text log's printed digits),
            within which skipped steps explain it.
    """
    steps = np.asarray(steps, dtype=np.int64)
    logged = np.asarray(logged, dtype=np.float64)
    if not len(steps) or len(steps) != len(logged):
        raise EngineError("align: steps and logged values must be non-empty and of equal length")
    first = int(steps[0])
    tried = [offset] if offset is not None else [c for c in CANDIDATES if first - c >= 0]
    if not tried or first - tried[0] < 0:
        raise EngineError(f"align: offset {offset} puts step {first} before update 0")
    results = [_fit(c, schedule, steps, logged) for c in tried]
    # min() keeps the first of equal keys: the preferred candidate on a tie.
    best = min(range(len(results)), key=lambda i: results[i][0].key)
    fit, updates, computed = results[best]
    fits = (fit, *(r[0] for i, r in enumerate(results) if i != best))
    absolute, relative = deviations(logged, computed)
    i = int(np.argmax(absolute))
    line = int(lines[i]) if lines is not None and len(lines) else None
    largest = Deviation(int(updates[i]), int(steps[i]), float(logged[i]), float(computed[i]),
                        float(absolute[i]), float(relative[i]), line)
    float32_exact = None
    if float32:
        with np.errstate(all="ignore"):
            rounded = computed.astype(np.float32).astype(np.float64)
        float32_exact = int(np.count_nonzero(logged == rounded))
    exact = int(np.count_nonzero(logged == computed))
    # A log equal to the schedule (in float32 for a float32 log, within its printed digits for a
    # text log) has nothing to explain: no skipped step.
    matched = exact == len(steps) or float32_exact == len(steps) or (
        rounding > 0 and bool(np.all(relative <= rounding * 1.0001)))
    skipped = (None if matched else
               _skipped_steps(schedule, steps, logged, tried, float32, convention, rounding))
    extra: dict[str, Any] = {"skipped": skipped} if skipped else {}
    return Overlay(
        label=schedule.label, total_steps=schedule.total_steps, offset=fit.offset,
        automatic=offset is None, fits=fits, steps=steps, updates=updates, logged=logged,
        computed=computed, lines=None if lines is None else np.asarray(lines, dtype=np.int64),
        largest=largest, exact=exact, float32_exact=float32_exact, kind=kind,
        **extra,
    )


def _skipped_steps(schedule: Schedule, steps: IntArray, logged: FloatArray, offsets: list[int],
                   float32: bool, convention: int | None = None,
                   rounding: float = 0.0) -> dict[str, Any] | None:
    """The skipped optimizer steps that explain the log exactly (within float32 for a float32 log),
    under the offset :func:`warmupctl.calc.explain.preference` ranks first (the one ``explain``
    chooses: the fewest steps, a hidden lag decided by the log's convention); None when no lag
    explains it (:func:`warmupctl.calc.explain.explain` fits the other causes)."""
    from warmupctl.calc.explain import _finish, _Log, _skipped, preference

    log = _Log(steps, logged, max(rounding, 2.0 ** -24 if float32 else 0.0))
    found = []
    for offset in offsets:
        candidate = _skipped(schedule, log, offset)
        if candidate is None:
            continue
        explanation = _finish(log, candidate)
        if explanation.explained:
            found.append(explanation)
    if not found:
        return None
    best = min(found, key=lambda e: preference(e, convention, offsets))
    params = best.causes[0].params
    return {"count": params["count"], "updates": params.get("updates"), "windows": params["windows"],
            "offset": best.offset}


def coverage(overlay: Overlay) -> str | None:
    """A remark when the log does not cover the schedule's run: it stops early, starts late, or runs
    past the end (where the schedule is evaluated past ``total_steps``)."""
    total = overlay.total_steps
    if overlay.last_update >= total:
        past = f"update {total}" if overlay.last_update == total else \
            f"updates {total}..{overlay.last_update}"
        return (f"the log runs to update {overlay.last_update}, past the schedule's {total} updates: "
                f"{past} {'is' if overlay.last_update == total else 'are'} compared with the schedule "
                "past its end")
    # A log written every n updates ends up to n - 1 updates before the run's end (a finished run of
    # 1173 updates logged every 10 has its last value at update 1169): that is not a stop.
    spacing = int(np.median(np.diff(overlay.steps))) if overlay.count > 1 else 1
    if overlay.last_update < total - spacing and overlay.count > 1:
        return (f"the log stops at update {overlay.last_update} of the schedule's {total} "
                "(a run still going, or stopped early?)")
    return None
