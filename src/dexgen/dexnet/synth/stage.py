"""The ``dexnet_synth`` stage: the object set in, one Dex-Net tensors dataset per task out.

Per task, one runner unit per object (:mod:`dexgen.runner`) synthesizes its datapoints into a cache
file (``<cache>/dexnet_synth/<task>/<key>.npz``) that is reused while its provenance matches (seed,
the task's synthesis params, mesh hash, gripper file hash, physics settings, code version), so an
interrupted run resumes. Then the cached objects are concatenated in key order, labelled with object
/ stable-pose / image ids, balanced if params ask for it and written with the Dex-Net writer into
``<out>/<task>/`` (replaced as a whole). Same seed and inputs give byte-identical files. Physics runs
on the ``sim`` section's backend, one object at a time here or one Ray task per object on a cluster.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import replace_dir, stamped_json, write_json
from dexgen.dexnet.synth.pictures import example_grid
from dexgen.dexnet.synth.poses import cached_rests
from dexgen.dexnet.synth.registry import get_task
from dexgen.dexnet.synth.task import SynthTask
from dexgen.dexnet.tensors import write_dataset
from dexgen.errors import ConfigError
from dexgen.grippers.kinds import kind_class
from dexgen.grippers.loader import load_gripper
from dexgen.grippers.spec import Gripper
from dexgen.hashing import stable_hash
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.sim import SimConfig
from dexgen.params.synth import SynthConfig
from dexgen.provenance import provenance
from dexgen.records import npz
from dexgen.records.objects import ObjectRecord, read_index, shard_dirname
from dexgen.runner import Unit, UnitWork, run_units
from dexgen.seeding import rng_for
from dexgen.sim.decomposition import cache_path as decomposition_cache_path
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import backend_class, make_backend

log = logging.getLogger(__name__)

STAGE = "dexnet_synth"


def task_gripper(task: SynthTask, config: SynthConfig) -> Gripper:
    """The gripper ``dexnet.synth.<task>.gripper`` names, of the kind the task needs."""
    ref = config.task(task.name).gripper
    gripper = load_gripper(ref)
    if gripper.gripper_kind != task.gripper_kind:
        raise ConfigError(
            f"dexnet.synth.{task.name}.gripper: {gripper.name} ({ref}) is a {gripper.kind} gripper; "
            f"the {task.name} task needs a {kind_class(task.gripper_kind).__name__}"
        )
    return gripper


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


def cache_path(cache_dir: Path, task: str, key: str) -> Path:
    return cache_dir / STAGE / task / f"{key.replace('/', '__')}.npz"


class SynthWork(UnitWork):
    """Synthesize one object of one task into its cache file; the physics backend (tasks that need one)
    starts on first use in whichever process runs it and is released by :meth:`close`."""

    def __init__(
        self,
        objects_dir: Path,
        task: SynthTask,
        gripper: Gripper,
        config: SynthConfig,
        sim_config: SimConfig,
        *,
        seed: int,
        cache_dir: Path,
    ) -> None:
        self.objects_dir, self.task, self.gripper, self.config = objects_dir, task, gripper, config
        self.sim_config, self.seed, self.cache_dir = sim_config, seed, cache_dir
        self._backend = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_backend": None}

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        """The files one object's datapoints read (for a cluster task): its mesh and cached parts."""
        (record,) = unit.args
        files = (self.objects_dir / shard_dirname(record.shard) / record.mesh,)
        if self.task.uses_physics:
            decomposition = self.sim_config.decomposition
            files += (decomposition_cache_path(self.cache_dir, record.mesh_sha256, decomposition),)
        return files

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def _simulate(self, record: ObjectRecord, mesh):
        if self._backend is None:
            self._backend = make_backend(self.sim_config)
        obj = object_for_record(
            record.key, mesh, record.mesh_sha256, self.sim_config, cache_dir=self.cache_dir
        )
        backend, gripper = self._backend, self.gripper

        def simulate(poses: np.ndarray, openings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            trials = backend.run(obj, gripper, poses, openings)
            return trials.success, trials.score

        return simulate

    def units(self, records: list[ObjectRecord]) -> list[Unit]:
        """One unit per object: its cache file and the provenance a current one records."""
        extra = {}
        if self.task.uses_physics:
            extra = {
                "sim_params_hash": self.sim_config.output_hash(),
                "engine": backend_class(self.sim_config.backend).version(),
            }
        units = []
        for record in records:
            prov = provenance(
                stage=STAGE,
                seed=self.seed,
                params=self.config.object_hash(self.task.name),
                code=__name__,
                object_key=record.key,
                mesh_sha256=record.mesh_sha256,
                gripper_sha256=self.gripper.sha256,
                **extra,
            )
            units.append(
                Unit(record.key, cache_path(self.cache_dir, self.task.name, record.key), prov, (record,))
            )
        return units

    def __call__(self, unit: Unit) -> dict[str, Any]:
        (record,) = unit.args
        mesh = load_object_mesh(self.objects_dir / shard_dirname(record.shard), record)
        rng = rng_for(self.seed, STAGE, self.task.name, record.key)
        simulate = self._simulate(record, mesh) if self.task.uses_physics else None
        rests = cached_rests(mesh, record.mesh_sha256, self.cache_dir / STAGE / "stable_poses")
        arrays = self.task.datapoints(
            mesh, self.gripper, self.config, rests=rests, rng=rng, simulate=simulate
        )
        meta = {"provenance": unit.provenance}
        npz.write(unit.output, arrays, tuple(sorted(arrays)), meta)
        return meta


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
    cluster: ClusterConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Synthesize every task of ``config.tasks`` from the object set at ``objects_dir``; returns the metrics.

    objects_dir : ``data/objects`` (index.json + shard-XX/); out_dir : writes ``<out_dir>/<task>/``;
    cache_dir : cache root: per-object arrays in ``<cache>/dexnet_synth/<task>/``, convex decompositions in
    ``<cache>/convex/`` (shared with the simulate stage); metrics_path : JSON of counts and positive
    rates per task; pictures_dir : ``<task>.png`` example grids (None = none); cluster : per-object
    work as Ray tasks when its address is set (physics on each task's CPUs).
    """
    objects_dir, out_dir, cache_dir = Path(objects_dir), Path(out_dir), Path(cache_dir)
    if cluster is not None and cluster.enabled:
        sim_config = dataclasses.replace(sim_config, threads=cluster.threads_per_task)  # not hashed
    records = sorted(read_index(objects_dir), key=lambda r: r.key)
    if config.max_objects:
        records = records[: config.max_objects]
    tasks = [get_task(name) for name in config.tasks]
    grippers = {task.name: task_gripper(task, config) for task in tasks}  # every gripper checked first
    metrics: dict[str, Any] = {"num_objects": len(records), "tasks": {}}
    for task in tasks:
        gripper = grippers[task.name]
        work = SynthWork(objects_dir, task, gripper, config, sim_config, seed=seed, cache_dir=cache_dir)
        units = work.units(records)
        run_units(units, work, desc=f"{STAGE} {task.name}", cluster=cluster, progress=progress)
        per_object = [npz.decode(u.output.read_bytes())[0] for u in units]
        summary = _write_task(task, gripper, records, per_object, config, seed, out_dir, pictures_dir)
        metrics["tasks"][task.name] = summary
        log.info("%s: %s", task.name, summary)
    write_json(metrics_path, metrics)
    return metrics


def assemble(
    task: SynthTask, per_object: list[dict[str, np.ndarray]], config: SynthConfig
) -> dict[str, np.ndarray]:
    """One task's rows in object key order, with object / stable-pose / image ids set-wide."""
    spec = task.spec
    fields = task.output_fields()
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
    return {name: np.concatenate(parts) for name, parts in arrays.items()}


def _write_task(
    task: SynthTask,
    gripper: Gripper,
    records: list[ObjectRecord],
    per_object: list[dict[str, np.ndarray]],
    config: SynthConfig,
    seed: int,
    out_dir: Path,
    pictures_dir: str | Path | None,
) -> dict[str, Any]:
    """Balance and write one task's dataset (and its example grid); returns its summary."""
    name = task.name
    data = assemble(task, per_object, config)
    field, threshold = task.label(config)
    labels = data[field] > threshold
    n_all, pos_all = len(labels), int(labels.sum())
    target = config.task(name).balance.target_positive_rate
    keep = balance(labels, target, rng_for(seed, STAGE, "balance", name))
    data = {k: a[keep] for k, a in data.items()}
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
        "gripper": {"name": gripper.name, "sha256": gripper.sha256},
        **task.summary(data, config),
    }
    objects = stable_hash([(r.key, r.mesh_sha256) for r in records])
    prov = provenance(stage=STAGE, seed=seed, params=config.task_params(name), code=__name__, objects=objects)
    meta = prov | {
        "task": name,
        "label_field": field,
        "label_threshold": threshold,
        "summary": summary,
    }
    with replace_dir(out_dir / name, owned=_SynthFolder(out_dir / name)) as tmp:
        write_dataset(tmp, data, task.output_fields(), metadata=meta)
    if pictures_dir is not None and config.examples:
        example_grid(
            Path(pictures_dir) / f"{name}.png",
            data["depth_ims_tf_table"],
            labels,
            title=f"dexnet_synth {name}: {field} > {threshold} (positive rate {summary['positive_rate']:.3f})",
            count=config.examples,
            seed_rng=rng_for(seed, STAGE, "pictures", name),
        )
    return summary


@dataclasses.dataclass(frozen=True)
class _SynthFolder:
    """Ownership of a synthesised tensors folder: ours when its ``metadata.json`` names this stage, and
    then only the files a tensors writer makes (config, metadata, ``tensors/*.npz``)."""

    root: Path

    def __call__(self, path: Path) -> bool:
        if (stamped_json(self.root / "metadata.json") or {}).get("stage") != STAGE:
            return False
        parts = path.relative_to(self.root).parts
        if len(parts) == 2:
            return parts[0] == "tensors" and path.suffix == ".npz"
        return parts[0] in ("config.json", "metadata.json", "tensors")
