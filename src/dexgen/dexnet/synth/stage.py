"""The ``dexnet_synth`` stage: the object set in, one Dex-Net tensors dataset per task out.

Per object and task the datapoints are synthesized once and cached (``<cache>/<task>/<key>.npz``,
reused only when their provenance matches: seed, synth params, mesh hash, gripper file hash, physics
settings, code version), so an interrupted run resumes. Then the cached objects are concatenated in
key order, labelled with object / stable-pose / image ids, balanced if params ask for it and written
with the Dex-Net writer into ``<out>/<task>/`` (replaced as a whole). Same seed and inputs give
byte-identical files. Physics runs on the ``sim`` section's backend, one object at a time.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dexgen.atomic import replace_dir, write_json
from dexgen.config import to_mapping
from dexgen.dexnet.fields import FieldSpec, task_spec
from dexgen.dexnet.synth import cache
from dexgen.dexnet.synth.config import SynthConfig
from dexgen.dexnet.synth.datapoints import parallel_jaw_datapoints, suction_datapoints
from dexgen.dexnet.synth.pictures import example_grid
from dexgen.dexnet.tensors import write_dataset
from dexgen.errors import ConfigError
from dexgen.grippers import load_gripper
from dexgen.grippers.spec import ParallelJawGripper, SuctionGripper
from dexgen.objects.records import ObjectRecord, load_object_mesh, read_index
from dexgen.provenance import provenance
from dexgen.seeding import rng_for
from dexgen.sim.config import SimConfig
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import make_backend

log = logging.getLogger(__name__)

STAGE = "dexnet_synth"
# parallel-jaw fields beyond Dex-Net 2.0's: physics label, its score and the collision-free flag
PJ_EXTRA = {name: FieldSpec("float32", ()) for name in ("sim_success", "sim_score", "collision_free")}


def output_fields(task: str) -> dict[str, FieldSpec]:
    """The fields written for ``task``: the published ones (``fields.TASKS``) plus our extras."""
    fields = dict(task_spec(task).fields)
    if task == "parallel_jaw":
        fields.update(PJ_EXTRA)
    return fields


def label_of(task: str, cfg: SynthConfig) -> tuple[str, float]:
    """(field, threshold) of the training label: label = field > threshold."""
    if task == "parallel_jaw":
        return cfg.parallel_jaw.label_field, cfg.parallel_jaw.label_threshold
    return task_spec("suction").metric_field, cfg.suction.label_threshold


def _grippers(cfg: SynthConfig) -> tuple[ParallelJawGripper, SuctionGripper]:
    pj, su = load_gripper(cfg.parallel_jaw.gripper), load_gripper(cfg.suction.gripper)
    if not isinstance(pj, ParallelJawGripper):
        raise ConfigError(f"dexnet.synth.parallel_jaw.gripper: {pj.name} is {pj.kind}, not a parallel jaw")
    if not isinstance(su, SuctionGripper):
        raise ConfigError(f"dexnet.synth.suction.gripper: {su.name} is {su.kind}, not a suction gripper")
    return pj, su


def _object_meta(
    task: str, record: ObjectRecord, cfg: SynthConfig, seed: int, gripper, sim_hash: str
) -> dict:
    extra = {"sim_params_hash": sim_hash} if task == "parallel_jaw" else {}
    return provenance(
        stage=STAGE,
        seed=seed,
        params=cfg.object_hash(task),
        object_key=record.key,
        mesh_sha256=record.mesh_sha256,
        gripper_sha256=gripper.sha256,
        **extra,
    )


def balance(labels: np.ndarray, target: float | None, rng: np.random.Generator) -> np.ndarray:
    """(k,) int64 sorted row indices keeping every row of the minority side and enough of the other
    to reach positive rate ``target`` (all rows when ``target`` is None or already met)."""
    idx = np.arange(len(labels))
    if target is None or not len(labels):
        return idx
    pos, neg = idx[labels], idx[~labels]
    rate = len(pos) / len(labels)
    if rate < target and len(pos):
        keep = min(len(neg), int(round(len(pos) * (1 - target) / target)))
        neg = np.sort(rng.choice(neg, keep, replace=False))
    elif rate > target and len(neg):
        keep = min(len(pos), int(round(len(neg) * target / (1 - target))))
        pos = np.sort(rng.choice(pos, keep, replace=False))
    return np.sort(np.concatenate([pos, neg]))


def synthesize(
    objects_dir: str | Path,
    out_dir: str | Path,
    *,
    config: SynthConfig,
    sim_config: SimConfig,
    seed: int,
    cache_dir: str | Path,
    metrics_path: str | Path,
    pictures_dir: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Synthesize every task of ``config.tasks`` from the object set at ``objects_dir``; returns the metrics.

    objects_dir : ``data/objects`` (index.json + shard-XX/); out_dir : writes ``<out_dir>/<task>/``;
    cache_dir : cache root: per-object arrays in ``<cache>/dexnet_synth/<task>/``, convex decompositions in
    ``<cache>/convex/`` (shared with the simulate stage); metrics_path : JSON of counts and positive
    rates per task; pictures_dir : ``<task>.png`` example grids (None = none).
    """
    objects_dir, out_dir = Path(objects_dir), Path(out_dir)
    records = sorted(read_index(objects_dir), key=lambda r: r.key)
    if config.max_objects:
        records = records[: config.max_objects]
    pj_gripper, su_gripper = _grippers(config)
    metrics: dict[str, Any] = {"num_objects": len(records), "tasks": {}}
    for task in config.tasks:
        t0 = time.perf_counter()
        gripper = pj_gripper if task == "parallel_jaw" else su_gripper
        per_object, redone = [], 0
        backend = make_backend(sim_config) if task == "parallel_jaw" else None
        try:
            for record in tqdm(records, desc=f"dexnet_synth {task}", disable=not progress):
                meta = _object_meta(task, record, config, seed, gripper, sim_config.output_hash())
                path = cache.cache_path(Path(cache_dir) / STAGE, task, record.key)
                arrays = cache.load(path, meta)
                if arrays is None:
                    arrays = _synthesize_object(
                        task, objects_dir, record, config, gripper, backend, sim_config, seed, cache_dir
                    )
                    cache.save(path, arrays, meta)
                    redone += 1
                per_object.append(arrays)
        finally:
            if backend is not None:
                backend.close()
        metrics["tasks"][task] = _write_task(task, records, per_object, config, seed, out_dir, pictures_dir)
        metrics["tasks"][task].update(objects_synthesized=redone, seconds=round(time.perf_counter() - t0, 2))
        log.info("%s: %s", task, metrics["tasks"][task])
    write_json(metrics_path, metrics)
    return metrics


def _synthesize_object(task, objects_dir, record, config, gripper, backend, sim_config, seed, cache_dir):
    mesh = load_object_mesh(objects_dir / f"shard-{record.shard}", record)
    rng = rng_for(seed, STAGE, task, record.key)
    if task == "suction":
        return suction_datapoints(mesh, gripper, config, rng=rng)
    obj = object_for_record(record.key, mesh, record.mesh_sha256, sim_config, cache_dir=cache_dir)

    def simulate(poses: np.ndarray, openings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        trials = backend.run(obj, gripper, poses, openings)
        return trials.success, trials.score

    return parallel_jaw_datapoints(mesh, gripper, config, simulate=simulate, rng=rng)


def _write_task(task, records, per_object, config, seed, out_dir, pictures_dir) -> dict[str, Any]:
    spec = task_spec(task)
    fields = output_fields(task)
    arrays: dict[str, list[np.ndarray]] = {name: [] for name in fields}
    image_base = 0
    for obj_id, arr in enumerate(per_object):
        n = len(arr["hand_poses"])
        for name in fields:
            if name in arr:
                arrays[name].append(arr[name])
        arrays[spec.object_label_field].append(np.full(n, obj_id, np.uint32))
        arrays["pose_labels"].append((obj_id * config.poses_per_object + arr["pose_index"]).astype(np.uint32))
        arrays["image_labels"].append((image_base + arr["image_index"]).astype(np.uint32))
        image_base += int(arr["image_index"].max()) + 1 if n else 0
    data = {name: np.concatenate(parts) for name, parts in arrays.items()}
    field, threshold = label_of(task, config)
    labels = data[field] > threshold
    n_all, pos_all = len(labels), int(labels.sum())
    keep = balance(labels, config.balance(task).target_positive_rate, rng_for(seed, STAGE, "balance", task))
    data = {name: a[keep] for name, a in data.items()}
    labels = labels[keep]
    summary: dict[str, Any] = {
        "num_datapoints": int(len(labels)),
        "num_before_balance": n_all,
        "positive_rate_before_balance": round(pos_all / n_all if n_all else 0.0, 4),
        "positives": int(labels.sum()),
        "positive_rate": round(float(labels.mean()) if len(labels) else 0.0, 4),
        "label_field": field,
        "label_threshold": threshold,
        "num_objects": len(records),
        "num_images": int(len(np.unique(data["image_labels"]))),
    }
    if task == "parallel_jaw":
        fc_t = config.parallel_jaw.fc_threshold
        summary["robust_ferrari_canny_positive_rate"] = round(
            float((data["robust_ferrari_canny"] > fc_t).mean()), 4
        )
        summary["robust_ferrari_canny_threshold"] = fc_t
        summary["sim_success_rate"] = round(float(data["sim_success"].mean()), 4)
        summary["collision_free_rate"] = round(float(data["collision_free"].mean()), 4)
    meta = provenance(stage=STAGE, seed=seed, params=to_mapping(config), objects=_set_hash(records)) | {
        "task": task,
        "label_field": field,
        "label_threshold": threshold,
        "summary": summary,
    }
    with replace_dir(out_dir / task) as tmp:
        write_dataset(tmp, data, fields, metadata=meta)
    if pictures_dir is not None and config.examples:
        example_grid(
            Path(pictures_dir) / f"{task}.png",
            data["depth_ims_tf_table"],
            labels,
            title=f"dexnet_synth {task}: {field} > {threshold} (positive rate {summary['positive_rate']:.3f})",
            count=config.examples,
            seed_rng=rng_for(seed, STAGE, "pictures", task),
        )
    return summary


def _set_hash(records: list[ObjectRecord]) -> str:
    from dexgen.hashing import stable_hash

    return stable_hash([(r.key, r.mesh_sha256) for r in records])
