"""From a dataset folder to :class:`~dexgen.learn.train.TrainData`: pack, split, train-split stats.

The split comes from ``<dataset>/splits/<kind>/`` when the dataset ships one (gqcnn writes splits
there), otherwise it is drawn from the seed; either way it is saved next to the checkpoint so
evaluation reads the very same validation rows.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from dexgen.dexnet.fields import task_spec
from dexgen.dexnet.packed import MANIFEST, PackedDataset, pack
from dexgen.dexnet.splits import make_split, read_split, write_split
from dexgen.dexnet.stats import compute_stats
from dexgen.learn.train import TrainData
from dexgen.params.learn import TaskConfig
from dexgen.seeding import rng_for

log = logging.getLogger(__name__)


def open_packed(dataset: str | Path, cache_dir: str | Path, task: str, cfg: TaskConfig) -> PackedDataset:
    """Pack ``dataset`` (once) and open it with the task's pose columns and ``cfg.threshold``."""
    spec = task_spec(task)
    if cfg.label_field is not None:
        spec = dataclasses.replace(spec, metric_field=cfg.label_field)
    packed_dir = pack(dataset, cache_dir, spec)
    return PackedDataset(packed_dir, pose_columns=spec.pose_columns, threshold=cfg.threshold)


def load_task_data(
    dataset: str | Path,
    *,
    cache_dir: str | Path,
    task: str,
    cfg: TaskConfig,
    seed: int,
    split_out: str | Path,
) -> TrainData:
    """Pack, split (saved to ``split_out``) and compute stats on the train rows only."""
    packed = open_packed(dataset, cache_dir, task, cfg)
    shipped = Path(dataset) / "splits" / cfg.split
    if shipped.is_dir():
        split = read_split(shipped, num_datapoints=len(packed))
        log.info("using the split shipped with the dataset: %s", shipped)
    else:
        labels = None if cfg.split == "image_wise" else packed.group_labels(cfg.split)
        split = make_split(
            cfg.split,
            len(packed),
            train_fraction=cfg.train_fraction,
            rng=rng_for(seed, "split", task),
            labels=labels,
        )
    write_split(split_out, split)
    stats = compute_stats(packed, split.train)
    fingerprint = packed.manifest["content_sha256"]
    log.info(
        "%s: %d train / %d val rows, stats %s (%s)", task, len(split.train), len(split.val), stats, MANIFEST
    )
    spec = task_spec(task)
    return TrainData(packed, split, stats, spec.flip_negates, fingerprint, spec.depth_columns)
