"""The semantic checks: :mod:`pinnlang.checks.rules` runs them (``check``); the other modules
are their helpers (numeric predicates, data files, boundary selection, gauge freedom, scoring)."""
