"""The parent's request encoding (no Isaac Lab needed): frames, forces, targets, wire lines, worker imports."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from dexgen.errors import ConfigError, InputError
from dexgen.grippers.loader import load_gripper
from dexgen.params.sim import protocol_preset
from dexgen.sim.isaaclab import request, wire
from dexgen.sim.isaaclab.request import scene_description, trial_arrays
from dexgen.sim.protocol import make_schedule

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.fixture
def setup(fast_config, gripper, sim):
    obj = sim.sim_object(trimesh.creation.box((0.05, 0.04, 0.08)), fast_config)
    poses = np.array([sim.grasp(gripper, (0, 0, 0.025), (0, 0, -1), (1, 0, 0))])
    return fast_config, gripper, obj, poses


def test_trials_run_in_the_hand_start_frame(setup):
    cfg, gripper, obj, poses = setup
    sch = make_schedule(cfg.protocol)
    a = trial_arrays(sch, obj, gripper, cfg, poses, np.array([0.07]))
    # the object starts where the grasp puts it relative to the hand: inv(pose)
    assert np.allclose(a["obj_pos"][0], np.linalg.inv(poses[0])[:3, 3])
    assert a["finger_q0"][0] == pytest.approx(0.035)
    assert np.allclose(a["hand_target"][0, 0], 0.0, atol=1e-6)  # step 0: at the start, no rotation yet
    # the lift raises the hand against gravity: top-down, world up is the hand's -z
    lift_end = sch.end_of_close + int(round(cfg.protocol.lift_duration / cfg.protocol.timestep))
    assert a["hand_target"][0, lift_end, :3] == pytest.approx([0, 0, -cfg.protocol.lift_height], abs=1e-9)
    # during the close the weight is cancelled; after it, the weight pulls along the hand's +z (out of the opening)
    assert np.allclose(a["force"][0, : sch.end_of_close + 1], 0.0, atol=1e-9)
    weight = obj.mass * 9.81
    assert a["force"][0, sch.end_of_close + 1] == pytest.approx([0, 0, weight])
    # fingers ramp from the start opening to beyond closed
    assert a["finger_target"][0, -1] < 0 < a["finger_target"][0, 0] <= 0.035


def test_without_gravity_the_object_feels_only_the_tugs(setup, sim):
    cfg, gripper, _, poses = setup
    cfg = dataclasses.replace(cfg, protocol=protocol_preset("graspdatagen"))  # gravity off, 1 kg
    obj = sim.sim_object(trimesh.creation.box((0.05, 0.04, 0.08)), cfg)
    sch = make_schedule(cfg.protocol)
    a = trial_arrays(sch, obj, gripper, cfg, poses, np.array([0.07]))
    assert np.allclose(a["force"][0, : sch.end_of_close + 1], 0.0)  # no weight to cancel, none applied
    # the first tug pulls out of the opening (hand +z) with 1 g x 1 kg, and nothing else acts
    assert a["force"][0, sch.end_of_close + 1] == pytest.approx([0, 0, 9.81])
    assert np.allclose(np.linalg.norm(a["force"][0, sch.end_of_close + 1 :], axis=1), 9.81)


def test_scene_key_changes_with_the_scene(setup):
    cfg, gripper, obj, _ = setup
    s1, arrays = scene_description(obj, gripper, cfg, 16)
    s2, _ = scene_description(obj, gripper, cfg, 16)
    s3, _ = scene_description(obj, gripper, cfg, 32)
    assert s1["key"] == s2["key"] != s3["key"]
    assert arrays["part_nvert"].sum() == len(arrays["part_vertices"])
    assert [b["name"] for b in s1["gripper"]["bodies"]] == ["palm", "finger_neg", "finger_pos"]


def test_wire_lines_round_trip_and_ignore_other_output(tmp_path):
    line = wire.encode({"ok": True, "dir": "/tmp/x"})
    assert line.endswith("\n") and wire.decode(line) == {"ok": True, "dir": "/tmp/x"}
    assert wire.decode("[Warp] Initialised\n") is None
    wire.write_npz(tmp_path / "a.npz", {"x": np.arange(3.0)})
    assert np.array_equal(wire.read_npz(tmp_path / "a.npz")["x"], np.arange(3.0))
    assert [p.name for p in tmp_path.iterdir()] == ["a.npz"]  # no temporary left behind


def test_worker_imports_nothing_of_the_main_environment():
    """The worker runs under Isaac Lab's Python: importing it must not need dexgen's dependencies."""
    code = (
        "import sys; import dexgen.sim.isaaclab.worker, dexgen.sim.isaaclab.wire; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'scipy', 'trimesh', 'mujoco', 'yaml', 'torch', 'isaaclab', 'pxr'} or m.startswith('dexgen.params')); "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={"PYTHONPATH": str(SRC)}, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_a_gripper_the_usd_writer_cannot_build_is_named(setup, monkeypatch):
    cfg, gripper, obj, _ = setup
    suction = load_gripper("suction_30mm")
    with pytest.raises(ConfigError, match=rf"{re.escape(suction.source)}.*needs a parallel-jaw gripper"):
        scene_description(obj, suction, cfg, 4)
    sideways = [
        dataclasses.replace(b, joint_axis=(0.0, 1.0, 0.0)) if b.name == "finger_pos" else b
        for b in request.bodies(gripper, gripper.min_opening)
    ]
    monkeypatch.setattr(request, "bodies", lambda *_: sideways)
    with pytest.raises(
        ConfigError, match=rf"{re.escape(gripper.source)}.*finger_pos moves along \[0.0, 1.0, 0.0\]"
    ):
        scene_description(obj, gripper, cfg, 4)


@pytest.mark.parametrize(
    "part, why",
    [
        (np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0.0]]) * 0.01, "is flat"),
        (np.zeros((3, 3)), "has 3 points"),
        (np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, np.nan]]), "non-finite"),
    ],
)
def test_an_object_part_physx_cannot_cook_is_named(setup, part, why):
    cfg, gripper, obj, _ = setup
    bad = dataclasses.replace(obj, key="flat_thing", parts=[*obj.parts, (part, np.zeros((0, 3), np.int32))])
    with pytest.raises(InputError, match=rf"object 'flat_thing'.*convex part {len(obj.parts)} of .* {why}"):
        scene_description(bad, gripper, cfg, 4)
