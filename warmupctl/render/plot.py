"""Annotated plots of one or more schedules: PNG, SVG or PDF bytes, byte-identical for the same input.

matplotlib is imported inside the functions (never at module import), only the object-oriented API
is used (``matplotlib.figure.Figure`` on the Agg canvas, no pyplot, no global state), and every
setting lives in an ``rc_context``. Determinism: ``svg.hashsalt`` fixed per plot, ``Date`` (SVG),
``CreationDate``/``ModDate`` (PDF) left out and ``Creator``/``Software`` fixed, text kept as text in SVG.

Curves and reference lines are drawn here; labels and the legend are placed by
:mod:`warmupctl.render.annotate` so that no two texts overlap and all stay inside the figure. A
warmup under 1 % of the run gets a zoom panel (:func:`warmup_zoom`), a spec with batch facts a top
axis in epochs, tokens or samples.

Long schedules are decimated to a min/max envelope per pixel column, so no spike is lost, and every
annotated point is evaluated exactly.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from warmupctl.calc.actual import Overlay, meaning
from warmupctl.calc.summary import Summary, summarize
from warmupctl.engine import Schedule
from warmupctl.render.annotate import Entry, Label

if TYPE_CHECKING:
    from warmupctl.calc.explained import ExplainedCurve

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
    log_x: bool = False
    #: The top axis: its name and how many of that unit one update is (None: no top axis).
    per_update: tuple[str, float] | None = None
    #: A top axis of counts that need not be proportional to updates (a batch ramp): its name, and
    #: updates and counts between which it is linear (``engine.progress.Progress.axis``); wins over
    #: ``per_update``.
    counts: tuple[str, tuple[float, ...], tuple[float, ...]] | None = None


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


#: Image formats :func:`render_plot` writes.
FORMATS = ("png", "svg", "pdf")


def render_plot(schedules: Sequence[Schedule], options: PlotOptions, fmt: str,
                logged: tuple[Overlay, str] | None = None,
                explained: ExplainedCurve | None = None) -> bytes:
    """PNG, SVG or PDF bytes of the annotated plot (:func:`render`, without its notes)."""
    return render(schedules, options, fmt, logged, explained).data


@dataclass(frozen=True)
class Rendered:
    """An image and what the caller should tell the user about it (``note: ...`` lines)."""

    data: bytes
    notes: tuple[str, ...]


def render(schedules: Sequence[Schedule], options: PlotOptions, fmt: str,
           logged: tuple[Overlay, str] | None = None,
           explained: ExplainedCurve | None = None) -> Rendered:
    """PNG, SVG or PDF bytes of the annotated plot of one or more schedules, and notes (a hint to
    use ``--log-y``); ``logged`` is a run's logged LR placed on the curves
    (:func:`warmupctl.calc.actual.align`) and the log's name, drawn as markers; ``explained`` the
    curve that explains the log (:func:`warmupctl.calc.explained.explained_curve`), dashed, with
    its skipped updates marked."""
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
                     "pdf.compression": 6, "font.size": 10}):
        figure = build_figure(schedules, options, curves, logged=logged, explained=explained)
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "warmupctl"})
        elif fmt == "pdf":
            figure.savefig(buffer, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                                           "Creator": "warmupctl", "Producer": "warmupctl"})
        else:
            figure.savefig(buffer, format="png", dpi=options.dpi,
                           metadata={"Software": "warmupctl"})
    notes = [] if options.log_y else [log_y_advice([summary for summary, _ in curves])]
    return Rendered(buffer.getvalue(), tuple(note for note in notes if note))


def walk_curves(schedules: Sequence[Schedule], options: PlotOptions) -> list[tuple[Summary, Envelope]]:
    """Each curve's summary and envelope, from one walk of its schedule (10^9 updates are read once)."""
    curves = []
    for schedule in schedules:
        envelope = Envelope(options.steps or schedule.total_steps)
        curves.append((summarize(schedule, envelope.count, observers=(envelope,)), envelope))
    return curves


def build_figure(schedules: Sequence[Schedule], options: PlotOptions,
                 curves: Sequence[tuple[Summary, Envelope]] | None = None,
                 logged: tuple[Overlay, str] | None = None,
                 explained: ExplainedCurve | None = None) -> Any:  # a matplotlib Figure
    """The annotated figure (a ``matplotlib.figure.Figure``, no pyplot); ``curves`` are the schedules'
    :func:`walk_curves`, walked here when not given; ``logged`` and ``explained`` as :func:`render`
    takes them.

    Curves, reference lines and markers are drawn first; the labels and the legend are then placed
    by :func:`warmupctl.render.annotate.lay_out`, which keeps every text clear of the others, of the
    curves, and inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from warmupctl.render.annotate import lay_out

    if curves is None:
        curves = walk_curves(schedules, options)
    summaries = [summary for summary, _ in curves]
    counts = [options.steps or s.total_steps for s in schedules]
    last = max(max(count - 1, 1) for count in counts)
    if logged is not None:
        last = max(last, logged[0].last_update)
    zoom = None if options.diff or options.log_x else warmup_zoom(schedules, summaries, last)
    with_diff = options.diff and len(schedules) > 1
    height = options.height * (4 / 3 if with_diff else 1)
    figure = Figure(figsize=(options.width, height), dpi=options.dpi, layout="constrained")
    FigureCanvasAgg(figure)  # the renderer that measures the labels' text
    below = None
    if with_diff:
        axes, below = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
        panels = [axes]
    elif zoom is not None:
        small, axes = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 2.6]})
        panels = [axes, small]
    else:
        axes = figure.add_subplot()
        panels = [axes]
    obstacles: list[list] = [[] for _ in panels]
    entries: list[Entry] = []
    for i, (schedule, (_, envelope), count) in enumerate(zip(schedules, curves, counts)):
        color = COLORS[i % len(COLORS)]
        x, y = envelope.points()
        for n, panel in enumerate(panels):
            if n == 1 and zoom is not None and not envelope.exact:  # the zoom: its own walk, so
                x, y = curve_points(schedule, min(count, zoom + 1))  # the warmup is drawn exactly
            (line,) = panel.plot(x, y, color=color, linewidth=1.6)
            obstacles[n].append(line)
            if n == 0:
                entries.append(Entry(line, schedule.label))
    labels = _mark_labels(schedules, summaries, counts, panels, obstacles, zoom)
    top = max(s.peak_lr for s in summaries)
    if explained is not None:
        _draw_explained(panels, obstacles, entries, explained, last + 1, zoom)
    if logged is not None:
        _draw_logged(panels, obstacles, labels, entries, *logged, zoom)
    _draw_theory(axes, schedules, summaries, options, labels, entries, obstacles[0])
    if below is not None:
        panels.append(below)
        obstacles.append([])
        labels += _draw_differences(below, len(panels) - 1, schedules, options, obstacles[-1])
    else:
        for panel in panels:
            panel.set_xlabel("optimizer update k")
    axes.set_ylabel("learning rate lr[k]" if zoom is None else "")
    if zoom is not None:
        panels[1].set_ylabel("learning rate lr[k]")
    lr_panels = panels[:1] if below is not None else panels
    for panel in lr_panels:
        _scale_axes(panel, options, summaries, top)
        panel.grid(True, alpha=0.3)
    axes.set_xlim(0, last)
    if options.log_x:
        axes.set_xscale("symlog", linthresh=1.0, linscale=0.4)
        axes.set_xlim(0, last)
    for panel in panels:
        panel.xaxis.set_major_formatter(FuncFormatter(lambda k, _: short_count(k)))
    if zoom is not None:
        panels[1].set_xlim(0, zoom)
        panels[1].xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        panels[1].set_title(f"warmup: updates 0-{short_count(zoom)}", fontsize=9)
        axes.axvspan(0, zoom, color=NEUTRAL, alpha=0.08, linewidth=0)
    _second_axis(axes, options)
    figure.suptitle(_wrapped_title(options.title or " vs ".join(s.label for s in schedules),
                                   options.width), fontsize=11)
    ordered = sorted(range(len(labels)), key=lambda i: LABEL_ORDER.get(labels[i][0], 9))
    lay_out(figure, panels, [labels[i][1] for i in ordered], entries, obstacles,
            extra_legends=[(len(panels) - 1, below.get_legend())] if below is not None else [])
    return figure


def short_count(value: float) -> str:
    """An update count for an axis: ``950``, ``12.5k``, ``3M``, ``1.2B``, ``1T`` (tokens; 3 significant
    digits)."""
    if abs(value) < 10_000:
        return f"{value:g}"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:g}"  # pragma: no cover - every |value| >= 10 000 has a suffix


def short_lr(value: float) -> str:
    """An LR for an axis, short: ``0``, ``3e-4``, ``2.5e-4``, ``0.1``, ``1.25e-5``."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    if -2 <= exponent <= 3:
        return f"{value:.3g}"
    mantissa = value / 10.0 ** exponent
    if round(mantissa, 2) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.3g}e{exponent}"


#: Which labels are placed first (a label placed late is the one folded into the legend).
LABEL_ORDER = {"peak": 0, "warmup end": 1, "final": 2, "start": 3, "logged": 4, "theory": 5, "diff": 6}


def warmup_zoom(schedules: Sequence[Schedule], summaries: Sequence[Summary], last: int) -> int | None:
    """The last update of a warmup zoom panel, when a warmup (or a peak) takes under 1 % of the
    plotted run: long enough to show each such warmup and a bit of what follows; else None."""
    ends = []
    for schedule, summary in zip(schedules, summaries):
        warmups = [b.step for b in schedule.boundaries if b.label == "warmup end"]
        end = warmups[0] if warmups else summary.peak_step
        if 0 < end < ZOOM_BELOW * last:
            ends.append(end)
    if not ends:
        return None
    return int(min(last, max(8, math.ceil(2.5 * max(ends)))))


#: A warmup shorter than this fraction of the plotted run gets a zoom panel.
ZOOM_BELOW = 0.01


def _scale_axes(panel: Any, options: PlotOptions, summaries: Sequence[Summary], top: float) -> None:
    from matplotlib.ticker import FuncFormatter

    if options.log_y:
        panel.set_yscale("log")
    else:
        panel.set_ylim(bottom=min(0.0, *(s.min_lr for s in summaries)), top=1.08 * top if top > 0 else None)
        # Each tick says its value (2.5e-4): no offset text above the axis, where a top axis goes.
        panel.yaxis.set_major_formatter(FuncFormatter(lambda lr, _: short_lr(lr)))


def _wrapped_title(title: str, width_inches: float) -> str:
    """The title in lines that fit the figure (about 11 characters an inch at 11 points)."""
    import textwrap

    return "\n".join(textwrap.wrap(title, max(20, int(width_inches * 11)))) or title


def _second_axis(axes: Any, options: PlotOptions) -> None:
    """A top axis in epochs, tokens or samples when the spec's batch facts give them, or in the
    samples or tokens the schedule counts (along a batch ramp)."""
    from matplotlib.ticker import FuncFormatter

    if options.counts is not None:
        unit, grid, counts = options.counts
        functions = (lambda k: np.interp(k, grid, counts), lambda u: np.interp(u, counts, grid))
    elif options.per_update is not None:
        unit, amount = options.per_update
        functions = (lambda k: k * amount, lambda u: u / amount)
    else:
        return
    second = axes.secondary_xaxis("top", functions=functions)
    second.set_xlabel(unit, fontsize=9)
    second.xaxis.set_major_formatter(FuncFormatter(lambda u, _: short_count(u)))


def log_y_advice(summaries: Sequence[Summary]) -> str | None:
    """A note when the curves' peaks differ by 100× or more: a linear axis flattens the lower ones."""
    peaks = [s.peak_lr for s in summaries if s.peak_lr > 0 and math.isfinite(s.peak_lr)]
    if len(peaks) < 2 or max(peaks) < 100 * min(peaks):
        return None
    return (f"the peaks differ by {max(peaks) / min(peaks):.3g}× ({min(peaks):.3g} to {max(peaks):.3g}): "
            "--log-y shows the lower curves too")


def _draw_differences(axes: Any, panel: int, schedules: Sequence[Schedule], options: PlotOptions,
                      obstacles: list) -> list[tuple[str, Label]]:
    """The lower panel: ``lr_i[k] − lr_0[k]`` for each later schedule, in its colour (min/max
    envelope on long runs), a zero line, and the largest ``|Δ|`` marked as ``warmupctl diff``
    reports it; returns those marks' labels."""
    from matplotlib.ticker import FuncFormatter

    from warmupctl.calc.compare import compare

    base = schedules[0]
    obstacles.append(axes.axhline(0.0, color=NEUTRAL, linewidth=0.8))
    labels = []
    for i, other in enumerate(schedules[1:], start=1):
        color = COLORS[i % len(COLORS)]
        count = options.steps or max(base.total_steps, other.total_steps)
        delta = Schedule(fn=_Difference(other, base), total_steps=count,
                         label=f"{other.label} − {base.label}")
        x, y = curve_points(delta, count)
        (line,) = axes.plot(x, y, color=color, linewidth=1.2, label=delta.label)
        obstacles.append(line)
        top = compare(base, other, steps=count).largest_abs
        if top is not None and top.abs_diff > 0 and math.isfinite(top.abs_diff):
            axes.plot([top.step], [top.b - top.a], "o", color=color, markersize=3)
            labels.append(("diff", Label(f"max |Δ| {top.abs_diff:.3g} @ {top.step}", color, panel,
                                         float(top.step), float(top.b - top.a), (i,))))
    axes.set_xlabel("optimizer update k")
    axes.set_ylabel("difference Δ lr[k]")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda lr, _: short_lr(lr)))
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    return labels


@dataclass(frozen=True)
class _Difference:
    """``other(k) − base(k)``: the curve of the difference panel."""

    other: Schedule
    base: Schedule

    def __call__(self, k: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray(self.other(k), dtype=np.float64) - np.asarray(self.base(k), dtype=np.float64)


@dataclass(frozen=True)
class _NoiseBatch:
    """``B0 / (lr(k) / peak)²``: the noise-equivalent batch of a curve (:func:`noise_batch`)."""

    schedule: Schedule
    peak: float
    batch: float

    def __call__(self, k: NDArray[np.int64]) -> NDArray[np.float64]:
        from warmupctl.calc.theory import noise_batch

        return np.asarray(noise_batch(self.schedule(k), self.peak, self.batch), dtype=np.float64)


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


def _draw_logged(panels: list, obstacles: list[list], labels: list, entries: list[Entry],
                 overlay: Overlay, name: str, zoom: int | None) -> None:
    """The logged LRs as markers over the curves (thinned to a min/max per column on long logs), and
    the largest deviation ringed and labelled with both values."""
    chosen = _logged_points(overlay)
    worst = overlay.largest
    if overlay.exact == overlay.count:
        verdict = f"equal at all {overlay.count} logged updates"
    else:
        verdict = f"max |Δ| {worst.abs_diff:.3g} @ update {worst.update}"
    for n, axes in enumerate(panels):
        (markers,) = axes.plot(overlay.updates[chosen], overlay.logged[chosen], linestyle="none",
                               marker="o", markersize=2.5, markerfacecolor="none",
                               markeredgewidth=0.8, color=LOGGED)
        if n == 0:
            entries.append(Entry(markers, f"logged: {name}, {meaning(overlay.offset).split(':')[0]} "
                                          f"({verdict})"))
    if worst.abs_diff > 0 and math.isfinite(worst.logged):
        for axes in panels:
            axes.plot([worst.update], [worst.logged], marker="o", markersize=9, markerfacecolor="none",
                      markeredgewidth=1.4, color=WORST, linestyle="none")
        panel = 1 if zoom is not None and worst.update <= zoom else 0
        labels.append(("logged", Label(f"logged {worst.logged:.4g} vs {worst.computed:.4g}: "
                                       f"|Δ| {worst.abs_diff:.3g} @ update {worst.update}",
                                       WORST, panel, float(worst.update), float(worst.logged),
                                       (len(entries) - 1,))))


#: Colour of the curve that explains a log, and of its skipped updates.
EXPLAINED = "#ff7f0e"
#: Skipped updates (or windows of them) marked at most.
MAX_MARKS = 200


def _draw_explained(panels: list, obstacles: list[list], entries: list[Entry],
                    explained: ExplainedCurve, count: int, zoom: int | None) -> None:
    """The curve the explanation gives each of ``count`` updates, dashed, and the updates it says
    were skipped: a triangle on the curve at each (at most :data:`MAX_MARKS`, evenly chosen), or a
    light band over each window that holds them when the log does not say which updates exactly."""
    x, y = curve_points(explained.schedule, count)
    marks = np.asarray(explained.skipped, dtype=np.int64)
    marks = marks[marks < count]
    if len(marks) > MAX_MARKS:
        marks = marks[np.linspace(0, len(marks) - 1, MAX_MARKS).astype(np.int64)]
    at = np.asarray(explained.schedule(marks), dtype=np.float64) if len(marks) else np.empty(0)
    windows = explained.windows[:MAX_MARKS]
    for n, axes in enumerate(panels):
        if n == 1 and zoom is not None:
            x, y = curve_points(explained.schedule, min(count, zoom + 1))
        (line,) = axes.plot(x, y, color=EXPLAINED, linewidth=1.3, linestyle=(0, (4, 2)))
        obstacles[n].append(line)
        if n == 0:
            entries.append(Entry(line, explained.label))
        if len(marks):
            (shown,) = axes.plot(marks, at, linestyle="none", marker="v", markersize=5,
                                 color=EXPLAINED, markeredgewidth=0)
            obstacles[n].append(shown)
            if n == 0:
                many = len(explained.skipped)
                entries.append(Entry(shown, f"skipped optimizer step{'s' if many != 1 else ''} ({many})"))
        for first, last, _ in windows:
            band = axes.axvspan(first - 0.5, last + 0.5, color=EXPLAINED, alpha=0.12, linewidth=0)
        if windows and n == 0:
            total = sum(c for _, _, c in explained.windows)
            entries.append(Entry(band, f"updates holding the {total} skipped optimizer "
                                       f"step{'s' if total != 1 else ''}"))


#: Colour of the stability bound and of the first update above it.
UNSTABLE = "#b22222"
#: The noise-batch axis stops at this multiple of B0 (α = 1e-3): past it the LR is nearly 0 and the
#: "batch" is astronomically large; drawing it would flatten the part that matters.
NOISE_TOP = 1e6


def _draw_theory(axes: Any, schedules: Sequence[Schedule], summaries: Sequence[Summary],
                 options: PlotOptions, labels: list, entries: list[Entry], obstacles: list) -> None:
    """Warmup theory (:mod:`warmupctl.calc.theory`) over the LR panel: the stability bound and the
    noise-equivalent batch, when asked for."""
    if options.sharpness is not None:
        _draw_stability(axes, schedules, options, max(s.peak_lr for s in summaries), labels, entries,
                        obstacles)
    if options.noise_batch is not None:
        _draw_noise_batch(axes, schedules, summaries, options, entries, obstacles)


def _draw_stability(axes: Any, schedules: Sequence[Schedule], options: PlotOptions, top: float,
                    labels: list, entries: list[Entry], obstacles: list) -> None:
    """``2/λmax`` as a dash-dot line (or a legend line when it lies far above every curve), each
    curve's updates above it shaded in its colour, and its first crossing marked."""
    from matplotlib.lines import Line2D

    from warmupctl.calc.theory import stability, stability_bound

    sharpness = float(options.sharpness or 0.0)
    bound = stability_bound(sharpness)
    label = f"stability bound 2/λmax = {bound:.4g} (λmax {sharpness:g})"
    if options.log_y or bound <= 1.5 * top:
        line = axes.axhline(bound, color=UNSTABLE, linestyle="-.", linewidth=1.1)
        obstacles.append(line)
        entries.append(Entry(line, label))
    else:  # a line there would squash every curve to the bottom of the panel
        entries.append(Entry(Line2D([], [], color=UNSTABLE, linestyle="-."), f"{label}: above every curve"))
    for i, schedule in enumerate(schedules):
        color = COLORS[i % len(COLORS)]
        report = stability(schedule, sharpness, options.steps or schedule.total_steps)
        for start, stop in report.spans:
            axes.axvspan(start - 0.5, stop - 0.5, color=color, alpha=0.12, linewidth=0)
        if report.first is not None:
            value = float(schedule(np.array([report.first]))[0])
            axes.plot([report.first], [value], marker="x", color=UNSTABLE, markersize=7)
            labels.append(("theory", Label(f"> 2/λmax from update {report.first} ({report.unstable} updates)",
                                           color, 0, float(report.first), value, (i,))))


def _draw_noise_batch(axes: Any, schedules: Sequence[Schedule], summaries: Sequence[Summary],
                      options: PlotOptions, entries: list[Entry], obstacles: list) -> None:
    """B0/α² of each curve, dotted in its colour, on a logarithmic axis at the right (B0 dotted in
    grey); infinite where the LR is 0, so the line starts after such updates."""
    batch = float(options.noise_batch or 0.0)
    right = axes.twinx()
    highest = batch
    for i, (schedule, summary) in enumerate(zip(schedules, summaries)):
        peak = options.noise_peak or summary.peak_lr
        if not peak > 0:
            continue
        count = options.steps or schedule.total_steps
        noise = Schedule(fn=_NoiseBatch(schedule, peak, batch), total_steps=count,
                         label=f"B0/α²: {schedule.label}")
        x, y = curve_points(noise, count)
        y = np.where(np.isfinite(y), y, np.nan)  # inf (LR 0) breaks the line rather than the scale
        if np.isfinite(y).any():
            highest = max(highest, float(np.nanmax(y)))
        (line,) = right.plot(x, y, color=COLORS[i % len(COLORS)], linestyle=":", linewidth=1.3)
        entries.append(Entry(line, noise.label))
        obstacles.append(line)
    right.axhline(batch, color=NEUTRAL, linestyle=":", linewidth=0.8)
    right.set_yscale("log")
    right.set_ylim(batch / 2, min(highest * 2, batch * NOISE_TOP))
    right.set_ylabel(f"noise-equivalent batch B0/α² (B0 = {batch:g})")


def _mark_labels(schedules: Sequence[Schedule], summaries: Sequence[Summary], counts: Sequence[int],
                 panels: list, obstacles: list[list], zoom: int | None) -> list[tuple[str, Label]]:
    """The warmup end and phase boundaries (vertical lines, drawn here), the start LR, the peak (a
    dot) and the final LR of each curve, as labels; a mark shared by all curves is one grey label.
    With a zoom panel, marks within it are labelled there."""
    found: dict[tuple[str, str], list[int]] = {}
    marks: dict[tuple[str, str], tuple[str, int, float | None]] = {}
    for i, (schedule, summary, count) in enumerate(zip(schedules, summaries, counts)):
        own: list[tuple[str, int, float | None, str]] = [
            (b.label, b.step, None, f"{b.label} @ {b.step}") for b in schedule.boundaries
               if 0 < b.step < count]
        own += [("start", 0, summary.first_lr, f"start {summary.first_lr:.4g}"),
                ("peak", summary.peak_step, summary.peak_lr,
                 f"peak {summary.peak_lr:.4g} @ {summary.peak_step}"),
                ("final", summary.final_step, summary.final_lr,
                 f"final {summary.final_lr:.4g} @ {summary.final_step}")]
        for kind, step, value, text in own:
            found.setdefault((kind, text), []).append(i)
            marks[(kind, text)] = (kind, step, value)
    labels = []
    for key, owners in found.items():
        kind, step, value = marks[key]
        shared = len(owners) > 1 and len(owners) == len(schedules)
        color = NEUTRAL if len(owners) > 1 else COLORS[owners[0] % len(COLORS)]
        panel = 1 if zoom is not None and step <= zoom else 0
        if value is None:  # a boundary: a vertical line in every panel it falls in
            for n, axes in enumerate(panels):
                if n == 1 and zoom is not None and step > zoom:
                    continue
                line = axes.axvline(step, color=color, linestyle="--" if kind == "warmup end" else ":",
                                    linewidth=1.0, alpha=0.8)
                obstacles[n].append(line)
        elif kind == "peak":
            for axes in panels:
                axes.plot([step], [value], "o", color=color, markersize=4)
        order = kind if kind in LABEL_ORDER else "warmup end"  # other boundaries rank with it
        labels.append((order, Label(key[1], color, panel, float(step), value,
                                    () if shared else tuple(owners))))
    return labels
