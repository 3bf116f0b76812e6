"""The on-disk object set that later stages read: ``data/objects/shard-<id>/``.

Layout::

    data/objects/
      index.json                 all records, sorted by key (for whole-set consumers)
      shard-00/index.json        the records of shard 00 only
      shard-00/<name>.ply        processed mesh: repaired, scaled, metres, source frame (no recentring)

(:func:`dexgen.objects.loading.load_object_mesh` reads a mesh; this module needs no mesh library.)

A per-shard stage depends on ``data/objects/shard-<id>`` alone, so a change to one object re-runs
only the stages of its shard. Meshes are binary PLY: exact float32 vertices and a stable byte
layout, so identical inputs give identical files.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from dexgen.errors import InputError
from dexgen.names import safe_name, safe_relpath

INDEX = "index.json"
FORMAT_VERSION = 1


def shard_dirname(shard_id: str) -> str:
    """Folder name of a shard: ``shard-<id>``."""
    return f"shard-{shard_id}"


@dataclasses.dataclass(frozen=True)
class ObjectRecord:
    """One object of the set.

    ``key`` is the object's identity: the path relative to the dataset root for directory and
    archive sources (GraspDataGen's object-scales JSON key), ``<kind>_<nnn>`` for builtin objects.
    ``mesh`` is the processed mesh file name inside the shard folder, already scaled by ``scale``.
    """

    key: str
    shard: str
    mesh: str
    scale: float
    source: str  # "builtin", "directory" or "url"
    source_sha256: str  # hash of the source file (or of the generator recipe for builtin)
    mesh_sha256: str  # hash of the processed mesh file: the content hash downstream provenance cites
    watertight: bool
    volume: float  # m^3; of the convex hull when the mesh is not watertight
    extents: tuple[float, float, float]  # metres, axis-aligned in the object frame
    faces: int
    repairs: dict[str, int]  # what loading fixed: dropped faces, merged vertices, flipped winding

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ObjectRecord:
        data = dict(data)
        data["extents"] = tuple(data["extents"])
        return cls(**data)


def read_index(path: str | Path) -> list[ObjectRecord]:
    """Records from an ``index.json`` (whole set or one shard)."""
    path = Path(path)
    if path.is_dir():
        path = path / INDEX
    elif path.is_file() and path.name != INDEX:  # a mesh or params file given where a shard folder goes
        raise InputError(f"{path}: is a file, expected an object folder (or its {INDEX})")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: object index not found; run the 'objects' stage first") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: object index is not valid JSON ({exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: object index is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    version = data.get("format_version") if isinstance(data, dict) else None
    if version != FORMAT_VERSION:
        raise InputError(f"{path}: object index format {version!r}, expected {FORMAT_VERSION}")
    records = [ObjectRecord.from_json(r) for r in data["objects"]]
    for r in records:  # both become paths: outputs are named by the mesh, exports placed by the key
        safe_relpath(r.key, what="object key", source=str(path))
        safe_name(r.mesh, what=f"mesh of {r.key!r}", source=str(path), leading_dot=True)
    return records


def mesh_stem(record: ObjectRecord) -> str:
    """The stem every per-object output of ``record`` is named by (``<stem>.npz``, ``<stem>.png``)."""
    return Path(record.mesh).stem


def check_made_for(meta: dict[str, Any], record: ObjectRecord, *, where: str) -> None:
    """Refuse a per-object file (``meta``: its meta.json) made for another object or another version of
    its mesh: a file copied under another object's name would otherwise be used and labelled as it."""
    made_for = meta.get("object")
    if made_for != record.key:
        raise InputError(
            f"{where}: made for object {made_for!r}, but the object index gives this file name to "
            f"{record.key!r} ({record.mesh}); re-run the stage that wrote it"
        )
    made_from = (meta.get("provenance") or {}).get("mesh_sha256")
    if made_from != record.mesh_sha256:
        raise InputError(
            f"{where}: made from mesh sha256 {str(made_from)[:12]} of {record.key!r}, but the object index "
            f"records {record.mesh_sha256[:12]} ({record.mesh}); re-run the stage that wrote it"
        )
