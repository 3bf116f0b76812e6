"""Typed config of the ``objects`` stage (params section ``objects``)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

# The builtin procedural kinds (dexgen.objects.procedural.KINDS builds each; a test keeps the two equal).
PROCEDURAL_KINDS = (
    "box",
    "cylinder",
    "sphere",
    "capsule",
    "cone",
    "torus",
    "convex_hull",
    "superquadric",
    "mug",
    "bowl",
    "l_shape",
    "t_shape",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHARD_ID = re.compile(r"^[0-9A-Za-z_-]+$")


@dataclasses.dataclass(frozen=True)
class MeshBounds:
    """Sanity bounds on a scaled mesh; a mesh outside them almost always has a wrong scale."""

    min_extent: float = 0.005  # metres: the largest side of anything a gripper can pick
    max_extent: float = 0.5  # metres: bigger than any parallel-jaw stroke by far
    min_volume: float = 1e-9  # m^3 (1 mm^3): below this the mesh is flat or degenerate


@dataclasses.dataclass(frozen=True)
class ObjectsConfig:
    """Where objects come from, how they are checked and how they are split into shards."""

    source: Literal["builtin", "directory", "url"] = "builtin"
    # Shard ids; an object's shard is a stable hash of its key modulo their number.
    shards: tuple[str, ...] = ("00", "01", "02", "03")
    # builtin: how many objects, which kinds (taken in turn), and their largest extent in metres.
    count: int = 144
    kinds: tuple[str, ...] = PROCEDURAL_KINDS
    size_range: tuple[float, float] = (0.02, 0.15)
    # directory: GraspDataGen's --object_dataset and --object_scales_json.
    object_dataset: Path | None = None
    object_scales_json: Path | None = None
    # url: an archive (zip, tar.gz) with a pinned sha256; ``archive_root`` is the object dataset
    # folder inside the archive and ``archive_scales_json`` the scales JSON path inside it.
    url: str | None = None
    sha256: str | None = None
    archive_root: str = ""
    archive_scales_json: str = "object_scales.json"
    # directory / url: a mesh whose real path (symlinks resolved) lies outside the object dataset is
    # refused unless this is true; keys alone cannot leave it, a link inside it can.
    follow_symlinks: bool = False
    bounds: MeshBounds = MeshBounds()
    # A bad mesh stops the stage ("error"), or is skipped and reported ("skip") while at most
    # ``max_skipped_fraction`` of the set is bad.
    on_bad_mesh: Literal["error", "skip"] = "error"
    max_skipped_fraction: float = 0.05
    # A mesh with more input faces is refused as a bad mesh, before any work on it; 0 = no limit. Sized for
    # 2 cores: time and memory grow linearly with faces (a 328k-face sphere: 1.7 s to repair, 8.6 s for its
    # hull and 2,000 distance queries, 0.5 GB; a 2.6 M-face mesh held 3 GB for over 300 s in dexgen graspgen).
    # Builtin objects have at most ~5k. Simplifying instead needs fast-simplification, not installed here.
    max_faces: int = 200_000
    workers: int = 0  # processes; 0 = every core
    preview_max: int = 24  # objects drawn in the contact sheet PNG

    def __post_init__(self) -> None:
        if not self.shards:
            raise ValueError("shards must list at least one shard id")
        if len(set(self.shards)) != len(self.shards):
            raise ValueError(f"shards has duplicate ids: {list(self.shards)}")
        for shard in self.shards:
            if not _SHARD_ID.match(shard):
                raise ValueError(f"shard id {shard!r} must be letters, digits, '_' or '-'")
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {self.count}")
        unknown = sorted(set(self.kinds) - set(PROCEDURAL_KINDS))
        if unknown or not self.kinds:
            raise ValueError(f"kinds {unknown or '[]'} invalid; known kinds are {sorted(PROCEDURAL_KINDS)}")
        lo, hi = self.size_range
        if not 0 < lo <= hi:
            raise ValueError(f"size_range must satisfy 0 < min <= max, got {list(self.size_range)}")
        if self.source == "directory" and (self.object_dataset is None or self.object_scales_json is None):
            raise ValueError("source 'directory' needs object_dataset and object_scales_json")
        if self.source == "url":
            if not self.url:
                raise ValueError("source 'url' needs url")
            if self.sha256 is None or not _SHA256.match(self.sha256):
                raise ValueError(f"source 'url' needs sha256 as 64 lowercase hex digits, got {self.sha256!r}")
        if not 0.0 <= self.max_skipped_fraction <= 1.0:
            raise ValueError(f"max_skipped_fraction must be in [0, 1], got {self.max_skipped_fraction}")
        if self.max_faces < 0:
            raise ValueError(f"max_faces must be >= 0 (0 = no limit), got {self.max_faces}")
        if self.workers < 0 or self.preview_max < 0:
            raise ValueError("workers and preview_max must be >= 0")
