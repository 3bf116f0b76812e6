"""Each sampler on shapes whose answer is known by hand: box faces, cylinder sides, a cone, a bowl."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import trimesh

from dexgen.grippers.loader import load_gripper
from dexgen.guess.rays import first_hit
from dexgen.guess.samplers import acronym, antipodal, finger_pad
from dexgen.guess.samplers.registry import SAMPLERS
from dexgen.guess.sampling import sample_in_cone
from dexgen.params.guess import SAMPLER_NAMES, GuessConfig
from dexgen.seeding import rng_for

from .conftest import analytic

G = load_gripper("robotiq_2f_85")
CFG = GuessConfig()
MODULES = {"antipodal": antipodal, "finger_pad": finger_pad, "acronym": acronym}


def _propose(name: str, shape: str, count: int = 400, cfg: GuessConfig = CFG):
    mesh = analytic(shape) if isinstance(shape, str) else shape
    return mesh, MODULES[name].propose(mesh, G, count, rng_for(0, "test", name, str(count)), cfg)


def test_registry_matches_the_names_params_accept():
    assert tuple(SAMPLERS) == SAMPLER_NAMES


@pytest.mark.parametrize("name", list(MODULES))
@pytest.mark.parametrize("shape", ["box", "cylinder", "sphere"])
def test_proposals_on_the_surface_in_a_grasp_frame(name, shape):
    mesh, props = _propose(name, shape)
    assert len(props) > 50
    far_points = props.points + props.far[:, None] * props.rotations[:, :, 0]
    _, dist, _ = trimesh.proximity.closest_point(mesh, np.concatenate([props.points, far_points]))
    assert dist.max() < 1e-5
    rot = props.rotations
    assert np.allclose(rot @ rot.transpose(0, 2, 1), np.eye(3), atol=1e-9)
    assert np.allclose(np.linalg.det(rot), 1.0)
    assert np.linalg.norm(rot[:, :, 2].mean(axis=0)) < 0.5  # the roll about the closing axis is random
    depth = G.tcp_depth - np.array(CFG.depth_offset_range)
    assert np.all((props.depths <= depth[0] + 1e-12) & (props.depths >= depth[1] - 1e-12))
    assert np.all(props.far + 2 * CFG.clearance < G.max_opening)


@pytest.mark.parametrize("name", list(MODULES))
def test_same_stream_same_proposals(name):
    (_, a), (_, b) = _propose(name, "cylinder", 200), _propose(name, "cylinder", 200)
    assert np.array_equal(a.rotations, b.rotations) and np.array_equal(a.far, b.far)


@pytest.mark.parametrize("name", ["finger_pad", "acronym"])
def test_box_faces_close_along_the_normal_across_the_box(name):
    """On a 40 x 50 x 60 mm box both close along a face normal; widths are the box's sides that fit."""
    mesh, props = _propose(name, "box")
    x = props.rotations[:, :, 0]
    axis = np.argmax(np.abs(x), axis=1)
    assert np.allclose(np.abs(x).max(axis=1), 1.0)
    assert np.allclose(props.far, np.array([0.04, 0.05, 0.06])[axis])
    assert not props.settle if name == "acronym" else props.settle


def test_finger_pad_cylinder_side_spans_the_diameter():
    mesh, props = _propose("finger_pad", "cylinder")
    side = np.abs(props.rotations[:, 2, 0]) < 1e-9  # closing axis level: the point is on the side
    assert side.sum() > 20 and np.allclose(props.far[side], 0.05, atol=2e-4)  # 48-gon: chord ~ diameter


def test_antipodal_axes_inside_both_friction_cones():
    _, props = _propose("antipodal", "sphere")
    x = props.rotations[:, :, 0]
    cos = np.cos(CFG.cone_half_angle) - 1e-9
    assert np.all(np.einsum("ij,ij->i", x, -props.normals[:, 0]) >= cos)
    assert np.all(np.einsum("ij,ij->i", x, props.normals[:, 1]) >= cos)


def test_antipodal_finds_cone_grasps_only_off_the_normal():
    """A 16.7 deg cone: the axis along -n_p is 33 deg off the far normal (outside a mu = 0.5 cone), so
    grasps across its side exist only with the axis drawn inside the cone (the default)."""
    flush = dataclasses.replace(CFG, axis_cone_fraction=0.0)
    _, along_normal = _propose("antipodal", "cone", 2000, flush)
    _, in_cone = _propose("antipodal", "cone", 2000)
    level = lambda p: int((np.abs(p.rotations[:, 2, 0]) < 0.5).sum())  # noqa: E731 (axis across the side)
    assert level(along_normal) == 0 and level(in_cone) > 100


def test_acronym_takes_the_whole_line_finger_pad_the_widest_span_within_reach():
    """A pipe 90 mm across with a 6 mm wall, closed inward from its outside: ACRONYM spans the whole
    line (90 mm, past the stroke: none kept); finger-pad placement spans the near wall (the farthest
    exit the fingers reach), one finger inside the pipe."""
    pipe = trimesh.creation.annulus(r_min=0.039, r_max=0.045, height=0.06, sections=64)
    _, acr = _propose("acronym", pipe, 2000)
    _, pad = _propose("finger_pad", pipe, 2000)

    def outside_in(p):  # started on the outer wall, closing level (along the radius)
        return (np.linalg.norm(p.points[:, :2], axis=1) > 0.044) & (np.abs(p.rotations[:, 2, 0]) < 1e-9)

    assert not outside_in(acr).any() and acr.rejected["stroke"] > 500
    assert outside_in(pad).sum() > 300 and np.allclose(pad.far[outside_in(pad)], 0.006, atol=3e-4)
    first, _ = first_hit(pipe, pad.points, pad.rotations[:, :, 0])
    assert np.all(pad.far >= first - 1e-9)


def test_cone_sampling_stays_in_cone():
    rng = np.random.default_rng(1)
    axis = np.tile([0.0, 0.0, 1.0], (1000, 1))
    d = sample_in_cone(axis, 0.3, rng)
    assert np.allclose(np.linalg.norm(d, axis=1), 1) and np.all(d[:, 2] >= np.cos(0.3) - 1e-12)
    assert d[:, 2].min() < np.cos(0.25)  # reaches the rim
