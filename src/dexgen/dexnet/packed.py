"""The fast loader's storage: a one-time conversion of npz tensors into contiguous ``.npy`` memmaps.

Decoding 1,000-row compressed npz files bounds an epoch at tens of thousands of points per second and
pushes loaders to hold everything in RAM (Dex-Net 5.0 keeps 13.8 GB of float16). Packing writes each
needed field once, file by file, into one uncompressed ``.npy`` per field; training then gathers
rows by index from read-only memmaps, so RAM holds only the pages in use::

    <packed>/depth.npy          (N, 32, 32) float32 -- depth_ims_tf_table, metres, raw
    <packed>/hand_poses.npy     (N, 7) float32      -- all seven columns
    <packed>/metric.npy         (N,) float32        -- robust quality (label source)
    <packed>/<labels>.npy       (N,) int64          -- object / pose / image labels, where present
    <packed>/manifest.json      fingerprints of the source files; written last, so it marks completion

Two fingerprints: ``fingerprint``, each source file's name, size and mtime, is cheap to check on every
stage run and names the packed copy (a changed dataset, or one checked out again, packs again);
``content_sha256``, a hash of the source files' bytes, is what checkpoints record, so the same data
gives the same checkpoint wherever and whenever it was checked out. Non-finite depths, poses or metrics are refused at
packing time with the file and row.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dexgen import atomic
from dexgen.dexnet.fields import IMAGE_FIELD, IMAGE_SIZE, POSE_FIELD, TaskSpec
from dexgen.dexnet.tensors import TensorsIndex, present_fields
from dexgen.errors import InputError
from dexgen.hashing import sha256_file, stable_hash

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LABEL_NAMES = ("object_labels", "pose_labels", "image_labels")


def _label_sources(task: TaskSpec, present: list[str]) -> dict[str, str]:
    """Packed label name -> source field (3.0 calls object labels ``obj_labels``)."""
    sources = {
        "object_labels": task.object_label_field,
        "pose_labels": "pose_labels",
        "image_labels": "image_labels",
    }
    return {name: src for name, src in sources.items() if src in present}


def fingerprint(index: TensorsIndex) -> str:
    """A hash of every source file's name, size and mtime (ns)."""
    items = []
    for field in index.fields:
        for path in index.files[field]:
            st = path.stat()
            items.append([path.name, st.st_size, st.st_mtime_ns])
    return stable_hash({"format": FORMAT_VERSION, "files": items})


def content_fingerprint(index: TensorsIndex) -> str:
    """A hash of every source file's name and bytes: equal for equal data, whatever the mtimes."""
    items = [[path.name, sha256_file(path)] for field in index.fields for path in index.files[field]]
    return stable_hash({"format": FORMAT_VERSION, "files": items})


def pack(root: str | Path, cache_dir: str | Path, task: TaskSpec) -> Path:
    """Convert the dataset at ``root`` into ``<cache_dir>/<task>-<fingerprint>`` unless already there.

    Returns the packed folder. Only the image, pose, metric and label fields are read.
    """
    root = Path(root)
    present = present_fields(root)
    labels = _label_sources(task, present)
    fields = [IMAGE_FIELD, POSE_FIELD, task.metric_field, *labels.values()]
    index = TensorsIndex(root, fields)
    fp = fingerprint(index)
    out = Path(cache_dir) / f"{task.name}-{fp[:16]}"
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    if manifest.get("fingerprint") == fp and "content_sha256" in manifest:
        log.info("packed copy of %s is up to date: %s", root, out)
        return out
    n = index.num_datapoints
    _check_shape(index, IMAGE_FIELD, (IMAGE_SIZE, IMAGE_SIZE, 1))
    _check_shape(index, POSE_FIELD, (7,))
    _check_shape(index, task.metric_field, ())
    with atomic.replace_dir(out, owned=atomic.everything) as tmp:
        targets = {
            IMAGE_FIELD: np.lib.format.open_memmap(
                tmp / "depth.npy", "w+", np.float32, (n, IMAGE_SIZE, IMAGE_SIZE)
            ),
            POSE_FIELD: np.lib.format.open_memmap(tmp / "hand_poses.npy", "w+", np.float32, (n, 7)),
            task.metric_field: np.lib.format.open_memmap(tmp / "metric.npy", "w+", np.float32, (n,)),
        }
        for name, src in labels.items():
            _check_shape(index, src, ())
            targets[src] = np.lib.format.open_memmap(tmp / f"{name}.npy", "w+", np.int64, (n,))
        for i in tqdm(range(len(index.rows)), desc=f"packing {root.name}", unit="file", leave=False):
            lo, hi = index.offsets[i], index.offsets[i + 1]
            for field, target in targets.items():
                array = index.read_file(field, i)
                if field == IMAGE_FIELD:
                    array = array.reshape(len(array), IMAGE_SIZE, IMAGE_SIZE)
                if field in (IMAGE_FIELD, POSE_FIELD, task.metric_field):
                    _check_finite(index.files[field][i], array, field, task)
                target[lo:hi] = array
        for target in targets.values():
            target.flush()
        del targets
        manifest = {
            "format": FORMAT_VERSION,
            "fingerprint": fp,
            "content_sha256": content_fingerprint(index),
            "source": str(root),
            "task": task.name,
            "num_datapoints": n,
            "num_files": len(index.rows),
            "labels": sorted(labels),
        }
        atomic.write_json(tmp / MANIFEST, manifest)
    log.info("packed %d datapoints from %s into %s", n, root, out)
    return out


def _check_shape(index: TensorsIndex, field: str, shape: tuple[int, ...]) -> None:
    if index.shapes[field] != shape:
        raise InputError(f"{index.files[field][0]}: rows have shape {index.shapes[field]}, expected {shape}")


def _check_finite(path: Path, array: np.ndarray, field: str, task: TaskSpec) -> None:
    values = array[:, list(task.pose_columns)] if field == POSE_FIELD else array
    bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise InputError(
            f"{path}: {len(rows)} row(s) with NaN or infinite {field} values (first: row {rows[0]})"
        )


class PackedDataset:
    """Read-only memmaps over a packed folder, plus the task's pose columns and label threshold.

    Holds file handles, not data: gathering a batch copies only its rows.
    """

    def __init__(self, directory: str | Path, *, pose_columns: tuple[int, ...], threshold: float) -> None:
        self.directory = Path(directory)
        manifest_path = self.directory / MANIFEST
        if not manifest_path.is_file():
            raise InputError(f"{manifest_path}: missing; the folder is not a complete packed dataset")
        self.manifest = json.loads(manifest_path.read_text())
        self.depth = np.load(self.directory / "depth.npy", mmap_mode="r")
        self.hand_poses = np.load(self.directory / "hand_poses.npy", mmap_mode="r")
        self.metric = np.load(self.directory / "metric.npy", mmap_mode="r")
        self.labels = {
            name: np.load(self.directory / f"{name}.npy", mmap_mode="r") for name in self.manifest["labels"]
        }
        self.pose_columns = tuple(pose_columns)
        self.threshold = float(threshold)

    def __len__(self) -> int:
        return int(self.manifest["num_datapoints"])

    def gather(self, indices: np.ndarray) -> dict[str, np.ndarray]:
        """Rows ``indices`` (any order; sorted indices read fastest).

        Returns ``depth`` (b, 32, 32) float32 metres, ``pose`` (b, P) float32 (the task's columns),
        ``label`` (b,) int64 (metric > threshold), ``metric`` (b,) float32, ``index`` (b,) int64.
        """
        indices = np.asarray(indices, dtype=np.int64)
        metric = np.asarray(self.metric[indices])
        return {
            "depth": np.asarray(self.depth[indices]),
            "pose": np.asarray(self.hand_poses[indices][:, list(self.pose_columns)]),
            "label": (metric > self.threshold).astype(np.int64),
            "metric": metric,
            "index": indices,
        }

    def group_labels(self, kind: str) -> np.ndarray:
        """The (N,) int64 labels an object-wise or pose-wise split groups by."""
        name = {"object_wise": "object_labels", "pose_wise": "pose_labels"}[kind]
        if name not in self.labels:
            raise InputError(f"{self.directory}: the dataset has no {name} field, so no {kind} split")
        return np.asarray(self.labels[name])
