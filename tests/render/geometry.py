"""The geometry every plot layout test asserts: no two texts of a drawn figure overlap, and all lie
inside it (the LR plot and the multi-series plot share one layout, so they share this check)."""

from __future__ import annotations

import itertools

from warmupctl.render.annotate import text_boxes
from warmupctl.render.layout import Box


def assert_clean(figure) -> list[tuple[str, Box]]:
    """No two texts of the drawn figure overlap, and all lie inside it; returns the boxes."""
    figure.canvas.draw()
    boxes = text_boxes(figure)
    whole = Box(0, 0, figure.bbox.width, figure.bbox.height)
    for text, box in boxes:
        assert box.inside(whole, -0.5), f"{text!r} leaves the figure: {box}"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b, -0.5), f"{a!r} {box_a} overlaps {b!r} {box_b}"
    return boxes


def texts(boxes) -> str:
    """The boxes' texts, one a line (for assertions on what was drawn)."""
    return "\n".join(text for text, _ in boxes)
