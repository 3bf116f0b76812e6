"""Evaluation of a grasp-quality classifier: metrics with named thresholds, curves and example grids.

Dex-Net 5.0 reported "accuracy" at a 0.2 threshold; gqcnn at 0.5. Here every threshold-dependent
number says its threshold in its name: ``accuracy_at_0.5`` and ``accuracy_at_best_f1`` (with
``best_f1_threshold``), next to the threshold-free ``average_precision`` and ``roc_auc``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure  # not pyplot: no global state, no GUI backend
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve

from dexgen import atomic

log = logging.getLogger(__name__)

CATEGORIES = ("true_positive", "false_positive", "true_negative", "false_negative")


def classification_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Metrics of scores (n,) in [0, 1] against binary labels (n,).

    ``best_f1_threshold`` maximises F1 over the distinct scores (prediction = score >= threshold, as
    sklearn's precision-recall curve); ``normalized_error_at_0.5`` is gqcnn's error / positive rate.
    """
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} must be equal, non-empty 1-D")
    n, pos = len(labels), int(labels.sum())
    out: dict[str, float] = {"num_datapoints": n, "positive_rate": pos / n}
    pred = scores > 0.5
    out.update(_at_threshold(labels, pred, "0.5"))
    out["error_rate_at_0.5"] = 1.0 - out["accuracy_at_0.5"]
    out["normalized_error_at_0.5"] = out["error_rate_at_0.5"] / out["positive_rate"] if pos else float("nan")
    both = 0 < pos < n
    if both:
        precision, recall, thresholds = precision_recall_curve(labels, scores)
        f1 = np.divide(
            2 * precision * recall,
            precision + recall,
            out=np.zeros_like(precision),
            where=precision + recall > 0,
        )[:-1]
        best = int(np.argmax(f1))
        threshold = float(thresholds[best])
        out["best_f1_threshold"] = threshold
        out["best_f1"] = float(f1[best])
        out["accuracy_at_best_f1"] = float(((scores >= threshold) == labels).mean())
        out["average_precision"] = float(average_precision_score(labels, scores))
        out["roc_auc"] = float(roc_auc_score(labels, scores))
    else:  # one class only: ranking metrics are undefined
        for key in ("best_f1_threshold", "best_f1", "accuracy_at_best_f1", "average_precision", "roc_auc"):
            out[key] = float("nan")
    return out


def _at_threshold(labels: np.ndarray, pred: np.ndarray, name: str) -> dict[str, float]:
    tp = int((pred & labels).sum())
    fp = int((pred & ~labels).sum())
    fn = int((~pred & labels).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        f"accuracy_at_{name}": float((pred == labels).mean()),
        f"precision_at_{name}": precision,
        f"recall_at_{name}": recall,
        f"f1_at_{name}": f1,
    }


def finite_or_none(metrics: dict[str, Any]) -> dict[str, Any]:
    """NaN -> None so the metrics serialise as strict JSON."""
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in metrics.items()}


def example_indices(labels: np.ndarray, scores: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Up to ``k`` positions per category at threshold 0.5, most confident first (most telling errors)."""
    labels = np.asarray(labels).astype(bool)
    pred = np.asarray(scores) > 0.5
    out = {}
    for name, mask, descending in (
        ("true_positive", pred & labels, True),
        ("false_positive", pred & ~labels, True),
        ("true_negative", ~pred & ~labels, False),
        ("false_negative", ~pred & labels, False),
    ):
        idx = np.flatnonzero(mask)
        order = np.argsort(-scores[idx] if descending else scores[idx], kind="stable")
        out[name] = idx[order[:k]]
    return out


def save_curves(out_dir: str | Path, labels: np.ndarray, scores: np.ndarray, *, title: str) -> list[Path]:
    """``precision_recall.png`` and ``roc.png`` under ``out_dir``; returns the paths."""
    out_dir = Path(out_dir)
    paths = []
    if not 0 < int(np.sum(labels)) < len(labels):
        return paths
    precision, recall, _ = precision_recall_curve(labels, scores)
    fpr, tpr, _ = roc_curve(labels, scores)
    for name, (x, y, xl, yl) in {
        "precision_recall": (recall, precision, "recall", "precision"),
        "roc": (fpr, tpr, "false positive rate", "true positive rate"),
    }.items():
        fig = Figure(figsize=(4.5, 4.5), dpi=100)
        ax = fig.subplots()
        ax.plot(x, y, lw=2)
        ax.set(xlabel=xl, ylabel=yl, xlim=(0, 1), ylim=(0, 1.02), title=f"{title}: {name.replace('_', '-')}")
        ax.grid(alpha=0.3)
        paths.append(_save(fig, out_dir / f"{name}.png"))
    return paths


def save_example_grids(
    out_dir: str | Path, depth: np.ndarray, labels: np.ndarray, scores: np.ndarray, *, k: int
) -> list[Path]:
    """One PNG per category (``true_positive.png`` ...) of up to ``k`` depth crops (n, 32, 32) metres."""
    out_dir = Path(out_dir)
    paths = []
    for name, idx in example_indices(labels, scores, k).items():
        cols = max(min(k, 5), 1)
        rows = max(int(np.ceil(len(idx) / cols)), 1)
        fig = Figure(figsize=(2 * cols, 2.2 * rows), dpi=80)
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, i in zip(axes.flat, idx):
            ax.imshow(depth[i], cmap="viridis_r")
            ax.set_title(f"p={scores[i]:.2f}", fontsize=9)
        fig.suptitle(f"{name.replace('_', ' ')} ({len(idx)} shown)")
        paths.append(_save(fig, out_dir / f"{name}.png"))
    return paths


def _save(fig: Figure, path: Path) -> Path:
    import io

    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})  # no version stamp: stable bytes
    atomic.write_bytes(path, buffer.getvalue())
    return path
