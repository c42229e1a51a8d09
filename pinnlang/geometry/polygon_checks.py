"""Validation and ear-clipping triangulation of simple polygons (plain NumPy geometry)."""

from __future__ import annotations

import numpy as np


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """z-component of ``(a - o) x (b - o)``: positive when ``o, a, b`` turn left."""
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _point(vertex: np.ndarray) -> tuple[float, float]:
    return (float(vertex[0]), float(vertex[1]))


def signed_area(vertices: np.ndarray) -> float:
    """Shoelace area: positive for counter-clockwise vertices, negative for clockwise."""
    x, y = vertices[:, 0], vertices[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _segments_meet(p1, p2, q1, q2, eps: float) -> bool:
    """Whether the closed segments ``p1p2`` and ``q1q2`` share a point."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > eps and d2 < -eps) or (d1 < -eps and d2 > eps)) and (
        (d3 > eps and d4 < -eps) or (d3 < -eps and d4 > eps)
    ):
        return True

    def on_segment(a, b, p, d) -> bool:
        return abs(d) <= eps and min(a[0], b[0]) - 1e-12 <= p[0] <= max(a[0], b[0]) + 1e-12 and (
            min(a[1], b[1]) - 1e-12 <= p[1] <= max(a[1], b[1]) + 1e-12
        )

    return (
        on_segment(q1, q2, p1, d1)
        or on_segment(q1, q2, p2, d2)
        or on_segment(p1, p2, q1, d3)
        or on_segment(p1, p2, q2, d4)
    )


def validate_polygon(vertices: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``vertices`` describe a simple polygon with non-zero area.

    Checks: at least 3 vertices, no repeated consecutive vertex (including a last vertex that
    repeats the first), no edge folding back on its neighbour, no two non-adjacent edges
    touching or crossing, non-zero area.
    """
    count = len(vertices)
    if count < 3:
        raise ValueError(f"a polygon needs at least 3 vertices, got {count}")
    scale = float(np.max(np.ptp(vertices, axis=0)))
    if scale == 0.0:
        raise ValueError("a polygon's vertices must not all coincide")
    eps = 1e-12 * scale * scale
    for i in range(count):
        a, b = vertices[i], vertices[(i + 1) % count]
        if np.allclose(a, b, rtol=0.0, atol=1e-12 * scale):
            hint = " (do not repeat the first vertex at the end)" if i == count - 1 else ""
            raise ValueError(
                f"polygon vertices {i} and {(i + 1) % count} coincide at {_point(a)}: "
                f"edges must have non-zero length{hint}"
            )
    for i in range(count):
        a, b, c = vertices[i - 1], vertices[i], vertices[(i + 1) % count]
        if abs(_cross(a, b, c)) <= eps and np.dot(b - a, c - b) < 0:
            raise ValueError(f"polygon folds back on itself at vertex {i} {_point(b)}")
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # adjacent through the closing edge
            if _segments_meet(
                vertices[i], vertices[(i + 1) % count], vertices[j], vertices[(j + 1) % count], eps
            ):
                raise ValueError(
                    f"polygon is not simple: edge {i} (vertices {i}-{(i + 1) % count}) meets "
                    f"edge {j} (vertices {j}-{(j + 1) % count})"
                )
    if abs(signed_area(vertices)) <= eps:
        raise ValueError("polygon is degenerate: its area is zero")


def _inside_triangle(p, a, b, c, eps: float) -> bool:
    """Whether ``p`` lies in the counter-clockwise triangle ``abc`` (boundary included)."""
    return _cross(a, b, p) >= -eps and _cross(b, c, p) >= -eps and _cross(c, a, p) >= -eps


def triangulate(vertices: np.ndarray) -> np.ndarray:
    """Ear-clipping triangulation of a simple polygon given counter-clockwise.

    Returns:
        Integer array ``(count - 2, 3)`` of vertex indices, each triangle counter-clockwise.
    """
    scale = float(np.max(np.ptp(vertices, axis=0)))
    eps = 1e-12 * scale * scale
    remaining = list(range(len(vertices)))
    triangles: list[tuple[int, int, int]] = []
    while len(remaining) > 3:
        size = len(remaining)
        for k in range(size):
            i, j, m = remaining[k - 1], remaining[k], remaining[(k + 1) % size]
            a, b, c = vertices[i], vertices[j], vertices[m]
            if _cross(a, b, c) < -eps:
                continue  # reflex vertex: not an ear
            corners = {(k - 1) % size, k, (k + 1) % size}
            others = (remaining[t] for t in range(size) if t not in corners)
            if any(
                _inside_triangle(vertices[o], a, b, c, eps)
                and not any(np.array_equal(vertices[o], v) for v in (a, b, c))
                for o in others
            ):
                continue
            triangles.append((i, j, m))
            del remaining[k]
            break
        else:  # numerically stuck (should not happen for a validated polygon)
            raise ValueError("could not triangulate the polygon; is it simple?")
    triangles.append(tuple(remaining))  # type: ignore[arg-type]
    return np.array(triangles, dtype=np.int64)
