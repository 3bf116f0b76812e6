"""The Isaac Lab backend for real (needs `make isaaclab-env`): held and missed grasps on a box and a mug,
the same Trials as MuJoCo, a killed worker reported or retried."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.objects.procedural import make_object
from dexgen.params.isaaclab import IsaacLabConfig
from dexgen.params.sim import DecompositionConfig, protocol_preset
from dexgen.records.trials import PHASES, REASONS, Trials
from dexgen.sim.isaaclab.client import WorkerClient, WorkerError
from dexgen.sim.registry import make_backend

pytestmark = [pytest.mark.isaaclab, pytest.mark.slow]

DOWN, ACROSS = (0.0, 0.0, -1.0), (1.0, 0.0, 0.0)


def _why(t: Trials, i: int) -> str:
    return f"{PHASES[t.phase[i]]}/{REASONS[t.reason[i]]} drift {t.translation_drift[i]:.4f} m"


def _box_poses(sim, gripper):
    return np.array(
        [
            sim.grasp(gripper, (0, 0, 0.025), DOWN, ACROSS),  # antipodal across the 5 cm faces
            sim.grasp(
                gripper, (0.0, 0.3, 0.0), (0, -1, 0), (0, 0, 1)
            ),  # 30 cm away: nothing between the pads
        ]
    )


def _mug(fast_config):
    mesh = make_object("mug", "mug_test", seed=0, size_range=(0.08, 0.08))
    cfg = dataclasses.replace(fast_config, decomposition=DecompositionConfig())  # coacd parts: concave
    return mesh, cfg


def _mug_poses(sim, gripper, mesh):
    axis_x = mesh.bounds[0, 0] + mesh.extents[1] / 2  # the body's axis: the handle sticks out along +x
    top = mesh.bounds[1, 2]
    return np.array(
        [
            sim.grasp(gripper, (axis_x, 0, top - 0.02), DOWN, (0, 1, 0)),  # around the body, across y
            sim.grasp(gripper, (axis_x, 0, top + 0.3), DOWN, (0, 1, 0)),  # 30 cm above the mug
        ]
    )


@pytest.mark.parametrize(
    "physics, preset", [("physx", "dexgen"), ("newton", "dexgen"), ("physx", "graspdatagen")]
)
def test_box_and_mug_held_and_missed_like_mujoco(physics, preset, fast_config, gripper, sim, isaaclab_python):
    if preset != "dexgen":  # GraspDataGen's protocol whole: 1 kg, no gravity, 1 s close, five 0.5-s tugs
        fast_config = dataclasses.replace(fast_config, protocol=protocol_preset(preset))
    box = sim.sim_object(trimesh.creation.box((0.05, 0.04, 0.08)), fast_config, key="box")
    mug_mesh, mug_cfg = _mug(fast_config)
    mug = sim.sim_object(mug_mesh, mug_cfg, key="mug")
    assert preset == "dexgen" or box.mass == mug.mass == 1.0
    cases = [(box, _box_poses(sim, gripper), 0.07), (mug, _mug_poses(sim, gripper, mug_mesh), 0.085)]
    cfg = dataclasses.replace(fast_config, backend="isaaclab", isaaclab=IsaacLabConfig(physics=physics))
    ref_cfg = dataclasses.replace(fast_config, backend="mujoco")
    with make_backend(cfg) as backend, make_backend(ref_cfg) as reference:
        assert backend.version() == f"isaaclab 3.0.0 {physics}"
        for obj, poses, opening in cases:
            openings = np.full(len(poses), opening)
            got = backend.run(obj, gripper, poses, openings)
            want = reference.run(obj, gripper, poses, openings)
            assert got.success[0], f"{obj.key}: {_why(got, 0)}"
            assert not got.success[1] and REASONS[got.reason[1]] == "missed", f"{obj.key}: {_why(got, 1)}"
            # closed on air (MuJoCo-Warp's soft joint limits let the pads pass closed by a few mm, as MuJoCo's)
            assert got.final_opening[1] < gripper.min_opening + cfg.success.closed_margin
            assert np.array_equal(got.success, want.success)
            assert np.array_equal(
                got.start_penetration, want.start_penetration
            )  # same measure, by construction
            # same fields, dtypes and shapes as the MuJoCo backend's
            for name in Trials.ARRAYS:
                a, b = getattr(got, name), getattr(want, name)
                assert (a.dtype, a.shape) == (b.dtype, b.shape), name
            assert abs(got.final_opening[0] - want.final_opening[0]) < 0.004


def test_physx_threads_change_nothing(isaaclab_python, fast_config, gripper, sim):
    """sim.threads is not hashed: PhysX's dispatcher gives the same trials with 1 worker thread as with 2."""
    box = sim.sim_object(trimesh.creation.box((0.05, 0.04, 0.08)), fast_config, key="box")
    poses = _box_poses(sim, gripper)
    runs = []
    for threads in (1, 2):
        cfg = dataclasses.replace(fast_config, backend="isaaclab", threads=threads, isaaclab=IsaacLabConfig())
        with make_backend(cfg) as backend:
            runs.append(backend.run(box, gripper, poses, np.full(len(poses), 0.07)))
            assert backend._client.info["threads"] == threads
    for name in Trials.ARRAYS:
        assert np.array_equal(getattr(runs[0], name), getattr(runs[1], name)), name


def test_a_killed_worker_is_reported(isaaclab_python, fast_config, gripper, sim):
    box = sim.sim_object(trimesh.creation.box((0.05, 0.04, 0.08)), fast_config, key="box")
    cfg = dataclasses.replace(fast_config, backend="isaaclab", isaaclab=IsaacLabConfig(num_envs=2))
    poses = _box_poses(sim, gripper)
    with make_backend(cfg) as backend:
        want = backend.run(obj=box, gripper=gripper, poses=poses, openings=np.full(2, 0.07))
        # killed mid-chunk: the chunk is retried once on a fresh worker and gives the same labels
        first = backend._client
        wait = first._wait

        def kill_then_wait(timeout, what):  # the request is sent: the worker dies holding the chunk
            first.proc.kill()
            return wait(timeout, what)

        first._wait = kill_then_wait
        got = backend.run(box, gripper, poses, np.full(2, 0.07))
        assert backend._client is not first and np.array_equal(got.success, want.success)
    # a client whose worker was killed says so, with the log of what it printed
    client = WorkerClient(
        isaaclab_python, physics="physx", device="cpu", startup_timeout=600, batch_timeout=600
    )
    try:
        client.proc.kill()
        client.proc.wait()
        with pytest.raises(WorkerError, match=r"Isaac Lab worker \(pid \d+\) (is not running|exited)"):
            client.run({"scene": {}}, {})
    finally:
        client.close()
