"""What the ``train``, ``evaluate`` and ``convert`` stages do, end to end, given typed configs.

Stage scripts parse argv and params and call one function here. Every declared output is
byte-identical on a re-run (the ``benchmark`` stage's timings excepted): timings and the machine's
name go to the log, never into a tracked file. Outputs per task::

    models/<task>/model.pt            final checkpoint (weights, args, config, stats, hashes)
    models/<task>/split/              the train / val index files used
    metrics/<task>/train/             dvclive folder: metrics.json, plots/metrics/*.tsv
    metrics/<task>/eval.json          evaluation metrics (git-tracked)
    metrics/<task>/eval/              dvclive folder: plots/sklearn/{precision_recall,roc}.json
    results/<task>/evaluate/          PNGs: curves and TP / FP / TN / FN example grids
    models/<task>-fc/model.pt         converted FC-GQ-CNN; metrics/<task>/convert.json
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from dvclive import Live

from dexgen import atomic
from dexgen.dexnet.splits import read_split
from dexgen.hashing import sha256_file
from dexgen.learn.baselines import ap_margin, baseline_metrics, beats_baselines
from dexgen.learn.checkpoint import build_model, load_checkpoint, model_from_checkpoint, save_checkpoint
from dexgen.learn.data import load_task_data, open_packed
from dexgen.learn.device import device_name, resolve_device
from dexgen.learn.evaluate import classification_metrics, finite_or_none, save_curves, save_example_grids
from dexgen.learn.setup import TrainSetup
from dexgen.learn.timing import benchmark
from dexgen.learn.train import LAST, predict_scores, train
from dexgen.models.fcgqcnn import DexNetFCGQCNN, fakeFCGQCNN, gqcnn_to_fcgqcnn
from dexgen.models.registry import model_config
from dexgen.params.learn import TaskConfig
from dexgen.seeding import derive_seed, rng_for

log = logging.getLogger(__name__)

MODEL_FILE = "model.pt"
FINE_CHECK_SIZE = 48  # px: 17 x 17 crop positions at stride 1, enough to meet every pool phase
EXACT_TOLERANCE = 1e-5  # FC heatmap vs sliding window, in probability: float32 rounding is ~1e-7


def train_task(
    dataset: str | Path,
    model_dir: str | Path,
    live_dir: str | Path,
    *,
    setup: TrainSetup,
    cache_dir: str | Path,
    resume_dir: str | Path,
) -> dict[str, Any]:
    """Train ``setup.model_name`` on ``dataset``; ``setup.device`` may be ``auto``. Returns metrics."""
    model_dir = Path(model_dir)
    device = resolve_device(setup.device)
    setup = TrainSetup(**{**setup.__dict__, "device": str(device)})
    data = load_task_data(
        dataset,
        cache_dir=cache_dir,
        task=setup.task,
        cfg=setup.task_cfg,
        seed=setup.seed,
        split_out=model_dir / "split",
    )
    model = build_model(setup.model_name, setup.model_args, seed=setup.seed, key=setup.task)
    with Live(str(live_dir), dvcyaml=False, save_dvc_exp=False) as live:
        metrics = train(setup, data, model, live, checkpoint_dir=resume_dir)
        metrics.update(model=setup.model_name, task=setup.task)
        live.summary.update(metrics)
    log.info("%s: trained on %s", setup.task, device_name(device))
    final = load_checkpoint(Path(resume_dir) / LAST)  # the last epoch, without optimiser state
    fields = {
        k: v for k, v in final.items() if k not in ("format", "code_version", "optimizer", "resume_key")
    }
    save_checkpoint(model_dir / MODEL_FILE, **fields)
    return metrics


def evaluate_task(
    model_dir: str | Path,
    dataset: str | Path,
    metrics_path: str | Path,
    live_dir: str | Path,
    png_dir: str | Path,
    *,
    task: str,
    task_cfg: TaskConfig,
    model_name: str,
    device: str,
    batch_size: int,
    cache_dir: str | Path,
) -> dict[str, Any]:
    """Score the validation split saved with the checkpoint (which must hold a ``model_name``); write
    metrics, dvc plots and PNGs."""
    cfg = task_cfg
    model_dir = Path(model_dir)
    ckpt_path = model_dir / MODEL_FILE
    record = load_checkpoint(ckpt_path, expected_model=model_name)
    model, stats = model_from_checkpoint(record, path=ckpt_path)
    dev = resolve_device(device)
    packed = open_packed(dataset, cache_dir, task, cfg)
    if packed.manifest["content_sha256"] != record["data_fingerprint"]:
        log.warning("%s was trained on other data than %s (fingerprints differ)", ckpt_path, dataset)
    split = read_split(model_dir / "split", num_datapoints=len(packed))
    t0 = time.perf_counter()
    scores, labels, loss = predict_scores(
        model.to(dev), packed, split.val, stats, device=dev, batch_size=batch_size
    )
    seconds = time.perf_counter() - t0
    log.info("%s: %d rows scored in %.2f s on %s", task, len(scores), seconds, device_name(dev))
    scores = scores.astype(np.float64)  # JSON plot files need Python floats
    metrics = classification_metrics(labels, scores)
    base, logreg_scores = baseline_metrics(
        packed, split.train, split.val, rng=rng_for(record["seed"], "baselines", task)
    )
    metrics.update(base)
    metrics["beats_baselines"] = beats_baselines(metrics)
    if logreg_scores is not None and "object_labels" in packed.labels:
        groups = packed.group_labels("object_wise")[np.sort(split.val)]
        metrics.update(
            ap_margin(labels, scores, logreg_scores, groups, rng=rng_for(record["seed"], "bootstrap", task))
        )
    metrics.update(
        loss=loss,
        model=record["model_name"],
        task=task,
        device=str(dev),
        split=split.kind,
        checkpoint_sha256=sha256_file(ckpt_path),
        params_hash=record["params_hash"],
        seed=record["seed"],
    )
    if 0 < labels.sum() < len(labels):
        with Live(str(live_dir), dvcyaml=False, save_dvc_exp=False) as live:
            live.log_sklearn_plot(
                "precision_recall", labels, scores, name="precision_recall.json", drop_intermediate=True
            )
            live.log_sklearn_plot("roc", labels, scores, name="roc.json", drop_intermediate=True)
    else:
        # One class only (a tiny or very unbalanced split): the curves are undefined. Write empty
        # plot files so the declared outputs exist and `dvc plots` shows an empty curve, not an error.
        log.warning("%s: validation rows are all of one class; PR and ROC curves are empty", task)
        plots = Path(live_dir) / "plots" / "sklearn"
        atomic.write_json(plots / "precision_recall.json", {"precision_recall": []})
        atomic.write_json(plots / "roc.json", {"roc": []})
    save_curves(png_dir, labels, scores, title=f"{task} {record['model_name']}")
    depth = packed.depth[np.sort(split.val)]  # predict_scores kept split order, which is sorted
    save_example_grids(png_dir, np.asarray(depth), labels, scores, k=cfg.num_examples)
    metrics = finite_or_none(metrics)
    atomic.write_json(metrics_path, metrics)
    return metrics


def _max_diff_p(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest |p(success)| difference between two logit heatmaps (B, 2, h, w)."""
    return (torch.softmax(a, 1)[:, 1] - torch.softmax(b, 1)[:, 1]).abs().max().item()


def convert_task(
    model_dir: str | Path, out_dir: str | Path, metrics_path: str | Path, *, seed: int, image_size: int = 128
) -> dict[str, Any]:
    """Convert a DexNetGQCNN checkpoint into a DexNetFCGQCNN one and measure the equivalence.

    The check runs both networks on two ``image_size`` square images built from the checkpoint's
    normalisation (table-like depth plus noise) and records the largest difference between the FC
    heatmap and the per-crop GQ-CNN scores, at the pool stride and (on a ``FINE_CHECK_SIZE`` corner of the
    images) at every finer stride down to 1. A checkpoint of another architecture has no FC form:
    the stage then records ``converted: false`` and the reason instead of failing the pipeline.
    """
    ckpt_path = Path(model_dir) / MODEL_FILE
    record = load_checkpoint(ckpt_path)
    out_dir = Path(out_dir)
    if record["model_name"] != "DexNetGQCNN":
        reason = f"{record['model_name']} is not a DexNetGQCNN; only GQ-CNNs have a fully convolutional form"
        metrics = {"converted": False, "reason": reason, "source_model": record["model_name"]}
        atomic.write_json(out_dir / "conversion.json", metrics)
        atomic.write_json(metrics_path, metrics)
        log.warning("convert: %s", reason)
        return metrics
    args = model_config("DexNetGQCNN", record["model_args"], where=f"{ckpt_path}:model_args")
    fc_state = gqcnn_to_fcgqcnn(record["state_dict"], args)
    fc, fake = DexNetFCGQCNN(args).eval(), fakeFCGQCNN(args).eval()
    fc.load_state_dict(fc_state)
    fake.load_state_dict(record["state_dict"])
    rng = rng_for(seed, "convert", record["task"])
    depth = torch.from_numpy(rng.normal(0.0, 1.0, (2, 1, image_size, image_size)).astype(np.float32))
    pose = torch.from_numpy(rng.normal(0.0, 1.0, (2, args.pose_dim)).astype(np.float32))
    torch.manual_seed(derive_seed(seed, "convert"))
    with torch.no_grad():
        t0 = time.perf_counter()
        fc_logits = fc(depth, pose)
        t1 = time.perf_counter()
        fake_logits = fake(depth, pose)
        t2 = time.perf_counter()
    diff_p = _max_diff_p(fc_logits, fake_logits)
    by_stride = {str(args.stride): diff_p}
    if args.padding == "valid":  # finer strides are exact only without SAME padding
        small = depth[..., :FINE_CHECK_SIZE, :FINE_CHECK_SIZE]  # the sliding window at stride 1 is slow
        with torch.no_grad():
            for stride in (s for s in range(1, args.stride) if args.stride % s == 0):
                by_stride[str(stride)] = _max_diff_p(fc(small, pose, stride), fake(small, pose, stride))
    metrics = {
        "converted": True,
        "source_model": "DexNetGQCNN",
        "padding": args.padding,
        "image_size": image_size,
        "heatmap_shape": list(fc_logits.shape[-2:]),
        "stride": args.stride,
        "max_abs_diff_probability": diff_p,
        "max_abs_diff_logits": (fc_logits - fake_logits).abs().max().item(),
        "max_abs_diff_probability_by_stride": by_stride,
        "finer_strides_image_size": min(image_size, FINE_CHECK_SIZE),
        "exact": max(by_stride.values()) <= EXACT_TOLERANCE,
        "source_sha256": sha256_file(ckpt_path),
    }
    log.info("FC heatmap %.3f s, sliding window %.3f s (timings: the benchmark stage)", t1 - t0, t2 - t1)
    fields = {k: v for k, v in record.items() if k not in ("format", "code_version")}
    fields.update(model_name="DexNetFCGQCNN", state_dict=fc_state, model_args=args, conversion=metrics)
    save_checkpoint(out_dir / MODEL_FILE, **fields)
    if not metrics["exact"]:
        log.warning("FC heatmap differs from the sliding window by %.3g (padding %s)", diff_p, args.padding)
    atomic.write_json(metrics_path, metrics)
    return metrics


def benchmark_task(
    dataset: str | Path,
    metrics_path: str | Path,
    *,
    task: str,
    task_cfg: TaskConfig,
    seed: int,
    device: str,
    efficientnet_input: int,
    cache_dir: str | Path,
    repeats: int = 5,
) -> dict[str, Any]:
    """The ``benchmark`` stage: every timing of :func:`dexgen.learn.timing.benchmark`, written to JSON."""
    dev = resolve_device(device)
    data = open_packed(dataset, cache_dir, task, task_cfg)
    result = benchmark(
        str(dataset),
        data,
        device=dev,
        device_label=device_name(dev),
        seed=seed,
        repeats=repeats,
        efficientnet_input=efficientnet_input,
    )
    result["torch_version"] = torch.__version__
    atomic.write_json(metrics_path, result)
    return result
