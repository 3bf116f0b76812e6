"""Rendering against analytic depth, and crops that put a box edge on the middle row."""

from __future__ import annotations

import numpy as np
import pytest
from dexnet_synth.synth_helpers import INTR, overhead_camera, resting_box

from dexgen.dexnet.synth.camera import look_at
from dexgen.dexnet.synth.crops import grasp_crops
from dexgen.dexnet.synth.render import intersector, render_depth


@pytest.mark.parametrize("height", [0.5, 0.7])
def test_overhead_depth_of_a_box_equals_the_analytic_depth(height):
    box = resting_box((0.1, 0.08, 0.05))
    depth, mask = render_depth(intersector(box), box.bounds, overhead_camera(height), INTR)
    assert depth.shape == (480, 640) and depth.dtype == np.float32
    # the box top spans |x| < 0.05, |y| < 0.04 at depth h - 0.05: in pixels fx * 0.05 / (h - 0.05) around the centre
    half_u = 525 * 0.05 / (height - 0.05)
    half_v = 525 * 0.04 / (height - 0.05)
    vv, uu = np.mgrid[0:480, 0:640]
    inside = (np.abs(uu - 319.5) < half_u - 1) & (np.abs(vv - 239.5) < half_v - 1)
    outside = (np.abs(uu - 319.5) > half_u + 1) | (np.abs(vv - 239.5) > half_v + 1)
    np.testing.assert_allclose(depth[inside], height - 0.05, atol=1e-6)
    # the walls hide below the top edge in a centred view: everything else is the table, facing the camera
    np.testing.assert_allclose(depth[outside], height, atol=1e-6)
    assert mask[inside].all() and not mask[outside].any()


def test_oblique_table_depth_is_the_ray_plane_distance():
    eye = np.array([0.2, -0.1, 0.6])
    T = look_at(eye, np.zeros(3))
    box = resting_box((0.02, 0.02, 0.02))
    depth, mask = render_depth(intersector(box), box.bounds, T, INTR)
    for u, v in [(10, 10), (600, 400), (320, 20)]:
        ray = T[:3, :3] @ np.array([(u - 319.5) / 525, (v - 239.5) / 525, 1.0])
        assert not mask[v, u]
        assert depth[v, u] == pytest.approx(-eye[2] / ray[2], abs=1e-5)


@pytest.mark.parametrize("yaw_deg", [0.0, 30.0, 115.0])
def test_crop_across_a_box_edge_shows_the_edge_horizontal_and_centred(yaw_deg):
    yaw = np.deg2rad(yaw_deg)
    box = resting_box((0.12, 0.1, 0.05), yaw=yaw)
    T = overhead_camera(0.7)
    depth, _ = render_depth(intersector(box), box.bounds, T, INTR)
    # a grasp centred on the top edge at local y = +0.05, axis along the edge (local +x)
    R = np.array([[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]])
    centre = np.append(R @ [0.0, 0.05], 0.05)
    axis = np.append(R @ [1.0, 0.0], 0.0)
    cam = lambda p: (p - T[:3, 3]) @ T[:3, :3]  # noqa: E731
    uv = INTR.project(cam(np.stack([centre, centre + 0.01 * axis])))
    angle = np.arctan2(*(uv[1] - uv[0])[::-1])
    crop = grasp_crops(depth, uv[:1], np.array([angle]))[0, :, :, 0]
    assert crop.shape == (32, 32)
    top, table = 0.7 - 0.05, 0.7
    # the box is on the side of the edge towards its centre: after the rotation, either above or below
    upper, lower = crop[:14].mean(), crop[18:].mean()
    near, far = (upper, lower) if upper < lower else (lower, upper)
    assert near == pytest.approx(top, abs=1e-4) and far == pytest.approx(table, abs=1e-4)
    # horizontal: every row away from the edge is constant; the step sits on rows 15/16 (the centre)
    np.testing.assert_allclose(crop[:14], crop[:14].mean(), atol=1e-4)
    np.testing.assert_allclose(crop[18:], crop[18:].mean(), atol=1e-4)
    step = np.abs(np.diff(crop.mean(axis=1)))
    assert step.argmax() in (14, 15, 16)
