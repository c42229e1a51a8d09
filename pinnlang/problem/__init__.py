"""The problem IR and the SymPy API that builds it."""

from pinnlang.problem.ir import (
    AtPoints,
    CONDITION_KINDS,
    Condition,
    Constant,
    DataSource,
    OnPlane,
    OnRegion,
    Param,
    Problem,
    Quantity,
    Reference,
    TimeAxis,
    Unknown,
    normal_symbols,
)
from pinnlang.problem.latex import to_latex
from pinnlang.problem.operators import dn, laplacian
from pinnlang.problem.printer import to_pinn

__all__ = [
    "AtPoints",
    "CONDITION_KINDS",
    "Condition",
    "Constant",
    "DataSource",
    "OnPlane",
    "OnRegion",
    "Param",
    "Problem",
    "Quantity",
    "Reference",
    "TimeAxis",
    "Unknown",
    "dn",
    "laplacian",
    "normal_symbols",
    "to_latex",
    "to_pinn",
]
