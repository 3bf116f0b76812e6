"""Per-object synthesized arrays on disk, so an interrupted ``dexnet_synth`` resumes where it stopped.

``<cache>/<task>/<object key>.npz``: an uncompressed zip with fixed dates holding one ``.npy`` per
array and ``meta.json`` (the provenance that made it). A file is reused only when its provenance
equals the current one; anything unreadable is redone.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import numpy as np

from dexgen import npz_record
from dexgen.atomic import write_bytes

log = logging.getLogger(__name__)


def cache_path(cache_dir: str | Path, task: str, key: str) -> Path:
    return Path(cache_dir) / task / f"{key.replace('/', '__')}.npz"


def encode(arrays: dict[str, np.ndarray], meta: dict) -> bytes:
    """Deterministic bytes of ``arrays`` plus ``meta`` (same inputs, same bytes)."""
    return npz_record.encode(arrays, tuple(sorted(arrays)), meta)


def load(path: Path, meta: dict) -> dict[str, np.ndarray] | None:
    """The arrays cached at ``path`` if its provenance equals ``meta``, else None."""
    if not path.is_file():
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            if json.loads(zf.read("meta.json")) != meta:
                return None
            return {
                n[:-4]: np.load(io.BytesIO(zf.read(n)), allow_pickle=False)
                for n in zf.namelist()
                if n.endswith(".npy")
            }
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        log.warning("%s: unreadable cache entry (%s); synthesizing again", path, exc)
        return None


def save(path: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    write_bytes(path, encode(arrays, meta))
