"""Per-object simulation files: ``<out>/<mesh stem>.npz``, byte-identical for the same inputs.

Members (little-endian ``.npy`` plus one JSON), one row per trial, in guess-file order:

- ``guess_index.npy`` (n,) int64 -- row of the trial's pose in the guess file
- ``labels.npy`` (n,) int8 -- the guess label, index into ``meta.guess_labels``
- ``poses.npy`` (n, 4, 4) float64 -- input pose: gripper base in the scaled object frame, metres
- ``openings.npy`` (n,) float64 -- pad opening at the start, metres
- ``final_poses.npy`` (n, 4, 4) float64 -- post-trial pose, same frame (the end of the close for trials that
  stopped there)
- ``success.npy`` (n,) bool; ``score.npy`` (n,) float64 in [0, 1], >= 0.5 iff success
- ``phase.npy``, ``reason.npy`` (n,) int8 -- failure phase and reason, indices into ``meta.phases`` /
  ``meta.reasons`` ("none" / "held" for successes)
- ``translation_drift.npy`` (n,) metres, ``rotation_drift.npy`` (n,) degrees, ``start_penetration.npy``
  (n,) metres, ``final_opening.npy`` (n,) metres
- ``meta.json`` -- object, gripper, engine, decomposition, mass, provenance, stats

Written as an uncompressed zip with fixed dates (``np.savez`` stamps the time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dexgen import npz_record
from dexgen.atomic import write_bytes

FORMAT_VERSION = 1
ARRAYS = (
    "guess_index",
    "labels",
    "poses",
    "openings",
    "final_poses",
    "success",
    "score",
    "phase",
    "reason",
    "translation_drift",
    "rotation_drift",
    "start_penetration",
    "final_opening",
)


def encode_results(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bytes:
    """The file's bytes: one ``.npy`` per array of ARRAYS and ``meta.json`` (sorted keys)."""
    return npz_record.encode(arrays, ARRAYS, meta)


def write_results(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write one object's results atomically."""
    write_bytes(path, encode_results(arrays, {"format_version": FORMAT_VERSION, **meta}))


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a results file, or None if it is missing or unreadable (then redo it)."""
    return npz_record.read_meta(path)


def read_results(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays by name, meta) of a results file."""
    return npz_record.read(path, ARRAYS, kind="simulation results", format_version=FORMAT_VERSION)
