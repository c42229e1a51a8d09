"""Quadrature rules over regions and their boundaries (NumPy only), for integrals of a solution.

A :class:`QuadratureRule` holds nodes, weights and (on a boundary) the outward unit normals;
``sum(weights * f(points))`` approximates the integral of ``f``. Each shape uses its own
parametrisation where it has one, so smooth integrands converge fast:

- an interval or a box: tensor Gauss–Legendre (each face of a box, tensor Gauss–Legendre over
  the face; the two ends of an interval, weight 1 each);
- a disk boundary: uniform angles with equal weights (the trapezoid rule, spectrally accurate for
  periodic integrands); a disk: Gauss–Legendre in the radius × uniform angles; a 3-D ball:
  Gauss–Legendre in ``cos(theta)`` × uniform ``phi`` (× Gauss–Legendre in the radius inside);
- a polygon: Gauss–Legendre on each edge; inside, a collapsed (Duffy) Gauss–Legendre rule on
  each triangle of its triangulation;
- ``A - B`` with ``B`` inside ``A``: the rule of ``A`` and the rule of ``B`` with negated
  weights (exact for any integrand defined on ``A``); on the boundary, the rules of both
  boundaries kept where the point is on the combined boundary (``B``'s normals flipped). Other
  combinations: tensor Gauss–Legendre over the bounding box, keeping the nodes inside (first
  order at a curved edge).

``n`` is the number of nodes along one direction (per edge, face axis, radius, or ``n`` angles
of a circle; a sphere gets ``n // 2`` polar × ``n`` azimuthal nodes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class QuadratureRule:
    """``points (N, dim)``, ``weights (N,)``, ``normals (N, dim)`` or None (interior rules)."""

    points: np.ndarray
    weights: np.ndarray
    normals: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.weights)

    def integrate(self, values: np.ndarray) -> float:
        """``sum(weights * values)``."""
        return float(np.dot(self.weights, np.asarray(values, dtype=np.float64)))

    def select(self, mask: np.ndarray) -> "QuadratureRule":
        """The nodes where ``mask`` holds (the integral over that part)."""
        mask = np.asarray(mask, dtype=bool)
        normals = self.normals[mask] if self.normals is not None else None
        return QuadratureRule(self.points[mask], self.weights[mask], normals)

    @staticmethod
    def join(*rules: "QuadratureRule") -> "QuadratureRule":
        """One rule integrating over the union of the parts the rules cover."""
        points = np.concatenate([r.points for r in rules])
        weights = np.concatenate([r.weights for r in rules])
        normals = None if any(r.normals is None for r in rules) else np.concatenate(
            [r.normals for r in rules])
        return QuadratureRule(points, weights, normals)


def gauss_legendre(n: int, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Gauss–Legendre nodes and weights on ``[lower, upper]``."""
    nodes, weights = np.polynomial.legendre.leggauss(int(n))
    half = (upper - lower) / 2.0
    return lower + half * (nodes + 1.0), half * weights


def tensor_gauss(lower: np.ndarray, upper: np.ndarray, n: int) -> QuadratureRule:
    """Tensor Gauss–Legendre over the box ``[lower, upper]`` (``n`` nodes per axis)."""
    rules = [gauss_legendre(n, a, b) for a, b in zip(np.ravel(lower), np.ravel(upper))]
    grids = np.meshgrid(*[r[0] for r in rules], indexing="ij")
    weight_grids = np.meshgrid(*[r[1] for r in rules], indexing="ij")
    points = np.stack([g.reshape(-1) for g in grids], axis=1)
    weights = np.prod(np.stack([w.reshape(-1) for w in weight_grids], axis=1), axis=1)
    return QuadratureRule(points, weights)


def masked_box_rule(region, n: int) -> QuadratureRule:
    """Tensor Gauss–Legendre over ``region``'s bounding box, nodes outside dropped."""
    lower, upper = region.bbox()
    rule = tensor_gauss(lower, upper, n)
    return rule.select(region.contains(rule.points, 0.0))


def box_faces_rule(lower: np.ndarray, upper: np.ndarray, n: int) -> QuadratureRule:
    """Gauss–Legendre on every face of a box (two end points, weight 1, in 1-D)."""
    lower, upper = np.ravel(lower).astype(float), np.ravel(upper).astype(float)
    dim = len(lower)
    parts = []
    for axis in range(dim):
        others = [a for a in range(dim) if a != axis]
        face = tensor_gauss(lower[others], upper[others], n) if others else QuadratureRule(
            np.zeros((1, 0)), np.ones(1))
        for value, sign in ((lower[axis], -1.0), (upper[axis], 1.0)):
            points = np.empty((len(face), dim))
            points[:, others] = face.points
            points[:, axis] = value
            normals = np.zeros((len(face), dim))
            normals[:, axis] = sign
            parts.append(QuadratureRule(points, face.weights.copy(), normals))
    return QuadratureRule.join(*parts)


def sphere_rule(center: np.ndarray, radius: float, n: int) -> QuadratureRule:
    """The surface of a circle (``n`` uniform angles) or a sphere (Gauss–Legendre in
    ``cos(theta)`` × uniform ``phi``), with outward normals."""
    center = np.ravel(center).astype(float)
    if len(center) == 2:
        angles = 2 * np.pi * np.arange(n) / n
        normals = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        weights = np.full(n, 2 * np.pi * radius / n)
    elif len(center) == 3:
        cos_theta, w_theta = gauss_legendre(max(2, n // 2), -1.0, 1.0)
        phi = 2 * np.pi * np.arange(n) / n
        c, p = np.meshgrid(cos_theta, phi, indexing="ij")
        s = np.sqrt(1 - c**2)
        normals = np.stack([s * np.cos(p), s * np.sin(p), c], axis=-1).reshape(-1, 3)
        weights = (w_theta[:, None] * np.full(n, 2 * np.pi / n)[None, :]).reshape(-1) * radius**2
    else:
        raise ValueError(f"no boundary quadrature for a {len(center)}-D ball")
    return QuadratureRule(center + radius * normals, weights, normals)


def ball_rule(center: np.ndarray, radius: float, n: int) -> QuadratureRule:
    """Inside a disk or a 3-D ball: Gauss–Legendre in the radius × the surface rule."""
    center = np.ravel(center).astype(float)
    dim = len(center)
    radii, w_r = gauss_legendre(n, 0.0, radius)
    surface = sphere_rule(np.zeros(dim), 1.0, n)
    points = center + (radii[:, None, None] * surface.normals[None, :, :]).reshape(-1, dim)
    weights = (w_r[:, None] * radii[:, None] ** (dim - 1) * surface.weights[None, :]).reshape(-1)
    return QuadratureRule(points, weights)


def segments_rule(starts: np.ndarray, ends: np.ndarray, normals: np.ndarray, n: int
                  ) -> QuadratureRule:
    """Gauss–Legendre on each segment ``starts[i] -> ends[i]`` with its normal."""
    s, w = gauss_legendre(n, 0.0, 1.0)
    lengths = np.linalg.norm(ends - starts, axis=1)
    points = starts[:, None, :] + s[None, :, None] * (ends - starts)[:, None, :]
    weights = lengths[:, None] * w[None, :]
    return QuadratureRule(points.reshape(-1, 2), weights.reshape(-1),
                          np.repeat(normals, len(s), axis=0))


def triangles_rule(a: np.ndarray, b: np.ndarray, c: np.ndarray, n: int) -> QuadratureRule:
    """Collapsed Gauss–Legendre on triangles ``(a[i], b[i], c[i])``: the unit square mapped by
    ``a + u (b - a) + u v (c - b)``, Jacobian ``u * 2 * area``."""
    u, wu = gauss_legendre(n, 0.0, 1.0)
    v, wv = gauss_legendre(n, 0.0, 1.0)
    uu, vv = (g.reshape(-1) for g in np.meshgrid(u, v, indexing="ij"))
    ww = np.outer(wu, wv).reshape(-1) * uu
    ab, ac = b - a, c - a
    twice_area = np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
    points = (a[:, None, :] + uu[None, :, None] * (b - a)[:, None, :]
              + (uu * vv)[None, :, None] * (c - b)[:, None, :])
    weights = twice_area[:, None] * ww[None, :]
    return QuadratureRule(points.reshape(-1, 2), weights.reshape(-1))
