"""How two engines' labels on the same trials agree: rate, Cohen's kappa, the confusion matrix.

Kappa corrects the agreement for what two independent labellers with the same success rates would
reach by chance: on a set that is 99 % held, 98 % agreement is chance, kappa ~0. It is 1 for identical
labels and 0 when either side gives one label only (nothing beyond chance can be shown).
"""

from __future__ import annotations

import numpy as np


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Agreement of boolean label vectors ``a`` and ``b`` (n,): trials, success rate of each, agreement,
    kappa, and the confusion matrix ``[[both failed, only b held], [only a held, both held]]``."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"label vectors differ in shape: {a.shape} vs {b.shape}")
    n = len(a)
    confusion = [
        [int((~a & ~b).sum()), int((~a & b).sum())],
        [int((a & ~b).sum()), int((a & b).sum())],
    ]
    if n == 0:
        return {
            "trials": 0,
            "success_rate_a": None,
            "success_rate_b": None,
            "agreement": None,
            "kappa": None,
            "confusion": confusion,
        }
    observed = float((a == b).mean())
    pa, pb = float(a.mean()), float(b.mean())
    chance = pa * pb + (1 - pa) * (1 - pb)
    kappa = (observed - chance) / (1 - chance) if chance < 1 else 0.0
    return {
        "trials": n,
        "success_rate_a": round(pa, 6),
        "success_rate_b": round(pb, 6),
        "agreement": round(observed, 6),
        "kappa": round(float(kappa), 6),
        "confusion": confusion,
    }
