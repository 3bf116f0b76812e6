"""``graspgen.max_motion_translation`` / ``max_motion_rotation``: held trials whose object moved past the limit
in the hand become negatives; without a limit the export is what it was."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from graspgen.helpers import GRIPPER, KEYS, make_result

from dexgen.graspgen.export import export_results
from dexgen.graspgen.grasp_file import grasp_file_name, load_json
from dexgen.graspgen.labels import KINDS, select_grasps
from dexgen.params.graspgen import GraspgenConfig
from dexgen.seeding import rng_for

# peaks of make_result's 8 held + 6 failed trials: held 1 and 2 slid 5 cm, held 3 turned 40 degrees, one failure
# moved far (not a positive either way)
PEAK_T = np.array([0.001, 0.05, 0.05, 0.01, 0.0, 0.0, 0.0, 0.0, 0.3, 0, 0, 0, 0, 0])
PEAK_R = np.array([1.0, 5.0, 5.0, 40.0, 0.0, 0.0, 0.0, 0.0, 90.0, 0, 0, 0, 0, 0])


def _result(tmp_path, key="box_000"):
    return dataclasses.replace(
        make_result(tmp_path, key), trial_peak_translation=PEAK_T, trial_peak_rotation=PEAK_R
    )


def test_held_trials_past_the_limit_become_sim_failure_negatives(tmp_path):
    r = _result(tmp_path)
    cfg = GraspgenConfig(num_colliding_grasps=32, colliding_fraction=0.0, max_motion_translation=0.02)
    sel = select_grasps(r, cfg, rng_for(0, "t"))
    assert sel.moved == 2
    pos = sel.transforms[sel.success]
    assert len(pos) == 6
    moved = r.trial_poses[[1, 2]]
    for pose in moved:  # at their input pose, among the negatives, as sim failures
        assert not any(np.array_equal(pose, p) for p in pos)
        i = next(i for i, t in enumerate(sel.transforms) if np.array_equal(t, pose))
        assert not sel.success[i] and KINDS[sel.kind[i]] == "sim_failure"
    both = select_grasps(r, dataclasses.replace(cfg, max_motion_rotation=30.0), rng_for(0, "t"))
    assert both.moved == 3 and both.success.sum() == 5
    rotation_only = select_grasps(r, GraspgenConfig(max_motion_rotation=30.0), rng_for(0, "t"))
    assert rotation_only.moved == 1


def test_no_limit_keeps_every_held_trial_and_the_params_hash():
    cfg = GraspgenConfig()
    assert not cfg.motion_limited
    # the hash the default export's files recorded before the limits existed (commit c9834d2)
    assert cfg.output_hash() == "f59e22ed4b9f32ee910b9d46e34082c4c2df4c9dff1051bd75967a1dca256708"
    assert GraspgenConfig(max_motion_rotation=30.0).output_hash() != cfg.output_hash()
    with pytest.raises(ValueError, match="max_motion_translation must be >= 0 or null"):
        GraspgenConfig(max_motion_translation=-0.01)
    with pytest.raises(ValueError, match="need simulated trials, not guess_only"):
        GraspgenConfig(guess_only=True, max_motion_rotation=30.0)


def test_a_limit_without_peaks_is_refused(tmp_path):
    with pytest.raises(ValueError, match="box_000: a motion limit needs each trial's peak drift"):
        select_grasps(
            make_result(tmp_path, "box_000"), GraspgenConfig(max_motion_translation=0.02), rng_for(0, "t")
        )


def test_the_export_records_the_limit_and_what_it_changed(tmp_path, gripper):
    results = [_result(tmp_path, k) for k in KEYS]
    plain = export_results(
        results, dataset=tmp_path / "a", gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False
    )
    assert "motion_limit" not in plain
    name = grasp_file_name("box_000", 1.0)
    doc = load_json(tmp_path / "a" / "grasp_data" / GRIPPER / name)
    assert "held_past_motion_limit" not in doc["dexgen"]["counts"]
    cfg = GraspgenConfig(max_motion_translation=0.02, max_motion_rotation=30.0)
    limited = export_results(
        results, dataset=tmp_path / "b", gripper=gripper, cfg=cfg, seed=3, progress=False
    )
    assert limited["motion_limit"] == {
        "translation_m": 0.02,
        "rotation_deg": 30.0,
        "held_made_negative": 3 * len(KEYS),
        "by_object": dict.fromkeys(KEYS, 3),
    }
    assert limited["positives"] == plain["positives"] - 3 * len(KEYS)
    doc_b = load_json(tmp_path / "b" / "grasp_data" / GRIPPER / name)
    assert doc_b["dexgen"]["counts"]["held_past_motion_limit"] == 3
    assert doc_b["dexgen"]["provenance"]["params_hash"] != doc["dexgen"]["provenance"]["params_hash"]
    assert json.dumps(limited, sort_keys=True)  # plain JSON
