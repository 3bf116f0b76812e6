"""MuJoCo trials of real hands: their own bodies and joints, the stroke end, the pads, the stage."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import mujoco
import numpy as np
import pytest
import trimesh
from object_shards import write_shard
from real_hand_guesses import good_and_miss, write_real_hand_guesses
from tiny_hands import SLIDE_FORCE, write_hand

from dexgen.errors import ConfigError, InputError
from dexgen.grippers.description import load_model
from dexgen.params.sim import DecompositionConfig, SimConfig
from dexgen.records.trials import REASONS, read_results
from dexgen.sim.engines import check_real_hand
from dexgen.sim.hand_spec import build_hand_scene, sim_hand
from dexgen.sim.hand_tree import hand_tree
from dexgen.sim.mujoco_backend import CONTROL, FULL, MujocoBackend, start_poses
from dexgen.sim.shard import simulate_shard

REAL = "robotiq_2f_85_real"
OBJECTS = {
    "box_000": trimesh.creation.box((0.04, 0.05, 0.06)),
    "cylinder_001": trimesh.creation.cylinder(radius=0.02, height=0.07, sections=24),
}


@pytest.fixture(scope="module")
def real():
    return load_model(REAL)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hands")
    return {kind: load_model(write_hand(folder / kind, kind=kind)) for kind in ("slide", "curl")}


def _config(sim, **changes) -> SimConfig:
    cfg = SimConfig(protocol=sim.fast_protocol, threads=1, decomposition=DecompositionConfig(method="hull"))
    return dataclasses.replace(cfg, **changes)


def test_the_2f85_joints_come_from_its_table(real):
    tree = hand_tree(real)
    leader = tree.joints[tree.leader]
    assert real.bodies[leader.body] == "left_outer_knuckle"  # the URDF's finger_joint moves it
    assert leader.kind == "hinge" and tree.leader_end == pytest.approx(real.drive[-1] - real.drive[0])
    followers = [tree.joints[k] for k in tree.moving[1:]]
    assert len(followers) == 5  # the five mimic joints
    assert all(np.array_equal(np.abs(j.poly), [0, 1, 0, 0, 0]) for j in followers)
    fixed = {real.bodies[j.body] for j in tree.joints if j.kind == "fixed"}
    assert {real.pads[0].body, real.pads[1].body} <= fixed
    openings = np.linspace(real.stroke, real.min_opening, 9)
    assert tree.opening_at(tree.values_at(openings)[:, 0]) == pytest.approx(openings, abs=1e-6)


def test_tiny_hands_get_slides_and_hinges_and_the_curl_stroke_ends_where_the_pads_meet(tiny):
    slide, curl = hand_tree(tiny["slide"]), hand_tree(tiny["curl"])
    assert [slide.joints[k].kind for k in slide.moving] == ["slide", "slide"]
    assert [curl.joints[k].kind for k in curl.moving] == ["hinge", "hinge"]
    assert 0.25 < abs(curl.leader_end) < 0.4  # the tips touch near 0.31 rad, before the 0.6 rad limit
    assert sim_hand(tiny["slide"], SimConfig(), cache_dir=None).lever == pytest.approx(2.0)


@pytest.mark.parametrize("key", sorted(OBJECTS))
def test_the_real_2f85_holds_a_grasp_across_the_middle_and_not_a_miss(real, sim, key):
    cfg = _config(sim)
    obj = sim.sim_object(OBJECTS[key], cfg, key)
    poses, openings = good_and_miss(real, OBJECTS[key].extents / 2)
    with MujocoBackend(cfg) as backend:
        trials = backend.run(obj, real, poses, openings)
    assert trials.success.tolist() == [True, False]
    assert REASONS[trials.reason[1]] == "missed"
    assert trials.final_opening[1] == pytest.approx(real.min_opening, abs=1e-3)  # closed on nothing


@pytest.mark.parametrize("kind", ["slide", "curl"])
def test_unseen_tiny_hands_simulate(tiny, sim, kind):
    hand = tiny[kind]
    cfg = _config(sim, closing_force=20.0)
    obj_extents = np.array([0.02, 0.03, 0.04])
    obj = sim.sim_object(trimesh.creation.box(obj_extents), cfg)
    poses, openings = good_and_miss(hand, obj_extents / 2)
    with MujocoBackend(cfg) as backend:
        trials = backend.run(obj, hand, poses, openings)
    assert trials.success.tolist() == [True, False]
    # a target beyond the meeting point presses on the stroke end: no crossing, no blow-up
    assert np.isfinite(trials.final_poses).all()
    assert trials.final_opening[1] == pytest.approx(hand.min_opening, abs=1e-3)


def _pad_contacts(cfg: SimConfig, model, obj, pose: np.ndarray, opening: float) -> tuple[float, float, bool]:
    """(deepest pad-object penetration over the whole trial (m), mean pad normal force at the end of the
    close (N), held) for one trial stepped by hand through the backend's own start and controls."""
    backend = MujocoBackend(cfg)
    scene = backend._scene(obj, model)
    hand0, obj0 = start_poses(pose[None], cfg.orientation)
    q0 = scene.finger_q(model, np.array([opening]))
    m = scene.model
    control = np.empty((1, backend.schedule.nstep, mujoco.mj_stateSize(m, CONTROL)))
    backend._controls(scene, obj, hand0, q0, control)
    data = mujoco.MjData(m)
    init = np.empty(mujoco.mj_stateSize(m, FULL))
    backend._start(scene, data, hand0[0], obj0[0], q0[0], control[0, 0], init)
    mujoco.mj_setState(m, data, init, FULL)
    pads = np.concatenate(scene.finger_geoms)
    deepest, f6, squeeze = 0.0, np.zeros(6), 0.0
    for k in range(backend.schedule.nstep):
        mujoco.mj_setState(m, data, control[0, k], CONTROL)
        mujoco.mj_step(m, data)
        for i in range(data.ncon):
            c = data.contact[i]
            if (c.geom1 in pads and c.geom2 in scene.object_geoms) or (
                c.geom2 in pads and c.geom1 in scene.object_geoms
            ):
                deepest = max(deepest, -float(c.dist))
                if k == backend.schedule.end_of_close:
                    mujoco.mj_contactForce(m, data, i, f6)
                    squeeze += f6[0] / 2
    held = bool(backend.run(obj, model, pose[None], np.array([opening])).success[0])
    backend.close()
    return deepest, squeeze, held


def test_the_2f85_holds_a_box_at_235_newtons_without_pads_passing_through(real, sim):
    cfg = _config(sim, closing_force=None)  # the hand's own 235 N
    obj = sim.sim_object(OBJECTS["box_000"], cfg)
    poses, openings = good_and_miss(real, OBJECTS["box_000"].extents / 2)
    depth, squeeze, held = _pad_contacts(cfg, real, obj, poses[0], openings[0])
    assert held
    # measured 3.5 mm, the box 2F-85 3.9 mm at the same force (the contact softness both share); a pad
    # passing through the 40 mm box would go 20 mm deep
    assert depth < 4e-3
    assert squeeze == pytest.approx(real.closing_force, rel=0.1)  # measured 224 N: the lever arm's torque


def test_slide_hand_squeezes_with_its_closing_force(tiny, sim):
    cfg = _config(sim, closing_force=None)  # the URDF's prismatic effort
    obj = sim.sim_object(trimesh.creation.box((0.02, 0.03, 0.04)), cfg)
    poses, openings = good_and_miss(tiny["slide"], np.array([0.02, 0.03, 0.04]) / 2)
    _, squeeze, held = _pad_contacts(cfg, tiny["slide"], obj, poses[0], openings[0])
    assert held and squeeze == pytest.approx(SLIDE_FORCE, rel=0.05)


@pytest.fixture(scope="module")
def real_shard(tmp_path_factory, real) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("real_shard")
    objects, guesses = root / "objects" / "shard-00", root / "guesses" / "shard-00"
    write_shard(objects, OBJECTS)
    write_real_hand_guesses(objects, guesses, real)
    return objects, guesses


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_stage_simulates_a_real_hand_byte_identically(real_shard, tmp_path, sim):
    objects, guesses = real_shard
    cfg = _config(sim, max_pictures=1)
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        simulate_shard(
            objects, guesses, out, config=cfg, seed=0, cache_dir=tmp_path / "cache", progress=False
        )
    assert _files(outs[0]) == _files(outs[1])
    assert (outs[0] / "pictures" / "box_000.png").exists()
    for key in OBJECTS:
        arrays, meta = read_results(outs[0] / f"{key}.npz", record=None)
        assert arrays["success"].tolist() == [True, False]
        assert meta["gripper"]["name"] == REAL
    assert list((tmp_path / "cache" / "convex").rglob("*.npz"))  # the moving bodies' parts are cached


def test_an_engine_without_real_hands_refuses_one_before_any_work():
    block = {"name": REAL, "description": REAL}
    check_real_hand("isaaclab", block)  # both engines build real hands
    check_real_hand("mujoco_warp", {"name": "box", "yaml": "..."})  # a box gripper goes anywhere
    with pytest.raises(
        ConfigError,
        match=r"^sim_compare engines: mujoco_warp cannot simulate the real hand robotiq_2f_85_real \(g.npz\); "
        r"use one of \['mujoco', 'isaaclab'\]",
    ):
        check_real_hand("mujoco_warp", block, key="sim_compare engines", where="g.npz")


def test_a_hand_without_closing_force_asks_for_one(tiny, sim):
    cfg = _config(sim, closing_force=None)
    obj = sim.sim_object(trimesh.creation.box((0.02, 0.03, 0.04)), cfg)
    with pytest.raises(
        ConfigError,
        match=r"^sim.closing_force: null \(the gripper's own\), and .*curl.urdf states no closing force",
    ):
        build_hand_scene(obj, sim_hand(tiny["curl"], cfg, cache_dir=None), cfg)


@pytest.fixture(scope="module")
def formats(tmp_path_factory):
    """The 2F-85 read from its URDF, the MJCF MuJoCo compiles of it and the USD authored from it."""
    import logging

    import airo_models
    import yourdfpy
    from gripper_descriptions import DRIVEN, write_mjcf, write_usd

    urdf = Path(airo_models.get_urdf_path("robotiq_2f_85"))
    logging.getLogger("yourdfpy").setLevel(logging.ERROR)
    robot = yourdfpy.URDF.load(
        str(urdf), build_collision_scene_graph=True, load_meshes=False, load_collision_meshes=True
    )
    folder = tmp_path_factory.mktemp("formats")
    paths = {
        "urdf": urdf,
        "mjcf": write_mjcf(urdf, robot, folder / "robotiq_2f_85.xml"),
        "usd": write_usd(robot, DRIVEN, folder / "robotiq_2f_85.usda"),
    }
    return {kind: load_model(path) for kind, path in paths.items()}


def test_urdf_mjcf_and_usd_hands_simulate_alike(formats, sim):
    cfg = _config(
        sim, closing_force=235.0
    )  # the URDF states no force (null would refuse it); the same for all
    obj = sim.sim_object(OBJECTS["box_000"], cfg)
    outcomes = {}
    for kind, model in formats.items():
        tree = hand_tree(model)
        assert sorted(j.kind for j in tree.joints) == sorted(
            j.kind for j in hand_tree(formats["urdf"]).joints
        )
        poses, openings = good_and_miss(model, OBJECTS["box_000"].extents / 2)
        with MujocoBackend(cfg) as backend:
            trials = backend.run(obj, model, poses, openings)
        outcomes[kind] = (trials.success.tolist(), round(float(trials.final_opening[0]), 3))
    assert outcomes["mjcf"] == outcomes["urdf"] == outcomes["usd"]
    assert outcomes["urdf"][0] == [True, False]


def test_a_body_that_is_not_one_joint_from_its_parent_is_refused(real):
    parents = list(real.parents)
    parents[real.bodies.index("left_inner_finger")] = -1  # on the base it sweeps an arc without turning
    broken = dataclasses.replace(real, parents=tuple(parents))
    with pytest.raises(
        InputError, match=r"body 'left_inner_finger' slides off a straight line relative to its parent"
    ):
        hand_tree(broken)
    with pytest.raises(InputError, match=r"has no body tree"):
        hand_tree(dataclasses.replace(real, parents=None))


def test_the_tree_survives_pickling(real):
    again = pickle.loads(pickle.dumps(real))  # models travel to worker processes
    assert again.parents == real.parents
    tree = hand_tree(again)
    assert tree.joints[tree.leader].values == pytest.approx(real.drive - real.drive[0], abs=1e-12)


def test_a_hinge_away_from_the_body_origin_gets_its_pivot(real, sim):
    """A body frame 30 mm off its joint (as USD and MJCF allow): the hinge is found through the joint."""
    b = real.bodies.index("left_inner_knuckle")
    offset = np.eye(4)
    offset[:3, 3] = (0.01, 0.0, 0.03)
    poses = real.poses.copy()
    poses[:, b] = poses[:, b] @ offset
    meshes = list(real.meshes)
    meshes[b] = meshes[b].copy().apply_transform(np.linalg.inv(offset))
    moved = dataclasses.replace(real, poses=poses, meshes=tuple(meshes))
    joint = next(j for j in hand_tree(moved).joints if j.body == b)
    assert joint.kind == "hinge"
    assert joint.pivot == pytest.approx([0.0, 0.0, -0.03], abs=1e-9)  # the joint, normal to the x axis
    cfg = _config(sim)
    obj = sim.sim_object(OBJECTS["box_000"], cfg)
    with MujocoBackend(cfg) as backend:
        trials = backend.run(obj, moved, *good_and_miss(moved, OBJECTS["box_000"].extents / 2))
    assert trials.success.tolist() == [True, False]
