"""One object's simulation results with what drawing them needs: the object's record, mesh and gripper.

The picture (:mod:`dexgen.sim.pictures`) and the 3-D page (:mod:`dexgen.sim.pages`) of a results file
load it the same way, and refuse it the same way when the object shard given is not the one it came from.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from dexgen.errors import InputError
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper
from dexgen.objects.loading import load_object_mesh
from dexgen.records.grippers import gripper_from_record
from dexgen.records.objects import ObjectRecord, check_made_for, read_index
from dexgen.records.trials import read_results


@dataclasses.dataclass(frozen=True)
class TrialFile:
    """A per-object simulation file (``data/sim/<gripper>/shard-XX/<stem>.npz``), checked against its shard."""

    path: Path
    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    record: ObjectRecord
    mesh: trimesh.Trimesh
    gripper: Gripper | GripperModel


def load_trial_file(results: str | Path, objects_dir: str | Path) -> TrialFile:
    """Read ``results`` and find its object in ``objects_dir`` by the file's own key (the record it was
    made for: same mesh, same scale), else an :class:`InputError` naming both."""
    arrays, meta = read_results(results, record=None)
    records = [r for r in read_index(objects_dir) if r.key == meta["object"]]
    if not records:
        raise InputError(
            f"{objects_dir}: object {meta['object']!r} of {results} is not in this shard's index"
        )
    check_made_for(meta, records[0], where=str(results))
    mesh = load_object_mesh(objects_dir, records[0])
    gripper = gripper_from_record(meta["gripper"], where=str(results))
    return TrialFile(Path(results), arrays, meta, records[0], mesh, gripper)
