"""Per-object record files: named ``.npy`` arrays plus ``meta.json`` in an uncompressed zip.

``np.load(path)`` reads them like any ``.npz``. ``np.savez`` stamps the current time into the zip,
so equal content would give different bytes; here every member has a fixed date and mode, so the
same arrays and meta always give byte-identical files (DVC then sees no change).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import write_bytes
from dexgen.errors import InputError

_DATE = (1980, 1, 1, 0, 0, 0)


def _member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)


def encode(arrays: Mapping[str, np.ndarray], names: tuple[str, ...], meta: dict[str, Any]) -> bytes:
    """The file's bytes: ``<name>.npy`` for each of ``names`` (in order) and ``meta.json`` (sorted keys)."""
    missing = sorted(set(names) - set(arrays))
    if missing:
        raise ValueError(f"missing arrays {missing}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            npy = io.BytesIO()
            np.lib.format.write_array(npy, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            _member(zf, f"{name}.npy", npy.getvalue())
        _member(zf, "meta.json", json.dumps(meta, sort_keys=True, indent=1, allow_nan=False).encode())
    return buf.getvalue()


def write(
    path: str | Path, arrays: Mapping[str, np.ndarray], names: tuple[str, ...], meta: dict[str, Any]
) -> None:
    """Write a record file atomically (see :func:`encode`)."""
    write_bytes(path, encode(arrays, names, meta))


def decode(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(every array by name, meta) of a record file's bytes; raises ValueError/KeyError/BadZipFile."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        meta = json.loads(zf.read("meta.json"))
        arrays = {
            n[: -len(".npy")]: np.load(io.BytesIO(zf.read(n)), allow_pickle=False)
            for n in zf.namelist()
            if n.endswith(".npy")
        }
    return arrays, meta


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """``meta.json`` of a record file, or None if the file is missing or unreadable (then redo it)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read("meta.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        return None


def read(
    path: str | Path, names: tuple[str, ...], *, kind: str, format_version: int
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays by name, meta) of a record file of ``kind`` (named in errors) and ``format_version``."""
    meta = read_meta(path)
    if meta is None:
        raise InputError(f"{path}: not a readable {kind} file")
    if meta.get("format_version") != format_version:
        raise InputError(f"{path}: {kind} format {meta.get('format_version')!r}, expected {format_version}")
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in names}, meta
