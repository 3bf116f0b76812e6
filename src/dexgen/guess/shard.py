"""The guess stage over one shard: objects in, one guess file per object, a summary and pictures out.

``guess_shard`` reads ``<objects>/index.json`` and hands one unit per object to the runner
(:mod:`dexgen.runner`): objects whose existing output carries the same provenance (seed, params hash,
mesh hash, gripper file hash, code version) are reused, the rest are guessed on ``guess.workers``
processes, files of objects no longer in the shard are pruned, and ``summary.json`` is written. Each
object's random stream is ``rng_for(seed, "guess", gripper name, object key)``, so results do not
depend on the worker count or order.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from dexgen.atomic import RecordFolder, check_out_dir, make_dir, write_json
from dexgen.errors import ConfigError
from dexgen.grippers.hand import Hand, is_box, load_hand
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.loader import load_gripper
from dexgen.grippers.spec import Gripper
from dexgen.guess.guesses import check_config, guess_object
from dexgen.guess.model_hand import check_model_config
from dexgen.guess.pictures import render_guesses
from dexgen.listing import first_n
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import guess_meta, guess_provenance, write_guesses
from dexgen.records.objects import ObjectRecord, mesh_stem, read_index
from dexgen.runner import Unit, UnitWork, prune, run_units
from dexgen.seeding import rng_for

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
PICTURES = "pictures"


def parallel_jaw_gripper(cfg: GuessConfig) -> Hand:
    """The hand ``cfg.gripper`` names, checked: a box gripper as before (every sampler places two
    fingers), or a real hand (:class:`GripperModel`) from its description (:func:`load_hand`)."""
    if not is_box(cfg.gripper):
        model = load_hand(cfg.gripper, bounds=cfg.gripper_bounds, key="guess.gripper")
        check_model_config(model, cfg)
        return model
    gripper = load_gripper(cfg.gripper, bounds=cfg.gripper_bounds)
    if gripper.gripper_kind != PARALLEL_JAW:
        raise ConfigError(
            f"guess.gripper: {gripper.name} ({cfg.gripper}) is a {gripper.kind} gripper; grasp "
            "guessing needs a parallel-jaw gripper"
        )
    check_config(gripper, cfg)
    return gripper


@dataclasses.dataclass(frozen=True)
class GuessWork(UnitWork):
    """Guess one object and write its file (and picture); picklable, so it runs in any worker.

    The gripper travels with the work as loaded on the driver (its text and hash included), so a
    worker never looks a name up again.
    """

    objects_dir: Path
    config: GuessConfig
    gripper: Hand
    seed: int

    def __call__(self, unit: Unit) -> dict[str, Any]:
        record, picture = unit.args
        gripper = self.gripper
        mesh = load_object_mesh(self.objects_dir, record)
        result = guess_object(
            mesh, gripper, self.config, rng_for(self.seed, "guess", gripper.name, record.key)
        )
        meta = guess_meta(record, gripper, result.stats, prov=unit.provenance)
        write_guesses(unit.output, result, meta)
        if picture is not None:
            f = result.stats["found"]
            render_guesses(
                picture,
                mesh,
                gripper,
                result.poses,
                result.openings,
                result.labels,
                per_label=self.config.picture_grasps,
                title=f"{record.key} / {gripper.name}: {f['collision_free']} free (green), "
                f"{f['colliding']} colliding (red), {f['random']} random (grey)",
            )
        return meta

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        """The file one object's guesses read (for a cluster task): its mesh."""
        record, _ = unit.args
        return (self.objects_dir / record.mesh,)


def guess_units(
    records: list[ObjectRecord], out_dir: Path, gripper: Gripper | Hand, *, config: GuessConfig, seed: int
) -> list[Unit]:
    """One unit per object, in key order; the first ``max_pictures`` also draw a picture."""
    units = []
    for i, record in enumerate(sorted(records, key=lambda r: r.key)):
        stem = mesh_stem(record)
        picture = out_dir / PICTURES / f"{stem}.png" if i < config.max_pictures else None
        prov = guess_provenance(record, gripper, seed=seed, params=config.output_params(), code=__name__)
        units.append(
            Unit(
                key=record.key,
                output=out_dir / f"{stem}.npz",
                provenance=prov,
                args=(record, picture),
                extra_outputs=(picture,) if picture is not None else (),
            )
        )
    return units


def guess_shard(
    objects_dir: str | Path,
    out_dir: str | Path,
    *,
    config: GuessConfig,
    seed: int,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the guess stage on one shard (on ``cluster`` when its address is set); returns (and
    writes) the shard summary."""
    objects_dir, out_dir = Path(objects_dir), Path(out_dir)
    gripper = parallel_jaw_gripper(config)
    records = read_index(objects_dir)
    stems = [mesh_stem(r) for r in records]
    if len(set(stems)) != len(stems):
        raise ConfigError(f"{objects_dir}: two objects share a mesh file name; cannot name their guess files")
    owned = RecordFolder(out_dir, ("guess",), names=(SUMMARY,), pictures=PICTURES)
    check_out_dir(out_dir, owned, inputs={"objects": objects_dir})
    make_dir(out_dir)
    prune(out_dir, stems, owned=owned, patterns=("*.npz", "*.png", f"{PICTURES}/*.png"))
    units = guess_units(records, out_dir, gripper, config=config, seed=seed)
    work = GuessWork(objects_dir, config, gripper, seed)
    result = run_units(
        units,
        work,
        desc=f"guess {objects_dir.name}",
        workers=config.workers,
        cluster=cluster,
        progress=progress,
    )
    summary = summarise(list(result.metas.values()), gripper=gripper, shard=objects_dir.name)
    summary.update(seed=int(seed), params_hash=config.output_hash())
    write_json(out_dir / SUMMARY, summary)
    totals, short = summary["totals"], summary["shortfall_objects"]
    log.info(
        "%s: %d objects, %d collision-free, %d colliding, %d random, %d short of a quota",
        out_dir,
        summary["num_objects"],
        totals.get("found.collision_free", 0),
        totals.get("found.colliding", 0),
        totals.get("found.random", 0),
        len(short),
    )
    if short:
        log.warning(
            "%s: %d of %d objects fell short of a quota: %s",
            objects_dir.name,
            len(short),
            len(records),
            first_n(short),
        )
    return summary


def summarise(metas: list[dict[str, Any]], *, gripper: Gripper | Hand, shard: str) -> dict[str, Any]:
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
