"""Mesh loading, validation and repair for user meshes and generated ones.

Every refusal is an :class:`~dexgen.errors.InputError` whose message starts with the file path
and says what is wrong, so a user with thousands of meshes can find and fix the one at fault.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path

import numpy as np
import trimesh

from dexgen.errors import InputError
from dexgen.hashing import sha256_bytes
from dexgen.params.objects import MeshBounds
from dexgen.records.objects import ObjectRecord

log = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = (".obj", ".stl", ".ply", ".glb")


def check_extension(path: Path) -> None:
    if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise InputError(
            f"{path}: unsupported mesh extension '{path.suffix}'; supported are {list(SUPPORTED_EXTENSIONS)}"
        )


def check_scale(scale: object, where: str) -> float:
    """``scale`` as a float if it is a finite positive number, else an error naming ``where``."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise InputError(f"{where}: scale must be a number, got {scale!r}")
    if not math.isfinite(scale) or scale <= 0:
        raise InputError(f"{where}: scale must be a finite positive number, got {scale!r}")
    return float(scale)


def read_mesh(path: str | Path) -> trimesh.Trimesh:
    """Read a mesh file as one triangle mesh: a multi-geometry file is merged in its scene frame."""
    path = Path(path)
    check_extension(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a mesh file")
    if not path.is_file():
        raise InputError(f"{path}: mesh file not found")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    try:
        loaded = trimesh.load(path, process=False)
    except Exception as exc:  # trimesh raises many types for a broken file
        raise InputError(f"{path}: cannot read mesh ({type(exc).__name__}: {exc})") from None
    if isinstance(loaded, trimesh.Scene):
        meshes = [g for g in loaded.dump() if isinstance(g, trimesh.Trimesh) and len(g.faces)]
        if not meshes:
            raise InputError(f"{path}: file contains no triangle mesh")
        mesh = trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]
    elif isinstance(loaded, trimesh.Trimesh):
        mesh = loaded
    else:
        raise InputError(f"{path}: file contains no triangle mesh (got {type(loaded).__name__})")
    if len(mesh.vertices) == 0 or len(mesh.faces) == 0:
        raise InputError(f"{path}: mesh has no faces")
    return mesh


def check_faces(mesh: trimesh.Trimesh, *, max_faces: int, name: str) -> None:
    """Refuse a mesh over ``max_faces`` (``objects.max_faces``, 0 = no limit) before any work on it: every
    later step grows with faces, and a multi-million-face scan would hold gigabytes for many minutes."""
    if max_faces and len(mesh.faces) > max_faces:
        raise InputError(
            f"{name}: {len(mesh.faces):,} faces, over objects.max_faces = {max_faces:,}; simplify the mesh "
            "(quadric decimation to well under the limit) or raise objects.max_faces"
        )


def repair_mesh(
    mesh: trimesh.Trimesh, *, scale: float, bounds: MeshBounds, name: str
) -> tuple[trimesh.Trimesh, dict[str, int]]:
    """Validate, scale and repair ``mesh``; return the repaired mesh and counts of what was fixed.

    Repairs: degenerate and duplicate faces dropped, coincident vertices merged, unreferenced
    vertices removed, winding made consistent and normals outward. Refusals (``InputError``
    naming ``name``): NaN/inf vertices, no faces left, zero extent, zero volume, scaled size out
    of ``bounds``. The frame is kept (no recentring): grasps are expressed in it.
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    bad = ~np.isfinite(vertices).all(axis=1)
    if bad.any():
        raise InputError(f"{name}: {int(bad.sum())} vertices are NaN or infinite")
    faces = np.asarray(mesh.faces)
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise InputError(f"{name}: face indices out of range")
    _check_scaled_size(vertices[np.unique(faces)], scale=scale, bounds=bounds, name=name)
    out = trimesh.Trimesh(vertices * scale, faces.copy(), process=False)
    n_faces, n_vertices = len(out.faces), len(out.vertices)
    out.merge_vertices()
    merged = n_vertices - len(out.vertices)
    keep = out.nondegenerate_faces()
    degenerate = int((~keep).sum())
    out.update_faces(keep)
    unique = out.unique_faces()
    duplicate = len(out.faces) - int(np.count_nonzero(unique))
    out.update_faces(unique)
    out.remove_unreferenced_vertices()
    if len(out.faces) == 0:
        raise InputError(
            f"{name}: no faces left after dropping {degenerate} degenerate and {duplicate} duplicate"
        )
    flipped_before = out.face_normals.copy()
    trimesh.repair.fix_normals(out)
    flipped = int(np.count_nonzero((out.face_normals * flipped_before).sum(axis=1) < 0))
    extents = out.extents
    if extents.min() <= 0.0:
        raise InputError(
            f"{name}: zero extent along an axis (extents {extents.tolist()} m); the mesh is flat"
        )
    largest = float(extents.max())
    if not bounds.min_extent <= largest <= bounds.max_extent:
        raise InputError(
            f"{name}: scaled size {largest:.4g} m is outside [{bounds.min_extent}, {bounds.max_extent}] m "
            f"(objects.bounds); check the scale (got {scale})"
        )
    if volume_of(out) < bounds.min_volume:
        raise InputError(f"{name}: zero volume ({volume_of(out):.3g} m^3); the mesh is flat or degenerate")
    repairs = {
        "merged_vertices": merged,
        "degenerate_faces": degenerate,
        "duplicate_faces": duplicate,
        "flipped_faces": flipped,
        "input_faces": n_faces,
    }
    return out, repairs


def _check_scaled_size(used: np.ndarray, *, scale: float, bounds: MeshBounds, name: str) -> None:
    """Refuse a scale that makes the used vertices (n, 3) too big before repairs: with a scale of
    1e308 the face areas overflow, and the repair would blame "degenerate faces" for it."""
    if used.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        largest = float(np.ptp(used * scale, axis=0).max())
    if not math.isfinite(largest) or largest > bounds.max_extent:
        raise InputError(
            f"{name}: scaled size {largest:.4g} m is outside [{bounds.min_extent}, {bounds.max_extent}] m "
            f"(objects.bounds); check the scale (got {scale})"
        )


def volume_of(mesh: trimesh.Trimesh) -> float:
    """Enclosed volume (m^3); the convex hull's when the mesh is not watertight."""
    if mesh.is_watertight:
        return abs(float(mesh.volume))
    try:
        return abs(float(mesh.convex_hull.volume))
    except Exception:  # qhull fails on coplanar input: that is zero volume
        return 0.0


def object_mesh_bytes(shard_dir: str | Path, record: ObjectRecord) -> bytes:
    """The processed mesh file of ``record``, refused unless it hashes to the index's ``mesh_sha256``:
    every downstream provenance cites that hash, so another mesh under this name would pass as this one."""
    path = Path(shard_dir) / record.mesh
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{path}: processed mesh of {record.key!r} is missing; re-run the objects stage"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: processed mesh is unreadable ({exc.strerror or exc})") from None
    if (actual := sha256_bytes(data)) != record.mesh_sha256:
        raise InputError(
            f"{path}: hashes to {actual[:12]}, but the object index records mesh_sha256 "
            f"{record.mesh_sha256[:12]} for {record.key!r}; the mesh was replaced: re-run the objects stage"
        )
    return data


def load_object_mesh(shard_dir: str | Path, record: ObjectRecord) -> trimesh.Trimesh:
    """The processed (scaled, metres) mesh of ``record`` from its shard folder (see :mod:`dexgen.records.objects`),
    checked against the index's hash (:func:`object_mesh_bytes`)."""
    path = Path(shard_dir) / record.mesh
    data = object_mesh_bytes(shard_dir, record)
    try:
        mesh = trimesh.load(io.BytesIO(data), file_type="ply", process=False, force="mesh")
    except Exception as exc:  # trimesh's parsers raise anything from IndexError to struct.error
        raise InputError(f"{path}: processed mesh is unreadable ({type(exc).__name__}: {exc})") from exc
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise InputError(f"{path}: processed mesh is empty or unreadable")
    return mesh
