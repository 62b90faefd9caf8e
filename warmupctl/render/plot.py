"""Annotated plots, like the transformers example of the seeds: PNG or SVG bytes, byte-identical
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
    the LR panel keeps its size)."""

    log_y: bool = False
    title: str | None = None
    dpi: int = 100
    width: float = 10.0
    height: float = 6.0
    steps: int | None = None
    diff: bool = False


def curve_points(
    schedule: Schedule, count: int, max_points: int = MAX_POINTS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(x, y)`` to draw: every update, or the min/max envelope of ``max_points // 2`` columns."""
    if count <= max_points:
        steps = np.arange(count, dtype=np.int64)
        return steps.astype(np.float64), schedule(steps)
    columns = max_points // 2
    edges = np.linspace(0, count, columns + 1).astype(np.int64)
    low = np.full(columns, np.inf)
    high = np.full(columns, -np.inf)
    for first, block in schedule.iter_chunks(count):
        last = first + len(block)
        # The columns a chunk touches are contiguous runs of updates: reduce each run at once.
        inner = edges[(edges > first) & (edges < last)]
        starts = np.concatenate(([0], inner - first))
        cols = np.searchsorted(edges, first + starts, side="right") - 1
        low[cols] = np.minimum(low[cols], np.minimum.reduceat(block, starts))
        high[cols] = np.maximum(high[cols], np.maximum.reduceat(block, starts))
    centers = (edges[:-1] + edges[1:] - 1) / 2.0
    x = np.repeat(centers, 2)
    y = np.empty(2 * columns)
    y[0::2], y[1::2] = low, high
    return x, y


def _salt(schedules: Sequence[Schedule], options: PlotOptions) -> str:
    text = repr([(s.label, sorted(map(str, s.spec.items()))) for s in schedules]) + repr(options)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_plot(schedules: Sequence[Schedule], options: PlotOptions, fmt: str) -> bytes:
    """PNG or SVG bytes of the annotated plot of one or more schedules."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context

    with rc_context({"svg.hashsalt": _salt(schedules, options), "svg.fonttype": "none",
                     "font.size": 10}):
        figure = build_figure(schedules, options)
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "warmupctl"})
        else:
            figure.savefig(buffer, format="png", dpi=options.dpi,
                           metadata={"Software": "warmupctl"})
    return buffer.getvalue()


def build_figure(schedules: Sequence[Schedule], options: PlotOptions):  # -> Figure
    """The annotated figure (a ``matplotlib.figure.Figure``, no pyplot)."""
    from matplotlib.figure import Figure

    with_diff = options.diff and len(schedules) > 1
    height = options.height * (4 / 3 if with_diff else 1)
    figure = Figure(figsize=(options.width, height), dpi=options.dpi, layout="constrained")
    if with_diff:
        axes, below = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    else:
        axes = figure.add_subplot()
    summaries: list[Summary] = []
    marks: list[_Mark] = []
    for i, schedule in enumerate(schedules):
        count = options.steps or schedule.total_steps
        color = COLORS[i % len(COLORS)]
        x, y = curve_points(schedule, count)
        axes.plot(x, y, color=color, linewidth=1.6, label=schedule.label)
        summary = summarize(schedule, count)
        summaries.append(summary)
        marks.extend(_marks(schedule, summary, color, count))
    top = max(s.peak_lr for s in summaries)
    _draw_marks(axes, marks, top)
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
    start = float(schedule([0])[0])
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
