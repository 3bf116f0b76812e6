"""Reading and writing the Dex-Net tensors container, byte for byte deterministic.

Layout (autolab_core ``TensorDataset``, ``reference/dexnet.md`` §1.1)::

    <root>/config.json                    {"datapoints_per_file": 1000, "fields": {name: {dtype, height, ...}}}
    <root>/metadata.json                  free-form (we put provenance here)
    <root>/tensors/<field>_<NNNNN>.npz    one array "arr_0"; 1,000 rows, the last file may be partial

Datapoint ``g`` is row ``g % 1000`` of file ``g // 1000`` of every field. The reader never trusts
``config.json`` (real copies lack it): it globs ``tensors/`` and checks that every field has the same
files with the same row counts. ``np.savez_compressed`` stamps the current time into each zip
member, so the writer builds the zip itself with a fixed date: same arrays, same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from dexgen import atomic
from dexgen.dexnet.fields import ROWS_PER_FILE, FieldSpec, check_dtype
from dexgen.errors import InputError

TENSORS = "tensors"
_FILE_RE = re.compile(r"^(?P<field>.+)_(?P<num>\d{5})\.npz$")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def npz_bytes(array: np.ndarray) -> bytes:
    """A compressed ``.npz`` holding ``array`` as ``arr_0``, with fixed zip timestamps."""
    npy = io.BytesIO()
    np.lib.format.write_array(npy, np.ascontiguousarray(array), allow_pickle=False)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        info = zipfile.ZipInfo("arr_0.npy", date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, npy.getvalue(), compresslevel=6)
    return out.getvalue()


def file_name(field: str, number: int) -> str:
    return f"{field}_{number:05d}.npz"


class TensorsWriter:
    """Appends datapoints and flushes one file per field every ``rows_per_file`` rows.

    Holds at most one file's worth of rows per field, so a synthesis stage can stream millions of
    points. Call :meth:`close` (or use as a context manager) to flush the last, partial file and
    write ``config.json``.
    """

    def __init__(
        self,
        root: str | Path,
        fields: Mapping[str, FieldSpec],
        *,
        rows_per_file: int = ROWS_PER_FILE,
        metadata: Mapping | None = None,
    ) -> None:
        if rows_per_file < 1:
            raise ValueError(f"rows_per_file must be >= 1, got {rows_per_file}")
        self.root = Path(root)
        self.fields = dict(fields)
        self.rows_per_file = rows_per_file
        self.metadata = dict(metadata or {})
        self._buffers: dict[str, list[np.ndarray]] = {name: [] for name in self.fields}
        self._buffered = 0
        self._next_file = 0
        self.rows_written = 0

    def append(self, rows: Mapping[str, np.ndarray]) -> None:
        """Add a block of datapoints: ``rows[field]`` is ``(n, *spec.shape)`` for every field."""
        missing = sorted(set(self.fields) - set(rows))
        extra = sorted(set(rows) - set(self.fields))
        if missing or extra:
            raise ValueError(f"append: missing fields {missing}, unknown fields {extra}")
        arrays = {name: check_dtype(name, self.fields[name], np.asarray(rows[name])) for name in self.fields}
        counts = {name: len(a) for name, a in arrays.items()}
        if len(set(counts.values())) > 1:
            raise ValueError(f"append: fields have different row counts {counts}")
        n = next(iter(counts.values()))
        start = 0
        while start < n:
            take = min(n - start, self.rows_per_file - self._buffered)
            for name, array in arrays.items():
                self._buffers[name].append(array[start : start + take])
            self._buffered += take
            start += take
            if self._buffered == self.rows_per_file:
                self._flush()

    def _flush(self) -> None:
        if self._buffered == 0:
            return
        for name, parts in self._buffers.items():
            array = np.concatenate(parts, axis=0)
            atomic.write_bytes(self.root / TENSORS / file_name(name, self._next_file), npz_bytes(array))
            parts.clear()
        self.rows_written += self._buffered
        self._buffered = 0
        self._next_file += 1

    def close(self) -> None:
        self._flush()
        config = {
            "datapoints_per_file": self.rows_per_file,
            "fields": {name: spec.config_entry() for name, spec in sorted(self.fields.items())},
        }
        atomic.write_json(self.root / "config.json", config)
        atomic.write_json(self.root / "metadata.json", {"num_datapoints": self.rows_written, **self.metadata})

    def __enter__(self) -> TensorsWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()


def write_dataset(
    root: str | Path,
    arrays: Mapping[str, np.ndarray],
    fields: Mapping[str, FieldSpec],
    *,
    rows_per_file: int = ROWS_PER_FILE,
    metadata: Mapping | None = None,
) -> None:
    """Write whole in-memory ``arrays`` (one per field of ``fields``) as a tensors dataset."""
    with TensorsWriter(root, fields, rows_per_file=rows_per_file, metadata=metadata) as writer:
        writer.append(arrays)


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of ``arr_0`` read from its header only (no decompression of the data)."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("arr_0.npy") as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not an npz file with an 'arr_0' array ({exc})") from None
    return tuple(shape), np.dtype(dtype)


class TensorsIndex:
    """The files of a tensors dataset, checked for consistency across fields.

    ``files[field]`` lists the paths in file-number order; ``rows[i]`` is the row count of file ``i``
    (identical for every field); ``offsets[i]`` its first global datapoint index.
    """

    def __init__(self, root: str | Path, fields: Iterable[str]) -> None:
        self.root = Path(root)
        tensors = self.root / TENSORS
        if not tensors.is_dir():
            raise InputError(f"{tensors}: no tensors folder (expected <root>/tensors/<field>_NNNNN.npz)")
        present: dict[str, dict[int, Path]] = {}
        for path in tensors.iterdir():
            m = _FILE_RE.match(path.name)
            if m:
                present.setdefault(m["field"], {})[int(m["num"])] = path
        self.fields = list(fields)
        absent = [f for f in self.fields if f not in present]
        if absent:
            raise InputError(
                f"{tensors}: no files for field(s) {absent}; fields present are {sorted(present)}"
            )
        numbers = sorted(set().union(*(present[f] for f in self.fields)))
        if numbers != list(range(len(numbers))):
            gap = next(i for i, n in enumerate(numbers) if i != n)
            raise InputError(f"{tensors}: file numbers are not contiguous from 00000; first gap at {gap:05d}")
        for field in self.fields:
            for n in numbers:
                if n not in present[field]:
                    raise InputError(
                        f"{tensors / file_name(field, n)}: missing (other fields have file {n:05d})"
                    )
        self.files = {f: [present[f][n] for n in numbers] for f in self.fields}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.dtypes: dict[str, np.dtype] = {}
        rows: list[int] | None = None
        for field in self.fields:
            headers = [_npy_header(p) for p in self.files[field]]
            field_rows = [shape[0] if shape else 0 for shape, _ in headers]
            if rows is None:
                rows = field_rows
            for i, (got, want) in enumerate(zip(field_rows, rows)):
                if got != want:
                    raise InputError(
                        f"{self.files[field][i]}: {got} rows, but {self.files[self.fields[0]][i].name} has {want}"
                    )
            self.shapes[field] = headers[0][0][1:]
            self.dtypes[field] = headers[0][1]
            for path, (shape, dtype) in zip(self.files[field], headers):
                if shape[1:] != self.shapes[field] or dtype != self.dtypes[field]:
                    raise InputError(
                        f"{path}: rows {shape[1:]} {dtype}, but file 00000 has {self.shapes[field]} "
                        f"{self.dtypes[field]}"
                    )
        self.rows = rows or []
        for i, n in enumerate(self.rows[:-1]):
            if n != self.rows[0]:
                raise InputError(
                    f"{self.files[self.fields[0]][i]}: {n} rows; only the last file may be partial"
                )
        self.offsets = np.concatenate([[0], np.cumsum(self.rows)]).astype(np.int64)

    @property
    def num_datapoints(self) -> int:
        return int(self.offsets[-1])

    def read_file(self, field: str, i: int) -> np.ndarray:
        """The array of file ``i`` of ``field``."""
        path = self.files[field][i]
        with np.load(path, allow_pickle=False) as npz:
            return npz["arr_0"]

    def read_field(self, field: str) -> np.ndarray:
        """All rows of ``field`` concatenated (small datasets and tests; use the packed loader at scale)."""
        return np.concatenate([self.read_file(field, i) for i in range(len(self.rows))], axis=0)


def present_fields(root: str | Path) -> list[str]:
    """Field names that have at least one file under ``<root>/tensors``."""
    tensors = Path(root) / TENSORS
    if not tensors.is_dir():
        raise InputError(f"{tensors}: no tensors folder")
    return sorted({m["field"] for p in tensors.iterdir() if (m := _FILE_RE.match(p.name))})
