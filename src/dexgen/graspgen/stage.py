"""The ``graspgen`` stage: every shard's guesses (and sim results) -> the GraspGen dataset, checked.

The gripper is the one the data was made with: rebuilt from the block the guess files carry
(:mod:`dexgen.records.grippers`), which must be the same in every guess and sim file, else the stage
stops naming two files and their hashes. Per object the runner (:mod:`dexgen.runner`) writes a grasp
file unless one already records the same provenance (seed, export params, gripper, mesh, guess and
sim file hashes); then :func:`~dexgen.graspgen.export.finish_dataset` writes the map, splits and
gripper config and checks the whole dataset.

``graspgen.gripper`` (:func:`export_stage`) picks another gripper: a suction one makes GraspGen's suction
dataset of the same objects through the code ``dexgen graspgen`` uses
(:mod:`dexgen.graspgen.suction_export`: contacts and labels, no guesses or trials read); a parallel jaw
must be the one the data was made with, since its grasps are the simulated trials.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dexgen.atomic import check_apart
from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.export import (
    grasp_dir,
    grasp_file_names,
    grasp_provenance,
    mesh_target,
    run_export,
    write_object,
)
from dexgen.graspgen.gripper_config import check_gripper_name
from dexgen.graspgen.sources import object_result
from dexgen.graspgen.suction_export import run_suction_export, suction_gripper
from dexgen.grippers.hand import load_hand
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper, GripperBounds, SuctionGripper
from dexgen.hashing import sha256_file
from dexgen.params.graspgen import GraspgenConfig
from dexgen.records.grippers import gripper_from_record, same_gripper
from dexgen.records.guesses import read_meta as read_guess_meta
from dexgen.records.objects import ObjectRecord, check_made_for, mesh_stem, read_index
from dexgen.runner import Unit, UnitWork


@dataclasses.dataclass(frozen=True)
class ObjectInputs:
    """Where one object's mesh, guess file and (unless guess-only) sim results file are."""

    shard_dir: Path
    record: ObjectRecord
    guess_path: Path
    sim_path: Path | None


def shard_records(objects_root: str | Path) -> list[tuple[Path, ObjectRecord]]:
    """(shard folder, record) of every object of every ``shard-*`` folder under ``objects_root``, in
    shard then key order."""
    objects_root = Path(objects_root)
    shards = sorted(p for p in objects_root.glob("shard-*") if p.is_dir())
    if not shards:
        raise InputError(f"{objects_root}: no shard-* folders; run the objects stage first")
    return [(shard, r) for shard in shards for r in sorted(read_index(shard), key=lambda r: r.key)]


def shard_inputs(
    objects_root: str | Path, guesses_root: str | Path, sim_root: str | Path | None
) -> list[ObjectInputs]:
    """Every object of :func:`shard_records` with its guess and sim files.

    ``guesses_root`` / ``sim_root`` hold the same shard folder names; ``sim_root`` None = guess only.
    """
    out = []
    for shard, record in shard_records(objects_root):
        stem = mesh_stem(record)
        guess_path = Path(guesses_root) / shard.name / f"{stem}.npz"
        if not guess_path.is_file():
            raise InputError(f"{guess_path}: guess file of '{record.key}' not found; run the guess stage")
        sim_path = None
        if sim_root is not None:
            sim_path = Path(sim_root) / shard.name / f"{stem}.npz"
            if not sim_path.is_file():
                raise InputError(
                    f"{sim_path}: sim results of '{record.key}' not found; run the simulate stage"
                )
        out.append(ObjectInputs(shard, record, guess_path, sim_path))
    return out


def data_gripper(inputs: list[ObjectInputs]) -> Gripper | GripperModel:
    """The gripper every guess file was made with; two different ones, or a file made for another object
    or mesh, stop the export."""
    first: tuple[dict[str, Any], Path] | None = None
    for item in inputs:
        meta = read_guess_meta(item.guess_path)
        if meta is None:
            raise InputError(f"{item.guess_path}: not a readable guess file; re-run the guess stage")
        check_made_for(meta, item.record, where=str(item.guess_path))  # before any work
        if first is None:
            first = (meta.get("gripper"), item.guess_path)
            gripper = gripper_from_record(first[0], where=str(item.guess_path))
        else:
            same_gripper(
                first[0], meta.get("gripper", {}), where_a=str(first[1]), where_b=str(item.guess_path)
            )
    if first is None:
        raise InputError("graspgen: the object set is empty")
    return gripper


@dataclasses.dataclass(frozen=True)
class ExportWork(UnitWork):
    """Read one object's guesses and trials and write its grasp file; returns its counts."""

    dataset: Path
    gripper: Gripper | GripperModel
    cfg: GraspgenConfig
    seed: int

    def __call__(self, unit: Unit) -> dict[str, Any]:
        item: ObjectInputs = unit.args[0]
        result = object_result(item.shard_dir, item.record, item.guess_path, item.sim_path)
        return write_object(
            result,
            dataset=self.dataset,
            gripper=self.gripper,
            cfg=self.cfg,
            seed=self.seed,
            source_root=None,
            prov=unit.provenance,
        )


def export_units(
    inputs: list[ObjectInputs],
    names: dict[str, str],
    *,
    dataset: Path,
    gripper: Gripper | GripperModel,
    cfg: GraspgenConfig,
    seed: int,
) -> list[Unit]:
    units = []
    for item in inputs:
        inputs_sha = {"mesh_sha256": item.record.mesh_sha256, "guesses_sha256": sha256_file(item.guess_path)}
        if item.sim_path is not None:
            inputs_sha["sim_sha256"] = sha256_file(item.sim_path)
        prov = grasp_provenance(inputs_sha, gripper=gripper, cfg=cfg, seed=seed, materialised=True)
        target = mesh_target(dataset, item.record.key, None)
        units.append(
            Unit(
                key=item.record.key,
                output=grasp_dir(dataset, gripper.name) / names[item.record.key],
                provenance=prov,
                args=(item,),
                extra_outputs=(target,) if target is not None else (),
            )
        )
    return units


def export_stage(
    objects_root: str | Path,
    guesses_root: str | Path,
    sim_root: str | Path | None,
    dataset: str | Path,
    *,
    cfg: GraspgenConfig,
    seed: int,
    bounds: GripperBounds,
    graspgen_source: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The ``graspgen`` stage; returns ``{gripper name: metrics}``. ``cfg.gripper`` null or the data's
    gripper: :func:`export_from_shards`; a suction gripper (refused outside ``bounds``):
    :func:`export_suction_from_shards`."""
    suction = suction_gripper(cfg.gripper, bounds=bounds) if cfg.gripper is not None else None
    if suction is not None:
        check_apart(Path(dataset), {"objects": objects_root, "guesses": guesses_root, "sim": sim_root})
        return export_suction_from_shards(
            objects_root,
            dataset,
            suction,
            cfg=cfg,
            seed=seed,
            graspgen_source=graspgen_source,
            progress=progress,
        )
    return export_from_shards(
        objects_root,
        guesses_root,
        sim_root,
        dataset,
        cfg=cfg,
        seed=seed,
        bounds=bounds,
        graspgen_source=graspgen_source,
        progress=progress,
    )


def export_suction_from_shards(
    objects_root: str | Path,
    dataset: str | Path,
    gripper: SuctionGripper,
    *,
    cfg: GraspgenConfig,
    seed: int,
    graspgen_source: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """GraspGen's suction dataset of every object under ``objects_root`` (meshes materialised under the
    dataset, as the parallel-jaw export does); returns ``{gripper name: metrics}``."""
    metrics = run_suction_export(
        shard_records(objects_root),
        gripper,
        cfg,
        dataset=Path(dataset),
        seed=seed,
        source_root=None,
        graspgen_source=Path(graspgen_source) if graspgen_source is not None else None,
        progress=progress,
        prune=True,
    )
    return {gripper.name: {"gripper_sha256": gripper.sha256, **metrics}}


def check_requested(requested: str, gripper: Gripper | GripperModel, *, bounds: GripperBounds) -> None:
    """A ``graspgen.gripper`` that is not a suction gripper must be the one the data was made with: its
    grasps are the simulated trials, and another hand's would have to be guessed and simulated anew."""
    try:
        hand = load_hand(requested, bounds=bounds, key="graspgen.gripper")
    except (InputError, ConfigError, ValueError) as exc:
        raise ConfigError(f"graspgen.gripper {requested}: {exc}") from None
    if hand.sha256 != gripper.sha256:
        raise ConfigError(
            f"graspgen.gripper {requested}: {hand.name} (sha256 {hand.sha256[:12]}) is not the gripper guess "
            f"and sim made the data with ({gripper.name}, sha256 {gripper.sha256[:12]}); a two-finger dataset "
            "is made of those trials: set guess.gripper to it and re-run, or set graspgen.gripper to null "
            "or to a suction gripper"
        )


def export_from_shards(
    objects_root: str | Path,
    guesses_root: str | Path,
    sim_root: str | Path | None,
    dataset: str | Path,
    *,
    cfg: GraspgenConfig,
    seed: int,
    bounds: GripperBounds | None = None,
    graspgen_source: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The parallel-jaw ``graspgen`` stage; returns ``{gripper name: metrics}`` for the gripper the data
    was made with (``cfg.gripper``, when set, must be that one: :func:`check_requested`)."""
    dataset = Path(dataset)
    check_apart(dataset, {"objects": objects_root, "guesses": guesses_root, "sim": sim_root})
    if cfg.guess_only:
        sim_root = None
    elif sim_root is None:
        raise InputError("graspgen: sim results are needed unless graspgen.guess_only is true")
    inputs = shard_inputs(objects_root, guesses_root, sim_root)
    gripper = data_gripper(inputs)
    if cfg.gripper is not None:
        check_requested(cfg.gripper, gripper, bounds=bounds if bounds is not None else GripperBounds())
    check_gripper_name(gripper.name)
    gdir = grasp_dir(dataset, gripper.name)
    names = grasp_file_names([(i.record.key, i.record.scale) for i in inputs], gdir)
    units = export_units(inputs, names, dataset=dataset, gripper=gripper, cfg=cfg, seed=seed)
    kw = {"dataset": dataset, "gripper": gripper, "cfg": cfg, "seed": seed, "progress": progress}
    work = ExportWork(dataset, gripper, cfg, seed)
    metrics = run_export(units, work, names, graspgen_source=graspgen_source, prune=True, **kw)
    return {gripper.name: {"gripper_sha256": gripper.sha256, **metrics}}
