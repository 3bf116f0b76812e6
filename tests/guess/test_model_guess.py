"""Guessing with a real hand: tiny unseen URDF hands (slide, curl) guessed on small objects, each
label re-checked independently with the hand's own merged mesh (``model.mesh_at``) and fcl."""

from __future__ import annotations

import dataclasses

import fcl
import numpy as np
import pytest
import trimesh
from tiny_hands import write_hand

from dexgen.errors import ConfigError
from dexgen.grippers.hand import load_hand
from dexgen.guess.guesses import guess_object
from dexgen.guess.model_collision import ModelCollider
from dexgen.guess.model_hand import MAX_STRETCH, HandLimits, check_model_config, inflate, moving
from dexgen.guess.model_pads import ModelPadSettler
from dexgen.guess.samplers.proposals import Proposals
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import FINGER, FREE, NONE, PALM
from dexgen.seeding import rng_for

CFG = GuessConfig(
    num_collision_free_grasps=12,
    num_colliding_grasps=8,
    num_random_poses=4,
    max_attempts=2000,
    clearance=0.0,  # the independent re-check below tests the bare meshes
    workers=1,
)
TOL = CFG.pad_tolerance


@pytest.fixture(scope="module", params=["slide", "curl"])
def hand(request, tmp_path_factory):
    return load_hand(write_hand(tmp_path_factory.mktemp(request.param), kind=request.param))


def _bvh(vertices: np.ndarray, faces: np.ndarray) -> fcl.CollisionObject:
    m = fcl.BVHModel()
    m.beginModel(len(vertices), len(faces))
    m.addSubModel(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int32))
    m.endModel()
    return fcl.CollisionObject(m, fcl.Transform())


def _collides(model, obj: trimesh.Trimesh, pose: np.ndarray, opening: float, *, bodies=None) -> bool:
    """Does the hand (or only ``bodies``, a bool mask) at ``opening`` and ``pose`` touch ``obj``?
    Built from scratch: the merged mesh posed into the object frame, one fresh fcl test."""
    keep = np.ones(len(model.bodies), dtype=bool) if bodies is None else bodies
    parts = [
        trimesh.Trimesh(m.vertices @ p[:3, :3].T + p[:3, 3], m.faces, process=False)
        for m, p, k in zip(model.meshes, model.body_poses(opening), keep)
        if k
    ]
    hand = trimesh.util.concatenate(parts)
    hand.apply_transform(pose)
    a, b = _bvh(hand.vertices, hand.faces), _bvh(obj.vertices, obj.faces)
    return fcl.collide(a, b, fcl.CollisionRequest(), fcl.CollisionResult()) > 0


def _guess(hand, obj, seed=3, **changes):
    return guess_object(obj, hand, dataclasses.replace(CFG, **changes), rng_for(seed, "test", hand.name))


def test_free_guesses_are_free_and_colliding_ones_collide(hand):
    obj = trimesh.creation.box(extents=(0.03, 0.04, 0.05))
    res = _guess(hand, obj)
    assert res.stats["found"]["collision_free"] == CFG.num_collision_free_grasps
    assert res.stats["found"]["colliding"] > 0
    assert (res.openings <= hand.stroke + 1e-12).all() and (res.openings >= hand.min_opening - 1e-12).all()
    for pose, opening, label, reason in zip(res.poses, res.openings, res.labels, res.reasons):
        hit = _collides(hand, obj, pose, opening)
        if label == FREE or reason == NONE:  # free guesses and random poses
            assert not hit, "a guess labelled free collides with the real mesh at its pre-grasp opening"
        else:
            assert reason in (FINGER, PALM) and hit, "a guess labelled colliding is free at its opening"


def test_free_guesses_stay_free_down_to_the_contacts(hand):
    """Every rung from the pre-grasp opening down to the first above the contacts is free: the arc the
    fingers sweep is checked, not only its end."""
    obj = trimesh.creation.cylinder(radius=0.015, height=0.06, sections=32)
    res = _guess(hand, obj)
    ladder = np.linspace(hand.min_opening, hand.stroke, CFG.opening_steps)
    for i in np.flatnonzero(res.labels == FREE):
        rungs = ladder[(ladder > res.widths[i]) & (ladder <= res.openings[i] + 1e-12)]
        assert len(rungs) > 0
        assert not any(_collides(hand, obj, res.poses[i], o) for o in rungs[:: max(1, len(rungs) // 4)])


def test_pads_settle_to_touch(hand):
    """At the recorded width the fingers are free and a tolerance narrower they touch; the bite points
    recorded as contacts are the recorded width apart across the closing axis (slide) or further
    (a curl hand's tips close past its bite points)."""
    obj = trimesh.creation.box(extents=(0.03, 0.04, 0.05))
    res = _guess(hand, obj, samplers={"antipodal": 1.0})
    fingers = moving(hand)
    free = np.flatnonzero(res.labels == FREE)
    assert len(free) >= 8
    for i in free:
        w = res.widths[i]
        assert not _collides(hand, obj, res.poses[i], w, bodies=fingers)
        assert _collides(hand, obj, res.poses[i], max(w - 4 * TOL, hand.min_opening), bodies=fingers)
        bites = hand.bite_points(w) @ res.poses[i][:3, :3].T + res.poses[i][:3, 3]
        assert np.allclose(bites, res.contacts[i], atol=1e-9)


def _settle_on_slab(model) -> float:
    """The settled width of one proposal closing along x on a 30 mm slab 4 mm tall, at the bite depth."""
    slab = trimesh.creation.box(extents=(0.03, 0.02, 0.004))
    collider = ModelCollider(slab, model, clearance=0.0, opening_steps=32)
    settler = ModelPadSettler(slab, collider.target, model, tolerance=TOL)
    props = Proposals(
        points=np.array([[-0.015, 0.0, 0.0]]),
        rotations=np.eye(3)[None],
        depths=np.array([HandLimits.of(model).tcp_depth]),
        far=np.array([0.03]),
        normals=np.zeros((1, 2, 3)),
        settle=True,
        rejected={},
    )
    cand = settler.place(props, 0.0, 0)
    assert len(cand) == 1
    return float(cand.widths[0])


def test_a_curl_hand_settles_where_its_tips_touch(tmp_path):
    """Parallel pads stop with the slab between their faces (width = the slab's 30 mm); pads that
    tilt as they close (curl) meet the slab's edges at their bite points while their tips, which the
    opening is measured between, have already swung in past it."""
    slide = load_hand(write_hand(tmp_path / "s", kind="slide"))
    curl = load_hand(write_hand(tmp_path / "c", kind="curl"))
    assert _settle_on_slab(slide) == pytest.approx(0.03, abs=2 * TOL + 1e-9)
    assert _settle_on_slab(curl) < 0.03 - 0.005


def test_same_seed_same_bytes(hand):
    obj = trimesh.creation.icosphere(subdivisions=2, radius=0.02)
    a, b = _guess(hand, obj, seed=7), _guess(hand, obj, seed=7)
    for name in ("poses", "widths", "openings", "contacts", "normals", "labels", "reasons", "samplers"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert a.stats == b.stats


def test_depth_offsets_off_the_pads_are_refused(hand):
    length = hand.pads[0].size[0]
    check_model_config(hand, dataclasses.replace(CFG, depth_offset_range=(0.0, length - hand.bite)))
    with pytest.raises(ConfigError, match=rf"guess\.depth_offset_range .* off the pads of {hand.name}"):
        check_model_config(hand, dataclasses.replace(CFG, depth_offset_range=(0.0, length)))


def test_pre_grasp_opening_is_the_widest_free_rung(hand):
    """A post in the +x finger fully open (just outside its pad): the fingers clear it only below some
    rung, so the pre-grasp opening stops there (free), and the next rung up collides; a post inside
    the palm is a palm hit."""
    post = trimesh.creation.box(extents=(0.006, 0.006, 0.006))
    post.apply_translation(hand.bite_points(hand.stroke)[1] + [0.005, 0.0, 0.0])
    collider = ModelCollider(post, hand, clearance=0.0, opening_steps=CFG.opening_steps)
    opening, reason = collider.check(np.eye(4)[None], np.array([hand.min_opening]))
    assert reason[0] == NONE and opening[0] < hand.stroke
    ladder = collider.openings
    above = ladder[np.searchsorted(ladder, opening[0]) + 1]
    assert not _collides(hand, post, np.eye(4), opening[0])
    assert _collides(hand, post, np.eye(4), above)
    palm = trimesh.creation.box(extents=(0.006, 0.006, 0.006))  # inside the palm body, at its centre
    palm.apply_translation(hand.meshes[0].bounds.mean(axis=0) + hand.poses[0, 0, :3, 3])
    assert ModelCollider(palm, hand, clearance=0.0, opening_steps=8).check_open(np.eye(4)[None])[0] == PALM


def test_a_hand_blocked_everywhere_yields_no_candidates(hand):
    """Every proposal inside a solid block: no finger is ever free fully open, nothing is placed."""
    block = trimesh.creation.box(extents=(0.5, 0.5, 0.5))
    collider = ModelCollider(block, hand, clearance=0.0, opening_steps=8)
    settler = ModelPadSettler(block, collider.target, hand, tolerance=TOL)
    props = Proposals(
        points=np.zeros((3, 3)),
        rotations=np.repeat(np.eye(3)[None], 3, axis=0),
        depths=np.full(3, HandLimits.of(hand).tcp_depth),
        far=np.full(3, 0.02),
        normals=np.zeros((3, 2, 3)),
        settle=True,
        rejected={},
    )
    cand = settler.place(props, 0.0, 0)
    assert len(cand) == 0 and cand.rejected == {"pad_blocked": 3, "stroke": 0}


def test_inflate_moves_every_face_out_by_the_margin():
    box = trimesh.creation.box(extents=(0.02, 0.03, 0.04))
    grown = inflate(box, 0.002)
    # every face plane moved out by at least the margin: the grown box contains the margin-grown box
    assert np.all(grown.bounds[0] <= box.bounds[0] - 0.002 + 1e-12)
    assert np.all(grown.bounds[1] >= box.bounds[1] + 0.002 - 1e-12)
    assert np.all(np.abs(grown.vertices - box.vertices) <= 0.002 * MAX_STRETCH + 1e-12)
    assert inflate(box, 0.0) is box


def test_palm_stays_and_fingers_move(hand):
    still = ~moving(hand)
    assert list(np.array(hand.bodies)[still]) == ["palm"]


def test_rung_motion_of_a_slide_hand_is_half_a_rung(tmp_path):
    """Sliding fingers each move half the opening change: the bound is exactly half a ladder step."""
    slide = load_hand(write_hand(tmp_path, kind="slide"))
    collider = ModelCollider(
        trimesh.creation.box(extents=(0.01, 0.01, 0.01)), slide, clearance=0.0, opening_steps=9
    )
    assert collider.rung_motion == pytest.approx((slide.stroke - slide.min_opening) / 8 / 2, rel=1e-6)


@pytest.mark.parametrize("fmt", ["mjcf", "usd"])
def test_a_curl_hand_from_mjcf_or_usd_guesses_like_its_urdf(fmt, tmp_path):
    """The unseen curl hand written as MJCF (MuJoCo's compiler) or USD (pxr) from its URDF: labels
    re-check with its own mesh, and it settles on the same widths as the URDF to a fine rung."""
    import logging

    import yourdfpy
    from gripper_descriptions import write_mjcf, write_usd

    urdf = write_hand(tmp_path, kind="curl")
    logging.getLogger("yourdfpy").setLevel(logging.ERROR)
    robot = yourdfpy.URDF.load(
        str(urdf), build_collision_scene_graph=True, load_meshes=False, load_collision_meshes=True
    )
    path = (
        write_mjcf(urdf, robot, tmp_path / "curl.xml")
        if fmt == "mjcf"
        else write_usd(robot, "finger_joint", tmp_path / "curl.usda")
    )
    hand, reference = load_hand(path), load_hand(urdf)
    assert hand.kind == fmt
    obj = trimesh.creation.box(extents=(0.02, 0.03, 0.04))
    res, ref = _guess(hand, obj), _guess(reference, obj)
    assert res.stats["found"] == ref.stats["found"]
    assert np.allclose(res.widths, ref.widths, atol=2 * TOL + 1e-9, equal_nan=True)
    for pose, opening, label in zip(res.poses, res.openings, res.labels):
        assert _collides(hand, obj, pose, opening) == (label == 1)
