"""Per-object guess files: ``<out>/<mesh stem>.npz``, byte-identical for the same inputs.

Members (all little-endian ``.npy`` plus one JSON):

- ``poses.npy`` (n, 4, 4) float64 -- gripper base in the scaled object frame, metres; +z approach,
  +x closing (GraspGen convention)
- ``widths.npy`` (n,) float64 -- contact separation, metres (NaN for random poses)
- ``openings.npy`` (n,) float64 -- pre-grasp pad opening, metres
- ``contacts.npy``, ``normals.npy`` (n, 2, 3) float64 -- [finger_neg, finger_pos] contact points and
  outward normals, object frame (NaN for random poses)
- ``labels.npy`` (n,) int8 -- index into ``meta.labels``; ``reasons.npy`` (n,) int8 -- index into ``meta.reasons``
- ``meta.json`` -- object key, gripper, label/reason names, provenance, stats (counts, shortfall)

``np.load(path)`` reads the arrays (``meta.json`` comes back as bytes). The zip is written with a
fixed timestamp and no compression so equal content gives equal bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dexgen import npz_record
from dexgen.atomic import write_bytes
from dexgen.grippers.spec import Gripper
from dexgen.guess.collision import REASONS
from dexgen.guess.guesses import LABELS, ObjectGuesses
from dexgen.objects.records import ObjectRecord
from dexgen.provenance import provenance

FORMAT_VERSION = 1
ARRAYS = ("poses", "widths", "openings", "contacts", "normals", "labels", "reasons")


def encode_guesses(guesses: ObjectGuesses, meta: dict[str, Any]) -> bytes:
    """The file's bytes: one ``.npy`` per array and ``meta.json`` (sorted keys)."""
    return npz_record.encode({name: getattr(guesses, name) for name in ARRAYS}, ARRAYS, meta)


def guess_provenance(record: ObjectRecord, gripper: Gripper, *, seed: int, params: Any) -> dict[str, Any]:
    """The provenance a guess file carries; a file whose provenance differs is redone."""
    return provenance(
        stage="guess", seed=seed, params=params, mesh_sha256=record.mesh_sha256, gripper_sha256=gripper.sha256
    )


def guess_meta(
    record: ObjectRecord, gripper: Gripper, stats: dict[str, Any], *, seed: int, params: Any
) -> dict[str, Any]:
    """``meta.json`` of one object's guess file; ``params`` is what its provenance hash covers."""
    return {
        "object": record.key,
        "mesh": record.mesh,
        "gripper": gripper.name,
        "labels": list(LABELS),
        "reasons": list(REASONS),
        "provenance": guess_provenance(record, gripper, seed=seed, params=params),
        "stats": stats,
    }


def write_guesses(path: str | Path, guesses: ObjectGuesses, meta: dict[str, Any]) -> None:
    """Write one object's guesses atomically."""
    write_bytes(path, encode_guesses(guesses, {"format_version": FORMAT_VERSION, **meta}))


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a guess file, or None if the file is missing or unreadable (then redo it)."""
    return npz_record.read_meta(path)


def read_guesses(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays by name, meta) of a guess file."""
    return npz_record.read(path, ARRAYS, kind="guess", format_version=FORMAT_VERSION)
