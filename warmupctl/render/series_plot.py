"""Plots of a schedule with series: one panel per family of series, sharing the update axis.

Panels, top to bottom: the LR (``lr`` and every ``lr/<group>``), then momentum and betas
(``momentum``, ``betas[0]``, ``betas[1]``), then weight decay (``weight_decay``,
``weight_decay/<group>``), then any other series on a panel of its own. Each curve is annotated
like the LR in :mod:`warmupctl.render.plot` (start, peak, final, the phase boundaries and the
warmup end), and walked once in chunks (min/max envelope per pixel column for long runs). The same
determinism: the object-oriented matplotlib API in an ``rc_context``, fixed SVG salt and metadata.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from warmupctl.calc.summary import Summary, summarize
from warmupctl.engine import Schedule
from warmupctl.engine.series import names as series_names
from warmupctl.engine.series import pick
from warmupctl.render.plot import COLORS, NEUTRAL, Envelope, PlotOptions, _salt

#: Panel title and y-label of each family, in panel order.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("lr", "learning rate"), ("momentum", "momentum / beta1"), ("weight_decay", "weight decay"))


def family(name: str) -> str:
    """``lr`` for ``lr`` and ``lr/<group>``; ``momentum`` for momentum and betas; ``weight_decay``
    for weight decay; else the name itself."""
    key = name.partition("/")[0]
    if key.startswith("betas") or key == "momentum":
        return "momentum"
    return key


def panels(schedule: Schedule) -> list[tuple[str, list[str]]]:
    """``(family, [series names])`` in panel order."""
    groups: dict[str, list[str]] = {}
    for name in series_names(schedule):
        groups.setdefault(family(name), []).append(name)
    order = [f for f, _ in FAMILIES if f in groups] + [f for f in groups if f not in dict(FAMILIES)]
    return [(f, groups[f]) for f in order]


def render_series_plot(schedule: Schedule, options: PlotOptions, fmt: str) -> bytes:
    """PNG, SVG or PDF bytes: one panel per family of series (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    layout = panels(schedule)
    count = options.steps or schedule.total_steps
    with rc_context({"svg.hashsalt": _salt([schedule], options), "svg.fonttype": "none",
                     "font.size": 10}):
        height = options.height * (0.5 + 0.5 * len(layout))
        figure = Figure(figsize=(options.width, height), dpi=options.dpi, layout="constrained")
        axes_list = figure.subplots(len(layout), 1, sharex=True, squeeze=False)[:, 0]
        for axes, (key, members) in zip(axes_list, layout):
            _draw_panel(axes, schedule, members, count, options)
            axes.set_ylabel(dict(FAMILIES).get(key, key))
        axes_list[0].set_title(options.title or schedule.label)
        axes_list[-1].set_xlabel("optimizer update k")
        axes_list[-1].set_xlim(0, max(count - 1, 1))
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "warmupctl"})
        elif fmt == "pdf":  # as render.plot writes it: no dates, so the same input gives the same bytes
            figure.savefig(buffer, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                                           "Creator": "warmupctl", "Producer": "warmupctl"})
        else:
            figure.savefig(buffer, format="png", dpi=options.dpi, metadata={"Software": "warmupctl"})
    return buffer.getvalue()


def _draw_panel(axes: Any, schedule: Schedule, members: Sequence[str], count: int,
                options: PlotOptions) -> None:
    for boundary in schedule.boundaries:  # the same for every series: the schedule's phases
        if 0 < boundary.step < count:
            dashed = boundary.label == "warmup end"
            axes.axvline(boundary.step, color=NEUTRAL, linestyle="--" if dashed else ":",
                         linewidth=1.0, alpha=0.7)
            axes.annotate(f"{boundary.label} @ {boundary.step}", xy=(boundary.step, 0),
                          xycoords=("data", "axes fraction"), xytext=(4, 6),
                          textcoords="offset points", fontsize=7, color=NEUTRAL)
    summaries: list[Summary] = []
    for i, name in enumerate(members):
        member = pick(schedule, name)
        envelope = Envelope(count)
        summary = summarize(member, count, observers=(envelope,))
        color = COLORS[i % len(COLORS)]
        x, y = envelope.points()
        axes.plot(x, y, color=color, linewidth=1.4, label=name)
        summaries.append(summary)
        # Many groups (layer-wise decay) would bury the curves under labels: annotate the first and
        # the last of a crowded panel.
        if len(members) <= 4 or i in (0, len(members) - 1):
            _annotate(axes, summary, color, shift=12 * (i if len(members) <= 4 else min(i, 1)))
    if options.log_y and all(s.min_lr > 0 for s in summaries):
        axes.set_yscale("log")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)


def _annotate(axes: Any, summary: Summary, color: str, shift: int) -> None:
    """The value at update 0, the largest value (with its update) and the final value."""
    arrow = {"arrowstyle": "->", "color": color, "lw": 0.7}
    axes.plot([summary.peak_step], [summary.peak_lr], "o", color=color, markersize=3)
    for text, step, value, offset in (
            (f"start {summary.first_lr:.4g}", 0, summary.first_lr, (16, 14 + shift)),
            (f"max {summary.peak_lr:.4g} @ {summary.peak_step}", summary.peak_step, summary.peak_lr,
             (10, -14 - shift)),
            (f"final {summary.final_lr:.4g} @ {summary.final_step}", summary.final_step,
             summary.final_lr, (-130, 14 + shift))):
        axes.annotate(text, xy=(step, value), xytext=offset, textcoords="offset points",
                      fontsize=7, color=color, arrowprops=arrow)
