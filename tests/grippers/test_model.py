"""The gripper model: the real 2F-85's stroke and pads, the opening table, interpolation against exact
kinematics, and the box YAML reproduced as a model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq
from tiny_hands import write_hand

from dexgen.grippers.description import load_model
from dexgen.grippers.geometry import gripper_mesh
from dexgen.grippers.loader import gripper_names, load_gripper
from dexgen.grippers.model import INTERPOLATION_BOUND, model_from_box
from dexgen.grippers.spec import ParallelJawGripper

BOXES = [n for n in gripper_names() if isinstance(load_gripper(n), ParallelJawGripper)]


@pytest.fixture(scope="module")
def real():
    return load_model("robotiq_2f_85_real")


def test_real_2f_85_has_an_85_mm_stroke(real):
    assert real.stroke == pytest.approx(0.085, abs=0.002)
    assert real.name == "robotiq_2f_85_real" and real.closing_force == 235.0 and real.bite == 0.0185
    assert len(real.bodies) == 11 and sum(real.faces().values()) > 4000  # real meshes, not 36 faces


def test_real_2f_85_tcp_depth_is_graspgens(real):
    # GraspGen's own 2F-85 config says depth 0.12992; the pads ride on an arc, so it is the open pose's
    assert real.tcp_depth() == pytest.approx(0.1299, abs=0.002)


def _normals(model, opening):
    poses = model.pad_poses(opening)
    return [pose[:3, :3] @ pad.normal for pad, pose in zip(model.pads, poses)]


def test_real_pads_face_each_other_along_x(real):
    for opening in real.openings:
        neg, pos = _normals(real, opening)
        assert neg @ [1, 0, 0] > 0.999 and pos @ [-1, 0, 0] > 0.999
    points = real.bite_points()
    assert points[0, 0] < 0 < points[1, 0]
    assert points[1, 0] - points[0, 0] == pytest.approx(real.stroke, abs=1e-6)  # parallel pads


@pytest.mark.parametrize("count", [8, 13])
def test_opening_table_is_monotonic_and_sized(count):
    model = load_model("robotiq_2f_85_real", openings=count)
    assert len(model.openings) == count and np.all(np.diff(model.openings) < 0)
    for opening, poses in zip(model.openings, model.poses):
        assert model.gap(poses) == pytest.approx(opening, abs=1e-9)


def _vertex_error(model, opening: float) -> float:
    """Largest distance of any mesh vertex between body_poses(opening) and exact kinematics there."""
    s = brentq(lambda x: model.gap(model.exact(x)) - opening, 0.0, 1.0, xtol=1e-15)
    got, want = model.body_poses(opening), model.exact(s)
    return max(
        np.linalg.norm(
            (m.vertices @ got[i, :3, :3].T + got[i, :3, 3])
            - (m.vertices @ want[i, :3, :3].T + want[i, :3, 3]),
            axis=1,
        ).max()
        for i, m in enumerate(model.meshes)
    )


def test_interpolation_at_mid_points_is_within_the_bound(real, tmp_path):
    curl = load_model(write_hand(tmp_path, kind="curl"))
    for model in (real, curl):
        mids = (model.openings[:-1] + model.openings[1:]) / 2
        errors = [_vertex_error(model, o) for o in mids]
        assert max(errors) < INTERPOLATION_BOUND, errors
        assert [model.gap(p) for p in model.body_poses(mids)] == pytest.approx(mids, abs=1e-7)


def test_curling_pads_stop_the_stroke_where_they_meet(tmp_path):
    model = load_model(write_hand(tmp_path, kind="curl"))
    assert model.min_opening == pytest.approx(0.0, abs=1e-6)
    assert 0.2 < model.drive[-1] < 0.6  # before the joint limit: the tips touch first
    closed = model.body_poses(model.min_opening)
    assert model.gap(closed) == pytest.approx(0.0, abs=1e-6)
    neg, pos = _normals(model, model.min_opening)
    assert neg[0] < 0.99 and pos[0] > -0.99  # the pads tilted on the way


@pytest.mark.parametrize("name", BOXES)
def test_box_model_is_the_box_geometry(name):
    gripper = load_gripper(name)
    model = model_from_box(gripper)
    assert model.stroke == gripper.max_opening and model.min_opening == gripper.min_opening
    assert model.tcp_depth() == pytest.approx(gripper.tcp_depth, abs=1e-12)
    for opening in np.linspace(gripper.min_opening, gripper.max_opening, 7):
        want = gripper_mesh(gripper, opening)
        got = model.mesh_at(opening)
        assert np.allclose(got.vertices, want.vertices, atol=1e-12)
        assert np.array_equal(got.faces, want.faces)
        points = model.bite_points(opening)
        assert points[:, 0] == pytest.approx([-opening / 2, opening / 2], abs=1e-12)
        assert points[:, 2] == pytest.approx([gripper.tcp_depth] * 2, abs=1e-12)


def test_load_model_of_a_box_name_is_model_from_box():
    model = load_model("robotiq_2f_85")
    assert model.kind == "box" and model.sha256 == load_gripper("robotiq_2f_85").sha256


def test_opening_outside_the_stroke_is_refused(real):
    with pytest.raises(ValueError, match="outside the stroke"):
        real.body_poses(real.stroke + 1e-3)


def test_a_model_pickles_for_worker_processes(real):
    import pickle

    back = pickle.loads(pickle.dumps(real))
    assert back.exact is None and back.name == real.name
    assert np.array_equal(back.body_poses(0.03), real.body_poses(0.03))
    assert np.array_equal(back.mesh_at(0.03).vertices, real.mesh_at(0.03).vertices)
