"""Where a plot's labels go: boxes in display pixels, candidate spots, and a greedy placer.

Pure geometry on numpy arrays (no matplotlib): :mod:`warmupctl.render.plot` measures each text with
the renderer, hands its size and its anchor here in display coordinates, and draws the label where
:class:`Placer` puts it — or folds it into the legend when no spot is free. A spot is free when the
label lies inside the plot area, overlaps no label placed before it and no box reserved (the legend),
and covers no point of a curve. Among free spots the nearest to the anchor wins (ties: the order of
the candidates, so the result is the same on every run).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Pixels kept free around every label, so that labels never touch.
PAD = 2.0
#: Spacing, in pixels, of the points a polyline is resampled to for the overlap test.
STEP = 2.5
#: At most this many points per curve for the overlap test (denser envelopes are left as they are).
MAX_OBSTACLE_POINTS = 60_000


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in display pixels (y grows upwards, as in matplotlib)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the boxes share more than a line, ``pad`` pixels added around this one."""
        return (self.x0 - pad < other.x1 and other.x0 < self.x1 + pad
                and self.y0 - pad < other.y1 and other.y0 < self.y1 + pad)

    def inside(self, other: Box, pad: float = 0.0) -> bool:
        """Whether this box lies within ``other``, ``pad`` pixels from its edges."""
        return (self.x0 >= other.x0 + pad and self.x1 <= other.x1 - pad
                and self.y0 >= other.y0 + pad and self.y1 <= other.y1 - pad)

    def covers(self, points: NDArray[np.float64], pad: float = 0.0) -> int:
        """How many of the ``(n, 2)`` points lie in the box grown by ``pad``."""
        if len(points) == 0:
            return 0
        x, y = points[:, 0], points[:, 1]
        inside = ((x > self.x0 - pad) & (x < self.x1 + pad) & (y > self.y0 - pad) & (y < self.y1 + pad))
        return int(np.count_nonzero(inside))


def densify(points: NDArray[np.float64], step: float = STEP,
            limit: int = MAX_OBSTACLE_POINTS) -> NDArray[np.float64]:
    """A polyline's ``(n, 2)`` display points resampled every ``step`` pixels along each segment, so
    that a box crossing a long segment covers some of its points. NaN points (a break in the line)
    are dropped."""
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 2:
        return points
    lengths = np.hypot(*np.diff(points, axis=0).T)
    pieces = np.clip(np.ceil(lengths / step).astype(np.int64), 1, None)
    if pieces.sum() > limit:  # a dense envelope: its own points are already close together
        return points
    starts = np.repeat(points[:-1], pieces, axis=0)
    ends = np.repeat(points[1:], pieces, axis=0)
    offsets = np.arange(int(pieces.sum())) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t = (offsets / np.repeat(pieces, pieces))[:, None]
    return np.vstack((starts + (ends - starts) * t, points[-1:]))


@dataclass(frozen=True)
class Spot:
    """Where a label goes: its lower-left corner relative to the anchor, in pixels, and its box."""

    dx: float
    dy: float
    box: Box
    distance: float


def around(anchor: tuple[float, float], size: tuple[float, float],
           distances: Sequence[float] = (6, 16, 32, 56, 90, 140)) -> list[Spot]:
    """Spots around a point: the label's nearest corner or edge ``d`` pixels away in eight
    directions, for each distance ``d`` (nearest first)."""
    width, height = size
    spots = []
    for d in distances:
        for ux, uy in ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)):
            diagonal = math.sqrt(0.5) if ux and uy else 1.0
            gx, gy = ux * d * diagonal, uy * d * diagonal
            dx = gx if ux > 0 else (gx - width if ux < 0 else -width / 2)
            dy = gy if uy > 0 else (gy - height if uy < 0 else -height / 2)
            spots.append(_spot(anchor, size, dx, dy, d))
    return spots


def along_vertical(x: float, area: Box, size: tuple[float, float], gap: float = 4.0,
                   rows: int = 24) -> list[Spot]:
    """Spots beside a vertical line at ``x``: right of it, then left, from the bottom of ``area`` up."""
    width, height = size
    spots = []
    usable = area.y1 - area.y0 - height - 2 * (PAD + 1)  # PAD + 1 from the bottom and the top
    for row in range(rows):
        y = area.y0 + PAD + 1 + usable * row / max(rows - 1, 1)
        for dx in (gap, -gap - width):
            spots.append(_spot((x, area.y0), size, dx, y - area.y0, row + (0.5 if dx < 0 else 0.0)))
    return spots


def _spot(anchor: tuple[float, float], size: tuple[float, float], dx: float, dy: float,
          distance: float) -> Spot:
    x, y = anchor[0] + dx, anchor[1] + dy
    return Spot(dx, dy, Box(x, y, x + size[0], y + size[1]), distance)


class Placer:
    """Greedy placement of labels in one plot area, in the order they are asked for."""

    def __init__(self, area: Box, obstacles: Iterable[NDArray[np.float64]] = (),
                 reserved: Iterable[Box] = ()) -> None:
        self.area = area
        arrays = [a for a in obstacles if len(a)]
        self.points = np.vstack(arrays) if arrays else np.empty((0, 2))
        self.placed: list[Box] = list(reserved)

    def reserve(self, box: Box) -> None:
        """Keep ``box`` free of labels from now on (the legend)."""
        self.placed.append(box)

    def free(self, box: Box) -> bool:
        """Whether a label may go in ``box``: inside the area, clear of labels, reserved boxes and
        curves."""
        return (box.inside(self.area, PAD)
                and not any(box.overlaps(other, PAD) for other in self.placed)
                and box.covers(self.points, PAD) == 0)

    def place(self, spots: Sequence[Spot]) -> Spot | None:
        """The nearest free spot (the first of equal distance), now taken; None when none is free."""
        for spot in sorted(spots, key=lambda s: s.distance):
            if self.free(spot.box):
                self.placed.append(spot.box)
                return spot
        return None
