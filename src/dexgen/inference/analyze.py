"""``dexgen analyze``: one trained checkpoint's report, as gqcnn's ``analyze_gqcnn_performance`` and
Dex-Net 5.0's ``scripts/analyze.py`` gave it: PR and ROC curves, metrics on the saved val split,
score histograms per label, inference timings per batch size, and the normalisation stats stored
with the checkpoint. Outputs under ``out_dir``::

    precision_recall.png  roc.png  score_histogram.png
    metrics.json          classification metrics (the format of metrics/<task>/eval.json)
    analysis.json         checkpoint facts, metrics, normalisation, timings
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dexgen import atomic
from dexgen.errors import ConfigError, InputError
from dexgen.hashing import sha256_file
from dexgen.inference.predict import predict
from dexgen.learn.checkpoint import load_checkpoint
from dexgen.learn.device import device_name, resolve_device
from dexgen.learn.evaluate import save_curves
from dexgen.learn.stages import MODEL_FILE
from dexgen.learn.timing import inference_timings
from dexgen.models.registry import MODELS, model_config

log = logging.getLogger(__name__)


def checkpoint_path(model_path: str | Path) -> Path:
    """``model_path`` itself when it is a file, else ``<model_path>/model.pt``."""
    model_path = Path(model_path)
    return model_path if model_path.suffix == ".pt" else model_path / MODEL_FILE


def analyze(
    model_path: str | Path,
    *,
    model_name: str,
    dataset: str | Path | None,
    dataset_root: str | Path,
    out_dir: str | Path,
    cache_dir: str | Path,
    rows: str = "val",
    device: str = "auto",
    batch_size: int = 1024,
    timing_batch_sizes: Sequence[int] = (1, 64, 512),
    repeats: int = 5,
) -> dict[str, Any]:
    """Analyse ``model_path`` (a model folder or ``.pt``), which must hold a ``model_name``.

    dataset : Dex-Net tensors folder; None: ``<dataset_root>/<the checkpoint's task>``.
    rows : ``val`` (the split saved beside the checkpoint) or ``all``.
    """
    if model_name not in MODELS:
        raise ConfigError(f"--model_name {model_name!r} is not a model; valid names are {sorted(MODELS)}")
    ckpt = checkpoint_path(model_path)
    record = load_checkpoint(ckpt)
    if record["model_name"] != model_name:
        raise InputError(
            f"{ckpt}: the checkpoint holds a {record['model_name']}, not the --model_name {model_name}; "
            f"pass --model_name {record['model_name']} or another checkpoint"
        )
    task = record["task"]
    dataset = Path(dataset) if dataset is not None else Path(dataset_root) / task
    out_dir = Path(out_dir)
    result = predict(ckpt, dataset, cache_dir=cache_dir, rows=rows, device=device, batch_size=batch_size)
    title = f"{task} {model_name}"
    pngs = save_curves(out_dir, result.labels, result.scores.astype(np.float64), title=title)
    if not pngs:
        log.warning("%s: the scored rows hold one class only; no PR / ROC curves", dataset)
    pngs.append(
        save_score_histogram(out_dir / "score_histogram.png", result.labels, result.scores, title=title)
    )
    dev = resolve_device(device)
    cfg = model_config(model_name, record["model_args"], where=f"{ckpt}:model_args")
    timings = inference_timings(
        model_name, cfg, batch_sizes=timing_batch_sizes, device=dev, repeats=repeats, seed=record["seed"]
    )
    report = {
        "checkpoint": {
            "path": str(ckpt),
            "sha256": sha256_file(ckpt),
            "model": model_name,
            "task": task,
            "epoch": record.get("epoch"),
            "seed": record["seed"],
            "params_hash": record.get("params_hash"),
            "code_version": record.get("code_version"),
            "model_args": record["model_args"],
        },
        "dataset": str(dataset),
        "rows": rows,
        "metrics": result.metrics,
        "normalization": dict(record["stats"]),
        "timings": {"device": str(dev), "device_name": device_name(dev), "inference": timings},
        "pngs": [str(p) for p in pngs],
    }
    atomic.write_json(out_dir / "metrics.json", result.metrics)
    atomic.write_json(out_dir / "analysis.json", report)
    return report


def save_score_histogram(path: Path, labels: np.ndarray, scores: np.ndarray, *, title: str) -> Path:
    """Histograms of p(success) for positive and negative rows (gqcnn's error histograms)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4), dpi=100)
    ax = fig.subplots()
    bins = np.linspace(0.0, 1.0, 41)
    labels = np.asarray(labels).astype(bool)
    for mask, name, color in ((labels, "positive", "tab:green"), (~labels, "negative", "tab:red")):
        ax.hist(scores[mask], bins=bins, alpha=0.6, color=color, label=f"{name} ({int(mask.sum())})")
    ax.axvline(0.5, color="k", lw=1, ls="--")
    ax.set(xlabel="p(success)", ylabel="rows", title=f"{title}: scores by label")
    ax.legend()
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    atomic.write_bytes(path, buffer.getvalue())
    return path
