"""Pure-Python screening rules: plain data in, findings out.

This package imports nothing from Django or from the rest of the project (a test walks its imports), so it
can be tested and versioned on its own. Entry point: :func:`evaluate`.
"""

from .options import ScreeningOptions
from .registry import RULES, RULES_BY_ID, RULESET_VERSION, evaluate
from .result import Category, Finding, Level, NotEvaluable, ScreeningResult

__all__ = [
    "RULES",
    "RULESET_VERSION",
    "RULES_BY_ID",
    "Category",
    "Finding",
    "Level",
    "NotEvaluable",
    "ScreeningOptions",
    "ScreeningResult",
    "evaluate",
]
