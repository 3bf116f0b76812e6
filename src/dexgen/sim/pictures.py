"""A PNG per object: the mesh with its simulated grasps as gripper glyphs, held green and failed red.

Reuses the guess stage's drawing (:func:`dexgen.guess.pictures.render_guesses`, matplotlib Agg) with
the simulation outcome as the colour, so both pictures read the same way.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import ClassVar

import numpy as np
import trimesh

from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import Gripper
from dexgen.guess.pictures import render_guesses
from dexgen.records.trials import REASONS


@dataclasses.dataclass(frozen=True)
class Sketch:
    """A real hand as the two-finger glyph pictures draw: the stroke and the pads' depth span."""

    name: str
    max_opening: float
    finger_base_depth: float
    fingertip_depth: float

    hand_model: ClassVar[None] = None  # drawn as the box sketch

    @property
    def reach(self) -> float:
        return self.fingertip_depth

    @classmethod
    def of(cls, model: GripperModel) -> Sketch:
        tcp, pad = model.tcp_depth(), model.pads[0]
        return cls(model.name, model.stroke, tcp - (pad.size[0] - model.bite), tcp + model.bite)


def render_trials(
    path: str | Path,
    mesh: trimesh.Trimesh,
    gripper: Gripper | GripperModel,
    poses: np.ndarray,
    openings: np.ndarray,
    success: np.ndarray,
    *,
    reasons: np.ndarray | None = None,
    per_group: int = 24,
    title: str = "",
    legend: str | None = None,
) -> None:
    """Write a PNG of ``mesh`` with up to ``per_group`` held (green) and failed (red) grasps.

    poses : (n, 4, 4) float64 -- gripper base in the object frame (input poses), metres
    openings : (n,) float64 -- pad openings, metres; success : (n,) bool
    reasons : (n,) int8 into backend.REASONS, summarised in the title when given
    legend : replaces the line saying what green and red mean (and the reasons)
    """
    success = np.asarray(success, dtype=bool)
    if gripper.hand_model is not None:  # drawn as its pads' glyph: meshes are the viewer's job
        gripper = Sketch.of(gripper.hand_model)
    colours = np.where(success, 0, 1).astype(np.int8)  # render_guesses: 0 green, 1 red
    head = legend or f"{int(success.sum())}/{len(success)} held (green), failed red"
    if legend is None and reasons is not None and (~success).any():
        common = Counter(REASONS[r] for r in np.asarray(reasons)[~success]).most_common(3)
        head += " -- " + ", ".join(f"{name} {count}" for name, count in common)
    render_guesses(
        path,
        mesh,
        gripper,
        poses,
        openings,
        colours,
        per_label=per_group,
        title=f"{title}\n{head}" if title else head,
    )


def render_results_file(
    results: str | Path, objects_dir: str | Path, out: str | Path, *, per_group: int = 24
) -> Path:
    """Render a per-object simulation file (``data/sim/<gripper>/shard-XX/<stem>.npz``) to ``out`` (PNG).

    ``objects_dir`` is the object shard the results came from (its index names the mesh). Returns ``out``.
    """
    from dexgen.sim.trial_file import load_trial_file

    trial = load_trial_file(results, objects_dir)
    arrays, meta = trial.arrays, trial.meta
    render_trials(
        out,
        trial.mesh,
        trial.gripper,
        arrays["poses"],
        arrays["openings"],
        arrays["success"],
        reasons=arrays["reason"],
        per_group=per_group,
        title=f"{meta['object']} / {meta['gripper']['name']} ({meta['engine']})",
    )
    return Path(out)
