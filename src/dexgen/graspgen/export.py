"""Write a GraspGen dataset from per-object results: the one code path of the stage and the CLI.

Layout under ``dataset`` (graspgen-format.md §1)::

    grasp_data/<gripper>/<basename>.<scale>.grasps.json   one per object
    grasp_data/<gripper>/map_uuid_to_path.json            {object.file: grasp file name}, rewritten each run
    splits/<gripper>/train.txt, valid.txt                  object keys (see splits.py)
    config/grippers/<gripper>.yaml, .py                    unless a GraspGen source tree is given
    objects/                                               the object root, when meshes are materialised

**Object root.** Builtin keys (``box_000``) name no file, so by default the processed meshes (already
scaled, metres, source frame) are written as OBJ under ``<dataset>/objects/``: ``object.file`` is the
key, ``object.scale`` is 1.0, and ``objects/map_uuid_to_path.json`` maps keys that are not themselves
an ``.obj`` path (``box_000`` -> ``box_000.obj``). Point GraspGen's ``data.object_root_dir`` there.
With ``source_root`` (GraspDataGen's ``--object_dataset``) the files reference the user's raw meshes
instead, with the object-scales scale, exactly as GraspDataGen does.

Objects with fewer than ``min_positives`` positives, or with no positive whose TCP passes GraspGen's
visibility filter (a wide object grasped across its middle), keep their grasp file but stay out of the
map and splits (GraspGen would drop them); they are reported, and past ``max_excluded_fraction`` the
export fails.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import trimesh
from tqdm import tqdm

from dexgen.atomic import write_bytes, write_json, write_text
from dexgen.errors import DexgenError, InputError
from dexgen.graspgen.config import GraspgenConfig
from dexgen.graspgen.grasp_file import (
    SUFFIX,
    grasp_document,
    grasp_file_name,
    load_json,
    read_grasp_file,
    write_grasp_file,
)
from dexgen.graspgen.gripper_config import check_gripper_name, gripper_fields, write_gripper_config
from dexgen.graspgen.labels import ObjectResult, select_grasps
from dexgen.graspgen.splits import write_splits
from dexgen.graspgen.validate import MAP, check_dataset, visible_tcps
from dexgen.grippers.spec import Gripper, ParallelJawGripper
from dexgen.provenance import provenance
from dexgen.seeding import rng_for

log = logging.getLogger(__name__)

OBJECTS = "objects"
MESH_EXTENSIONS = (".obj", ".stl")  # what GraspGen is documented to load


@dataclasses.dataclass(frozen=True)
class Kept:
    """An object whose existing grasp file is kept as it is (the CLI skips finished files)."""

    key: str
    scale: float


def grasp_dir(dataset: Path, gripper: str) -> Path:
    return Path(dataset) / "grasp_data" / gripper


def mesh_relpath(key: str) -> str:
    """Where the materialised mesh of ``key`` goes under the object root."""
    return key if PurePosixPath(key).suffix.lower() in MESH_EXTENSIONS else f"{key}.obj"


def _counts_of(path: Path) -> dict[str, Any]:
    doc, _, success = read_grasp_file(path)
    counts = dict(doc.get("dexgen", {}).get("counts", {}))
    counts.setdefault("positives", int(success.sum()))
    counts.setdefault("negatives", int((~success).sum()))
    return counts


def write_object(
    result: ObjectResult,
    *,
    dataset: Path,
    gripper: Gripper,
    cfg: GraspgenConfig,
    seed: int,
    source_root: Path | None,
) -> dict[str, Any]:
    """Write one grasp file (skipped when its provenance is unchanged); returns its counts."""
    path = grasp_dir(dataset, gripper.name) / grasp_file_name(result.key, result.scale)
    prov = provenance(
        stage="graspgen",
        seed=seed,
        params=cfg.output_hash(),
        gripper_sha256=gripper.sha256,
        materialised=str(source_root is None),
        **result.inputs,
    )
    mesh_target = None if source_root is not None else dataset / OBJECTS / mesh_relpath(result.key)
    if path.is_file() and (mesh_target is None or mesh_target.is_file()):
        try:
            if load_json(path).get("dexgen", {}).get("provenance") == prov:
                return _counts_of(path)
        except (InputError, AttributeError):
            pass
    selection = select_grasps(result, cfg, rng_for(seed, "graspgen", gripper.name, result.key))
    counts = {"positives": int(selection.success.sum()), "negatives": int((~selection.success).sum())}
    counts.update(selection.counts())
    mesh = trimesh.load(result.mesh_path, force="mesh", process=False)
    depth = gripper.tcp_depth if isinstance(gripper, ParallelJawGripper) else gripper.depth
    visible = visible_tcps(
        mesh,
        selection.transforms[selection.success],
        depth=depth,
        distance=cfg.visibility_distance,
        samples=cfg.surface_samples,
        key=result.key,
    )
    counts["visible_positives"] = int(visible.sum())
    if mesh_target is not None:
        # The file's format must match its name: a ``bottle.stl`` key is written as binary STL.
        if mesh_target.suffix.lower() == ".stl":
            write_bytes(mesh_target, trimesh.exchange.stl.export_stl(mesh))
        else:
            write_text(
                mesh_target,
                trimesh.exchange.obj.export_obj(mesh, include_normals=False, include_texture=False),
            )
    doc = grasp_document(
        object_file=result.key,
        scale=1.0 if source_root is None else result.scale,
        transforms=selection.transforms,
        success=selection.success,
        gripper=gripper_fields(gripper),
        dexgen={"provenance": prov, "counts": counts, "source_scale": float(result.scale)},
    )
    write_grasp_file(path, doc)
    return counts


def _prune(dataset: Path, gripper: str, names: set[str], meshes: set[str]) -> None:
    for path in grasp_dir(dataset, gripper).glob(f"*{SUFFIX}"):
        if path.name not in names:
            log.info("removing stale %s", path)
            path.unlink()
    root = dataset / OBJECTS
    for path in root.rglob("*") if root.is_dir() else []:
        if path.is_file() and path.name != MAP and path.relative_to(root).as_posix() not in meshes:
            log.info("removing stale %s", path)
            path.unlink()


def export_dataset(
    items: Iterable[ObjectResult | Kept],
    *,
    dataset: str | Path,
    gripper: Gripper,
    cfg: GraspgenConfig,
    seed: int,
    source_root: str | Path | None = None,
    config_dir: str | Path | None = None,
    overwrite_gripper_config: bool = True,
    prune: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Write every object, the map, the splits and the gripper config, then check the dataset.

    Returns the metrics of this gripper (see :mod:`stages.graspgen` for the file). Raises
    :class:`~dexgen.errors.InputError` when the written dataset fails the checklist.
    """
    dataset = Path(dataset)
    check_gripper_name(gripper.name)
    source_root = Path(source_root) if source_root is not None else None
    gdir = grasp_dir(dataset, gripper.name)
    gdir.mkdir(parents=True, exist_ok=True)
    per_object: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    for item in tqdm(items, desc=f"graspgen {gripper.name}", unit="obj", disable=not progress):
        name = grasp_file_name(item.key, item.scale)
        if name in names.values():
            other = next(k for k, v in names.items() if v == name)
            raise InputError(
                f"objects '{other}' and '{item.key}' both map to {gdir / name}; rename one mesh or change its scale"
            )
        names[item.key] = name
        if isinstance(item, Kept):
            per_object[item.key] = _counts_of(gdir / name)
        else:
            per_object[item.key] = write_object(
                item, dataset=dataset, gripper=gripper, cfg=cfg, seed=seed, source_root=source_root
            )
    if not per_object:
        raise DexgenError(f"{dataset}: no objects to export")
    keys = sorted(per_object)
    if source_root is None:
        relpaths = {k: mesh_relpath(k) for k in keys}
        write_json(dataset / OBJECTS / MAP, {k: v for k, v in relpaths.items() if v != k})
    if prune:
        _prune(
            dataset,
            gripper.name,
            set(names.values()),
            set(relpaths.values()) if source_root is None else set(),
        )
    eligible = [
        k
        for k in keys
        if per_object[k]["positives"] >= cfg.min_positives and per_object[k].get("visible_positives", 1) > 0
    ]
    excluded = [k for k in keys if k not in eligible]
    why = f"fewer than {cfg.min_positives} positives, or no positive TCP within {cfg.visibility_distance} m of the surface"
    if excluded:
        log.warning(
            "%d of %d objects have %s; they stay out of the map and splits: %s",
            len(excluded),
            len(keys),
            why,
            ", ".join(excluded[:10]),
        )
    if not eligible or len(excluded) / len(keys) > cfg.max_excluded_fraction:
        raise DexgenError(
            f"{gdir}: {len(excluded)} of {len(keys)} objects have {why} "
            f"(more than graspgen.max_excluded_fraction={cfg.max_excluded_fraction}): {excluded[:10]}"
        )
    write_json(gdir / MAP, {k: names[k] for k in eligible})
    train, valid, split_state = write_splits(
        dataset / "splits" / gripper.name, eligible, seed=seed, valid_fraction=cfg.valid_set_percentage
    )
    config_dir = Path(config_dir) if config_dir is not None else dataset / "config" / "grippers"
    gripper_state = write_gripper_config(gripper, config_dir, overwrite=overwrite_gripper_config)
    report = check_dataset(
        dataset,
        gripper.name,
        object_root=source_root if source_root is not None else dataset / OBJECTS,
        config_dir=config_dir,
        min_positives=cfg.min_positives,
        visibility_distance=cfg.visibility_distance,
        surface_samples=cfg.surface_samples,
    )
    kinds: dict[str, int] = {}
    for counts in per_object.values():
        for k, v in counts.items():
            kinds[k] = kinds.get(k, 0) + int(v)
    return {
        "objects": len(keys),
        "train": len(train),
        "valid": len(valid),
        "positives": sum(per_object[k]["positives"] for k in eligible),
        "negatives": sum(per_object[k]["negatives"] for k in eligible),
        "by_kind": {k: v for k, v in sorted(kinds.items()) if k not in ("positives", "negatives")},
        "excluded_objects": excluded,
        "short_of_quota": [
            k
            for k in keys
            if per_object[k]["positives"] < cfg.num_collision_free_grasps
            or per_object[k]["negatives"] < cfg.num_colliding_grasps
        ],
        "kappa": report.kappa,
        "warnings": report.warnings,
        "splits": split_state,
        "gripper_config": gripper_state,
    }
