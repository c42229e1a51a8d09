"""Exact reference solutions for scoring problems that have no closed-form ``exact:``."""

from pinnlang.reference.burgers import burgers_cole_hopf
from pinnlang.reference.registry import ReferenceFn, problems_with_reference, reference_solution

__all__ = ["ReferenceFn", "burgers_cole_hopf", "problems_with_reference", "reference_solution"]
