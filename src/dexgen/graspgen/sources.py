"""Per-object inputs of the export, read from the guess and simulate stages' files.

The export sees only :class:`~dexgen.graspgen.labels.ObjectResult`; this module is the adapter from
``data/guesses/shard-XX/<stem>.npz`` (:mod:`dexgen.records.guesses`) and
``data/sim/shard-XX/<stem>.npz`` (:mod:`dexgen.records.trials`) to it. Simulated grasps are taken at
their **input** pose (``poses``), never at ``final_poses``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dexgen.errors import InputError
from dexgen.graspgen.labels import ObjectResult
from dexgen.hashing import sha256_file
from dexgen.objects.loading import object_mesh_bytes
from dexgen.records.grippers import same_gripper
from dexgen.records.guesses import read_guesses, rows_of
from dexgen.records.objects import ObjectRecord
from dexgen.records.trials import read_results


def object_result(
    objects_dir: Path, record: ObjectRecord, guess_path: Path, sim_path: Path | None
) -> ObjectResult:
    """One object's result from its guess file and (unless ``sim_path`` is None) its sim results file."""
    guesses, gmeta = read_guesses(guess_path, record=record)
    object_mesh_bytes(objects_dir, record)  # the mesh the export loads by path: refused if replaced
    labels = guesses["labels"]
    guess_sha = sha256_file(guess_path)
    inputs = {"mesh_sha256": record.mesh_sha256, "guesses_sha256": guess_sha}
    trial_poses, trial_success = np.zeros((0, 4, 4)), np.zeros(0, dtype=bool)
    peak_t, peak_r = np.zeros(0), np.zeros(0)
    if sim_path is not None:
        arrays, smeta = read_results(sim_path, record=record)
        if smeta.get("provenance", {}).get("guesses_sha256") != guess_sha:
            raise InputError(
                f"{sim_path}: simulated from another version of {guess_path}; re-run the simulate stage"
            )
        same_gripper(
            gmeta["gripper"], smeta.get("gripper", {}), where_a=str(guess_path), where_b=str(sim_path)
        )
        trial_poses, trial_success = arrays["poses"], arrays["success"].astype(bool)
        peak_t, peak_r = arrays["peak_translation_drift"], arrays["peak_rotation_drift"]
        inputs["sim_sha256"] = sha256_file(sim_path)
    return ObjectResult(
        key=record.key,
        scale=record.scale,
        mesh_path=str(objects_dir / record.mesh),
        trial_poses=trial_poses,
        trial_success=trial_success,
        free_poses=guesses["poses"][rows_of(labels, gmeta, "collision_free")],
        colliding_poses=guesses["poses"][rows_of(labels, gmeta, "colliding")],
        inputs=inputs,
        trial_peak_translation=peak_t,
        trial_peak_rotation=peak_r,
    )
