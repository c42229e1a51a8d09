"""The problem IR and the SymPy API that builds it."""

from pinnlang.problem.ir import (
    CONDITION_KINDS,
    Condition,
    Constant,
    DataSource,
    OnPlane,
    OnRegion,
    Param,
    Problem,
    TimeAxis,
    Unknown,
)
from pinnlang.problem.operators import dn, laplacian

__all__ = [
    "CONDITION_KINDS",
    "Condition",
    "Constant",
    "DataSource",
    "OnPlane",
    "OnRegion",
    "Param",
    "Problem",
    "TimeAxis",
    "Unknown",
    "dn",
    "laplacian",
]
