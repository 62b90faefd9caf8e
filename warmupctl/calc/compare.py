"""Two schedules, update by update: the verdict of ``warmupctl diff``, in bounded memory.

Each side is a :class:`~warmupctl.engine.Schedule` (a spec) or a saved table (any :class:`RowSource`:
rows of ``(step, lr)`` with strictly increasing steps, such as
:class:`warmupctl.spec.table_file.TableFile`). Nothing here reads files or prints.

**What is compared.** Two specs: updates ``0 .. N-1``, ``N`` the longer run (or ``steps``); a run
shorter than ``N`` holds its final value, as a schedule does past its end. A spec and a table: the
table's own steps (a table written with ``--every 100`` is compared at 0, 100, 200, ...). Two tables:
row by row; the first row where their steps differ ends the comparison.

**When two LRs are the same.** ``|a - b| <= max(atol, rtol * max(|a|, |b|))`` — symmetric in A and
B, as :func:`math.isclose`. NaN equals NaN (both sides undefined there).

* ``rtol`` defaults to :data:`RTOL` = 1e-9. Float64 results of ``cos``, ``exp`` and ``pow`` may
  differ by a few ulp between CPUs and numpy builds (numpy#23523), and a replayed recursion adds an ulp
  per update; 1e-9 is about 4.5 million ulp, far above that noise, and far below any intended change
  (a warmup one update longer moves LRs by about 1/W of the peak).
* ``atol`` defaults to :data:`ATOL_SCALE` (1e-12) × the largest ``|LR|`` of either side. Near the end
  of a cosine that decays to 0, ``1 + cos(x)`` cancels: a one-ulp difference of ``cos`` is then a
  large *relative* error of a tiny LR (about 4e-16·N²/π² of it at the last of N updates: over 1e-9
  from N = 10^4), though a negligible fraction of the peak. ``atol=0, rtol=0`` asks for bit-identical
  values.

**Length.** A spec's length is its ``total_steps`` (or ``steps``); a table's is its last step + 1.
Different lengths are a difference, whatever the values.

Example:
    >>> from warmupctl import schedule
    >>> a = schedule(kind="linear", warmup_steps=2, total_steps=5, lr=1.0)
    >>> b = schedule(kind="linear", warmup_steps=3, total_steps=5, lr=1.0)
    >>> a.values().tolist()[:3], b.values().tolist()[:3]
    ([0.0, 0.5, 1.0], [0.0, 0.3333333333333333, 0.6666666666666666])
    >>> result = compare(a, b)
    >>> result.same, result.differing, (result.first.step, result.first.a, result.first.b)
    (False, 4, (1, 0.5, 0.3333333333333333))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.summary import Summary, summarize
from warmupctl.core.errors import EngineError
from warmupctl.engine import Schedule
from warmupctl.engine.schedule import CHUNK_SIZE

#: Default relative tolerance (see the module docstring for why).
RTOL = 1e-9
#: Default absolute tolerance, as a fraction of the largest |LR| of the two sides.
ATOL_SCALE = 1e-12
#: Rows of a table read at once (a parsed row costs far more than an evaluated update).
TABLE_ROWS = 1 << 16

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class RowSource(Protocol):
    """A saved table: ``(steps, lrs)`` blocks in file order, steps strictly increasing.

    ``blocks`` may be called more than once (the rows are walked twice: key events, then values);
    ``line_of(row)`` is the line of the file that holds row ``row`` (0-based), for messages (None: a
    source without line numbers).
    """

    @property
    def kind(self) -> str: ...  # read-only: a frozen dataclass (TableFile) matches

    @property
    def label(self) -> str | None: ...

    def blocks(self, chunk_size: int = ...) -> Iterator[tuple[IntArray, FloatArray]]: ...

    def line_of(self, row: int) -> int | None: ...


Operand = Schedule | RowSource


@dataclass(frozen=True)
class Events:
    """The key events of one side, over its own length.

    ``warmup_steps`` is where a spec's warmup hands over (0: none); a table does not record it
    (None), and its peak step says the same for warmupctl's own schedules.
    """

    length: int
    rows: int
    first_step: int
    first_lr: float
    warmup_steps: int | None
    warmup_end_lr: float | None
    peak_step: int
    peak_lr: float
    final_step: int
    final_lr: float
    min_lr: float

    @property
    def scale(self) -> float:
        """The largest ``|LR|``, which sets the default absolute tolerance (0 when undefined)."""
        magnitude = max(abs(self.peak_lr), abs(self.min_lr))
        return magnitude if math.isfinite(magnitude) else 0.0

    @property
    def dense(self) -> bool:
        """Every update ``0 .. length-1`` is present."""
        return self.first_step == 0 and self.rows == self.length

    def as_dict(self) -> dict[str, Any]:
        return {
            "length": self.length, "rows": self.rows, "first_step": self.first_step,
            "first_lr": self.first_lr, "warmup_steps": self.warmup_steps,
            "warmup_end_lr": self.warmup_end_lr, "peak_step": self.peak_step,
            "peak_lr": self.peak_lr, "final_step": self.final_step, "final_lr": self.final_lr,
        }


def events_from_summary(summary: Summary, warmup_steps: int | None = None) -> Events:
    """A spec's events, from :func:`~warmupctl.calc.summary.summarize`."""
    return Events(
        length=summary.total_steps, rows=summary.total_steps, first_step=0,
        first_lr=summary.first_lr,
        warmup_steps=summary.warmup_steps if warmup_steps is None else warmup_steps,
        warmup_end_lr=summary.warmup_end_lr, peak_step=summary.peak_step, peak_lr=summary.peak_lr,
        final_step=summary.final_step, final_lr=summary.final_lr, min_lr=summary.min_lr,
    )


def events_from_rows(blocks: Iterable[tuple[IntArray, FloatArray]]) -> Events:
    """The same events as :func:`summarize`, from rows: the first row, the peak (its first
    occurrence), the last row. The length is the last step + 1."""
    rows = 0
    first_step = peak_step = final_step = -1
    first_lr = final_lr = math.nan
    peak, low = -math.inf, math.inf
    for steps, lrs in blocks:
        if not len(steps):
            continue
        if rows == 0:
            first_step, first_lr = int(steps[0]), float(lrs[0])
        defined = ~np.isnan(lrs)
        if defined.any():
            top = int(np.argmax(np.where(defined, lrs, -np.inf)))
            if lrs[top] > peak:
                peak, peak_step = float(lrs[top]), int(steps[top])
            low = min(low, float(np.min(lrs[defined])))
        rows += len(steps)
        final_step, final_lr = int(steps[-1]), float(lrs[-1])
    if rows == 0:
        raise EngineError("events_from_rows: no rows")
    if peak_step < 0:  # every value undefined
        peak, peak_step, low = math.nan, first_step, math.nan
    return Events(length=final_step + 1, rows=rows, first_step=first_step, first_lr=first_lr,
                  warmup_steps=None, warmup_end_lr=None, peak_step=peak_step, peak_lr=peak,
                  final_step=final_step, final_lr=final_lr, min_lr=low)


@dataclass(frozen=True)
class Side:
    """One operand as the report names it."""

    name: str
    kind: str  # "spec", "csv" or "json"
    label: str
    events: Events
    spec: Mapping[str, Any] | None = None
    source: str | None = None
    last_line: int | None = None  # a table's line holding its last row

    @property
    def length(self) -> int:
        return self.events.length

    @property
    def is_table(self) -> bool:
        return self.kind != "spec"


@dataclass(frozen=True, kw_only=True)
class TableLines:
    """The lines of saved tables A and B that hold a row (None: that side is a spec, or read whole)."""

    line_a: int | None = None
    line_b: int | None = None

    def line(self, which: str) -> int | None:
        """The line in table ``which``, ``"a"`` or ``"b"``."""
        return self.line_b if which == "b" else self.line_a


@dataclass(frozen=True)
class Point(TableLines):
    """One compared update: both values, their difference, and the table lines that hold them."""

    step: int
    a: float
    b: float
    abs_diff: float
    rel_diff: float


@dataclass(frozen=True)
class StepMismatch(TableLines):
    """Two tables whose rows stop naming the same update: row ``row`` is update ``step_a`` in A and
    ``step_b`` in B."""

    row: int
    step_a: int
    step_b: int


@dataclass(frozen=True)
class EventChange:
    """A key event that differs: ``event`` is "LR at update 0", "warmup end", "peak step",
    "peak LR", "final step" or "final LR"."""

    event: str
    a: float | int | None
    b: float | int | None


@dataclass(frozen=True)
class Comparison:
    """The verdict. ``same`` when no compared update differs, the lengths agree and (two tables)
    the rows name the same updates."""

    a: Side
    b: Side
    rtol: float
    atol: float
    compared: int
    differing: int
    first: Point | None
    largest_abs: Point | None
    largest_rel: Point | None
    steps_mismatch: StepMismatch | None = None
    changes: tuple[EventChange, ...] = field(default=())

    @property
    def length_mismatch(self) -> bool:
        return self.a.length != self.b.length

    @property
    def same(self) -> bool:
        return self.differing == 0 and not self.length_mismatch and self.steps_mismatch is None

    @property
    def identical(self) -> bool:
        """Same, bit for bit."""
        return self.same and (self.largest_abs is None or self.largest_abs.abs_diff == 0.0)


def close(a: float, b: float, rtol: float, atol: float) -> bool:
    """The scalar form of the rule above (for key events).

    >>> close(1.0, 1.0 + 1e-12, RTOL, 0.0), close(0.0, 1e-20, RTOL, 0.0), close(0.0, 1e-20, 0.0, 1e-16)
    (True, False, True)
    """
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= max(atol, rtol * max(abs(a), abs(b)))


def default_atol(a: Events, b: Events) -> float:
    """:data:`ATOL_SCALE` × the largest ``|LR|`` of either side."""
    return ATOL_SCALE * max(a.scale, b.scale)


def event_changes(a: Events, b: Events, rtol: float, atol: float) -> tuple[EventChange, ...]:
    """The key events that differ: steps exactly, LRs within the tolerances."""
    changes: list[EventChange] = []

    def lr(event: str, x: float | None, y: float | None) -> None:
        if x is not None and y is not None and not close(x, y, rtol, atol):
            changes.append(EventChange(event, x, y))

    def step(event: str, x: int | None, y: int | None) -> None:
        if x is not None and y is not None and x != y:
            changes.append(EventChange(event, x, y))

    if a.first_step == b.first_step:
        lr(f"LR at update {a.first_step}", a.first_lr, b.first_lr)
    step("warmup end", a.warmup_steps, b.warmup_steps)
    if a.warmup_steps == b.warmup_steps:
        lr("warmup end LR", a.warmup_end_lr, b.warmup_end_lr)
    step("peak step", a.peak_step, b.peak_step)
    lr("peak LR", a.peak_lr, b.peak_lr)
    step("final step", a.final_step, b.final_step)
    lr("final LR", a.final_lr, b.final_lr)
    return tuple(changes)


# ------------------------------------------------------------------------------------------------
# Walking both sides in step
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    """Aligned values of both sides; ``first_row`` is the table row of element 0."""

    steps_a: IntArray
    steps_b: IntArray
    a: FloatArray
    b: FloatArray
    first_row: int


def _align(left: Iterator[tuple[np.ndarray, ...]],
           right: Iterator[tuple[np.ndarray, ...]]) -> Iterator[tuple[tuple[np.ndarray, ...], ...]]:
    """Re-cut two streams of equal-length array tuples into blocks of equal length; stops when
    either stream ends."""
    held_l: tuple[np.ndarray, ...] | None = None
    held_r: tuple[np.ndarray, ...] | None = None
    while True:
        if held_l is None or not len(held_l[0]):
            held_l = next(left, None)
            if held_l is None:
                return
            continue
        if held_r is None or not len(held_r[0]):
            held_r = next(right, None)
            if held_r is None:
                return
            continue
        n = min(len(held_l[0]), len(held_r[0]))
        yield tuple(x[:n] for x in held_l), tuple(x[:n] for x in held_r)
        held_l = tuple(x[n:] for x in held_l)
        held_r = tuple(x[n:] for x in held_r)


def _schedule_stream(schedule: Schedule, count: int, chunk_size: int) -> Iterator[tuple[np.ndarray, ...]]:
    for first, values in schedule.iter_chunks(count, chunk_size):
        yield np.arange(first, first + len(values), dtype=np.int64), values


def _pairs(a: Operand, b: Operand, count: int, chunk_size: int, rows: int) -> Iterator[_Pair]:
    """Both sides' values at the compared updates (see the module docstring)."""
    a_spec, b_spec = isinstance(a, Schedule), isinstance(b, Schedule)
    if a_spec and b_spec:
        row = 0
        for (steps, va), (_, vb) in _align(_schedule_stream(a, count, chunk_size),
                                           _schedule_stream(b, count, chunk_size)):
            yield _Pair(steps, steps, va, vb, row)
            row += len(steps)
        return
    if a_spec or b_spec:
        schedule, table = (a, b) if a_spec else (b, a)
        row = 0
        for steps, lrs in table.blocks(rows):
            values = schedule(steps)
            yield _Pair(steps, steps, *((values, lrs) if a_spec else (lrs, values)), row)
            row += len(steps)
        return
    row = 0
    for (sa, va), (sb, vb) in _align(iter(a.blocks(rows)), iter(b.blocks(rows))):
        yield _Pair(sa, sb, va, vb, row)
        row += len(sa)


def _differences(a: FloatArray, b: FloatArray, rtol: float,
                 atol: float) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """``|a-b|`` (0 where equal, inf where one side is undefined), the relative difference
    ``|a-b| / max(|a|,|b|)``, and which updates differ beyond the tolerances."""
    with np.errstate(all="ignore"):
        equal = (a == b) | (np.isnan(a) & np.isnan(b))
        absolute = np.where(equal, 0.0, np.abs(a - b))
        absolute[np.isnan(absolute)] = np.inf
        magnitude = np.maximum(np.abs(a), np.abs(b))
        relative = np.where(absolute == 0.0, 0.0, absolute / magnitude)
        relative[np.isnan(relative)] = np.inf
        finite = np.isfinite(a) & np.isfinite(b)
        differ = ~equal & (~finite | (absolute > np.maximum(atol, rtol * magnitude)))
    return absolute, relative, differ


def compare(
    a: Operand,
    b: Operand,
    *,
    names: Sequence[str] = ("A", "B"),
    steps: int | None = None,
    rtol: float = RTOL,
    atol: float | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Comparison:
    """Compare two sides; ``atol=None`` is the default :func:`default_atol`.

    Args:
        a, b: a schedule or a table (:class:`RowSource`) each.
        names: how the report names them (their file names).
        steps: a spec's length (default: its ``total_steps``); tables keep their own rows.
        rtol, atol: the tolerances of the module docstring.
        chunk_size: updates held at once per side (tables: at most :data:`TABLE_ROWS` rows):
            memory is bounded by it, not by the run.

    Tables are walked twice: first for their key events (which checks every row before anything
    is reported), then against the other side.
    """
    if rtol < 0 or (atol is not None and atol < 0):
        raise EngineError("tolerances must not be negative")
    rows = min(chunk_size, TABLE_ROWS)
    events = _events(a, b, steps, rows)
    if atol is None:
        atol = default_atol(*events)
    count = max(e.length for e in events)  # two specs: the longer run
    lines = (_line_of(a), _line_of(b))

    compared = differing = 0
    first = largest_abs = largest_rel = mismatch = None
    top_abs = top_rel = -1.0
    for pair in _pairs(a, b, count, chunk_size, rows):
        n = len(pair.steps_a)
        if pair.steps_a is not pair.steps_b:
            off = np.flatnonzero(pair.steps_a != pair.steps_b)
            if len(off):
                n = int(off[0])
                row = pair.first_row + n
                mismatch = StepMismatch(row, int(pair.steps_a[n]), int(pair.steps_b[n]),
                                        **_table_lines(row, lines))
        absolute, relative, differ = _differences(pair.a[:n], pair.b[:n], rtol, atol)
        if n:
            hits = np.flatnonzero(differ)
            if len(hits) and first is None:
                first = _point(pair, int(hits[0]), absolute, relative, lines)
            differing += len(hits)
            i = int(np.argmax(absolute))  # the first of equal maxima, as summarize's peak
            if absolute[i] > top_abs:
                top_abs, largest_abs = float(absolute[i]), _point(pair, i, absolute, relative, lines)
            i = int(np.argmax(relative))
            if relative[i] > top_rel:
                top_rel, largest_rel = float(relative[i]), _point(pair, i, absolute, relative, lines)
        compared += n
        if mismatch is not None:
            break

    sides = tuple(_side(x, name, e) for x, name, e in zip((a, b), names, events))
    return Comparison(
        a=sides[0], b=sides[1], rtol=rtol, atol=atol, compared=compared, differing=differing,
        first=first, largest_abs=largest_abs, largest_rel=largest_rel, steps_mismatch=mismatch,
        changes=event_changes(events[0], events[1], rtol, atol),
    )


def _point(pair: _Pair, i: int, absolute: FloatArray, relative: FloatArray, lines) -> Point:
    row = pair.first_row + i
    return Point(int(pair.steps_a[i]), float(pair.a[i]), float(pair.b[i]), float(absolute[i]),
                 float(relative[i]), **_table_lines(row, lines))


def _table_lines(row: int, lines) -> dict[str, int | None]:
    """The :class:`TableLines` of ``row``, from each side's ``line_of`` (None for a spec side)."""
    line_a, line_b = (line(row) if line else None for line in lines)
    return {"line_a": line_a, "line_b": line_b}


def _line_of(operand: Operand):
    return None if isinstance(operand, Schedule) else operand.line_of


def _events(a: Operand, b: Operand, steps: int | None, rows: int) -> tuple[Events, Events]:
    """Tables first (their rows are checked here); a spec facing a sparse table is summarized at
    the table's steps, so that both peaks are taken over the same updates."""
    tables = {id(x): events_from_rows(x.blocks(rows)) for x in (a, b)
              if not isinstance(x, Schedule)}

    def of(x: Operand, other: Operand) -> Events:
        if not isinstance(x, Schedule):
            return tables[id(x)]
        length = steps or x.total_steps
        partner = tables.get(id(other))
        if partner is not None and not partner.dense:
            at_table = events_from_rows((s, x(s)) for s, _ in other.blocks(rows))
            warm = x.warmup_steps
            return replace(at_table, length=length, warmup_steps=warm,
                           warmup_end_lr=float(x([warm])[0]) if 0 < warm < length else None)
        return events_from_summary(summarize(x, length))

    return of(a, b), of(b, a)


def _side(operand: Operand, name: str, events: Events) -> Side:
    if isinstance(operand, Schedule):
        return Side(name=name, kind="spec", label=operand.label, events=events,
                    spec=dict(operand.spec), source=operand.source)
    return Side(name=name, kind=operand.kind, label=operand.label or name, events=events,
                last_line=operand.line_of(events.rows - 1))


@dataclass(frozen=True)
class SeriesComparison:
    """Two schedules' series besides ``lr`` (``lr/pg1``, ``momentum``, ``weight_decay``, ...),
    each compared as the LR is: ``compared`` holds the series both have; ``only_a``/``only_b`` the
    names one side lacks (a difference too: one side sets a value the other does not)."""

    compared: Mapping[str, Comparison]
    only_a: tuple[str, ...] = ()
    only_b: tuple[str, ...] = ()

    @property
    def same(self) -> bool:
        return not self.only_a and not self.only_b and all(c.same for c in self.compared.values())

    @property
    def changed(self) -> tuple[str, ...]:
        """The series that differ, in order: compared ones first, then those one side lacks."""
        return (*(name for name, c in self.compared.items() if not c.same), *self.only_a,
                *self.only_b)


def series_names(operand: Operand) -> tuple[str, ...]:
    """The series of a side besides ``lr``: a schedule's ``series``, a table's series columns
    (``RowSource.series``, by header name; none for a source that has no such attribute)."""
    if isinstance(operand, Schedule):
        return tuple(operand.series)
    return tuple(getattr(operand, "series", ()))


def series_of(operand: Operand, name: str, path: str = "--series") -> Operand:
    """Series ``name`` of a side: a schedule's :func:`~warmupctl.engine.series.pick`, a table's
    column of that name (``RowSource.column``). Raises ``SpecError`` naming what the side has."""
    from warmupctl.engine.series import pick

    if isinstance(operand, Schedule):
        return pick(operand, name, path)
    return operand.column(name, path)  # type: ignore[attr-defined]  # TableFile


def compare_series(a: Operand, b: Operand, *, names: Sequence[str] = ("A", "B"),
                   steps: int | None = None, rtol: float = RTOL,
                   atol: float | None = None) -> SeriesComparison:
    """Every series besides ``lr`` of two sides (schedules or saved tables, a table's series being
    its columns of the same names), compared update by update like the LR (the same tolerances;
    ``atol=None`` scales with each series' own values)."""
    in_a, in_b = series_names(a), series_names(b)
    both = [name for name in in_a if name in in_b]
    compared = {name: compare(series_of(a, name), series_of(b, name), names=names, steps=steps,
                              rtol=rtol, atol=atol) for name in both}
    return SeriesComparison(
        compared=compared,
        only_a=tuple(name for name in in_a if name not in in_b),
        only_b=tuple(name for name in in_b if name not in in_a))
