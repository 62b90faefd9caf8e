"""Plots of schedules with series: one panel per family of series, sharing the update axis.

Panels, top to bottom: the LR (``lr`` and every ``lr/<group>``), then momentum and betas
(``momentum``, ``betas[0]``, ``betas[1]``), then weight decay (``weight_decay``,
``weight_decay/<group>``), then any other series on a panel of its own. Several specs overlay on
the same panels: a series keeps its colour in every spec, and each spec has its line style.

Every series has a colour of its own across all panels (so one legend names every curve, wherever
it is drawn), and every text is placed by :func:`warmupctl.render.annotate.lay_out`, as in the LR
plot of :mod:`warmupctl.render.plot`: the legend where no curve is (else below the panels), each
label (start, peak or max, final, and the warmup end and phase boundaries) clear of the curves, of
the other labels and inside the figure, or folded into the legend on its curve's line. A panel of
many groups (layer-wise decay) labels its first curve, its highest and its lowest, not each layer.

Each curve is walked once in chunks (min/max envelope per pixel column for long runs). The same
determinism as the LR plot: the object-oriented matplotlib API in an ``rc_context``, fixed SVG salt,
no dates in SVG, PDF or PNG metadata — the same input gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warmupctl.calc.summary import Summary, summarize
from warmupctl.engine import Schedule
from warmupctl.engine.series import names as series_names
from warmupctl.engine.series import pick
from warmupctl.render.annotate import Entry, Label
from warmupctl.render.plot import (
    COLORS,
    NEUTRAL,
    Envelope,
    PlotOptions,
    _salt,
    _second_axis,
    _wrapped_title,
    short_count,
)

#: Panel title and y-label of each family, in panel order.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("lr", "learning rate"), ("momentum", "momentum / beta1"), ("weight_decay", "weight decay"))
#: The line style of each overlaid spec, in order.
STYLES = ("-", "--", ":", "-.")
#: A panel with more curves of one spec than this labels only its first, highest and lowest.
CROWDED = 4
#: Which labels are placed first (a label placed late is the one folded into the legend).
LABEL_ORDER = {"peak": 0, "max": 0, "min": 0, "warmup end": 1, "final": 2, "start": 3}


def family(name: str) -> str:
    """``lr`` for ``lr`` and ``lr/<group>``; ``momentum`` for momentum and betas; ``weight_decay``
    for weight decay; else the name itself."""
    key = name.partition("/")[0]
    if key.startswith("betas") or key == "momentum":
        return "momentum"
    return key


def panels(schedule: Schedule) -> list[tuple[str, list[str]]]:
    """``(family, [series names])`` in panel order."""
    return _panels([schedule])


def _panels(schedules: Sequence[Schedule]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for schedule in schedules:
        for name in series_names(schedule):
            members = groups.setdefault(family(name), [])
            if name not in members:
                members.append(name)
    order = [f for f, _ in FAMILIES if f in groups] + [f for f in groups if f not in dict(FAMILIES)]
    return [(f, groups[f]) for f in order]


def palette(count: int) -> list[str]:
    """``count`` distinct colours: the LR plot's eight, then matplotlib's tab20 (dark shades first)."""
    if count <= len(COLORS):
        return list(COLORS[:count])
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    tab20 = colormaps["tab20"]
    return [to_hex(tab20(i)) for i in (*range(0, 20, 2), *range(1, 20, 2))][:count] + \
        [NEUTRAL] * max(0, count - 20)


@dataclass(frozen=True)
class Curve:
    """One drawn series: its spec (index), name, panel, colour, and one walk's summary and envelope."""

    spec: int
    name: str
    panel: int
    color: str
    summary: Summary
    envelope: Envelope


def walk(schedules: Sequence[Schedule], options: PlotOptions) -> list[Curve]:
    """Every series of every spec, walked once, with its panel and colour."""
    layout = _panels(schedules)
    where = {name: n for n, (_, members) in enumerate(layout) for name in members}
    # The first series of each panel gets the first colours (the LR plot's), a crowded panel's
    # other groups the rest.
    firsts = [members[0] for _, members in layout]
    order = firsts + [name for _, members in layout for name in members if name not in firsts]
    colors = dict(zip(order, palette(len(order))))
    curves = []
    for i, schedule in enumerate(schedules):
        count = options.steps or schedule.total_steps
        for name in series_names(schedule):
            envelope = Envelope(count)
            summary = summarize(pick(schedule, name), count, observers=(envelope,))
            curves.append(Curve(i, name, where[name], colors[name], summary, envelope))
    return curves


def build_series_figure(schedules: Sequence[Schedule], options: PlotOptions) -> Any:
    """The annotated figure (a ``matplotlib.figure.Figure``, no pyplot), laid out (module docstring)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from warmupctl.render.annotate import lay_out

    layout = _panels(schedules)
    curves = walk(schedules, options)
    last = max(max((options.steps or s.total_steps) - 1, 1) for s in schedules)
    height = options.height * (0.5 + 0.5 * len(layout))
    figure = Figure(figsize=(options.width, height), dpi=options.dpi, layout="constrained")
    FigureCanvasAgg(figure)  # the renderer that measures the labels' text
    axes_list = list(figure.subplots(len(layout), 1, sharex=True, squeeze=False)[:, 0])
    obstacles: list[list[Any]] = [[] for _ in layout]
    # The legend: a line per series (its colour), then with several specs a line per spec (its style).
    entries: list[Entry] = []
    entry_of: dict[str, int] = {}
    for curve in curves:
        x, y = curve.envelope.points()
        (line,) = axes_list[curve.panel].plot(x, y, color=curve.color, linewidth=1.4,
                                              linestyle=STYLES[curve.spec % len(STYLES)])
        obstacles[curve.panel].append(line)
        if curve.name not in entry_of:
            entry_of[curve.name] = len(entries)
            entries.append(Entry(_handle(curve.color, "-"), curve.name))
    if len(schedules) > 1:
        entries += [Entry(_handle(NEUTRAL, STYLES[i % len(STYLES)]), f"{tag(i)} {schedule.label}")
                    for i, schedule in enumerate(schedules)]
    overlay = len(schedules) > 1
    labels = _boundary_labels(schedules, axes_list, obstacles, last, overlay)
    labels += _curve_labels(layout, curves, axes_list, obstacles, entry_of, overlay)
    for n, (axes, (key, _)) in enumerate(zip(axes_list, layout)):
        axes.set_ylabel(dict(FAMILIES).get(key, key))
        axes.grid(True, alpha=0.3)
        # --log-y is for LRs (decades apart); momentum and weight decay keep a linear axis.
        if options.log_y and key == "lr" and all(c.summary.min_lr > 0 for c in curves if c.panel == n):
            axes.set_yscale("log")
        axes.xaxis.set_major_formatter(FuncFormatter(lambda k, _: short_count(k)))
    axes_list[-1].set_xlabel("optimizer update k")
    axes_list[-1].set_xlim(0, last)
    _second_axis(axes_list[0], options)  # samples or tokens over the top panel, as on the LR plot
    title = options.title or " vs ".join(s.label for s in schedules)
    figure.suptitle(_wrapped_title(title, options.width), fontsize=11)
    ordered = sorted(range(len(labels)), key=lambda i: LABEL_ORDER.get(labels[i][0], 1))
    lay_out(figure, axes_list, [labels[i][1] for i in ordered], entries, obstacles)
    return figure


def tag(spec: int) -> str:
    """How an overlay's labels and legend name spec number ``spec`` (from 0): ``[1]``, ``[2]``, …"""
    return f"[{spec + 1}]"


def _tagged(text: str, specs: set[int], overlay: bool) -> str:
    """A label of one spec of an overlay starts with the spec's tag (a series has one colour in
    every spec); a label all its specs share does not."""
    return f"{tag(min(specs))} {text}" if overlay and len(specs) == 1 else text


def _handle(color: str, style: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, linestyle=style, linewidth=1.4)


def _boundary_labels(schedules: Sequence[Schedule], axes_list: Sequence[Any],
                     obstacles: list[list[Any]], last: int, overlay: bool) -> list[tuple[str, Label]]:
    """The phase boundaries (the same for every series of a spec): a line in every panel, labelled
    once, in the top panel; a boundary two specs share is one line and one label."""
    seen: dict[str, tuple[str, int]] = {}
    specs: dict[str, set[int]] = {}
    for i, schedule in enumerate(schedules):
        for boundary in schedule.boundaries:
            if 0 < boundary.step <= last:
                text = f"{boundary.label} @ {boundary.step}"
                seen.setdefault(text, (boundary.label, boundary.step))
                specs.setdefault(text, set()).add(i)
    labels = []
    for text, (kind, step) in seen.items():
        for n, axes in enumerate(axes_list):
            line = axes.axvline(step, color=NEUTRAL, linestyle="--" if kind == "warmup end" else ":",
                                linewidth=1.0, alpha=0.7)
            obstacles[n].append(line)
        labels.append(("warmup end", Label(_tagged(text, specs[text], overlay), NEUTRAL, 0,
                                           float(step), None, ())))
    return labels


def _curve_labels(layout: Sequence[tuple[str, list[str]]], curves: Sequence[Curve],
                  axes_list: Sequence[Any], obstacles: list[list[Any]],
                  entry_of: dict[str, int], overlay: bool) -> list[tuple[str, Label]]:
    """Each labelled curve's marks (:func:`_marks`; a dot at a peak, max or min); the same text in
    the same panel for several curves is one grey label."""
    labelled = _labelled(curves)
    found: dict[tuple[int, str], list[int]] = {}
    marks: dict[tuple[int, str], tuple[str, int, float]] = {}
    for index, curve in enumerate(curves):
        if index not in labelled:
            continue
        for kind, step, value, text in _marks(curve.summary, layout[curve.panel][0] == "lr"):
            key = (curve.panel, text)
            found.setdefault(key, []).append(index)
            marks[key] = (kind, step, value)
    labels = []
    for key, owners in found.items():
        kind, step, value = marks[key]
        panel = key[0]
        color = NEUTRAL if len(owners) > 1 else curves[owners[0]].color
        if kind in ("peak", "max", "min"):
            (dot,) = axes_list[panel].plot([step], [value], "o", color=color, markersize=3.5)
            obstacles[panel].append(dot)
        homes = tuple(sorted({entry_of[curves[i].name] for i in owners}))  # folded: on its legend line
        text = _tagged(key[1], {curves[i].spec for i in owners}, overlay)
        labels.append((kind, Label(text, color, panel, float(step), value, homes)))
    return labels


def _marks(s: Summary, is_lr: bool) -> list[tuple[str, int, float, str]]:
    """``(kind, update, value, text)`` of a curve's labels. An LR: start, peak, final, as in the LR
    plot. Another series: a constant one is one label; else start and final, and its max and min
    where they are not at either end (the momentum's trough, the weight decay's top)."""
    if not is_lr and s.min_lr == s.peak_lr:
        return [("final", s.final_step, s.final_lr, f"constant {s.final_lr:.4g}")]
    marks = [("start", 0, s.first_lr, f"start {s.first_lr:.4g}")]
    if is_lr:
        marks.append(("peak", s.peak_step, s.peak_lr, f"peak {s.peak_lr:.4g} @ {s.peak_step}"))
    else:
        for kind, step, value in (("max", s.peak_step, s.peak_lr), ("min", s.min_step, s.min_lr)):
            if step not in (0, s.final_step):
                marks.append((kind, step, value, f"{kind} {value:.4g} @ {step}"))
    marks.append(("final", s.final_step, s.final_lr, f"final {s.final_lr:.4g} @ {s.final_step}"))
    return marks


def _labelled(curves: Sequence[Curve]) -> set[int]:
    """The curves that get labels: all of a panel's curves of one spec, or in a crowded panel its
    first curve and those with the highest and the lowest peak (the range the groups span)."""
    chosen: set[int] = set()
    groups: dict[tuple[int, int], list[int]] = {}
    for index, curve in enumerate(curves):
        groups.setdefault((curve.spec, curve.panel), []).append(index)
    for members in groups.values():
        if len(members) <= CROWDED:
            chosen.update(members)
            continue
        peaks = [curves[i].summary.peak_lr for i in members]
        chosen.update((members[0], members[peaks.index(max(peaks))], members[peaks.index(min(peaks))]))
    return chosen


def render_series_plot(schedules: Sequence[Schedule] | Schedule, options: PlotOptions, fmt: str) -> bytes:
    """PNG, SVG or PDF bytes of :func:`build_series_figure` (see the module docstring)."""
    if isinstance(schedules, Schedule):
        schedules = [schedules]
    from matplotlib import rc_context

    with rc_context({"svg.hashsalt": _salt(schedules, options), "svg.fonttype": "none",
                     "pdf.compression": 6, "font.size": 10}):
        figure = build_series_figure(schedules, options)
        buffer = io.BytesIO()
        if fmt == "svg":
            figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "warmupctl"})
        elif fmt == "pdf":  # as render.plot writes it: no dates, so the same input gives the same bytes
            figure.savefig(buffer, format="pdf", metadata={"CreationDate": None, "ModDate": None,
                                                           "Creator": "warmupctl", "Producer": "warmupctl"})
        else:
            figure.savefig(buffer, format="png", dpi=options.dpi, metadata={"Software": "warmupctl"})
    return buffer.getvalue()
