"""Baselines a grasp-quality network must beat on the same validation rows.

A CNN that does no better than predicting the majority class, or than a logistic regression on a
handful of depth statistics, has learned nothing about grasps; evaluation reports both next to
the model so ``dvc metrics diff`` shows the margin.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dexgen.dexnet.packed import PackedDataset

MAX_TRAIN_ROWS = 50_000  # the regression needs few rows; keeps evaluation cheap on millions of points
BOOTSTRAP_DRAWS = 1000  # object resamples behind the margin's confidence interval


def depth_features(depth: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """(n, 9 + P) simple features of (n, 32, 32) depth crops (metres) and (n, P) poses.

    Centre depth, crop mean and std, centre minus mean (does the grasp sit on something raised),
    min and max, the mean depth step across the grasp axis (rows) and along it (columns), plus the
    pose columns the network also sees.
    """
    n = len(depth)
    d = depth.reshape(n, depth.shape[1], depth.shape[2]).astype(np.float64)
    h, w = d.shape[1:]
    centre = d[:, h // 2 - 2 : h // 2 + 2, w // 2 - 2 : w // 2 + 2].mean(axis=(1, 2))
    mean = d.mean(axis=(1, 2))
    grad_rows = np.abs(np.diff(d, axis=1)).mean(axis=(1, 2))
    grad_cols = np.abs(np.diff(d, axis=2)).mean(axis=(1, 2))
    stats = [centre, mean, d.std(axis=(1, 2)), centre - mean, d.min(axis=(1, 2)), d.max(axis=(1, 2))]
    stats += [grad_rows, grad_cols, grad_rows - grad_cols]
    return np.column_stack([*stats, pose.astype(np.float64)])


def baseline_metrics(
    data: PackedDataset, train: np.ndarray, val: np.ndarray, *, rng: np.random.Generator
) -> tuple[dict[str, Any], np.ndarray | None]:
    """Majority-class and depth-feature logistic-regression metrics on rows ``val``.

    Both are fitted on rows ``train`` only (at most :data:`MAX_TRAIN_ROWS`, drawn with ``rng``).
    Returns the metrics and the regression's scores on ``val`` in sorted row order (None when
    either split holds one class only, so no regression was fitted).
    """
    if len(train) > MAX_TRAIN_ROWS:
        train = np.sort(rng.choice(train, MAX_TRAIN_ROWS, replace=False))
    tr, va = data.gather(np.sort(train)), data.gather(np.sort(val))
    majority = int(tr["label"].mean() >= 0.5)
    out: dict[str, Any] = {
        "baseline_majority_class": majority,
        "baseline_majority_accuracy": float((va["label"] == majority).mean()),
        # A constant score ranks nothing: its average precision is the positive rate.
        "baseline_majority_average_precision": float(va["label"].mean()),
    }
    scores = None
    if 0 < tr["label"].sum() < len(tr["label"]) and 0 < va["label"].sum() < len(va["label"]):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(depth_features(tr["depth"], tr["pose"]), tr["label"])
        scores = model.predict_proba(depth_features(va["depth"], va["pose"]))[:, 1]
        out["baseline_logreg_accuracy_at_0.5"] = float(((scores > 0.5) == va["label"]).mean())
        out["baseline_logreg_average_precision"] = float(average_precision_score(va["label"], scores))
        out["baseline_logreg_roc_auc"] = float(roc_auc_score(va["label"], scores))
    return out, scores


def ap_margin(
    labels: np.ndarray,
    scores: np.ndarray,
    baseline_scores: np.ndarray,
    groups: np.ndarray,
    *,
    rng: np.random.Generator,
    draws: int = BOOTSTRAP_DRAWS,
) -> dict[str, Any]:
    """AP(scores) - AP(baseline_scores) with a 95 % interval from resampling held-out objects.

    Rows of one object are correlated (same shape, same poses), so the bootstrap draws whole
    ``groups`` (object labels) with replacement; a margin whose interval excludes 0 is not an
    accident of which objects were held out. Resamples with a single class are skipped.
    """
    labels = np.asarray(labels).astype(bool)
    ids, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(ids))]
    margins = []
    for _ in range(draws):
        rows = np.concatenate([members[k] for k in rng.integers(0, len(ids), len(ids))])
        y = labels[rows]
        if 0 < y.sum() < len(y):
            margins.append(
                average_precision_score(y, scores[rows]) - average_precision_score(y, baseline_scores[rows])
            )
    out: dict[str, Any] = {
        "ap_margin_over_logreg": float(
            average_precision_score(labels, scores) - average_precision_score(labels, baseline_scores)
        ),
        "num_val_objects": len(ids),
        # how the interval was computed, so a reader of the metrics alone knows what it claims
        "ap_margin_resampling_unit": "object",
        "ap_margin_bootstrap_draws": len(margins),
    }
    if margins:
        lo, hi = np.percentile(margins, [2.5, 97.5])
        out["ap_margin_over_logreg_ci95"] = [float(lo), float(hi)]
        out["ap_margin_holds"] = bool(lo > 0)  # the verdict: better than the regression on unseen objects
    return out


def beats_baselines(metrics: dict[str, Any]) -> bool:
    """The model's AP beats both baselines' AP and its accuracy at 0.5 beats the majority class."""
    ap = metrics.get("average_precision")
    if ap is None:
        return False
    return bool(
        ap > metrics["baseline_majority_average_precision"]
        and ap > metrics.get("baseline_logreg_average_precision", -1.0)
        and metrics.get("accuracy_at_0.5", 0.0) > metrics["baseline_majority_accuracy"]
    )
