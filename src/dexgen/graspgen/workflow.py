"""GraspDataGen's ``graspgen.py`` workflow (graspdatagen.md §7) on dexgen's stages, and the stage entry.

``run_graspgen`` builds the object set, then per object runs guess -> simulate -> export through the
same functions as the ``guess``, ``simulate`` and ``graspgen`` stages (intermediate files under
``<grasp_dataset>/.dexgen/``), and finishes with the map, splits, gripper config and the dataset
check of :func:`dexgen.graspgen.export.export_dataset`. A finished grasp file is skipped unless
``overwrite_grasps``; every file is written atomically, so an interrupted run resumes where it
stopped. Upstream bugs fixed on this path: negatives at their input pose, a real gripper collision
mesh, seeded guesses and splits, 0/1 masks refused on ``load_guesses``, fill rounds drawn at random.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.config import GraspgenConfig
from dexgen.graspgen.export import Kept, export_dataset, grasp_dir
from dexgen.graspgen.grasp_file import grasp_file_name, read_grasp_file
from dexgen.graspgen.gripper_config import check_gripper_name
from dexgen.graspgen.labels import ObjectResult
from dexgen.graspgen.sources import object_result, shard_results
from dexgen.grippers import load_gripper
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.guess.config import GuessConfig
from dexgen.guess.guesses import ObjectGuesses, guess_object
from dexgen.guess.output import guess_meta, write_guesses
from dexgen.hashing import sha256_file
from dexgen.objects.config import ObjectsConfig
from dexgen.objects.records import ObjectRecord, load_object_mesh, read_index
from dexgen.objects.shards import shard_dirname
from dexgen.seeding import rng_for
from dexgen.sim.backend import SimBackend
from dexgen.sim.config import SimConfig

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


def _guess_file(
    path: Path,
    record: ObjectRecord,
    gripper: ParallelJawGripper,
    guesses: ObjectGuesses,
    *,
    seed: int,
    note: str,
) -> Path:
    meta = guess_meta(record, gripper, guesses.stats, seed=seed, params=note)
    write_guesses(path, guesses, meta)
    return path


def _loaded_guesses(poses: np.ndarray, gripper: ParallelJawGripper) -> ObjectGuesses:
    """``--load_guesses``: a file's ``true`` grasps as collision-free guesses, starting fully open."""
    n = len(poses)
    nan3 = np.full((n, 2, 3), np.nan)
    return ObjectGuesses(
        poses=poses,
        widths=np.full(n, np.nan),
        openings=np.full(n, gripper.max_opening),
        contacts=nan3,
        normals=nan3.copy(),
        labels=np.zeros(n, np.int8),
        reasons=np.zeros(n, np.int8),
        stats={"loaded": n},
    )


def _object_items(
    records: list[tuple[Path, ObjectRecord]],
    *,
    gripper: ParallelJawGripper,
    guess_cfg: GuessConfig,
    sim_cfg: SimConfig,
    cfg: GraspgenConfig,
    opts: WorkflowOptions,
    backend: SimBackend | None,
    seed: int,
) -> Iterator[ObjectResult | Kept]:
    from dexgen.sim.shard import simulate_object

    gdir = grasp_dir(opts.grasp_dataset, gripper.name)
    work = opts.grasp_dataset / WORK
    for shard_dir, record in records:
        path = gdir / grasp_file_name(record.key, record.scale)
        exists = path.is_file()
        if exists and not (opts.overwrite_grasps or opts.fill_grasps or opts.load_guesses):
            yield Kept(record.key, record.scale)
            continue
        loaded_t, loaded_ok = np.zeros((0, 4, 4)), np.zeros(0, bool)
        fill_round = 0
        if exists and (opts.load_guesses or opts.fill_grasps):
            doc, loaded_t, loaded_ok = read_grasp_file(path)  # refuses 0/1 masks, naming the file
            if opts.fill_grasps and not opts.load_guesses:
                if (
                    loaded_ok.sum() >= cfg.num_collision_free_grasps
                    and (~loaded_ok).sum() >= cfg.num_colliding_grasps
                ):
                    yield Kept(record.key, record.scale)
                    continue
                fill_round = int(doc.get("dexgen", {}).get("fill_round", 0)) + 1
        gdir_work = work / "guesses" / gripper.name / shard_dir.name
        stem = Path(record.mesh).stem
        if opts.load_guesses and exists:
            guess_path = _guess_file(
                gdir_work / f"{stem}.loaded.npz",
                record,
                gripper,
                _loaded_guesses(loaded_t[loaded_ok], gripper),
                seed=seed,
                note=f"loaded {sha256_file(path)}",
            )
            loaded_t, loaded_ok = loaded_t[~loaded_ok], loaded_ok[~loaded_ok]  # negatives kept as they are
        else:
            mesh = load_object_mesh(shard_dir, record)
            keys = ("guess", gripper.name, record.key) + (("fill", fill_round) if fill_round else ())
            guesses = guess_object(mesh, gripper, guess_cfg, rng_for(seed, *keys))
            name = f"{stem}.npz" if not fill_round else f"{stem}.fill{fill_round}.npz"
            guess_path = _guess_file(
                gdir_work / name, record, gripper, guesses, seed=seed, note=guess_cfg.output_hash()
            )
        sim_path = None
        if backend is not None:
            sim_path = work / "sim" / gripper.name / shard_dir.name / guess_path.name
            simulate_object(
                shard_dir,
                record,
                guess_path,
                backend,
                sim_cfg,
                seed=seed,
                cache_dir=work / "cache",
                out_path=sim_path,
                picture=None,
            )
        result = object_result(shard_dir, record, guess_path, sim_path, gripper=gripper.name)
        result.loaded_poses, result.loaded_success = loaded_t, loaded_ok
        if exists:
            result.inputs["loaded_sha256"] = sha256_file(path)
        if fill_round:
            result.inputs["fill_round"] = str(fill_round)
        yield result


def parallel_jaw(name_or_path: str) -> ParallelJawGripper:
    gripper = load_gripper(name_or_path)
    check_gripper_name(gripper.name)
    if not isinstance(gripper, ParallelJawGripper):
        raise ConfigError(
            f"gripper {gripper.name} is a {gripper.kind} gripper; the graspgen workflow guesses antipodal grasps and needs a parallel jaw"
        )
    return gripper


def run_graspgen(
    objects_cfg: ObjectsConfig,
    guess_cfg: GuessConfig,
    sim_cfg: SimConfig,
    cfg: GraspgenConfig,
    *,
    options: WorkflowOptions,
    seed: int,
) -> dict[str, Any]:
    """The ``dexgen graspgen`` workflow; returns the export metrics of the gripper."""
    from dexgen.objects.build import build_object_set
    from dexgen.sim.registry import make_backend

    gripper = parallel_jaw(guess_cfg.gripper)
    opts = options
    work = opts.grasp_dataset / WORK
    build_object_set(objects_cfg, seed=seed, out_dir=work / "objects", cache_dir=work / "cache")
    records = []
    for shard in objects_cfg.shards:
        shard_dir = work / "objects" / shard_dirname(shard)
        if (shard_dir / "index.json").is_file():
            records += [(shard_dir, r) for r in sorted(read_index(shard_dir), key=lambda r: r.key)]
    records.sort(key=lambda item: item[1].key)
    config_dir = opts.graspgen_source / "config" / "grippers" if opts.graspgen_source else None
    source_root = objects_cfg.object_dataset if objects_cfg.source == "directory" else None

    def export(backend: SimBackend | None) -> dict[str, Any]:
        items = _object_items(
            records,
            gripper=gripper,
            guess_cfg=guess_cfg,
            sim_cfg=sim_cfg,
            cfg=cfg,
            opts=opts,
            backend=backend,
            seed=seed,
        )
        return export_dataset(
            items,
            dataset=opts.grasp_dataset,
            gripper=gripper,
            cfg=cfg,
            seed=seed,
            source_root=source_root,
            config_dir=config_dir,
            overwrite_gripper_config=opts.overwrite_gripper_config,
            progress=opts.progress,
        )

    if cfg.guess_only:
        return export(None)
    with make_backend(sim_cfg) as backend:
        return export(backend)


def export_from_shards(
    objects_root: str | Path,
    guesses_root: str | Path,
    sim_root: str | Path | None,
    dataset: str | Path,
    *,
    gripper: str,
    cfg: GraspgenConfig,
    seed: int,
    graspgen_source: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The ``graspgen`` stage: every shard's guesses (and sim results) -> the dataset; returns metrics."""
    spec = load_gripper(gripper)
    check_gripper_name(spec.name)
    if cfg.guess_only:
        sim_root = None
    elif sim_root is None:
        raise InputError("graspgen: sim results are needed unless graspgen.guess_only is true")
    results = shard_results(objects_root, guesses_root, sim_root, gripper=spec.name)
    config_dir = Path(graspgen_source) / "config" / "grippers" if graspgen_source else None
    return export_dataset(
        results,
        dataset=dataset,
        gripper=spec,
        cfg=cfg,
        seed=seed,
        config_dir=config_dir,
        overwrite_gripper_config=True,
        prune=True,
        progress=progress,
    )
