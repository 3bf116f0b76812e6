"""Success rates with their 95 % Wilson intervals, as every report writes them."""

from __future__ import annotations

import math
from typing import Any


def wilson(held: int, trials: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval of a success rate (None when there are no trials)."""
    if trials == 0:
        return None
    p = held / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return round(max(0.0, centre - half), 6), round(min(1.0, centre + half), 6)


def rate(held: int, trials: int) -> dict[str, Any]:
    """``{held, trials, rate, ci95}`` (rate and interval None without trials)."""
    return {
        "held": held,
        "trials": trials,
        "rate": round(held / trials, 6) if trials else None,
        "ci95": wilson(held, trials),
    }
