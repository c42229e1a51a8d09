"""Regions every geometry property test runs over: each shape and each kind of combination."""

from __future__ import annotations

from pinnlang.geometry import (
    Ball,
    Box,
    Disk,
    Interval,
    Polygon,
    Rectangle,
    Region,
)

L_SHAPE = Polygon(((0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)))  # counter-clockwise, area 3
CLOCKWISE_TRIANGLE = Polygon(((0, 0), (0, 1), (2, 0)))  # clockwise, area 1
STAR = Polygon(
    (
        (0, 3), (-1, 1), (-3, 1), (-1.5, -0.5), (-2, -3),
        (0, -1.5), (2, -3), (1.5, -0.5), (3, 1), (1, 1),
    )
)
SQUARE_WITH_HOLE = Rectangle((-1, 1), (-1, 1)) - Disk((0, 0), 0.5)
NESTED = (
    Rectangle((-1, 1), (-1, 1))
    - Disk((-0.2, -0.2), 0.4)
    - Polygon(((0.4, 0.4), (0.9, 0.4), (0.65, 0.9)))
)

REGIONS: dict[str, Region] = {
    "interval": Interval(-1, 2),
    "rectangle": Rectangle((0, 2), (0, 1)),
    "box3": Box((0, 0, 0), (1, 2, 3)),
    "box5": Box((0, 0, 0, 0, 0), (1, 1.5, 2, 1, 0.5)),
    "disk": Disk((0.5, -0.5), 2),
    "ball3": Ball((0, 0, 0), 1),
    "ball5": Ball((1, 0, 0, 0, 0), 0.7),
    "l_shape": L_SHAPE,
    "clockwise_triangle": CLOCKWISE_TRIANGLE,
    "star": STAR,
    "union": Disk((0, 0), 1) + Rectangle((0, 2), (-0.5, 0.5)),
    "difference_hole": SQUARE_WITH_HOLE,
    "difference_bite": Rectangle((0, 2), (0, 1)) - Disk((2, 1), 0.5),
    "intersection": Disk((0, 0), 1) & Rectangle((0, 2), (-0.5, 0.5)),
    "nested": NESTED,
    "box3_minus_ball3": Box((0, 0, 0), (1, 1, 1)) - Ball((1, 1, 1), 0.6),
    "ball5_and_box5": Ball((0, 0, 0, 0, 0), 1) & Box((0, 0, 0, 0, 0), (1, 1, 1, 1, 1)),
    "polygon_union_polygon": L_SHAPE + CLOCKWISE_TRIANGLE,
}
