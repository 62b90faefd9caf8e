"""The placer's geometry (warmupctl.render.layout), by hand-computed boxes: no matplotlib involved."""

import numpy as np

from warmupctl.render.layout import PAD, Box, Placer, along_vertical, around, densify

AREA = Box(0, 0, 400, 300)


def test_boxes_overlap_only_when_they_share_an_area():
    a = Box(0, 0, 10, 10)
    assert a.overlaps(Box(5, 5, 15, 15)) and not a.overlaps(Box(10, 0, 20, 10))  # an edge is not an area
    assert a.overlaps(Box(11, 0, 20, 10), pad=2)                                  # but a pad makes room
    assert a.inside(Box(-1, -1, 11, 11)) and not a.inside(Box(0, 0, 10, 10), pad=1)
    assert a.covers(np.array([[5.0, 5.0], [20.0, 20.0], [10.5, 5.0]])) == 1
    assert a.covers(np.array([[10.5, 5.0]]), pad=1) == 1


def test_densify_puts_a_point_every_few_pixels_and_drops_breaks():
    line = np.array([[0.0, 0.0], [10.0, 0.0], [np.nan, np.nan], [10.0, 10.0]])
    points = densify(line, step=2.5)
    assert np.isfinite(points).all()
    assert np.allclose(points[:5, 0], [0.0, 2.5, 5.0, 7.5, 10.0]) and np.allclose(points[:5, 1], 0.0)
    assert np.allclose(points[-1], [10.0, 10.0])  # the segment over the break is kept, then the last point
    assert np.max(np.hypot(*np.diff(points, axis=0).T)) <= 2.5 + 1e-9


def test_a_dense_polyline_is_left_as_it_is():
    line = np.column_stack((np.arange(10.0) * 1000, np.zeros(10)))
    assert len(densify(line, step=1.0, limit=100)) == 10


def test_spots_around_a_point_start_nearest():
    spots = around((100.0, 100.0), (40.0, 10.0), distances=(6, 16))
    assert [s.distance for s in spots] == [6] * 8 + [16] * 8
    right = spots[4]  # (1, 0): to the right, centred on the anchor's height
    assert (right.box.x0, right.box.y0, right.box.x1, right.box.y1) == (106.0, 95.0, 146.0, 105.0)
    left_below = spots[3]  # (-1, -1): the label's upper right corner towards the anchor
    assert left_below.box.x1 < 100 and left_below.box.y1 < 100


def test_spots_beside_a_vertical_line_stay_in_the_area():
    spots = along_vertical(200.0, AREA, (50.0, 10.0), rows=5)
    assert all(s.box.inside(AREA, PAD) for s in spots)
    assert {s.box.x0 for s in spots} == {204.0, 146.0}  # 4 px right of the line, or left of it


def test_the_placer_takes_the_nearest_free_spot_and_then_avoids_it():
    curve = densify(np.array([[0.0, 150.0], [400.0, 150.0]]))  # a horizontal line across the area
    placer = Placer(AREA, [curve])
    first = placer.place(around((200.0, 150.0), (40.0, 10.0)))
    assert first is not None and not first.box.overlaps(Box(0, 148, 400, 152))
    second = placer.place(around((200.0, 150.0), (40.0, 10.0)))
    assert second is not None and not second.box.overlaps(first.box, PAD)
    placer.reserve(Box(0, 0, 400, 300))  # the whole area taken: nothing is free any more
    assert placer.place(around((200.0, 150.0), (40.0, 10.0))) is None
