"""Regions, constructive solid geometry and point samplers."""

from pinnlang.geometry.base import DEFAULT_TOL, Region

__all__ = ["DEFAULT_TOL", "Region"]
