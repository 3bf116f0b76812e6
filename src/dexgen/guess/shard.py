"""The guess stage over one shard: objects in, one guess file per object, a summary and pictures out.

``guess_shard`` reads ``<objects>/index.json``, skips objects whose existing output carries the same
provenance (seed, params hash, mesh hash, gripper file hash, code version), guesses the rest in a
process pool, prunes files of objects no longer in the shard, and writes ``summary.json``. Each
object's random stream is ``rng_for(seed, "guess", gripper, object key)``, so results do not depend
on the worker count or order.
"""

from __future__ import annotations

import functools
import logging
import os
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

from tqdm import tqdm

from dexgen import npz_record
from dexgen.atomic import write_json
from dexgen.errors import ConfigError
from dexgen.grippers import gripper_names, load_gripper
from dexgen.grippers.spec import Gripper, ParallelJawGripper
from dexgen.guess.config import GuessConfig
from dexgen.guess.guesses import check_config, guess_object
from dexgen.guess.output import guess_meta, guess_provenance, read_meta, write_guesses
from dexgen.guess.pictures import render_guesses
from dexgen.objects.records import ObjectRecord, load_object_mesh, read_index
from dexgen.seeding import rng_for
from dexgen.workers import process_pool

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
PICTURES = "pictures"


@functools.lru_cache(maxsize=4)
def _gripper(name_or_path: str) -> Gripper:
    return load_gripper(name_or_path)


def _parallel_jaw(cfg: GuessConfig) -> ParallelJawGripper:
    gripper = _gripper(cfg.gripper)
    if not isinstance(gripper, ParallelJawGripper):
        jaws = [n for n in gripper_names() if isinstance(_gripper(n), ParallelJawGripper)]
        raise ConfigError(
            f"guess.gripper: {gripper.name} is a {gripper.kind} gripper; antipodal guessing needs a "
            f"parallel-jaw gripper, one of {jaws}"
        )
    check_config(gripper, cfg)
    return gripper


def guess_one(
    objects_dir: Path, record: ObjectRecord, out_dir: Path, cfg: GuessConfig, seed: int, picture: bool
) -> dict[str, Any]:
    """Guess one object and write its file (and picture); returns the file's meta."""
    gripper = _parallel_jaw(cfg)
    mesh = load_object_mesh(objects_dir, record)
    result = guess_object(mesh, gripper, cfg, rng_for(seed, "guess", gripper.name, record.key))
    stem = Path(record.mesh).stem
    meta = guess_meta(record, gripper, result.stats, seed=seed, params=cfg.output_params())
    write_guesses(out_dir / f"{stem}.npz", result, meta)
    if picture:
        f = result.stats["found"]
        render_guesses(
            out_dir / PICTURES / f"{stem}.png",
            mesh,
            gripper,
            result.poses,
            result.openings,
            result.labels,
            per_label=cfg.picture_grasps,
            title=f"{record.key} / {gripper.name}: {f['collision_free']} free (green), "
            f"{f['colliding']} colliding (red), {f['random']} random (grey)",
        )
    return meta


def guess_shard(
    objects_dir: str | Path, out_dir: str | Path, *, config: GuessConfig, seed: int, progress: bool = True
) -> dict[str, Any]:
    """Run the guess stage on one shard; returns (and writes) the shard summary."""
    objects_dir, out_dir = Path(objects_dir), Path(out_dir)
    gripper = _parallel_jaw(config)
    records = sorted(read_index(objects_dir), key=lambda r: r.key)
    stems = [Path(r.mesh).stem for r in records]
    if len(set(stems)) != len(stems):
        raise ConfigError(f"{objects_dir}: two objects share a mesh file name; cannot name their guess files")
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_record.prune_stale(out_dir, set(stems), pictures=PICTURES)
    metas: dict[str, dict[str, Any]] = {}
    todo = []
    for i, (record, stem) in enumerate(zip(records, stems)):
        picture = i < config.max_pictures
        meta = read_meta(out_dir / f"{stem}.npz")
        done = meta is not None and meta.get("provenance") == guess_provenance(
            record, gripper, seed=seed, params=config.output_params()
        )
        if done and (not picture or (out_dir / PICTURES / f"{stem}.png").exists()):
            metas[record.key] = meta
        else:
            todo.append((record, picture))
    log.info("%s: %d objects, %d done, %d to guess", objects_dir, len(records), len(metas), len(todo))
    workers = min(config.workers or os.cpu_count() or 1, max(len(todo), 1))
    bar = tqdm(total=len(todo), desc=f"guess {objects_dir.name}", disable=not progress, unit="obj")
    if workers == 1:
        for record, picture in todo:
            metas[record.key] = guess_one(objects_dir, record, out_dir, config, seed, picture)
            bar.update()
    else:
        with process_pool(workers) as pool:
            futures = {pool.submit(guess_one, objects_dir, r, out_dir, config, seed, p): r for r, p in todo}
            for future in as_completed(futures):
                metas[futures[future].key] = future.result()
                bar.update()
    bar.close()
    summary = summarise([metas[r.key] for r in records], gripper=gripper, shard=objects_dir.name)
    summary.update(seed=int(seed), params_hash=config.output_hash())
    write_json(out_dir / SUMMARY, summary)
    short = summary["shortfall_objects"]
    if short:
        log.warning(
            "%s: %d of %d objects fell short of a quota: %s",
            objects_dir.name,
            len(short),
            len(records),
            ", ".join(short[:10]) + (" ..." if len(short) > 10 else ""),
        )
    return summary


def summarise(metas: list[dict[str, Any]], *, gripper: Gripper, shard: str) -> dict[str, Any]:
    """Shard summary: per-object counts and shortfalls, totals (deterministic: no timings)."""
    objects = []
    totals: dict[str, int] = {}
    for meta in metas:
        s = meta["stats"]
        objects.append(
            {
                "object": meta["object"],
                "mesh": meta["mesh"],
                "found": s["found"],
                "shortfall": s["shortfall"],
                "attempts": s["attempts"],
                "rejected": s["rejected"],
            }
        )
        for group in ("found", "shortfall", "rejected"):
            for k, v in s[group].items():
                totals[f"{group}.{k}"] = totals.get(f"{group}.{k}", 0) + v
        for k in ("attempts", "candidates", "collision_checks"):
            totals[k] = totals.get(k, 0) + s[k]
    return {
        "shard": shard,
        "gripper": gripper.name,
        "gripper_sha256": gripper.sha256,
        "objects": objects,
        "num_objects": len(objects),
        "totals": totals,
        "shortfall_objects": [o["object"] for o in objects if any(v > 0 for v in o["shortfall"].values())],
    }
