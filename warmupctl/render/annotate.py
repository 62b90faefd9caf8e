"""A plot's labels and legend, placed so that no two texts overlap and every text is in the figure.

:mod:`warmupctl.render.plot` draws the curves and lines, then describes each annotation as a
:class:`Label` (its text, colour, panel and anchor) and each legend line as an :class:`Entry`;
:func:`lay_out` places them (matplotlib is imported lazily, through the figure it is given):

1. the legend goes inside the LR panel at the first of :data:`LEGEND_SPOTS` that covers no curve
   and no label anchor, else outside, below the panels;
2. each label, most important first, goes to the nearest free spot around its anchor
   (:mod:`warmupctl.render.layout`: inside its panel, clear of curves, labels and the legend);
3. a label that finds no spot is folded into the legend, on its curve's line (a mark shared by all
   curves on a line of its own), and the layout is done again with the grown legend — at most
   :data:`ROUNDS` times; the last round folds every label into a legend below the panels.

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
#: Positions per side of the grid an inside legend tries when no named spot is free.
LEGEND_GRID = 9
#: Farther than this (pixels) from its anchor, a label gets an arrow to it.
ARROW_BEYOND = 14.0
#: Characters of an inside legend's line that folded labels fill before starting another.
FOLD_WIDTH = 60
#: Width of a character, in font sizes (DejaVu Sans averages a bit under 0.6 em).
EM = 0.6
#: A label may sit at most this fraction of its panel's smaller side from its anchor.
MAX_REACH = 0.5
#: Rounds of layout before giving up on placing a label (each folds at least one more).
ROUNDS = 8


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

    def label(self, width: int = 60, wrap: bool = False) -> str:
        """The text, then the folded labels filling lines of about ``width`` characters; ``wrap``:
        the text too is broken into lines of ``width`` (a legend below narrow panels)."""
        lines: list[str] = []
        for text in self.folded:  # a label is never split: lines break between labels
            if lines and len(lines[-1]) + 3 + len(text) <= width:
                lines[-1] += " · " + text
            else:
                lines.append(text)
        if wrap and len(self.text) > width:
            import textwrap

            return "\n".join([*textwrap.wrap(self.text, width, break_on_hyphens=False), *lines])
        return "\n".join([self.text, *lines])


def display_points(panel: Any, lines: Sequence[Any]) -> np.ndarray:
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


def box_of(extent: Any) -> Box:
    return Box(float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))


def lay_out(figure: Any, panels: Sequence[Any], labels: Sequence[Label], entries: Sequence[Entry],
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
    most_columns = 3
    shared = Entry(_invisible_handle(), "all curves")
    for round_ in range(ROUNDS):
        if round_ == ROUNDS - 1:  # the last round: every label in the legend, below the panels
            folded, outside, most_columns = set(range(len(labels))), True, 1
        for entry in (*entries, shared):
            entry.folded = [labels[i].text for i in sorted(folded)
                            if any(home is entry for home in _homes(labels[i], entries, shared))]
        shown = [e for e in entries if e.handle is not None] + ([shared] if shared.folded else [])
        legend, columns = _legend(figure, panels[0], shown, outside, legend_fontsize, most_columns)
        figure.get_layout_engine().execute(figure)
        renderer = figure.canvas.get_renderer()
        points = [display_points(panel, lines) for panel, lines in zip(panels, obstacles)]
        if legend is not None and outside and columns > 1 and round_ < ROUNDS - 1:
            box = box_of(legend.get_window_extent(renderer))
            if box.x0 < 0 or box.x1 > figure.bbox.width:  # too wide for the figure: fewer columns
                most_columns = columns - 1
                legend.remove()
                continue
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


def _invisible_handle() -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none")


def _legend(figure: Any, axes: Any, entries: Sequence[Entry], outside: bool, fontsize: float,
            most_columns: int = 3) -> tuple[Any, int]:
    """The legend (None without entries) and its number of columns: inside ``axes`` (placed later
    by :func:`_seat_legend`), or outside below the panels in up to ``most_columns`` columns."""
    if not entries:
        return None, 0
    handles = [e.handle for e in entries]
    if outside:
        # Folded labels wrap at the width of a column, so that the legend table grows in height
        # only as much as it must.
        characters = figure.bbox.width / (fontsize * EM * figure.dpi / 72.0)
        titles = max(len(e.text) for e in entries)
        columns = min(len(entries), most_columns, 3 if titles < 32 else 2 if titles < 48 else 1)
        texts = [e.label(max(24, int(characters / columns) - 8), wrap=True) for e in entries]
        return figure.legend(handles, texts, loc="outside lower center", fontsize=fontsize,
                             ncols=columns, frameon=False), columns
    texts = [e.label(FOLD_WIDTH) for e in entries]
    return axes.legend(handles, texts, loc=LEGEND_SPOTS[0], fontsize=fontsize), 1


def _seat_legend(legend: Any, renderer: Any, points: np.ndarray, axes: Any) -> bool:
    """Move the inside legend to the first of :data:`LEGEND_SPOTS` that covers none of ``points``,
    else to the free place nearest the top right on a grid over the panel; False when none is free."""
    area = box_of(axes.get_window_extent(renderer))
    for spot in LEGEND_SPOTS:
        legend.set_loc(spot)
        box = box_of(legend.get_window_extent(renderer))
        if box.inside(area, 2.0) and box.covers(points, 3.0) == 0:
            return True
    legend.set_loc("upper right")
    width, height = (float(v) for v in legend.get_window_extent(renderer).size)
    steps = np.linspace(0.0, 1.0, LEGEND_GRID)
    grid = sorted(((x, y) for x in steps for y in steps), key=lambda p: (1 - p[0]) ** 2 + (1 - p[1]) ** 2)
    for fx, fy in grid:
        # The legend's upper right corner at (fx, fy) of the room it can move in.
        right = area.x0 + 4 + width + fx * (area.x1 - area.x0 - width - 8)
        top = area.y0 + 4 + height + fy * (area.y1 - area.y0 - height - 8)
        box = Box(right - width, top - height, right, top)
        if box.covers(points, 3.0) == 0:
            anchor = axes.transAxes.inverted().transform((right, top))
            legend.set_bbox_to_anchor((float(anchor[0]), float(anchor[1])), transform=axes.transAxes)
            legend.borderaxespad = 0.0
            return box_of(legend.get_window_extent(renderer)).covers(points, 3.0) == 0
    return False


def _anchor(axes: Any, label: Label) -> tuple[float, float]:
    x, y = axes.transData.transform((label.x, 0.0 if label.y is None else label.y))
    return float(x), float(y)


def _place_labels(figure: Any, panels: Sequence[Any], labels: Sequence[Label], folded: set[int],
                  placers: list[Placer], renderer: Any, fontsize: float) -> list[int]:
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
        else:  # in a small panel a far label (a long arrow across it) is worse than a folded one
            reach = MAX_REACH * min(placer.area.x1 - placer.area.x0, placer.area.y1 - placer.area.y0)
            spot = placer.place([s for s in around(anchor, size) if s.distance <= reach])
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


def _remove_labels(panels: Sequence[Any]) -> None:
    for axes in panels:
        for text in list(axes.texts):
            if text.get_gid() == "warmupctl-label":
                text.remove()


def text_boxes(figure: Any) -> list[tuple[str, Box]]:
    """Every text a drawn figure shows and its box in display pixels (an annotation's text only, not
    its arrow; tick labels of the ticks inside the axis' view only): what the layout tests check."""
    from matplotlib.axis import Axis
    from matplotlib.text import Annotation, Text

    renderer = figure.canvas.get_renderer()
    ticks: set[int] = set()
    shown: list[Any] = []
    for axis in figure.findobj(Axis):
        scale = axis.get_transform()  # compared on the axis' scale (log, symlog), as matplotlib does
        low, high = sorted(float(v) for v in scale.transform(np.asarray(axis.get_view_interval(), float)))
        slack = (high - low) * 1e-10  # matplotlib's own tolerance for a tick at the view's edge
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            labels = (tick.label1, tick.label2)
            ticks.update(id(label) for label in labels)
            where = float(scale.transform(np.array([tick.get_loc()], dtype=float))[0])
            if low - slack <= where <= high + slack and tick.get_visible():
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
