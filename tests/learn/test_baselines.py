"""Evaluation's baselines: majority class and a depth-feature logistic regression."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.learn.baselines import ap_margin, baseline_metrics, beats_baselines, depth_features
from dexgen.learn.data import open_packed
from dexgen.params.learn import TaskConfig


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
    out, scores = baseline_metrics(data, train, val, rng=np.random.default_rng(0))
    labels = data.gather(val)["label"]
    assert scores.shape == labels.shape
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


def test_ap_margin_interval_resamples_objects():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(8), 50)
    labels = rng.random(len(groups)) < 0.3
    perfect = labels + rng.uniform(0, 0.1, len(labels))
    noise = rng.random(len(labels))
    out = ap_margin(labels, perfect, noise, groups, rng=np.random.default_rng(1), draws=200)
    assert out["num_val_objects"] == 8
    lo, hi = out["ap_margin_over_logreg_ci95"]
    assert 0 < lo <= out["ap_margin_over_logreg"] <= hi  # a real margin: the interval excludes 0
    assert out["ap_margin_holds"] and out["ap_margin_resampling_unit"] == "object"
    assert out["ap_margin_bootstrap_draws"] == 200
    same = ap_margin(labels, noise, noise, groups, rng=np.random.default_rng(1), draws=50)
    assert same["ap_margin_over_logreg"] == 0 and same["ap_margin_over_logreg_ci95"] == [0.0, 0.0]
    assert not same["ap_margin_holds"]  # no margin: the verdict says so


def test_ap_margin_interval_is_wide_when_one_object_decides():
    # The model wins on object 0 only and ties elsewhere: resampling objects must show the doubt.
    groups = np.repeat(np.arange(4), 20)
    labels = np.tile(np.arange(20) % 4 == 0, 4)
    base = np.tile(np.linspace(1, 0, 20), 4)  # ranks within each object
    model = base.copy()
    model[:20] = labels[:20] + 0.01 * base[:20]
    base_ranked = base.copy()
    base_ranked[:20] = 1 - base[:20]
    out = ap_margin(labels, model, base_ranked, groups, rng=np.random.default_rng(2), draws=300)
    lo, hi = out["ap_margin_over_logreg_ci95"]
    assert lo <= 0.05 < hi
