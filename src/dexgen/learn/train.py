"""The training loop: ``train(setup, data, model, live, checkpoint_dir=...) -> metrics``.

Read top to bottom (nanoGPT's shape): optimiser and schedule, resume, then one loop per epoch that
shuffles globally, augments raw depth, normalises, steps, evaluates on the validation split, logs
through dvclive and writes a resume checkpoint. Every random draw is keyed by seed, task and epoch
(shuffle order, augmentation, dropout), so a run resumed at an epoch boundary continues exactly as
an uninterrupted one would.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dexgen.codebase import code_hash
from dexgen.config import to_mapping
from dexgen.dexnet.dataset import iterate_batches
from dexgen.dexnet.packed import PackedDataset
from dexgen.dexnet.splits import Split
from dexgen.dexnet.stats import NormStats
from dexgen.errors import InputError
from dexgen.hashing import stable_hash
from dexgen.learn.augment import prepare_batch
from dexgen.learn.checkpoint import load_checkpoint, save_checkpoint
from dexgen.learn.setup import TrainSetup
from dexgen.params.learn import OptimConfig
from dexgen.seeding import derive_seed, rng_for

log = logging.getLogger(__name__)

LAST = "last.pt"


@dataclasses.dataclass
class TrainData:
    """The packed rows, the split, train-split statistics, the pose columns flips negate and the pose
    columns that are depths."""

    packed: PackedDataset
    split: Split
    stats: NormStats
    negate: tuple[int, ...]
    fingerprint: str
    depth_columns: tuple[int, ...]


def make_optimizer(model: nn.Module, cfg: OptimConfig) -> torch.optim.Optimizer:
    params = model.parameters()
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_at(cfg: OptimConfig, step: int, steps_per_epoch: int) -> float:
    """Learning rate at optimiser step ``step`` (staircase decay, like gqcnn)."""
    if cfg.schedule == "constant":
        return cfg.lr
    period = cfg.decay_every_epochs if cfg.schedule == "step" else 1.0
    return cfg.lr * cfg.decay_rate ** math.floor(step / max(period * steps_per_epoch, 1e-9))


@torch.no_grad()
def predict_scores(
    model: nn.Module,
    data: PackedDataset,
    indices: np.ndarray,
    stats: NormStats,
    *,
    device: torch.device,
    batch_size: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    """p(success) (n,) float32, labels (n,) int64 and mean cross-entropy over rows ``indices``, in order."""
    model.eval()
    scores, labels, loss_sum = [], [], 0.0
    for batch in iterate_batches(data, indices, batch_size):
        depth, pose = stats.normalize(batch["depth"].to(device), batch["pose"].to(device))
        logits = model(depth, pose)
        label = batch["label"].to(device)
        loss_sum += F.cross_entropy(logits, label, reduction="sum").item()
        scores.append(torch.softmax(logits, dim=1)[:, 1].cpu().numpy())
        labels.append(batch["label"].numpy())
    n = max(len(indices), 1)
    return np.concatenate(scores), np.concatenate(labels), loss_sum / n


def resume_key(setup: TrainSetup, data: TrainData) -> str:
    """What must match for a checkpoint to be resumed: everything but the epoch count and device."""
    cfg = to_mapping(setup)
    cfg["optim"].pop("epochs")
    cfg.pop("device")
    code = code_hash(__name__)  # a changed training loop or model never resumes an old run
    return stable_hash({"setup": cfg, "data": data.fingerprint, "stats": data.stats.to_dict(), "code": code})


def _resume(
    last: Path, setup: TrainSetup, key: str, model: nn.Module, optimizer: torch.optim.Optimizer
) -> tuple[int, list[dict[str, Any]]]:
    """(epoch to start at, history so far) from the resume checkpoint, when it matches exactly.

    A resume checkpoint is scratch: one of another architecture, configuration or data, or unreadable
    (a crash while an older version wrote it), is ignored, never an error.
    """
    if not last.is_file():
        return 0, []
    try:
        record = load_checkpoint(last)
    except InputError as exc:
        log.info("ignoring resume checkpoint: %s", exc)
        return 0, []
    if (
        record.get("model_name") != setup.model_name
        or record.get("resume_key") != key
        or record["epoch"] > setup.optim.epochs
    ):
        log.info("ignoring %s: it belongs to another configuration or data", last)
        return 0, []
    model.load_state_dict(record["state_dict"])
    optimizer.load_state_dict(record["optimizer"])
    log.info("resuming %s from epoch %d (%s)", setup.task, record["epoch"], last)
    return record["epoch"], list(record["history"])


def _train_epoch(
    setup: TrainSetup, data: TrainData, model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int
) -> dict[str, float]:
    """One pass over the train split; every draw keyed by seed, task and epoch. Returns lr, loss, accuracy."""
    cfg, device = setup.optim, torch.device(setup.device)
    steps_per_epoch = math.ceil(len(data.split.train) / cfg.batch_size)
    model.train()
    torch.manual_seed(derive_seed(setup.seed, "dropout", setup.task, epoch))
    order_rng = rng_for(setup.seed, "shuffle", setup.task, epoch)
    aug_rng = rng_for(setup.seed, "augment", setup.task, epoch)
    loss_sum, correct, seen, lr = 0.0, 0, 0, cfg.lr
    for i, batch in enumerate(iterate_batches(data.packed, data.split.train, cfg.batch_size, rng=order_rng)):
        lr = lr_at(cfg, epoch * steps_per_epoch + i, steps_per_epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
        depth, pose = prepare_batch(
            batch["depth"].to(device),
            batch["pose"].to(device),
            data.stats,
            augment=setup.task_cfg.augment,
            rng=aug_rng,
            negate=data.negate,
            depth_columns=data.depth_columns,
        )
        label = batch["label"].to(device)
        logits = model(depth, pose)
        loss = F.cross_entropy(logits, label)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(label)
        correct += (logits.argmax(1) == label).sum().item()
        seen += len(label)
    return {"lr": lr, "train/loss": loss_sum / seen, "train/accuracy_at_0.5": correct / seen}


def _log(live: Any, record: dict[str, Any]) -> None:
    for name, value in record.items():
        live.log_metric(name, value, plot=name != "epoch")
    live.next_step()


def train(
    setup: TrainSetup, data: TrainData, model: nn.Module, live: Any, *, checkpoint_dir: str | Path
) -> dict[str, Any]:
    """Train ``model`` in place; ``live`` is a dvclive ``Live``. Returns the final metrics.

    ``checkpoint_dir/last.pt`` is written after every epoch and resumed from when its
    :func:`resume_key` matches (a finished run with fewer epochs is extended). The metrics hold no
    timing and no resume point, so a resumed run and an uninterrupted one write the same files.
    """
    cfg = setup.optim
    device = torch.device(setup.device)
    model.to(device)
    optimizer = make_optimizer(model, cfg)
    key = resume_key(setup, data)
    last = Path(checkpoint_dir) / LAST
    start_epoch, history = _resume(last, setup, key, model, optimizer)
    for record in history:  # replay into a fresh dvclive folder so its plots are complete
        _log(live, record)

    t0 = time.perf_counter()
    for epoch in range(start_epoch, cfg.epochs):
        record = {"epoch": epoch + 1, **_train_epoch(setup, data, model, optimizer, epoch)}
        scores, labels, val_loss = predict_scores(
            model, data.packed, data.split.val, data.stats, device=device, batch_size=cfg.eval_batch_size
        )
        record.update({"val/loss": val_loss, "val/accuracy_at_0.5": float(((scores > 0.5) == labels).mean())})
        history.append(record)
        _log(live, record)
        log.info("%s epoch %d/%d: %s", setup.task, epoch + 1, cfg.epochs, record)
        save_checkpoint(
            last,
            **checkpoint_fields(setup, data, model, epoch + 1, history),
            optimizer=optimizer.state_dict(),
            resume_key=key,
        )
    log.info("%s: epochs %d-%d in %.1f s", setup.task, start_epoch + 1, cfg.epochs, time.perf_counter() - t0)
    metrics = dict(history[-1]) if history else {}
    metrics.update(
        device=str(device),
        epochs=cfg.epochs,
        num_train=int(len(data.split.train)),
        num_val=int(len(data.split.val)),
    )
    return metrics


def checkpoint_fields(
    setup: TrainSetup, data: TrainData, model: nn.Module, epoch: int, history: list
) -> dict:
    """The fields of a final or resume checkpoint (see :mod:`dexgen.learn.checkpoint`)."""
    config = to_mapping(setup)
    config.pop("device")  # hardware is not configuration: the same run on CPU and GPU hashes equal
    return {
        "model_name": setup.model_name,
        "model_args": setup.model_args,
        "config": config,
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "stats": data.stats.to_dict(),
        "params_hash": stable_hash(config),
        "seed": setup.seed,
        "task": setup.task,
        "epoch": epoch,
        "data_fingerprint": data.fingerprint,
        "split": data.split.metadata,
        "history": history,
    }
