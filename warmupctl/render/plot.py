"""Annotated plots (the curve, its warmup end, start, peak and final LR): PNG or SVG bytes, byte-identical
for the same input.

matplotlib is imported inside the functions (never at module import), only the object-oriented API
is used (``matplotlib.figure.Figure`` on the Agg canvas, no pyplot, no global state), and every
setting lives in an ``rc_context``. Determinism: ``svg.hashsalt`` fixed per plot, ``Date`` and
``Creator``/``Software`` metadata fixed, text kept as text in SVG.

Long schedules are decimated to a min/max envelope per pixel column, so no spike is lost, and every
annotated point is evaluated exactly.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.actual import Overlay, meaning
from warmupctl.calc.summary import Summary, summarize
from warmupctl.engine import Schedule

#: Above this many updates a curve is drawn as its per-column envelope.
MAX_POINTS = 4000
NEUTRAL = "#444444"
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class PlotOptions:
    """How a plot looks. ``steps`` overrides the number of updates drawn (default: the run);
    ``diff`` adds a panel below with each schedule minus the first (``height`` grows by a third, so
    the LR panel keeps its size). Warmup theory (:func:`_draw_theory`): ``sharpness`` (λmax) draws
    the stability bound 2/λmax and shades the updates above it; ``noise_batch`` (B0) adds the
    noise-equivalent batch B0/α² on a second, logarithmic axis, α = lr / ``noise_peak`` (None: each
    curve's own peak)."""

    log_y: bool = False
    title: str | None = None
    dpi: int = 100
    width: float = 10.0
    height: float = 6.0
    steps: int | None = None
    diff: bool = False
    sharpness: float | None = None
    noise_batch: float | None = None
    noise_peak: float | None = None


def curve_points(
    schedule: Schedule, count: int, max_points: int = MAX_POINTS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(x, y)`` to draw: every update, or the envelope of :class:`Envelope` (``max_points`` points)."""
    envelope = Envelope(count, max_points)
    for first, block in schedule.iter_chunks(count):
        envelope(first, block)
    return envelope.points()


class Envelope:
    """What to draw of one curve, reduced while the schedule is walked (a :func:`summarize` observer).

    Up to ``max_points`` updates, every update is kept. Above, the updates are cut into
    ``max_points // 2 - 1`` columns (more than the pixels of the plot) and each column is drawn as its
    lowest and its highest LR, each at the update that holds it, in update order; update 0 and the last
    update are drawn too. So the line passes through exact ``(update, LR)`` pairs only, no spike is
    lost, the start and final LR are on it, and the cost is two SIMD passes (argmin, argmax) per update
    plus a few microseconds per column.

    Examples:
        >>> e = Envelope(10, max_points=6)   # two columns: updates 0-4 and 5-9
        >>> e(0, np.array([0.0, 3.0, 1.0, 1.0, 2.0, 5.0, 4.0]))
        >>> e(7, np.array([9.0, 6.0, 7.0]))
        >>> [list(map(float, v)) for v in e.points()]
        [[0.0, 0.0, 1.0, 6.0, 7.0, 9.0], [0.0, 0.0, 3.0, 4.0, 9.0, 7.0]]
    """

    def __init__(self, count: int, max_points: int = MAX_POINTS) -> None:
        self.count = count
        self.exact = count <= max_points
        if self.exact:
            self._values = np.empty(count)
            return
        columns = max(1, max_points // 2 - 1)
        self._edges = np.linspace(0, count, columns + 1).astype(np.int64)
        # Per column: (value, update) of the lowest and highest LR seen so far; NaN where none yet.
        self._low = np.full(columns, np.nan)
        self._high = np.full(columns, np.nan)
        self._low_at = self._edges[:-1].copy()  # where an empty (all-NaN) column breaks the line
        self._high_at = self._edges[:-1].copy()
        self._ends = [math.nan, math.nan]

    def __call__(self, first: int, block: NDArray[np.float64]) -> None:
        last = first + len(block)
        if self.exact:
            self._values[first:last] = block
            return
        if first == 0:
            self._ends[0] = float(block[0])
        if last == self.count:
            self._ends[1] = float(block[-1])
        edges = self._edges
        column = int(np.searchsorted(edges, first, side="right")) - 1
        while column < len(self._low) and edges[column] < last:
            lo, hi = max(first, int(edges[column])), min(last, int(edges[column + 1]))
            self._merge(column, block[lo - first:hi - first], lo)
            column += 1

    def _merge(self, column: int, part: NDArray[np.float64], offset: int) -> None:
        i, j = int(np.argmin(part)), int(np.argmax(part))
        if math.isnan(part[i]) or math.isnan(part[j]):  # argmin/argmax stop at a NaN
            if np.isnan(part).all():
                return  # nothing to draw: the line breaks there
            i, j = int(np.nanargmin(part)), int(np.nanargmax(part))
        # Strict comparisons keep the first update holding an extreme, as the summary does.
        if not part[i] >= self._low[column]:
            self._low[column], self._low_at[column] = part[i], offset + i
        if not part[j] <= self._high[column]:
            self._high[column], self._high_at[column] = part[j], offset + j

    def points(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self.exact:
            return np.arange(self.count, dtype=np.float64), self._values
        low_first = self._low_at <= self._high_at
        x = np.empty(2 * len(self._low) + 2)
        y = np.empty_like(x)
        x[1:-1:2] = np.where(low_first, self._low_at, self._high_at)
        y[1:-1:2] = np.where(low_first, self._low, self._high)
        x[2:-1:2] = np.where(low_first, self._high_at, self._low_at)
        y[2:-1:2] = np.where(low_first, self._high, self._low)
        x[0], y[0] = 0.0, self._ends[0]
        x[-1], y[-1] = float(self.count - 1), self._ends[1]
        return x, y


def _salt(schedules: Sequence[Schedule], options: PlotOptions) -> str:
    text = repr([(s.label, sorted(map(str, s.spec.items()))) for s in schedules]) + repr(options)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_plot(schedules: Sequence[Schedule], options: PlotOptions, fmt: str,
                logged: tuple[Overlay, str] | None = None) -> bytes:
    """PNG or SVG bytes of the annotated plot of one or more schedules; ``logged`` is a run's logged
    LR placed on the curves (:func:`warmupctl.calc.actual.align`) and the log's name, drawn as
    markers (:func:`_draw_logged`)."""
    from concurrent.futures import ThreadPoolExecutor

    # The walks (numpy, which releases the GIL) start before matplotlib is imported (the interpreter's
    # work, ~0.5 s): on two cores a long schedule is evaluated while the plotting library loads.
    with ThreadPoolExecutor(1, thread_name_prefix="warmupctl-walk") as pool:
        walked = pool.submit(walk_curves, schedules, options)
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib import rc_context

        curves = walked.result()
    with rc_context({"svg.hashsalt": _salt(schedules, options), "svg.fonttype": "none",
                     "font.size": 10}):
        figure = build_figure(schedules, options, curves, logged=logged)
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "warmupctl"})
        else:
            figure.savefig(buffer, format="png", dpi=options.dpi,
                           metadata={"Software": "warmupctl"})
    return buffer.getvalue()


def walk_curves(schedules: Sequence[Schedule], options: PlotOptions) -> list[tuple[Summary, Envelope]]:
    """Each curve's summary and envelope, from one walk of its schedule (10^9 updates are read once)."""
    curves = []
    for schedule in schedules:
        envelope = Envelope(options.steps or schedule.total_steps)
        curves.append((summarize(schedule, envelope.count, observers=(envelope,)), envelope))
    return curves


def build_figure(schedules: Sequence[Schedule], options: PlotOptions,
                 curves: Sequence[tuple[Summary, Envelope]] | None = None,
                 logged: tuple[Overlay, str] | None = None):  # -> Figure
    """The annotated figure (a ``matplotlib.figure.Figure``, no pyplot); ``curves`` are the schedules'
    :func:`walk_curves`, walked here when not given; ``logged`` as :func:`render_plot` takes it."""
    from matplotlib.figure import Figure

    if curves is None:
        curves = walk_curves(schedules, options)

    with_diff = options.diff and len(schedules) > 1
    height = options.height * (4 / 3 if with_diff else 1)
    figure = Figure(figsize=(options.width, height), dpi=options.dpi, layout="constrained")
    if with_diff:
        axes, below = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    else:
        axes = figure.add_subplot()
    summaries: list[Summary] = []
    marks: list[_Mark] = []
    for i, (schedule, (summary, envelope)) in enumerate(zip(schedules, curves)):
        count = options.steps or schedule.total_steps
        color = COLORS[i % len(COLORS)]
        x, y = envelope.points()
        axes.plot(x, y, color=color, linewidth=1.6, label=schedule.label)
        summaries.append(summary)
        marks.extend(_marks(schedule, summary, color, count))
    top = max(s.peak_lr for s in summaries)
    _draw_marks(axes, marks, top)
    if logged is not None:
        _draw_logged(axes, *logged, top)
    _draw_theory(axes, schedules, summaries, options)
    if with_diff:
        _draw_differences(below, schedules, options)
    else:
        axes.set_xlabel("optimizer update k")
    axes.set_ylabel("learning rate lr[k]")
    if options.log_y:
        axes.set_yscale("log")
    else:
        axes.set_ylim(bottom=min(0.0, *(s.min_lr for s in summaries)))
        axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    axes.set_xlim(0, max(max((options.steps or s.total_steps) - 1, 1) for s in schedules))
    if logged is not None and logged[0].last_update > axes.get_xlim()[1]:  # a log past the run's end
        axes.set_xlim(0, logged[0].last_update)
    axes.grid(True, alpha=0.3)
    axes.set_title(options.title or " vs ".join(s.label for s in schedules))
    axes.legend(loc="upper right", fontsize=9)
    return figure


def _draw_differences(axes, schedules: Sequence[Schedule], options: PlotOptions) -> None:
    """The lower panel: ``lr_i[k] − lr_0[k]`` for each later schedule, in its colour (min/max
    envelope on long runs), a zero line, and the largest ``|Δ|`` marked as ``warmupctl diff``
    reports it."""
    from warmupctl.calc.compare import compare

    base = schedules[0]
    axes.axhline(0.0, color=NEUTRAL, linewidth=0.8)
    marks = []
    for i, other in enumerate(schedules[1:], start=1):
        color = COLORS[i % len(COLORS)]
        count = options.steps or max(base.total_steps, other.total_steps)
        delta = Schedule(fn=lambda k, other=other: other(k) - base(k), total_steps=count,
                         label=f"{other.label} − {base.label}")
        x, y = curve_points(delta, count)
        axes.plot(x, y, color=color, linewidth=1.2, label=delta.label)
        top = compare(base, other, steps=count).largest_abs
        if top is not None and top.abs_diff > 0 and math.isfinite(top.abs_diff):
            marks.append((top, top.b - top.a, color))
    high = max((value for _, value, _ in marks), default=0.0)
    for top, value, color in marks:
        # Label below a point in the upper half of the panel, above one in the lower half.
        axes.plot([top.step], [value], "o", color=color, markersize=3)
        axes.annotate(f"max |Δ| {top.abs_diff:.3g} @ {top.step}", xy=(top.step, value),
                      xytext=(8, -12 if high > 0 and value > 0.5 * high else 6),
                      textcoords="offset points", fontsize=8, color=color)
    axes.set_xlabel("optimizer update k")
    axes.set_ylabel("difference Δ lr[k]")
    axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=8)


#: Colour of a run's logged LR, and of its largest deviation.
LOGGED = "#222222"
WORST = "#d62728"


def _logged_points(overlay: Overlay, limit: int = MAX_POINTS) -> NDArray[np.int64]:
    """Indices of the logged values to draw: all of them up to ``limit``; above, the lowest and the
    highest value of each of ``limit // 2`` update columns, and the largest deviation."""
    count = overlay.count
    if count <= limit:
        return np.arange(count)
    columns = max(1, limit // 2)
    span = max(overlay.last_update - overlay.first_update + 1, 1)
    column = (overlay.updates - overlay.first_update) * columns // span
    order = np.lexsort((overlay.logged, column))  # by column, then by value
    starts = np.flatnonzero(np.diff(column[order], prepend=-1))
    ends = np.append(starts[1:], count) - 1
    worst = int(np.flatnonzero(overlay.updates == overlay.largest.update)[0])
    return np.unique(np.concatenate((order[starts], order[ends], [worst])))


def _draw_logged(axes, overlay: Overlay, name: str, top: float) -> None:
    """The logged LRs as markers over the curves (thinned to a min/max per column on long logs), and
    the largest deviation ringed and annotated with both values."""
    chosen = _logged_points(overlay)
    worst = overlay.largest
    if overlay.exact == overlay.count:
        verdict = f"equal at all {overlay.count} logged updates"
    else:
        verdict = f"max |Δ| {worst.abs_diff:.3g} @ update {worst.update}"
    axes.plot(overlay.updates[chosen], overlay.logged[chosen], linestyle="none", marker="o", markersize=2.5,
              markerfacecolor="none", markeredgewidth=0.8, color=LOGGED,
              label=f"logged: {name}, {meaning(overlay.offset).split(':')[0]} ({verdict})")
    if worst.abs_diff > 0 and math.isfinite(worst.logged):
        axes.plot([worst.update], [worst.logged], marker="o", markersize=9, markerfacecolor="none",
                  markeredgewidth=1.4, color=WORST, linestyle="none")
        axes.annotate(f"logged {worst.logged:.4g} vs {worst.computed:.4g}: |Δ| {worst.abs_diff:.3g} "
                      f"@ update {worst.update}", xy=(worst.update, worst.logged),
                      xytext=(10, -22 if worst.logged > 0.5 * top else 14), textcoords="offset points",
                      fontsize=8, color=WORST, arrowprops={"arrowstyle": "->", "color": WORST, "lw": 0.8})


#: Colour of the stability bound and of the first update above it.
UNSTABLE = "#b22222"
#: The noise-batch axis stops at this multiple of B0 (α = 1e-3): past it the LR is nearly 0 and the
#: "batch" is astronomically large; drawing it would flatten the part that matters.
NOISE_TOP = 1e6


def _draw_theory(axes, schedules: Sequence[Schedule], summaries: Sequence[Summary],
                 options: PlotOptions) -> None:
    """Warmup theory (:mod:`warmupctl.calc.theory`) over the LR panel: the stability bound and
    the noise-equivalent batch, when asked for."""
    if options.sharpness is not None:
        _draw_stability(axes, schedules, options, max(s.peak_lr for s in summaries))
    if options.noise_batch is not None:
        _draw_noise_batch(axes, schedules, summaries, options)


def _draw_stability(axes, schedules: Sequence[Schedule], options: PlotOptions, top: float) -> None:
    """``2/λmax`` as a dash-dot line (or a remark when it lies far above every curve), each curve's
    updates above it shaded in its colour, and its first crossing marked."""
    from warmupctl.calc.theory import stability, stability_bound

    sharpness = float(options.sharpness or 0.0)
    bound = stability_bound(sharpness)
    label = f"stability bound 2/λmax = {bound:.4g} (λmax {sharpness:g})"
    if options.log_y or bound <= 1.5 * top:
        axes.axhline(bound, color=UNSTABLE, linestyle="-.", linewidth=1.1, label=label)
    else:  # a line there would squash every curve to the bottom of the panel
        axes.annotate(f"{label}: above every curve", xy=(0.01, 0.98), xycoords="axes fraction",
                      va="top", fontsize=8, color=UNSTABLE)
    for i, schedule in enumerate(schedules):
        color = COLORS[i % len(COLORS)]
        report = stability(schedule, sharpness, options.steps or schedule.total_steps)
        for start, stop in report.spans:
            axes.axvspan(start - 0.5, stop - 0.5, color=color, alpha=0.12, linewidth=0)
        if report.first is not None:
            value = float(schedule(np.array([report.first]))[0])
            axes.plot([report.first], [value], marker="x", color=UNSTABLE, markersize=7)
            axes.annotate(f"> 2/λmax from update {report.first} ({report.unstable} updates)",
                          xy=(report.first, value), xytext=(6, 10 + 13 * i), textcoords="offset points",
                          fontsize=8, color=color)


def _draw_noise_batch(axes, schedules: Sequence[Schedule], summaries: Sequence[Summary],
                      options: PlotOptions) -> None:
    """B0/α² of each curve, dotted in its colour, on a logarithmic axis at the right (B0 dotted in
    grey); infinite where the LR is 0, so the line starts after such updates."""
    from warmupctl.calc.theory import noise_batch

    batch = float(options.noise_batch or 0.0)
    right = axes.twinx()
    highest = batch
    for i, (schedule, summary) in enumerate(zip(schedules, summaries)):
        peak = options.noise_peak or summary.peak_lr
        if not peak > 0:
            continue
        count = options.steps or schedule.total_steps
        noise = Schedule(fn=lambda k, s=schedule, p=peak: noise_batch(s(k), p, batch), total_steps=count,
                         label=f"B0/α²: {schedule.label}")
        x, y = curve_points(noise, count)
        y = np.where(np.isfinite(y), y, np.nan)  # inf (LR 0) breaks the line rather than the scale
        if np.isfinite(y).any():
            highest = max(highest, float(np.nanmax(y)))
        right.plot(x, y, color=COLORS[i % len(COLORS)], linestyle=":", linewidth=1.3, label=noise.label)
    right.axhline(batch, color=NEUTRAL, linestyle=":", linewidth=0.8)
    right.set_yscale("log")
    right.set_ylim(batch / 2, min(highest * 2, batch * NOISE_TOP))
    right.set_ylabel(f"noise-equivalent batch B0/α² (B0 = {batch:g})")
    right.legend(loc="center right", fontsize=8)


@dataclass(frozen=True)
class _Mark:
    """One annotation: what (start, peak, final, a boundary), where, its text and colour."""

    kind: str
    step: int
    value: float
    text: str
    color: str


def _marks(schedule: Schedule, summary: Summary, color: str, count: int) -> list[_Mark]:
    """The warmup end and phase boundaries, the start LR, the peak and the final LR of one curve."""
    marks = [
        _Mark(boundary.label, boundary.step, math.nan, f"{boundary.label} @ {boundary.step}", color)
        for boundary in schedule.boundaries
        if 0 < boundary.step < count
    ]
    start = summary.first_lr
    marks.append(_Mark("start", 0, start, f"start {start:.4g}", color))
    marks.append(_Mark("peak", summary.peak_step, summary.peak_lr,
                       f"peak {summary.peak_lr:.4g} @ {summary.peak_step}", color))
    marks.append(_Mark("final", summary.final_step, summary.final_lr,
                       f"final {summary.final_lr:.4g} @ {summary.final_step}", color))
    return marks


def _draw_marks(axes, marks: list[_Mark], top: float) -> None:
    """Draw the marks; identical ones of overlaid curves are drawn once, in grey, and the rest of
    a kind are stacked so that their labels do not cover each other."""
    merged: dict[tuple[str, str], _Mark] = {}
    for mark in marks:
        key = (mark.kind, mark.text)
        merged[key] = replace(mark, color=NEUTRAL) if key in merged else mark
    stacked: dict[str, int] = {}
    for mark in merged.values():
        shift = 13 * stacked.get(mark.kind, 0)
        stacked[mark.kind] = stacked.get(mark.kind, 0) + 1
        arrow = {"arrowstyle": "->", "color": mark.color, "lw": 0.8}
        if math.isnan(mark.value):  # a boundary: a vertical line, dashed for the warmup end
            dashed = mark.kind == "warmup end"
            axes.axvline(mark.step, color=mark.color, linestyle="--" if dashed else ":",
                         linewidth=1.0, alpha=0.8)
            axes.annotate(mark.text, xy=(mark.step, 0), xycoords=("data", "axes fraction"),
                          xytext=(4, 6 + shift), textcoords="offset points", fontsize=8,
                          color=mark.color)
            continue
        if mark.kind == "peak":
            axes.plot([mark.step], [mark.value], "o", color=mark.color, markersize=4)
            offset = (12, -16 - shift)
        elif mark.kind == "start":
            offset = (18, 22 + shift)
        else:  # the final LR: label above a low end, below a high one
            offset = (-150, -30 - shift) if mark.value > 0.5 * top else (-150, 28 + shift)
        axes.annotate(mark.text, xy=(mark.step, mark.value), xytext=offset,
                      textcoords="offset points", fontsize=8, color=mark.color, arrowprops=arrow)
