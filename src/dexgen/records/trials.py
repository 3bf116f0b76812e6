"""Per-object simulation files: ``<out>/<mesh stem>.npz``, byte-identical for the same inputs.

Members (little-endian ``.npy`` plus one JSON), one row per trial, in guess-file order:

- ``guess_index.npy`` (n,) int64 -- row of the trial's pose in the guess file
- ``labels.npy`` (n,) int8 -- the guess label, index into ``meta.guess_labels``
- ``poses.npy`` (n, 4, 4) float64 -- input pose: gripper base in the scaled object frame, metres
- ``openings.npy`` (n,) float64 -- pad opening at the start, metres
- ``final_poses.npy`` (n, 4, 4) float64 -- post-trial pose, same frame (for a trial that stopped early, the
  pose where it stopped: the end of the close, or the end of the segment in which the object drifted past
  a threshold, ``sim.early_exit_steps``; ``translation_drift``, ``rotation_drift``, ``final_opening`` likewise)
- ``success.npy`` (n,) bool; ``score.npy`` (n,) float64 in [0, 1], >= 0.5 iff success
- ``phase.npy``, ``reason.npy`` (n,) int8 -- failure phase and reason, indices into ``meta.phases`` /
  ``meta.reasons`` ("none" / "held" for successes)
- ``translation_drift.npy`` (n,) metres, ``rotation_drift.npy`` (n,) degrees, ``start_penetration.npy``
  (n,) metres, ``final_opening.npy`` (n,) metres
- ``peak_translation_drift.npy`` (n,) metres, ``peak_rotation_drift.npy`` (n,) degrees -- the largest
  displacement / turn of the object in the hand frame against the end of the close over every simulated
  step after it (lift, tugs, shake): under the ``contact`` rule a held object may have slid or turned far
  and come to rest; 0 for a trial that stopped at the end of the close
- ``meta.json`` -- object, the gripper block (:mod:`dexgen.records.grippers`), engine, decomposition,
  mass, provenance, stats

Written as an uncompressed zip with fixed dates (``np.savez`` stamps the time). :class:`Trials` is what
every physics backend returns; the file adds which guesses were simulated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.errors import InputError
from dexgen.records import npz
from dexgen.records.objects import ObjectRecord, check_made_for

# 2: the gripper block replaced the bare gripper name; 3: peak_translation_drift / peak_rotation_drift
FORMAT_VERSION = 3
# Where a trial failed (int8 codes in outputs). "none" for held trials.
PHASES = ("none", "start", "close", "lift", "tug", "shake", "end")
# Why it failed. "held" for successes.
# "crossed": a pad sank through the object (tunnelling); never a plain miss. New codes go at the end.
REASONS = ("held", "start_penetration", "missed", "slipped", "rotated", "lost_contact", "unstable", "crossed")


@dataclasses.dataclass
class Trials:
    """Results of N grasp trials on one object, in input order.

    success : (n,) bool -- held to the end (see SuccessConfig)
    score : (n,) float64 in [0, 1] -- >= 0.5 iff success; higher = less drift / survived longer
    phase, reason : (n,) int8 -- indices into PHASES / REASONS
    final_poses : (n, 4, 4) float64 -- gripper base in the object frame at the end, metres
    translation_drift : (n,) float64 -- metres, object in the hand frame, end vs end-of-close
    rotation_drift : (n,) float64 -- degrees, same
    start_penetration : (n,) float64 -- metres the gripper starts inside the object's sim geometry (0 = free)
    final_opening : (n,) float64 -- pad opening at the end, metres
    peak_translation_drift : (n,) float64 -- metres, the largest translation drift over every step after the
        close (>= translation_drift; 0 where the trial stopped at the end of the close)
    peak_rotation_drift : (n,) float64 -- degrees, same, rotation
    """

    success: np.ndarray
    score: np.ndarray
    phase: np.ndarray
    reason: np.ndarray
    final_poses: np.ndarray
    translation_drift: np.ndarray
    rotation_drift: np.ndarray
    start_penetration: np.ndarray
    final_opening: np.ndarray
    peak_translation_drift: np.ndarray
    peak_rotation_drift: np.ndarray

    ARRAYS = (
        "success",
        "score",
        "phase",
        "reason",
        "final_poses",
        "translation_drift",
        "rotation_drift",
        "start_penetration",
        "final_opening",
        "peak_translation_drift",
        "peak_rotation_drift",
    )

    @classmethod
    def concatenate(cls, parts: list[Trials]) -> Trials:
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in cls.ARRAYS})

    @classmethod
    def empty(cls) -> Trials:
        shapes = {"final_poses": (0, 4, 4)}
        types = {"success": bool, "phase": np.int8, "reason": np.int8}
        return cls(**{name: np.zeros(shapes.get(name, 0), types.get(name, float)) for name in cls.ARRAYS})

    def __len__(self) -> int:
        return len(self.success)


# Member order of the file (part of its bytes): which guess, then the Trials arrays.
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
    "peak_translation_drift",
    "peak_rotation_drift",
)


def write_results(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write one object's results atomically (``meta`` gets ``format_version``)."""
    npz.write(path, arrays, ARRAYS, {"format_version": FORMAT_VERSION, **meta})


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a results file, or None if it is missing or unreadable (then redo it)."""
    return npz.read_meta(path)


def read_results(
    path: str | Path, *, record: ObjectRecord | None, names: tuple[str, ...] = ARRAYS
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays ``names`` by name, meta) of a results file, refused unless made for ``record``'s key and mesh
    hash (None only where the record is looked up by the file's own key, as for a file shown on its own).

    A file of an earlier format is refused with what to do: the simulate stage redoes it (its provenance
    names the code that wrote it), and an older file lacks the peak drifts the report and export read.
    """
    unknown = sorted(set(names) - set(ARRAYS))
    if unknown:
        raise ValueError(f"{unknown} are not simulation results arrays; they are {list(ARRAYS)}")
    meta = read_meta(path)
    if meta is not None and meta.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: simulation results format {meta.get('format_version')!r}, this code reads "
            f"{FORMAT_VERSION} (format 3 adds each trial's peak drift); re-run the simulate stage"
        )
    arrays, meta = npz.read(path, names, kind="simulation results", format_version=FORMAT_VERSION)
    if record is not None:
        check_made_for(meta, record, where=str(path))
    return arrays, meta
