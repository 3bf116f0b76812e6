"""The parent <-> worker wire format, shared by both sides (stdlib and numpy only: the worker imports it).

A batch travels as files in its own folder: ``request.json`` + ``request.npz`` in, ``result.npz`` out.
Only short JSON lines cross the pipes: the parent writes ``{"op": "run", "dir": ...}`` or
``{"op": "quit"}`` on the worker's stdin; the worker answers one line per request on a private copy of
its original stdout, prefixed with :data:`PREFIX` (the worker points fd 1 at stderr, so whatever Isaac
Lab, Warp or PhysX print never mixes with the answers). Files are written under a temporary name and
renamed, so a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

PREFIX = "@@dexgen "
REQUEST_JSON, REQUEST_NPZ, RESULT_NPZ = "request.json", "request.npz", "result.npz"

# what the worker returns per trial (``result.npz``); poses are env-frame (the hand-start frame), wxyz
RESULT_ARRAYS = (
    "hand_pos",  # (b, nrec, 3) float64, m -- the palm (gripper base) each recorded step
    "hand_quat",  # (b, nrec, 4) float64, wxyz
    "obj_pos",  # (b, nrec, 3) float64, m -- the object's body frame (= its mesh frame)
    "obj_quat",  # (b, nrec, 4) float64, wxyz
    "force_close",  # (b, 2) float64, N -- normal force object -> [-x pad, +x pad] at the end of the close
    "force_end",  # (b, 2) float64, N -- the same at the last step
    "finger_close",  # (b, 2) float64, m -- finger joint values (pad outside its closed place) at the end of close;
    # a real hand's (b, k): every moving joint's value, leader first
    "finger_end",  # (b, 2) or (b, k) float64 -- the same at the last step
    "finite",  # (b,) bool -- every recorded value finite
)


def encode(message: dict) -> str:
    """One protocol line (with the prefix and newline)."""
    return PREFIX + json.dumps(message, separators=(",", ":")) + "\n"


def decode(line: str) -> dict | None:
    """The message of a protocol line, None for any other output."""
    if not line.startswith(PREFIX):
        return None
    return json.loads(line[len(PREFIX) :])


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
