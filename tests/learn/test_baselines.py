"""Evaluation's baselines: majority class and a depth-feature logistic regression."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.learn.baselines import baseline_metrics, beats_baselines, depth_features
from dexgen.learn.config import TaskConfig
from dexgen.learn.data import open_packed


def test_features_see_a_raised_centre():
    flat = np.full((1, 32, 32), 0.7)
    raised = flat.copy()
    raised[0, 12:20, 12:20] = 0.65
    feats = depth_features(np.concatenate([flat, raised]), np.zeros((2, 1)))
    assert feats.shape == (2, 10)
    assert feats[0, 3] == pytest.approx(0.0) and feats[1, 3] < 0  # centre minus mean


def test_baselines_on_a_learnable_rule(tiny_pj, tmp_path):
    data = open_packed(tiny_pj, tmp_path, "parallel_jaw", TaskConfig(threshold=0.002))
    rows = np.arange(len(data))
    train, val = rows[rows % 5 != 0], rows[rows % 5 == 0]
    out = baseline_metrics(data, train, val, rng=np.random.default_rng(0))
    labels = data.gather(val)["label"]
    assert out["baseline_majority_class"] == 0  # the tiny set is 40 % positive
    assert out["baseline_majority_accuracy"] == pytest.approx(1 - labels.mean())
    assert out["baseline_majority_average_precision"] == pytest.approx(labels.mean())
    # "the object covers the image centre" is visible to centre-minus-mean: the regression finds it.
    assert out["baseline_logreg_roc_auc"] > 0.9


def test_beats_baselines_needs_every_margin():
    base = {
        "baseline_majority_accuracy": 0.7,
        "baseline_majority_average_precision": 0.3,
        "baseline_logreg_average_precision": 0.6,
    }
    assert beats_baselines(base | {"average_precision": 0.8, "accuracy_at_0.5": 0.85})
    assert not beats_baselines(base | {"average_precision": 0.5, "accuracy_at_0.5": 0.85})
    assert not beats_baselines(base | {"average_precision": 0.8, "accuracy_at_0.5": 0.6})
    assert not beats_baselines(base)
