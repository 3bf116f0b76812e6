"""GraspDataGen's ``graspgen.py`` workflow (graspdatagen.md §7) on dexgen's stages: ``dexgen graspgen``.

``run_graspgen`` builds the object set, then per object runs guess -> simulate -> export through the
same functions as the ``guess``, ``simulate`` and ``graspgen`` stages (intermediate files under
``<grasp_dataset>/.dexgen/``), driven by the per-object runner, and finishes with the map, splits,
gripper config and the dataset check of :func:`dexgen.graspgen.export.finish_dataset`. A finished
grasp file is kept unless ``overwrite_grasps`` (GraspDataGen's rule; ``fill_grasps`` and
``load_guesses`` reopen it); every file is written atomically, so an interrupted run resumes where it
stopped. Upstream bugs fixed on this path: negatives at their input pose, a real gripper collision
mesh, seeded guesses and splits, 0/1 masks refused on ``load_guesses``, fill rounds drawn at random.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.export import (
    counts_of,
    grasp_dir,
    grasp_file_names,
    grasp_provenance,
    gripper_config_dir,
    run_export,
    write_object,
)
from dexgen.graspgen.grasp_file import load_json, read_grasp_file
from dexgen.graspgen.gripper_config import check_gripper_name, refuse_stale_config
from dexgen.graspgen.sources import object_result
from dexgen.grippers.hand import Hand, is_box, load_hand
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.loader import load_gripper
from dexgen.grippers.spec import Gripper, SuctionGripper
from dexgen.guess.guesses import guess_object
from dexgen.hashing import sha256_file
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.graspgen import GraspgenConfig
from dexgen.params.guess import GripperBounds, GuessConfig
from dexgen.params.objects import ObjectsConfig
from dexgen.params.sim import SimConfig
from dexgen.records.guesses import NO_SAMPLER, ObjectGuesses, guess_meta, guess_provenance, write_guesses
from dexgen.records.objects import ObjectRecord, mesh_stem, read_index, shard_dirname
from dexgen.runner import Unit, UnitWork
from dexgen.seeding import rng_for
from dexgen.sim.decomposition import cache_path as decomposition_cache_path
from dexgen.sim.shard import SimulateWork, sim_provenance

log = logging.getLogger(__name__)

WORK = ".dexgen"  # intermediate object set, guesses and sim results under the grasp dataset


@dataclasses.dataclass(frozen=True)
class WorkflowOptions:
    """GraspDataGen's workflow switches (``dexgen graspgen --help`` for their meanings)."""

    grasp_dataset: Path
    graspgen_source: Path | None = None
    load_guesses: bool = False
    overwrite_grasps: bool = False
    fill_grasps: bool = False
    overwrite_gripper_config: bool = False
    progress: bool = True


def _loaded_guesses(poses: np.ndarray, gripper: Hand) -> ObjectGuesses:
    """``--load_guesses``: a file's ``true`` grasps as collision-free guesses, starting fully open."""
    n = len(poses)
    stroke = gripper.stroke
    nan3 = np.full((n, 2, 3), np.nan)
    return ObjectGuesses(
        poses=poses,
        widths=np.full(n, np.nan),
        openings=np.full(n, stroke),
        contacts=nan3,
        normals=nan3.copy(),
        labels=np.zeros(n, np.int8),
        reasons=np.zeros(n, np.int8),
        samplers=np.full(n, NO_SAMPLER, np.int8),
        stats={"loaded": n},
    )


def parallel_jaw(name_or_path: str, bounds: GripperBounds) -> Hand:
    """The workflow's hand: a box gripper as before, or a real hand from its description (a shipped
    real name, a pointer YAML, a .urdf/.xml/.usd) through :func:`dexgen.grippers.hand.load_hand`."""
    if not is_box(name_or_path):
        model = load_hand(name_or_path, bounds=bounds, key="--gripper_config")
        try:
            check_gripper_name(model.name)
        except ConfigError as exc:  # the name comes from the file: say how to give another
            raise ConfigError(
                f"{model.source}: {exc}; or point at it from a YAML that names it "
                f"(name: my_hand, description: {Path(model.source).name})"
            ) from None
        return model
    gripper = load_gripper(name_or_path, bounds=bounds)
    check_gripper_name(gripper.name)
    if gripper.gripper_kind != PARALLEL_JAW:
        raise ConfigError(
            f"gripper {gripper.name} is a {gripper.kind} gripper; the graspgen workflow guesses antipodal "
            "grasps and needs a parallel jaw"
        )
    return gripper


def _field(doc: Any, *keys: str) -> Any:
    """``doc[k0][k1]...`` of a JSON document, None where a level is missing or not a mapping."""
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def _stale_reason(doc: dict[str, Any], record: ObjectRecord, gripper: Gripper | Hand) -> str | None:
    """Why a grasp file's grasps are not of ``record``'s current mesh and ``gripper`` (None: they are)."""
    recorded = doc["gripper"]["dexgen_sha256"]
    if recorded != gripper.sha256:
        return (
            f"made with a {gripper.name} of sha256 {recorded[:12]}, but this run's {gripper.name} "
            f"({gripper.source}) has sha256 {gripper.sha256[:12]}"
        )
    mesh = _field(doc, "dexgen", "provenance", "mesh_sha256")
    if mesh != record.mesh_sha256:
        return f"made from mesh sha256 {str(mesh)[:12]} of {record.key!r}, but it now hashes to {record.mesh_sha256[:12]}"
    return None


def kept_file_is_current(path: Path, record: ObjectRecord, gripper: Gripper | Hand, *, reopen: bool) -> bool:
    """Whether the existing grasp file at ``path`` holds grasps of ``record`` (``object.file``), its
    current mesh (``dexgen.provenance.mesh_sha256``) and ``gripper`` (``gripper.dexgen_sha256``).

    A file of another description under the gripper's name (a shipped YAML edited) or of an edited
    mesh would pass for current if kept: it is redone (False), or refused when this run would reopen
    its grasps (``reopen``: ``--load_guesses``, ``--fill_grasps``). A file of another object under this
    one's name, or with no gripper hash (dexgen did not write it), is refused.
    """
    doc = load_json(path)
    if not isinstance(_field(doc, "gripper", "dexgen_sha256"), str):
        raise InputError(
            f"{path}: records no gripper.dexgen_sha256, so nothing says it was made with {gripper.name} "
            f"(sha256 {gripper.sha256[:12]}); pass --overwrite_grasps to redo it, or move it away"
        )
    made_for = _field(doc, "object", "file")
    if made_for != record.key:
        raise InputError(
            f"{path}: holds grasps of object {made_for!r}, but its name is that of {record.key!r}; "
            "move it away or pass --overwrite_grasps to redo it"
        )
    reason = _stale_reason(doc, record, gripper)
    if reason is None:
        return True
    if reopen:
        raise InputError(f"{path}: {reason}; its grasps cannot be loaded or filled: pass --overwrite_grasps")
    log.warning("%s: %s; redoing it", path, reason)
    return False


@dataclasses.dataclass(frozen=True)
class KeptFiles:
    """The runner's reader for the workflow: an existing grasp file is kept (GraspDataGen's rule)
    unless the options reopen it; ``fill_grasps`` reopens only files short of a quota. Every file kept,
    loaded or filled must be of the unit's object, its mesh and ``gripper`` (:func:`kept_file_is_current`)."""

    opts: WorkflowOptions
    cfg: GraspgenConfig
    gripper: Gripper | Hand

    def __call__(self, unit: Unit) -> dict[str, Any] | None:
        path, opts = unit.output, self.opts
        if not path.is_file() or opts.overwrite_grasps:
            return None
        reopen = opts.load_guesses or opts.fill_grasps
        _, record = unit.args
        if not kept_file_is_current(path, record, self.gripper, reopen=reopen) or opts.load_guesses:
            return None
        if opts.fill_grasps:
            _, _, ok = read_grasp_file(path)  # what the file holds, whatever its counts say
            if ok.sum() < self.cfg.num_collision_free_grasps or (~ok).sum() < self.cfg.num_colliding_grasps:
                return None
        return counts_of(path)


class WorkflowWork(UnitWork):
    """guess -> simulate -> grasp file for one object (inline: the backend uses every core)."""

    def __init__(
        self,
        gripper: Hand,
        guess_cfg: GuessConfig,
        sim_cfg: SimConfig,
        cfg: GraspgenConfig,
        opts: WorkflowOptions,
        *,
        seed: int,
        source_root: Path | None,
    ) -> None:
        self.gripper, self.guess_cfg, self.sim_cfg, self.cfg, self.opts = (
            gripper,
            guess_cfg,
            sim_cfg,
            cfg,
            opts,
        )
        self.seed, self.source_root = seed, source_root
        self.work = opts.grasp_dataset / WORK
        self.simulate = None if cfg.guess_only else SimulateWork(sim_cfg, cache_dir=self.work / "cache")

    def close(self) -> None:
        if self.simulate is not None:
            self.simulate.close()

    def _guess_file(self, path: Path, record: ObjectRecord, guesses: ObjectGuesses, note: str) -> Path:
        prov = guess_provenance(record, self.gripper, seed=self.seed, params=note, code=__name__)
        write_guesses(path, guesses, guess_meta(record, self.gripper, guesses.stats, prov=prov))
        return path

    def _guesses(self, shard_dir: Path, record: ObjectRecord, existing: Path | None, fill_round: int):
        """(guess file, loaded poses, loaded labels): loaded grasps, a fill round or fresh guesses."""
        gdir = self.work / "guesses" / self.gripper.name / shard_dir.name
        stem = mesh_stem(record)
        if self.opts.load_guesses and existing is not None:
            _, loaded_t, loaded_ok = read_grasp_file(existing)  # refuses 0/1 masks, naming the file
            guesses = _loaded_guesses(loaded_t[loaded_ok], self.gripper)
            path = self._guess_file(
                gdir / f"{stem}.loaded.npz", record, guesses, f"loaded {sha256_file(existing)}"
            )
            return path, loaded_t[~loaded_ok], loaded_ok[~loaded_ok]  # negatives kept as they are
        mesh = load_object_mesh(shard_dir, record)
        keys = ("guess", self.gripper.name, record.key) + (("fill", fill_round) if fill_round else ())
        guesses = guess_object(mesh, self.gripper, self.guess_cfg, rng_for(self.seed, *keys))
        name = f"{stem}.npz" if not fill_round else f"{stem}.fill{fill_round}.npz"
        path = self._guess_file(gdir / name, record, guesses, self.guess_cfg.output_hash())
        if existing is not None and fill_round:
            _, loaded_t, loaded_ok = read_grasp_file(existing)
            return path, loaded_t, loaded_ok
        return path, np.zeros((0, 4, 4)), np.zeros(0, bool)

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        """The files one object's workflow reads (for a cluster task): its mesh, its grasp file (kept,
        filled or reloaded) and its cached convex parts."""
        shard_dir, record = unit.args
        files = (Path(shard_dir) / record.mesh, unit.output)
        if self.simulate is not None:
            files += (
                decomposition_cache_path(self.work / "cache", record.mesh_sha256, self.sim_cfg.decomposition),
            )
        return files

    def __call__(self, unit: Unit) -> dict[str, Any]:
        shard_dir, record = unit.args
        existing = unit.output if unit.output.is_file() else None
        fill_round = 0
        if existing is not None and self.opts.fill_grasps and not self.opts.load_guesses:
            doc, _, _ = read_grasp_file(existing)
            # the round the file was last filled in: a new round draws new grasps, never the same again
            fill_round = int(doc.get("dexgen", {}).get("provenance", {}).get("fill_round", 0)) + 1
        guess_path, loaded_t, loaded_ok = self._guesses(shard_dir, record, existing, fill_round)
        sim_path = None
        if self.simulate is not None:
            sim_path = self.work / "sim" / self.gripper.name / shard_dir.name / guess_path.name
            prov = sim_provenance(record, self.gripper, guess_path, self.sim_cfg, self.seed)
            self.simulate(Unit(record.key, sim_path, prov, (shard_dir, record, guess_path, None)))
        result = object_result(shard_dir, record, guess_path, sim_path)
        result.loaded_poses, result.loaded_success = loaded_t, loaded_ok
        if existing is not None and (fill_round or self.opts.load_guesses):  # its grasps are in the new file
            result.inputs["loaded_sha256"] = sha256_file(existing)
        if fill_round:
            result.inputs["fill_round"] = str(fill_round)
        prov = grasp_provenance(
            result.inputs,
            gripper=self.gripper,
            cfg=self.cfg,
            seed=self.seed,
            materialised=self.source_root is None,
        )
        return write_object(
            result,
            dataset=self.opts.grasp_dataset,
            gripper=self.gripper,
            cfg=self.cfg,
            seed=self.seed,
            source_root=self.source_root,
            prov=prov,
        )


def _object_records(objects_cfg: ObjectsConfig, objects_dir: Path) -> list[tuple[Path, ObjectRecord]]:
    records = []
    for shard in objects_cfg.shards:
        shard_dir = objects_dir / shard_dirname(shard)
        if (shard_dir / "index.json").is_file():
            records += [(shard_dir, r) for r in read_index(shard_dir)]
    return sorted(records, key=lambda item: item[1].key)


def run_graspgen(
    objects_cfg: ObjectsConfig,
    guess_cfg: GuessConfig,
    sim_cfg: SimConfig,
    cfg: GraspgenConfig,
    *,
    options: WorkflowOptions,
    seed: int,
    cluster: ClusterConfig | None = None,
) -> dict[str, Any]:
    """The ``dexgen graspgen`` workflow; returns the export metrics of the gripper. With a ``cluster``
    address each object's guess -> simulate -> export is one Ray task (physics on the task's CPUs)."""
    from dexgen.graspgen.suction_export import suction_gripper
    from dexgen.objects.build import build_object_set

    opts = options
    suction = suction_gripper(guess_cfg.gripper, bounds=guess_cfg.gripper_bounds)
    if suction is not None:
        return _run_suction(objects_cfg, suction, cfg, opts, seed=seed, cluster=cluster)
    gripper = parallel_jaw(guess_cfg.gripper, guess_cfg.gripper_bounds)
    if not opts.overwrite_gripper_config:  # before any work, not after every object is done
        refuse_stale_config(gripper, gripper_config_dir(opts.grasp_dataset, opts.graspgen_source))
    if cluster is not None and cluster.enabled:
        sim_cfg = dataclasses.replace(sim_cfg, threads=cluster.threads_per_task)  # threads: not hashed
    work_dir = opts.grasp_dataset / WORK
    build_object_set(objects_cfg, seed=seed, out_dir=work_dir / "objects", cache_dir=work_dir / "cache")
    records = _object_records(objects_cfg, work_dir / "objects")
    gdir = grasp_dir(opts.grasp_dataset, gripper.name)
    names = grasp_file_names([(r.key, r.scale) for _, r in records], gdir)
    source_root = objects_cfg.object_dataset if objects_cfg.source == "directory" else None
    units = [Unit(r.key, gdir / names[r.key], {}, (shard_dir, r)) for shard_dir, r in records]
    work = WorkflowWork(gripper, guess_cfg, sim_cfg, cfg, opts, seed=seed, source_root=source_root)
    kw = {
        "dataset": opts.grasp_dataset,
        "gripper": gripper,
        "cfg": cfg,
        "seed": seed,
        "progress": opts.progress,
    }
    return run_export(
        units,
        work,
        names,
        reader=KeptFiles(opts, cfg, gripper),
        cluster=cluster,
        source_root=source_root,
        graspgen_source=opts.graspgen_source,
        overwrite_gripper_config=opts.overwrite_gripper_config,
        **kw,
    )


def _run_suction(
    objects_cfg: ObjectsConfig,
    gripper: SuctionGripper,
    cfg: GraspgenConfig,
    opts: WorkflowOptions,
    *,
    seed: int,
    cluster: ClusterConfig | None,
) -> dict[str, Any]:
    """A suction gripper: contacts labelled by ``cfg.suction.rule`` (no guess or physics phase), GraspGen's
    suction dataset (:mod:`dexgen.graspgen.suction_export`)."""
    from dexgen.graspgen.suction_export import run_suction_export
    from dexgen.objects.build import build_object_set

    check_gripper_name(gripper.name)  # before the object set is built
    work_dir = opts.grasp_dataset / WORK
    build_object_set(objects_cfg, seed=seed, out_dir=work_dir / "objects", cache_dir=work_dir / "cache")
    records = _object_records(objects_cfg, work_dir / "objects")
    source_root = objects_cfg.object_dataset if objects_cfg.source == "directory" else None
    return run_suction_export(
        records,
        gripper,
        cfg,
        dataset=opts.grasp_dataset,
        seed=seed,
        source_root=source_root,
        overwrite_grasps=opts.overwrite_grasps,
        cluster=cluster,
        progress=opts.progress,
        graspgen_source=opts.graspgen_source,
        overwrite_gripper_config=opts.overwrite_gripper_config,
    )
