"""Per-object inputs of the export, read from the guess and simulate stages' files.

The export sees only :class:`~dexgen.graspgen.labels.ObjectResult`; this module is the adapter from
``data/guesses/<gripper>/shard-XX/<stem>.npz`` (:mod:`dexgen.guess.output`) and
``data/sim/<gripper>/shard-XX/<stem>.npz`` (:mod:`dexgen.sim.output`) to it. Simulated grasps are
taken at their **input** pose (``poses``), never at ``final_poses``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from dexgen.errors import InputError
from dexgen.graspgen.labels import ObjectResult
from dexgen.guess.output import read_guesses
from dexgen.hashing import sha256_file
from dexgen.objects.records import ObjectRecord, read_index
from dexgen.sim.output import read_results


def object_result(
    objects_dir: Path, record: ObjectRecord, guess_path: Path, sim_path: Path | None, *, gripper: str
) -> ObjectResult:
    """One object's result from its guess file and (unless ``sim_path`` is None) its sim results file."""
    guesses, gmeta = read_guesses(guess_path)
    if gmeta.get("gripper") != gripper:
        raise InputError(f"{guess_path}: guesses are for gripper {gmeta.get('gripper')!r}, not {gripper!r}")
    if gmeta.get("object") != record.key:
        raise InputError(f"{guess_path}: guesses are for object {gmeta.get('object')!r}, not {record.key!r}")
    names = list(gmeta["labels"])
    labels = guesses["labels"]
    guess_sha = sha256_file(guess_path)
    inputs = {"mesh_sha256": record.mesh_sha256, "guesses_sha256": guess_sha}
    trial_poses, trial_success = np.zeros((0, 4, 4)), np.zeros(0, dtype=bool)
    if sim_path is not None:
        arrays, smeta = read_results(sim_path)
        if smeta.get("provenance", {}).get("guesses_sha256") != guess_sha:
            raise InputError(
                f"{sim_path}: simulated from another version of {guess_path}; re-run the simulate stage"
            )
        trial_poses, trial_success = arrays["poses"], arrays["success"].astype(bool)
        inputs["sim_sha256"] = sha256_file(sim_path)
    return ObjectResult(
        key=record.key,
        scale=record.scale,
        mesh_path=str(objects_dir / record.mesh),
        trial_poses=trial_poses,
        trial_success=trial_success,
        free_poses=guesses["poses"][labels == names.index("collision_free")],
        colliding_poses=guesses["poses"][labels == names.index("colliding")],
        inputs=inputs,
    )


def shard_results(
    objects_root: str | Path, guesses_root: str | Path, sim_root: str | Path | None, *, gripper: str
) -> Iterator[ObjectResult]:
    """Results of every object of every ``shard-*`` folder under ``objects_root``, in shard then key order.

    ``guesses_root`` / ``sim_root`` are ``data/guesses/<gripper>`` / ``data/sim/<gripper>`` (same shard
    folder names); ``sim_root`` None = guess_only.
    """
    objects_root = Path(objects_root)
    shards = sorted(p for p in objects_root.glob("shard-*") if p.is_dir())
    if not shards:
        raise InputError(f"{objects_root}: no shard-* folders; run the objects stage first")
    for shard in shards:
        for record in sorted(read_index(shard), key=lambda r: r.key):
            stem = Path(record.mesh).stem
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
            yield object_result(shard, record, guess_path, sim_path, gripper=gripper)
