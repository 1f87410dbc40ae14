"""Summaries of timing samples."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for p95) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median_p95(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def timed(function: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by one call, and its result."""
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result
