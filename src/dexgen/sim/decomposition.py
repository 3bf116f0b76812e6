"""Convex decomposition of object meshes for simulation, cached per mesh hash.

Physics engines collide convex pieces (MuJoCo takes each mesh geom's hull), so a concave object
needs its convex parts. coacd with bounded "fast" settings takes 1-2 s per mesh (``stack.md`` §7),
so results are cached under ``<cache>/convex/<mesh sha256[:2]>/<mesh sha256>-<settings hash>.npz``.
A mesh that is already convex gets its hull directly (exact). When coacd fails or returns nothing
the object falls back to its convex hull: :attr:`Decomposition.method` says ``hull_fallback`` and
the stage counts and reports these, never silently.
"""

from __future__ import annotations

import dataclasses
import logging
import zipfile
from pathlib import Path

import numpy as np
import trimesh

from dexgen.atomic import write_bytes
from dexgen.codebase import code_hash
from dexgen.config import to_mapping
from dexgen.hashing import stable_hash
from dexgen.params.sim import DecompositionConfig
from dexgen.records import npz
from dexgen.seeding import derive_seed

log = logging.getLogger(__name__)

METHODS = ("convex", "coacd", "hull", "hull_fallback")  # how the parts were made
_VERSION = 1


@dataclasses.dataclass
class Decomposition:
    """Convex parts of one mesh, object frame, metres.

    parts : list of ((v, 3) float64 vertices, (f, 3) int32 faces), each a closed convex hull
    method : one of METHODS; ``hull_fallback`` means coacd failed and the hull stands in
    note : why a fallback happened ("" otherwise)
    """

    parts: list[tuple[np.ndarray, np.ndarray]]
    method: str
    note: str = ""


def _hull(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    hull = mesh.convex_hull
    return np.asarray(hull.vertices, dtype=np.float64), np.asarray(hull.faces, dtype=np.int32)


def is_convex(mesh: trimesh.Trimesh, *, tolerance: float) -> bool:
    """True when the mesh fills its convex hull to within ``tolerance`` (fraction of the hull volume)."""
    hull_volume = float(mesh.convex_hull.volume)
    return (
        bool(mesh.is_watertight)
        and hull_volume > 0
        and abs(hull_volume - abs(mesh.volume)) <= tolerance * hull_volume
    )


def decompose(mesh: trimesh.Trimesh, cfg: DecompositionConfig, *, seed: int = 0) -> Decomposition:
    """Convex parts of ``mesh`` (object frame, metres) by ``cfg.method``; no cache."""
    if cfg.method == "hull":
        return Decomposition([_hull(mesh)], "hull")
    if is_convex(mesh, tolerance=cfg.convex_tolerance):
        return Decomposition([_hull(mesh)], "convex")
    try:
        import coacd  # optional at import time: only this path needs it

        coacd.set_log_level("error")
        result = coacd.run_coacd(
            coacd.Mesh(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32)),
            threshold=cfg.threshold,
            max_convex_hull=cfg.max_parts,
            preprocess_mode=cfg.preprocess_mode,
            resolution=cfg.resolution,
            mcts_iterations=cfg.mcts_iterations,
            mcts_max_depth=cfg.mcts_max_depth,
            mcts_nodes=cfg.mcts_nodes,
            seed=seed % (2**31),
        )
    except Exception as exc:  # coacd raises RuntimeError and friends on degenerate input
        log.warning("coacd failed (%s); using the convex hull", exc)
        return Decomposition([_hull(mesh)], "hull_fallback", f"coacd failed: {exc}")
    parts = []
    for verts, faces in result:
        part = trimesh.Trimesh(
            np.asarray(verts, dtype=np.float64), np.asarray(faces), process=False
        ).convex_hull
        if part.volume > 0 and len(part.vertices) >= 4:
            parts.append(
                (np.asarray(part.vertices, dtype=np.float64), np.asarray(part.faces, dtype=np.int32))
            )
    if not parts:
        return Decomposition([_hull(mesh)], "hull_fallback", "coacd returned no solid part")
    return Decomposition(parts, "coacd")


def encode(dec: Decomposition) -> bytes:
    """Deterministic bytes: ``v<i>.npy`` / ``f<i>.npy`` per part and a JSON header (see records.npz)."""
    header = {"version": _VERSION, "method": dec.method, "note": dec.note, "parts": len(dec.parts)}
    arrays = {}
    for i, (verts, faces) in enumerate(dec.parts):
        arrays[f"v{i}"], arrays[f"f{i}"] = verts, faces
    return npz.encode(arrays, tuple(arrays), header)


def decode(data: bytes) -> Decomposition:
    arrays, header = npz.decode(data)
    if header.get("version") != _VERSION:
        raise ValueError(f"cache version {header.get('version')!r}, expected {_VERSION}")
    parts = [(arrays[f"v{i}"], arrays[f"f{i}"]) for i in range(header["parts"])]
    return Decomposition(parts, header["method"], header["note"])


def cache_path(cache_dir: str | Path, mesh_sha256: str, cfg: DecompositionConfig) -> Path:
    """Where the parts of the mesh with hash ``mesh_sha256`` under settings ``cfg`` are cached."""
    key = stable_hash({"cfg": to_mapping(cfg), "code": code_hash(__name__)})[:16]
    return Path(cache_dir) / "convex" / mesh_sha256[:2] / f"{mesh_sha256}-{key}.npz"


def cached_decomposition(
    mesh: trimesh.Trimesh, mesh_sha256: str, cfg: DecompositionConfig, *, cache_dir: str | Path | None
) -> Decomposition:
    """:func:`decompose` through the file cache (``cache_dir`` None = no cache). A corrupt entry is redone."""
    seed = derive_seed(0, "convex", mesh_sha256)
    if cache_dir is None:
        return decompose(mesh, cfg, seed=seed)
    path = cache_path(cache_dir, mesh_sha256, cfg)
    if path.exists():
        try:
            return decode(path.read_bytes())
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.warning("%s: unreadable cache entry (%s); decomposing again", path, exc)
    dec = decompose(mesh, cfg, seed=seed)
    write_bytes(path, encode(dec))
    return dec
