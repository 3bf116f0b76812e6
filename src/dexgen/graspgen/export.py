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

:func:`write_object` writes one object's file; :func:`finish_dataset` writes what spans the set once
every file is there. The stage (:mod:`dexgen.graspgen.stage`) and ``dexgen graspgen``
(:mod:`dexgen.graspgen.workflow`) drive both through the per-object runner.

Objects with fewer than ``min_positives`` positives, or with no positive whose TCP passes GraspGen's
visibility filter (a wide object grasped across its middle), stay out of the map and splits (GraspGen
would drop them); they are reported, and past ``max_excluded_fraction`` the export fails. With ``prune``
(the stage) their grasp files are removed too, with those of objects that left the set, so the folder
holds what the map lists; without it (a library call into a folder of the user's) they are kept.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path, PurePosixPath
from typing import Any

import trimesh

from dexgen.atomic import write_bytes, write_json, write_text
from dexgen.errors import DexgenError, InputError
from dexgen.graspgen.grasp_file import (
    SUFFIX,
    grasp_document,
    grasp_file_name,
    load_json,
    read_grasp_file,
    write_grasp_file,
)
from dexgen.graspgen.gripper_config import check_gripper_name, gripper_fields, tcp_depth, write_gripper_config
from dexgen.graspgen.labels import KINDS, ObjectResult, select_grasps
from dexgen.graspgen.pages import write_split_pages
from dexgen.graspgen.splits import write_splits
from dexgen.graspgen.training_scripts import DatasetFacts, script_values, write_training_scripts
from dexgen.graspgen.validate import MAP, check_dataset, visible_tcps
from dexgen.grippers.kinds import SUCTION
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper
from dexgen.listing import first_n
from dexgen.objects.width import min_width
from dexgen.params.cluster import ClusterConfig
from dexgen.params.graspgen import GraspgenConfig
from dexgen.provenance import provenance
from dexgen.runner import Reader, Unit, UnitWork, run_units
from dexgen.seeding import rng_for

log = logging.getLogger(__name__)

OBJECTS = "objects"
# the code a grasp file's content comes from: this writer and the reader of the guess and sim files
CODE = ("dexgen.graspgen.export", "dexgen.graspgen.sources")
MESH_EXTENSIONS = (".obj", ".stl")  # what GraspGen is documented to load


def grasp_dir(dataset: Path, gripper: str) -> Path:
    return Path(dataset) / "grasp_data" / gripper


def gripper_config_dir(dataset: Path, graspgen_source: Path | None) -> Path:
    """Where the gripper config goes: a GraspGen checkout's ``config/grippers``, else the dataset's."""
    return (Path(graspgen_source) if graspgen_source is not None else Path(dataset)) / "config" / "grippers"


def mesh_relpath(key: str) -> str:
    """Where the materialised mesh of ``key`` goes under the object root."""
    return key if PurePosixPath(key).suffix.lower() in MESH_EXTENSIONS else f"{key}.obj"


def grasp_file_names(keys: list[tuple[str, float]], gdir: Path) -> dict[str, str]:
    """{key: grasp file name} of ``(key, scale)`` pairs; two objects mapping to one file is an error."""
    names: dict[str, str] = {}
    owner: dict[str, str] = {}
    for key, scale in keys:
        name = grasp_file_name(key, scale)
        if name in owner:
            raise InputError(
                f"objects '{owner[name]}' and '{key}' both map to {gdir / name}; rename one mesh or change its scale"
            )
        owner[name], names[key] = key, name
    return names


def counts_of(path: Path) -> dict[str, Any]:
    """The per-kind counts of an existing grasp file (for objects whose file is kept)."""
    doc, _, success = read_grasp_file(path)
    counts = dict(doc.get("dexgen", {}).get("counts", {}))
    counts.setdefault("positives", int(success.sum()))
    counts.setdefault("negatives", int((~success).sum()))
    return counts


def current_counts(path: Path, prov: dict[str, Any], mesh_target: Path | None) -> dict[str, Any] | None:
    """Counts of the grasp file at ``path`` if it records provenance ``prov`` (and its mesh exists)."""
    if not path.is_file() or (mesh_target is not None and not mesh_target.is_file()):
        return None
    try:
        if load_json(path).get("dexgen", {}).get("provenance") != prov:
            return None
        return counts_of(path)
    except (InputError, AttributeError):
        return None


def mesh_target(dataset: Path, key: str, source_root: Path | None) -> Path | None:
    """Where the export materialises the mesh of ``key`` (None when files reference the user's meshes)."""
    return None if source_root is not None else dataset / OBJECTS / mesh_relpath(key)


def _materialise(target: Path, mesh: trimesh.Trimesh) -> None:
    # The file's format must match its name: a ``bottle.stl`` key is written as binary STL.
    if target.suffix.lower() == ".stl":
        write_bytes(target, trimesh.exchange.stl.export_stl(mesh))
    else:
        write_text(
            target, trimesh.exchange.obj.export_obj(mesh, include_normals=False, include_texture=False)
        )


def grasp_provenance(
    inputs: dict[str, str],
    *,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
    materialised: bool,
) -> dict[str, Any]:
    """What a current grasp file records: seed, export params, gripper and input content hashes."""
    return provenance(
        stage="graspgen",
        seed=seed,
        params=cfg.output_hash(),
        code=CODE,
        gripper_sha256=gripper.sha256,
        materialised=str(materialised),
        **inputs,
    )


def write_object(
    result: ObjectResult,
    *,
    dataset: Path,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
    source_root: Path | None,
    prov: dict[str, Any],
) -> dict[str, Any]:
    """Write one object's grasp file (recording ``prov``) and materialised mesh; returns its counts."""
    path = grasp_dir(dataset, gripper.name) / grasp_file_name(result.key, result.scale)
    selection = select_grasps(result, cfg, rng_for(seed, "graspgen", gripper.name, result.key))
    counts = {"positives": int(selection.success.sum()), "negatives": int((~selection.success).sum())}
    counts.update(selection.counts())
    if cfg.motion_limited:  # only then: an export without a limit writes the files it always wrote
        counts["held_past_motion_limit"] = selection.moved
    mesh = trimesh.load(result.mesh_path, force="mesh", process=False)
    visible = visible_tcps(
        mesh,
        selection.transforms[selection.success],
        depth=tcp_depth(gripper),
        distance=cfg.visibility_distance,
        samples=cfg.surface_samples,
        key=result.key,
    )
    counts["visible_positives"] = int(visible.sum())
    if gripper.two_finger:  # why an object is dropped, if it is
        counts["narrowest_width"] = round(min_width(mesh), 6)
        counts["stroke"] = gripper.stroke
        counts["collision_free_guesses"] = len(result.free_poses)
    target = mesh_target(dataset, result.key, source_root)
    if target is not None:
        _materialise(target, mesh)
    doc = grasp_document(
        object_file=result.key,
        scale=1.0 if source_root is None else result.scale,
        transforms=selection.transforms,
        success=selection.success,
        gripper=gripper_fields(gripper),
        dexgen={
            "provenance": prov,
            "counts": counts,
            "source_scale": float(result.scale),
            "kinds": selection.kind.tolist(),  # per grasp, an index into kind_names: where it came from
            "kind_names": list(KINDS),
        },
    )
    write_grasp_file(path, doc)
    return counts


def _our_object_file(path: Path) -> str | None:
    """The ``object.file`` of a grasp file whose metadata says this stage wrote it, else None."""
    try:
        doc = load_json(path)
        stage, key = doc["dexgen"]["provenance"]["stage"], doc["object"]["file"]
    except (InputError, KeyError, TypeError):
        return None
    return str(key) if stage == "graspgen" else None


def _prune(dataset: Path, gripper: str, names: set[str], meshes: set[str]) -> None:
    """Remove this gripper's grasp files not in ``names`` (objects that left the set or that the map
    leaves out), and materialised meshes no current object uses, but only ours: a grasp file whose
    provenance names this stage, and a mesh one of our grasp files (of any gripper) names; ownership is
    read before anything is removed."""
    ours = {p: k for p in sorted(dataset.glob(f"grasp_data/*/*{SUFFIX}")) if (k := _our_object_file(p))}
    our_meshes = {mesh_relpath(key) for key in ours.values()}
    for path in sorted(grasp_dir(dataset, gripper).glob(f"*{SUFFIX}")):
        if path.name in names:
            continue
        if path in ours:
            log.info("removing stale %s", path)
            path.unlink()
        else:
            log.warning("keeping %s: dexgen did not write it, so it is not ours to remove", path)
    root = dataset / OBJECTS
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or path.name == MAP or rel in meshes:
            continue
        if rel in our_meshes:
            log.info("removing stale %s", path)
            path.unlink()
        else:
            log.warning("keeping %s: no grasp file of ours names it, so it is not ours to remove", path)


def exclusion(counts: dict[str, Any], cfg: GraspgenConfig) -> str | None:
    """Why GraspGen would drop an object with these counts (None: it trains on it)."""
    positives, width, stroke = counts["positives"], counts.get("narrowest_width"), counts.get("stroke")
    if positives == 0 and width is not None and stroke is not None and width >= stroke:
        sizes = f"narrowest {1000 * width:.0f} mm, stroke {1000 * stroke:.0f} mm"
        if tried := counts.get("collision_free_guesses", 0):  # fingertips closed on corners; none held
            return f"wider than the stroke ({sizes}); none of {tried} collision-free corner grasp(s) held in simulation"
        return f"wider than the stroke in every direction ({sizes})"
    if counts.get("positive_candidates") == 0 and counts.get("candidates"):  # suction: nothing seals
        return f"no sealable face: none of {counts['candidates']} suction contacts passed"
    if positives < cfg.min_positives:
        return f"{positives} positive(s); GraspGen's generator needs {cfg.min_positives}"
    if counts.get("visible_positives", 1) == 0:
        return f"no positive TCP within {cfg.visibility_distance} m of the surface (GraspGen's visibility filter)"
    return None


def eligible_objects(per_object: dict[str, dict[str, Any]], cfg: GraspgenConfig, gdir: Path) -> list[str]:
    """Keys GraspGen would train on; the rest are reported with the reason, and past
    ``max_excluded_fraction`` refused."""
    keys = sorted(per_object)
    excluded = {k: why for k in keys if (why := exclusion(per_object[k], cfg)) is not None}
    eligible = [k for k in keys if k not in excluded]
    if excluded:
        log.warning(
            "%d of %d objects stay out of the map and splits: %s",
            len(excluded),
            len(keys),
            first_n((f"{k}: {why}" for k, why in excluded.items()), sep="; "),
        )
    # an object a suction cup cannot seal on anywhere is a fact of the cup, not a failed export: reported,
    # but not counted against max_excluded_fraction
    unsealable = sum(why.startswith("no sealable face") for why in excluded.values())
    counted = len(keys) - unsealable
    if not eligible or (len(excluded) - unsealable) / max(counted, 1) > cfg.max_excluded_fraction:
        raise DexgenError(
            f"{gdir}: {len(excluded)} of {len(keys)} objects would be dropped by GraspGen (more than "
            f"graspgen.max_excluded_fraction={cfg.max_excluded_fraction}): "
            + first_n((f"{k}: {why}" for k, why in excluded.items()), sep="; ")
        )
    return eligible


def finish_dataset(
    per_object: dict[str, dict[str, Any]],
    names: dict[str, str],
    *,
    dataset: str | Path,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
    source_root: str | Path | None = None,
    graspgen_source: str | Path | None = None,
    overwrite_gripper_config: bool = True,
    prune: bool = False,
) -> dict[str, Any]:
    """After every grasp file is written: the object map, map, splits, gripper config and training
    scripts, then the check. With ``graspgen_source`` (a GraspGen checkout) the gripper config goes into
    its ``config/grippers`` and the scripts into its ``runs/`` as well (existing files that differ are
    kept unless ``overwrite_gripper_config``).

    ``per_object`` maps each key to its counts and ``names`` to its grasp file name. Returns the
    metrics of this gripper. Raises :class:`~dexgen.errors.InputError` when the written dataset fails
    the checklist.
    """
    dataset = Path(dataset)
    check_gripper_name(gripper.name)
    source_root = Path(source_root) if source_root is not None else None
    gdir = grasp_dir(dataset, gripper.name)
    if not per_object:
        raise DexgenError(f"{dataset}: no objects to export")
    keys = sorted(per_object)
    relpaths = {k: mesh_relpath(k) for k in keys} if source_root is None else {}
    if source_root is None:
        write_json(dataset / OBJECTS / MAP, {k: v for k, v in relpaths.items() if v != k})
    eligible = eligible_objects(per_object, cfg, gdir)
    if prune:  # the map lists only eligible objects; a grasp file it leaves out makes GraspGen warn
        _prune(dataset, gripper.name, {names[k] for k in eligible}, set(relpaths.values()))
    write_json(gdir / MAP, {k: names[k] for k in eligible})
    train, valid, split_state = write_splits(
        dataset / "splits" / gripper.name, eligible, seed=seed, valid_fraction=cfg.valid_set_percentage
    )
    source = Path(graspgen_source) if graspgen_source is not None else None
    config_dir = gripper_config_dir(dataset, source)
    gripper_state = write_gripper_config(gripper, config_dir, overwrite=overwrite_gripper_config)
    log.info("splits %s, gripper config %s", split_state, gripper_state)
    report = check_dataset(
        dataset,
        gripper.name,
        object_root=source_root if source_root is not None else dataset / OBJECTS,
        config_dir=config_dir,
        min_positives=cfg.min_positives,
        visibility_distance=cfg.visibility_distance,
        surface_samples=cfg.surface_samples,
    )
    metrics = _metrics(per_object, eligible, cfg, train, valid, split_state, gripper_state, report)
    object_root = source_root if source_root is not None else dataset / OBJECTS
    hand = gripper.hand_model
    splits = {"train": train, "valid": valid}
    pages = write_split_pages(dataset, gripper.name, splits, names, object_root, hand)
    metrics["viewer"] = [p.relative_to(dataset).as_posix() for p in pages]
    metrics["training_scripts"] = _training_scripts(
        dataset,
        source,
        gripper.name,
        train,
        report,
        overwrite_gripper_config,
        gripper.gripper_kind == SUCTION,
    )
    return metrics


def _training_scripts(
    dataset: Path,
    source: Path | None,
    gripper: str,
    train: list[str],
    report: Any,
    overwrite: bool,
    suction: bool = False,
) -> dict[str, Any]:
    """GraspGen's ``runs/train_graspgen_<gripper>_{gen,dis}.sh`` from the checked data (see training_scripts)."""
    keys = sorted(report.objects)
    facts = DatasetFacts(
        gripper=gripper,
        kappa=report.kappa or 0.0,
        train_objects=len(train),
        positives=tuple(report.objects[k]["positives"] for k in keys),
        grasps=tuple(report.objects[k]["positives"] + report.objects[k]["negatives"] for k in keys),
        suction=suction,
    )
    values = script_values(facts)
    state = {"dataset": write_training_scripts(dataset / "runs", facts)}
    if source is not None:
        state["graspgen_source"] = write_training_scripts(source / "runs", facts, overwrite=overwrite)
    log.info("training scripts: %s", ", ".join(f"{k} {v}" for k, v in state.items()))
    return {
        "state": {k: settled(v) for k, v in state.items()},
        "noise_scale": values.noise_scale,
        "ratio": list(values.ratio),
        "num_grasps_per_obj": {"gen": values.gen_grasps, "dis": values.dis_grasps},
        "save_freq": values.save_freq,
    }


def settled(state: str) -> str:
    """A write's outcome as the metrics record it: "ours" (the file holds this run's content, whether
    written now or already so) or "kept" (the user's file, left alone). Whether a file had to be
    written depends on the disk, not on the inputs, so it goes to the log, never into the metrics."""
    return "kept" if state == "kept" else "ours"


def _metrics(per_object, eligible, cfg, train, valid, split_state, gripper_state, report) -> dict[str, Any]:
    keys = sorted(per_object)
    kinds = {k: sum(int(counts.get(k, 0)) for counts in per_object.values()) for k in KINDS}
    limit = {}
    if cfg.motion_limited:  # how many sim successes the limit turned into failures (negatives)
        moved = {k: int(per_object[k].get("held_past_motion_limit", 0)) for k in keys}
        limit["motion_limit"] = {
            "translation_m": cfg.max_motion_translation,
            "rotation_deg": cfg.max_motion_rotation,
            "held_made_negative": sum(moved.values()),
            "by_object": {k: n for k, n in moved.items() if n},
        }
    return {
        "objects": len(keys),
        "train": len(train),
        "valid": len(valid),
        "positives": sum(per_object[k]["positives"] for k in eligible),
        "negatives": sum(per_object[k]["negatives"] for k in eligible),
        "by_kind": dict(sorted(kinds.items())),
        "excluded_objects": {k: exclusion(per_object[k], cfg) for k in keys if k not in eligible},
        "short_of_quota": [
            k
            for k in keys
            if per_object[k]["positives"] < cfg.num_collision_free_grasps
            or per_object[k]["negatives"] < cfg.num_colliding_grasps
        ],
        "kappa": report.kappa,
        "warnings": report.warnings,
        "splits": settled(split_state),
        "gripper_config": settled(gripper_state),
        **limit,
    }


def current_grasp_file(unit: Unit) -> dict[str, Any] | None:
    """The runner's reader: counts of a grasp file recording the unit's provenance, else None."""
    return current_counts(unit.output, unit.provenance, unit.extra_outputs[0] if unit.extra_outputs else None)


@dataclasses.dataclass(frozen=True)
class ResultWork(UnitWork):
    """Write the grasp file of an :class:`ObjectResult` already in memory (the unit's only argument)."""

    dataset: Path
    gripper: Gripper | GripperModel
    cfg: GraspgenConfig
    seed: int
    source_root: Path | None

    def __call__(self, unit: Unit) -> dict[str, Any]:
        return write_object(
            unit.args[0],
            dataset=self.dataset,
            gripper=self.gripper,
            cfg=self.cfg,
            seed=self.seed,
            source_root=self.source_root,
            prov=unit.provenance,
        )


def run_export(
    units: list[Unit],
    work: Any,
    names: dict[str, str],
    *,
    dataset: Path,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
    reader: Reader = current_grasp_file,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
    **finish: Any,
) -> dict[str, Any]:
    """Bring every unit's grasp file up to date with the runner (``reader`` decides which are current),
    then :func:`finish_dataset` (``finish``: ``source_root``, ``graspgen_source``, ``overwrite_gripper_config``,
    ``prune``)."""
    desc = f"graspgen {gripper.name}"
    result = run_units(units, work, reader=reader, desc=desc, cluster=cluster, progress=progress)
    return finish_dataset(result.metas, names, dataset=dataset, gripper=gripper, cfg=cfg, seed=seed, **finish)


def export_results(
    results: list[ObjectResult],
    *,
    dataset: str | Path,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
    source_root: str | Path | None = None,
    progress: bool = True,
    **finish: Any,
) -> dict[str, Any]:
    """A whole dataset from per-object results in memory (a library entry point: the stage reads its
    results from the guess and sim files instead). Files whose provenance matches are kept; ``finish``
    goes to :func:`finish_dataset`."""
    dataset = Path(dataset)
    source_root = Path(source_root) if source_root is not None else None
    check_gripper_name(gripper.name)
    gdir = grasp_dir(dataset, gripper.name)
    names = grasp_file_names([(r.key, r.scale) for r in results], gdir)
    units = []
    for r in results:
        prov = grasp_provenance(
            r.inputs, gripper=gripper, cfg=cfg, seed=seed, materialised=source_root is None
        )
        target = mesh_target(dataset, r.key, source_root)
        extra = (target,) if target is not None else ()
        units.append(Unit(r.key, gdir / names[r.key], prov, (r,), extra))
    work = ResultWork(dataset, gripper, cfg, seed, source_root)
    kw = {"dataset": dataset, "gripper": gripper, "cfg": cfg, "seed": seed, "progress": progress}
    return run_export(units, work, names, source_root=source_root, **kw, **finish)
