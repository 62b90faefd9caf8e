"""A plot's labels and legend, placed so that no two texts overlap and every text is in the figure.

:mod:`warmupctl.render.plot` draws the curves and lines, then describes each annotation as a
:class:`Label` (its text, colour, panel and anchor) and each legend line as an :class:`Entry`;
:func:`lay_out` places them (matplotlib is imported lazily, through the figure it is given):

1. the legend goes inside the LR panel at the first of :data:`LEGEND_SPOTS` that covers no curve
   and no label anchor, else outside, below the panels;
2. each label, most important first, goes to the nearest free spot around its anchor
   (:mod:`warmupctl.render.layout`: inside its panel, clear of curves, labels and the legend);
3. a label that finds no spot is folded into the legend, on its curve's line (a mark shared by all
   curves on a line of its own), and the layout is done again with the grown legend.

The layout engine runs before labels are measured and is switched off afterwards, so the file shows
exactly the positions measured here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from warmupctl.render.layout import Box, Placer, along_vertical, around, densify

#: Where an inside legend may go, tried in this order.
LEGEND_SPOTS = ("upper right", "upper left", "lower right", "lower left", "center right",
                "center left", "upper center", "lower center", "center")
#: Farther than this (pixels) from its anchor, a label gets an arrow to it.
ARROW_BEYOND = 14.0
#: Characters of a legend line that folded labels fill before starting another.
FOLD_WIDTH = 60
#: Rounds of layout before giving up on placing a label (each folds at least one more).
ROUNDS = 6


@dataclass(frozen=True)
class Label:
    """One annotation. ``y`` None: the label of a vertical line at ``x``. ``owners``: the legend
    lines it folds into (empty: a line of its own, for marks shared by all curves)."""

    text: str
    color: str
    panel: int
    x: float
    y: float | None
    owners: tuple[int, ...]


@dataclass
class Entry:
    """One line of the legend: a handle (a line or marker artist) and its text."""

    handle: Any
    text: str
    folded: list[str] = field(default_factory=list)

    def label(self) -> str:
        lines: list[str] = []
        for text in self.folded:  # a label is never split: lines break between labels
            if lines and len(lines[-1]) + 3 + len(text) <= FOLD_WIDTH:
                lines[-1] += " · " + text
            else:
                lines.append(text)
        return "\n".join([self.text, *lines])


def display_points(panel, lines: Sequence[Any]) -> np.ndarray:
    """The display pixels of ``lines`` (Line2D artists), resampled along each segment when drawn
    as a line."""
    arrays = []
    for line in lines:
        xy = np.asarray(line.get_xydata(), dtype=np.float64)
        if not len(xy):
            continue
        points = line.get_transform().transform(xy)
        arrays.append(densify(points) if line.get_linestyle() not in ("None", "none", "") else points)
    return np.vstack(arrays) if arrays else np.empty((0, 2))


def box_of(extent) -> Box:
    return Box(float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))


def lay_out(figure, panels: Sequence[Any], labels: Sequence[Label], entries: Sequence[Entry],
            obstacles: Sequence[Sequence[Any]], *, extra_legends: Sequence[tuple[int, Any]] = (),
            legend_fontsize: float = 9, label_fontsize: float = 8) -> None:
    """Place the legend and every label (see the module docstring), then freeze the layout.

    Args:
        figure: the matplotlib Figure (constrained layout).
        panels: the axes labels may go in; the legend goes in ``panels[0]``.
        labels: the annotations, most important first.
        entries: the legend's lines, in order (``Label.owners`` index them).
        obstacles: per panel, the Line2D artists no label and no inside legend may cover.
        extra_legends: ``(panel, legend)`` of other panels' own legends: each is seated where it
            covers no curve of its panel, or removed (its lines' colours match the main legend).
    """
    folded: set[int] = set()
    outside = False
    shared = Entry(_invisible_handle(), "all curves")
    for _ in range(ROUNDS):
        for entry in (*entries, shared):
            entry.folded = [labels[i].text for i in sorted(folded)
                            if any(home is entry for home in _homes(labels[i], entries, shared))]
        shown = [e for e in entries if e.handle is not None] + ([shared] if shared.folded else [])
        legend = _legend(figure, panels[0], shown, outside, legend_fontsize)
        figure.get_layout_engine().execute(figure)
        renderer = figure.canvas.get_renderer()
        points = [display_points(panel, lines) for panel, lines in zip(panels, obstacles)]
        if legend is not None and not outside:
            anchors = np.array([_anchor(panels[lb.panel], lb) for lb in labels if lb.panel == 0
                                and lb.y is not None], dtype=np.float64).reshape(-1, 2)
            if not _seat_legend(legend, renderer, np.vstack((points[0], anchors)), panels[0]):
                legend.remove()
                outside = True
                continue
        placers = [Placer(box_of(panel.get_window_extent(renderer)), [pts]) for panel, pts in
                   zip(panels, points)]
        if legend is not None and not outside:
            placers[0].reserve(box_of(legend.get_window_extent(renderer)))
        for panel, extra in extra_legends:
            if extra is not None and extra.axes is not None:
                if _seat_legend(extra, renderer, points[panel], panels[panel]):
                    placers[panel].reserve(box_of(extra.get_window_extent(renderer)))
                else:
                    extra.remove()
        failed = _place_labels(figure, panels, labels, folded, placers, renderer, label_fontsize)
        if not failed:
            break
        _remove_labels(panels)
        if legend is not None:
            legend.remove()
        folded |= set(failed)
    figure.set_layout_engine("none")


def _homes(label: Label, entries: Sequence[Entry], shared: Entry) -> list[Entry]:
    """The legend lines a label folds into: its curves', or the line for all curves."""
    homes = [entries[i] for i in label.owners if i < len(entries)]
    return homes or [shared]


def _invisible_handle():
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none")


def _legend(figure, axes, entries: Sequence[Entry], outside: bool, fontsize: float):
    if not entries:
        return None
    handles = [e.handle for e in entries]
    texts = [e.label() for e in entries]
    if outside:
        columns = 2 if len(entries) > 2 and max(len(t.split("\n")[0]) for t in texts) < 48 else 1
        return figure.legend(handles, texts, loc="outside lower center", fontsize=fontsize,
                             ncols=columns, frameon=False)
    return axes.legend(handles, texts, loc=LEGEND_SPOTS[0], fontsize=fontsize)


def _seat_legend(legend, renderer, points: np.ndarray, axes) -> bool:
    """Move the inside legend to the first of :data:`LEGEND_SPOTS` that covers none of ``points``."""
    area = box_of(axes.get_window_extent(renderer))
    for spot in LEGEND_SPOTS:
        legend.set_loc(spot)
        box = box_of(legend.get_window_extent(renderer))
        if box.inside(area) and box.covers(points, 3.0) == 0:
            return True
    return False


def _anchor(axes, label: Label) -> tuple[float, float]:
    x, y = axes.transData.transform((label.x, 0.0 if label.y is None else label.y))
    return float(x), float(y)


def _place_labels(figure, panels, labels: Sequence[Label], folded: set[int], placers: list[Placer],
                  renderer, fontsize: float) -> list[int]:
    """Draw each label not folded at its spot; the indices of those that found none."""
    failed = []
    points_per_pixel = 72.0 / figure.dpi
    for index, label in enumerate(labels):
        if index in folded:
            continue
        axes = panels[label.panel]
        probe = figure.text(0, 0, label.text, fontsize=fontsize)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        size = (float(extent.width), float(extent.height))
        placer = placers[label.panel]
        anchor = _anchor(axes, label)
        if label.y is None:
            spot = placer.place(along_vertical(anchor[0], placer.area, size))
        else:
            spot = placer.place(around(anchor, size))
        if spot is None:
            failed.append(index)
            continue
        offset = (spot.dx * points_per_pixel, spot.dy * points_per_pixel)
        common = {"textcoords": "offset points", "fontsize": fontsize, "color": label.color,
                  "ha": "left", "va": "bottom", "annotation_clip": False}
        if label.y is None:
            text = axes.annotate(label.text, xy=(label.x, 0), xycoords=("data", "axes fraction"),
                                 xytext=offset, **common)
        else:
            arrow = None
            if spot.distance > ARROW_BEYOND:
                arrow = {"arrowstyle": "->", "color": label.color, "lw": 0.7, "shrinkA": 1, "shrinkB": 2}
            text = axes.annotate(label.text, xy=(label.x, label.y), xytext=offset, arrowprops=arrow,
                                 **common)
        text.set_in_layout(False)
        text.set_gid("warmupctl-label")
    return failed


def _remove_labels(panels) -> None:
    for axes in panels:
        for text in list(axes.texts):
            if text.get_gid() == "warmupctl-label":
                text.remove()


def text_boxes(figure) -> list[tuple[str, Box]]:
    """Every text a drawn figure shows and its box in display pixels (an annotation's text only, not
    its arrow; tick labels of the ticks inside the axis' view only): what the layout tests check."""
    from matplotlib.axis import Axis
    from matplotlib.text import Annotation, Text

    renderer = figure.canvas.get_renderer()
    ticks: set[int] = set()
    shown: list[Any] = []
    for axis in figure.findobj(Axis):
        low, high = sorted(axis.get_view_interval())
        slack = (high - low) * 1e-10  # matplotlib's own tolerance for a tick at the view's edge
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            labels = (tick.label1, tick.label2)
            ticks.update(id(label) for label in labels)
            if low - slack <= tick.get_loc() <= high + slack and tick.get_visible():
                shown.extend(label for label in labels if label.get_visible())
    shown += [t for t in figure.findobj(Text) if id(t) not in ticks and t.get_visible()]
    boxes = []
    for artist in shown:
        if not artist.get_text().strip():
            continue
        if isinstance(artist, Annotation):
            extent = Text.get_window_extent(artist, renderer)
        else:
            extent = artist.get_window_extent(renderer)
        if extent.width > 0 and extent.height > 0:
            boxes.append((artist.get_text(), box_of(extent)))
    return boxes
