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
    from dexgen.records.guesses import read_guesses, rows_of
    from dexgen.sim.trial_file import load_trial_file
    from dexgen.viewer.hand import hand_poses
    from dexgen.viewer.page import ViewerObject, grasp_segments, write_page

    trial = load_trial_file(results, objects_dir)
    arrays, meta, gripper = trial.arrays, trial.meta, trial.gripper
    held = np.asarray(arrays["success"], dtype=bool)
    shown = [(arrays["poses"], arrays["openings"])]
    groups = ["held" if h else "failed" for h in held]
    scores = list(np.asarray(arrays["score"], dtype=np.float64))
    if guesses is not None:
        guess_arrays, guess_meta = read_guesses(guesses, record=trial.record)
        rows = rows_of(guess_arrays["labels"], guess_meta, "colliding")
        shown.append((guess_arrays["poses"][rows], guess_arrays["openings"][rows]))
        groups += ["colliding"] * len(rows)
        scores += [0.0] * len(rows)
    hand = gripper.hand_model  # a real hand: its meshes per grasp
    obj = ViewerObject(
        meta["object"],
        np.asarray(trial.mesh.vertices),
        np.asarray(trial.mesh.faces),
        np.concatenate([grasp_segments(gripper, p, o) for p, o in shown]),
        groups,
        np.asarray(scores),
        None if hand is None else np.concatenate([hand_poses(hand, p, o) for p, o in shown]),
    )
    title = f"{meta['object']} / {gripper.name} ({meta['engine']}): {int(held.sum())}/{len(held)} held"
    return write_page(out, [obj], title=title, hand=hand)
