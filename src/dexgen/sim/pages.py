"""An interactive 3-D page (:mod:`dexgen.viewer`) of one object's simulation results, for ``dexgen show``."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def results_page(
    results: str | Path, objects_dir: str | Path, out: str | Path, *, guesses: str | Path | None = None
) -> Path:
    """Write an interactive 3-D page (:mod:`dexgen.viewer`) of a per-object simulation file: held grasps
    green, failed red (or coloured by score), and, with the object's ``guesses`` file, its colliding
    guesses orange. Returns ``out``."""
    from dexgen.errors import InputError
    from dexgen.grippers.model import GripperModel
    from dexgen.objects.loading import load_object_mesh
    from dexgen.records.grippers import gripper_from_record
    from dexgen.records.guesses import read_guesses, rows_of
    from dexgen.records.objects import check_made_for, read_index
    from dexgen.records.trials import read_results
    from dexgen.viewer.hand import hand_poses
    from dexgen.viewer.page import ViewerObject, grasp_segments, write_page

    arrays, meta = read_results(results, record=None)  # the record is found by the file's own key
    records = [r for r in read_index(objects_dir) if r.key == meta["object"]]
    if not records:
        raise InputError(
            f"{objects_dir}: object {meta['object']!r} of {results} is not in this shard's index"
        )
    check_made_for(meta, records[0], where=str(results))
    mesh = load_object_mesh(objects_dir, records[0])
    gripper = gripper_from_record(meta["gripper"], where=str(results))
    held = np.asarray(arrays["success"], dtype=bool)
    shown = [(arrays["poses"], arrays["openings"])]
    groups = ["held" if h else "failed" for h in held]
    scores = list(np.asarray(arrays["score"], dtype=np.float64))
    if guesses is not None:
        guess_arrays, guess_meta = read_guesses(guesses, record=records[0])
        rows = rows_of(guess_arrays["labels"], guess_meta, "colliding")
        shown.append((guess_arrays["poses"][rows], guess_arrays["openings"][rows]))
        groups += ["colliding"] * len(rows)
        scores += [0.0] * len(rows)
    hand = gripper if isinstance(gripper, GripperModel) else None  # real hand: its meshes per grasp
    obj = ViewerObject(
        meta["object"],
        np.asarray(mesh.vertices),
        np.asarray(mesh.faces),
        np.concatenate([grasp_segments(gripper, p, o) for p, o in shown]),
        groups,
        np.asarray(scores),
        None if hand is None else np.concatenate([hand_poses(hand, p, o) for p, o in shown]),
    )
    title = f"{meta['object']} / {gripper.name} ({meta['engine']}): {int(held.sum())}/{len(held)} held"
    return write_page(out, [obj], title=title, hand=hand)
