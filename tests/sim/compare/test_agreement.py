"""Agreement, kappa and the confusion matrix against scikit-learn and hand-counted cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from dexgen.sim.compare.agreement import agreement


def test_matches_scikit_learn_on_random_labels():
    rng = np.random.default_rng(3)
    a = rng.random(500) < 0.55
    b = np.where(rng.random(500) < 0.8, a, ~a)
    r = agreement(a, b)
    assert r["kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-6)
    assert r["confusion"] == confusion_matrix(a, b, labels=[False, True]).tolist()
    assert r["agreement"] == pytest.approx((a == b).mean(), abs=1e-6)
    assert (r["success_rate_a"], r["trials"]) == (pytest.approx(a.mean(), abs=1e-6), 500)


def test_chance_agreement_scores_zero_and_identical_labels_one():
    a = np.array([True] * 99 + [False])
    assert agreement(a, np.ones(100, dtype=bool))["kappa"] == 0.0  # 99 % agreement, all of it chance
    assert agreement(a, a)["kappa"] == 1.0
    assert agreement(a, ~a)["kappa"] < 0


def test_empty_and_mismatched_inputs():
    assert agreement(np.zeros(0, bool), np.zeros(0, bool))["kappa"] is None
    with pytest.raises(ValueError, match="differ in shape"):
        agreement(np.zeros(3, bool), np.zeros(4, bool))
