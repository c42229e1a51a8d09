"""Quadrature rules of the shapes integrate known integrals to high accuracy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pinnlang.geometry import Ball, Box, Disk, Interval, Polygon, Rectangle
from pinnlang.geometry.quadrature import QuadratureRule, gauss_legendre


def _area(rule: QuadratureRule) -> float:
    return rule.integrate(np.ones(len(rule)))


@pytest.mark.parametrize(
    ("region", "measure", "boundary_measure"),
    [
        (Interval(-1.0, 2.0), 3.0, 2.0),
        (Rectangle((0, 2.2), (0, 0.41)), 2.2 * 0.41, 2 * (2.2 + 0.41)),
        (Box((0, 0, 0), (1, 2, 3)), 6.0, 22.0),
        (Disk((0.2, 0.2), 0.05), math.pi * 0.05**2, 2 * math.pi * 0.05),
        (Ball((0, 0, 0), 1.0), 4 * math.pi / 3, 4 * math.pi),
        (Polygon(((0, 0), (2, 0), (2, 1), (1, 2), (0, 1))), 3.0, 4 + 2 * math.sqrt(2)),
        (Rectangle((0, 2.2), (0, 0.41)) - Disk((0.2, 0.2), 0.05),
         2.2 * 0.41 - math.pi * 0.05**2, 2 * (2.2 + 0.41) + 2 * math.pi * 0.05),
    ],
    ids=["interval", "rectangle", "box3", "disk", "ball3", "polygon", "channel"],
)
def test_rules_measure_the_region_and_its_boundary(region, measure, boundary_measure):
    assert _area(region.interior_rule(32)) == pytest.approx(measure, rel=1e-12)
    assert _area(region.boundary_rule(16)) == pytest.approx(boundary_measure, rel=1e-12)


def test_boundary_normals_are_outward_unit_vectors_on_the_boundary():
    channel = Rectangle((0, 2.2), (0, 0.41)) - Disk((0.2, 0.2), 0.05)
    rule = channel.boundary_rule(64)
    assert np.allclose(np.linalg.norm(rule.normals, axis=1), 1.0)
    assert channel.on_boundary(rule.points).all()
    on_hole = np.linalg.norm(rule.points - [0.2, 0.2], axis=1) < 0.05 + 1e-9
    # on the hole the domain's outward normal points into the hole, towards its centre
    inward = np.sum(rule.normals[on_hole] * (rule.points[on_hole] - [0.2, 0.2]), axis=1)
    assert on_hole.sum() == 64 and np.all(inward < 0)


def test_divergence_theorem_on_a_domain_with_a_hole():
    # the flux of F = (x^2 y, sin(x) + y) equals the integral of div F = 2 x y + 1
    channel = Rectangle((0, 2.2), (0, 0.41)) - Disk((0.2, 0.2), 0.05)
    edge = channel.boundary_rule(256)
    x, y = edge.points.T
    flux = edge.integrate(x**2 * y * edge.normals[:, 0] + (np.sin(x) + y) * edge.normals[:, 1])
    inside = channel.interior_rule(64)
    x, y = inside.points.T
    assert flux == pytest.approx(inside.integrate(2 * x * y + 1), rel=1e-12)


def test_circle_rule_is_spectrally_accurate_for_periodic_integrands():
    rule = Disk((0, 0), 2.0).boundary_rule(32)
    x, _y = rule.points.T
    # integral over the circle of radius 2 of exp(x) = 2 pi * 2 * I0(2)
    exact = 4 * math.pi * np.i0(2.0)
    assert rule.integrate(np.exp(x)) == pytest.approx(exact, rel=1e-14)


def test_sphere_and_ball_rules_integrate_polynomials():
    ball = Ball((0.5, 0, 0), 1.0)
    surface = ball.boundary_rule(16)
    assert surface.integrate(surface.points[:, 0] ** 2) == pytest.approx(
        4 * math.pi * (1 / 3 + 0.25), rel=1e-12)
    volume = ball.interior_rule(12)
    assert volume.integrate(volume.points[:, 2] ** 2) == pytest.approx(4 * math.pi / 15, rel=1e-12)


def test_polygon_interior_rule_integrates_a_polynomial_exactly():
    rule = Polygon(((0, 0), (1, 0), (0, 1))).interior_rule(8)
    x, y = rule.points.T
    assert rule.integrate(x * y) == pytest.approx(1 / 24, rel=1e-13)


def test_gauss_legendre_maps_to_the_interval():
    nodes, weights = gauss_legendre(5, 2.0, 4.0)
    assert np.all((nodes > 2) & (nodes < 4))
    assert np.dot(weights, nodes**9) == pytest.approx((4**10 - 2**10) / 10, rel=1e-13)


def test_select_keeps_part_of_a_rule():
    rule = Rectangle((0, 1), (0, 1)).boundary_rule(8)
    right = rule.select(np.isclose(rule.points[:, 0], 1.0))
    assert len(right) == 8 and np.allclose(right.normals, [1.0, 0.0])
    assert _area(right) == pytest.approx(1.0)
