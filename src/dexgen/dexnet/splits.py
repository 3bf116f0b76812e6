"""Train / validation splits: image-wise, object-wise and stable-pose-wise, saved as index files.

gqcnn's layout (``reference/dexnet.md`` §1.1, §2)::

    <dir>/<name>/train_indices.npz    arr_0: (n_train,) int64 global datapoint indices, sorted
    <dir>/<name>/val_indices.npz      arr_0: (n_val,) int64
    <dir>/<name>/metadata.json        kind, fractions, counts, seed

Image-wise shuffles datapoint indices (gqcnn's default, not grouped by image); object-wise and
pose-wise shuffle the unique labels and send ``train_fraction`` of them to train, so no object
(or stable pose) appears on both sides. We implement splits ourselves: autolab_core's field-based
``make_split`` crashes on a typo.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Literal

import numpy as np

from dexgen import atomic
from dexgen.dexnet.tensors import npz_bytes
from dexgen.errors import InputError

SplitKind = Literal["image_wise", "object_wise", "pose_wise"]
SPLIT_KINDS: tuple[str, ...] = ("image_wise", "object_wise", "pose_wise")


@dataclasses.dataclass(frozen=True)
class Split:
    """Sorted global indices of the two sides, and how they were drawn."""

    kind: str
    train: np.ndarray  # (n_train,) int64
    val: np.ndarray  # (n_val,) int64
    metadata: dict


def make_split(
    kind: str,
    num_datapoints: int,
    *,
    train_fraction: float,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> Split:
    """Split ``num_datapoints`` indices; ``labels`` (n,) ints group them for object/pose-wise splits."""
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    if kind == "image_wise":
        order = rng.permutation(num_datapoints)
        n_train = int(round(train_fraction * num_datapoints))
        train, val = order[:n_train], order[n_train:]
        meta = {"num_groups": num_datapoints}
    elif kind in ("object_wise", "pose_wise"):
        if labels is None or len(labels) != num_datapoints:
            raise ValueError(f"{kind} split needs one label per datapoint ({num_datapoints})")
        groups = np.unique(labels)
        if len(groups) < 2:
            raise InputError(f"{kind} split needs at least 2 distinct labels, found {len(groups)}")
        shuffled = rng.permutation(groups)
        n_train = min(max(int(round(train_fraction * len(groups))), 1), len(groups) - 1)
        is_train = np.isin(labels, shuffled[:n_train])
        train, val = np.flatnonzero(is_train), np.flatnonzero(~is_train)
        meta = {"num_groups": int(len(groups)), "num_train_groups": n_train}
    else:
        raise ValueError(f"unknown split kind {kind!r}; valid kinds are {list(SPLIT_KINDS)}")
    meta.update(kind=kind, train_fraction=train_fraction, num_train=int(len(train)), num_val=int(len(val)))
    return Split(kind, np.sort(train).astype(np.int64), np.sort(val).astype(np.int64), meta)


def write_split(directory: str | Path, split: Split) -> None:
    """Save ``split`` under ``directory`` (``train_indices.npz``, ``val_indices.npz``, ``metadata.json``)."""
    directory = Path(directory)
    atomic.write_bytes(directory / "train_indices.npz", npz_bytes(split.train))
    atomic.write_bytes(directory / "val_indices.npz", npz_bytes(split.val))
    atomic.write_json(directory / "metadata.json", split.metadata)


def read_split(directory: str | Path, *, num_datapoints: int | None = None) -> Split:
    """Load a split saved by :func:`write_split` or by gqcnn; checks indices are in range and disjoint."""
    directory = Path(directory)
    arrays = {}
    for side in ("train", "val"):
        path = directory / f"{side}_indices.npz"
        if not path.is_file():
            raise InputError(f"{path}: split index file missing")
        with np.load(path, allow_pickle=False) as npz:
            arrays[side] = np.sort(np.asarray(npz["arr_0"], dtype=np.int64))
    meta_path = directory / "metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if num_datapoints is not None:
        for side, idx in arrays.items():
            if len(idx) and (idx[0] < 0 or idx[-1] >= num_datapoints):
                raise InputError(f"{directory}/{side}_indices.npz: indices outside [0, {num_datapoints})")
    if np.intersect1d(arrays["train"], arrays["val"]).size:
        raise InputError(f"{directory}: train and val indices overlap")
    return Split(meta.get("kind", directory.name), arrays["train"], arrays["val"], meta)
