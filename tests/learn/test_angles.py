"""Turning the image for angle bins: direction theta lands on the canvas's x axis, nothing is lost,
the unturned image lands on whole pixels, and canvas coordinates map back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dexgen.inference.angles import canvas_shape, to_image, turn


@pytest.mark.parametrize("shape", [(64, 45), (40, 40), (33, 70)])
def test_canvas_holds_the_image_at_any_angle_and_keeps_parity(shape):
    rows, cols = canvas_shape(shape)
    assert min(rows, cols) >= math.hypot(*shape)
    assert (rows - shape[0]) % 2 == 0 and (cols - shape[1]) % 2 == 0


@pytest.mark.parametrize("shape", [(64, 45), (40, 40)])
def test_angle_zero_is_the_image_shifted_by_whole_pixels(shape):
    depth = np.random.default_rng(0).random(shape).astype(np.float32)
    canvas = canvas_shape(shape)
    oy, ox = (canvas[0] - shape[0]) // 2, (canvas[1] - shape[1]) // 2
    turned = turn(depth, 0.0, canvas)
    np.testing.assert_array_equal(turned[oy : oy + shape[0], ox : ox + shape[1]], depth)
    assert turned[0, 0] == depth[0, 0]  # edges repeated, not zeros


@pytest.mark.parametrize("theta", [0.3, math.pi / 2, 2.0, 3.0])
def test_direction_theta_runs_along_the_canvas_x_axis(theta):
    shape = (41, 41)
    canvas = canvas_shape(shape)
    depth = np.zeros(shape, dtype=np.float32)
    # a bright pixel 12 px from the centre in direction theta (x right, y down)
    px, py = 20 + 12 * math.cos(theta), 20 + 12 * math.sin(theta)
    depth[round(py), round(px)] = 1.0
    turned = turn(depth, theta, canvas)
    y, x = np.unravel_index(int(np.argmax(turned)), turned.shape)
    cy, cx = (canvas[0] - 1) / 2, (canvas[1] - 1) / 2
    assert x - cx == pytest.approx(12, abs=1.0) and y - cy == pytest.approx(0, abs=1.0)
    back = to_image(x, y, theta, shape, canvas)
    assert (float(back[0]), float(back[1])) == pytest.approx((round(px), round(py)), abs=1.0)


def test_to_image_inverts_turn_exactly():
    shape, theta = (50, 37), 0.7
    canvas = canvas_shape(shape)
    depth = np.random.default_rng(1).random(shape).astype(np.float32)
    turned = turn(depth, theta, canvas)
    y, x = 30, 25
    sx, sy = to_image(np.array(x), np.array(y), theta, shape, canvas)
    # bilinear sample of the original at the mapped point equals the turned pixel
    x0, y0 = int(np.floor(sx)), int(np.floor(sy))
    fx, fy = sx - x0, sy - y0
    patch = depth[y0 : y0 + 2, x0 : x0 + 2]
    expected = (1 - fy) * ((1 - fx) * patch[0, 0] + fx * patch[0, 1]) + fy * (
        (1 - fx) * patch[1, 0] + fx * patch[1, 1]
    )
    assert turned[y, x] == pytest.approx(expected, abs=1e-5)
