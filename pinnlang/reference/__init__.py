"""Reference solutions for scoring problems that have no closed-form ``exact:``."""

from pinnlang.reference.burgers import burgers_cole_hopf
from pinnlang.reference.cavity_converged import converged_centrelines
from pinnlang.reference.ghia import ghia_centrelines
from pinnlang.reference.points import PointReference, relative_l2_error
from pinnlang.reference.registry import (
    ReferenceFn,
    problems_with_reference,
    reference_points,
    reference_solution,
)

__all__ = [
    "PointReference",
    "relative_l2_error",
    "ReferenceFn",
    "burgers_cole_hopf",
    "converged_centrelines",
    "ghia_centrelines",
    "problems_with_reference",
    "reference_points",
    "reference_solution",
]
