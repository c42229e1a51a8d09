"""Regions, constructive solid geometry and point samplers (NumPy only)."""

from pinnlang.geometry.adaptive import rad_sample, rar_select
from pinnlang.geometry.ball import Ball, Disk
from pinnlang.geometry.base import DEFAULT_TOL, Region
from pinnlang.geometry.box import Box, Rectangle, box_from_ranges
from pinnlang.geometry.csg import Difference, Intersection, Union
from pinnlang.geometry.interval import Interval
from pinnlang.geometry.polygon import Polygon
from pinnlang.geometry.samplers import SAMPLERS, sample_unit

__all__ = [
    "DEFAULT_TOL",
    "SAMPLERS",
    "Ball",
    "Box",
    "Difference",
    "Disk",
    "Intersection",
    "Interval",
    "Polygon",
    "Rectangle",
    "Region",
    "Union",
    "box_from_ranges",
    "rad_sample",
    "rar_select",
    "sample_unit",
]
