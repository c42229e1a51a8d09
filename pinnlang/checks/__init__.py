"""Helpers of the semantic checks in :mod:`pinnlang.check` (numeric predicates, data files,
boundary selection)."""
