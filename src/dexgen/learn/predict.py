"""Scoring grasps with a trained checkpoint, as ``dvc pull`` brings it (``models/<task>/model.pt``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.config import from_mapping
from dexgen.dexnet.splits import read_split
from dexgen.learn.checkpoint import load_checkpoint, model_from_checkpoint
from dexgen.learn.config import TaskConfig
from dexgen.learn.data import open_packed
from dexgen.learn.device import resolve_device
from dexgen.learn.evaluate import classification_metrics, finite_or_none
from dexgen.learn.train import predict_scores


@dataclasses.dataclass(frozen=True)
class Prediction:
    scores: np.ndarray  # (n,) float32 p(success), in dataset row order
    labels: np.ndarray  # (n,) int64 labels at the checkpoint's task threshold
    indices: np.ndarray  # (n,) int64 dataset rows scored
    metrics: dict[str, Any]


def predict(
    checkpoint: str | Path,
    dataset: str | Path,
    *,
    cache_dir: str | Path,
    rows: str = "all",
    device: str = "auto",
    batch_size: int = 1024,
) -> Prediction:
    """Score ``dataset`` (a Dex-Net tensors folder) with ``checkpoint``.

    rows : ``all`` datapoints, or ``val``: the validation rows of the split saved beside the
        checkpoint (``<model dir>/split``), i.e. what ``evaluate@task`` scored.
    """
    checkpoint = Path(checkpoint)
    record = load_checkpoint(checkpoint)
    model, stats = model_from_checkpoint(record, path=checkpoint)
    task = record["task"]
    task_cfg = from_mapping(TaskConfig, record["config"]["task_cfg"], where=f"{checkpoint}:config.task_cfg")
    packed = open_packed(dataset, cache_dir, task, task_cfg)
    if rows == "val":
        indices = np.sort(read_split(checkpoint.parent / "split", num_datapoints=len(packed)).val)
    elif rows == "all":
        indices = np.arange(len(packed))
    else:
        raise ValueError(f"rows must be 'all' or 'val', got {rows!r}")
    dev = resolve_device(device)
    scores, labels, loss = predict_scores(
        model.to(dev), packed, indices, stats, device=dev, batch_size=batch_size
    )
    metrics: dict[str, Any] = {
        "task": task,
        "model": record["model_name"],
        "rows": len(indices),
        "loss": loss,
    }
    if 0 < labels.sum() < len(labels):
        metrics.update(classification_metrics(labels, scores.astype(np.float64)))
    return Prediction(scores=scores, labels=labels, indices=indices, metrics=finite_or_none(metrics))
