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

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import write_bytes
from dexgen.errors import InputError
from dexgen.guess.guesses import ObjectGuesses

FORMAT_VERSION = 1
ARRAYS = ("poses", "widths", "openings", "contacts", "normals", "labels", "reasons")
_DATE = (1980, 1, 1, 0, 0, 0)


def _member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)


def encode_guesses(guesses: ObjectGuesses, meta: dict[str, Any]) -> bytes:
    """The file's bytes: one ``.npy`` per array and ``meta.json`` (sorted keys)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ARRAYS:
            arr = np.ascontiguousarray(getattr(guesses, name))
            npy = io.BytesIO()
            np.lib.format.write_array(npy, arr, allow_pickle=False)
            _member(zf, f"{name}.npy", npy.getvalue())
        _member(zf, "meta.json", json.dumps(meta, sort_keys=True, indent=1, allow_nan=False).encode())
    return buf.getvalue()


def write_guesses(path: str | Path, guesses: ObjectGuesses, meta: dict[str, Any]) -> None:
    """Write one object's guesses atomically."""
    write_bytes(path, encode_guesses(guesses, {"format_version": FORMAT_VERSION, **meta}))


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a guess file, or None if the file is missing or unreadable (then redo it)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("meta.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        return None


def read_guesses(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays by name, meta) of a guess file."""
    meta = read_meta(path)
    if meta is None:
        raise InputError(f"{path}: not a readable guess file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path}: guess format {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in ARRAYS}, meta
