"""A real hand on the 3-D pages: its bodies' meshes posed at each grasp's opening, shared per page."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
import trimesh
from graspgen.real_records import write_real_hand_records
from PIL import Image
from viewer.test_page import CHROMIUM, REQUIRE_BROWSER, _object, _top_down

from dexgen.grippers.hand import load_hand
from dexgen.sim.pages import results_page
from dexgen.viewer.hand import hand_poses
from dexgen.viewer.page import ViewerObject, grasp_segments, render_page, write_page


@pytest.fixture(scope="module")
def real_2f85():
    return load_hand("robotiq_2f_85_real")


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def _hand_object(model, n: int) -> tuple[ViewerObject, np.ndarray, np.ndarray]:
    box = trimesh.creation.box((0.05, 0.05, 0.06))
    poses = _top_down(n, 0.02)
    poses[:, 2, 3] = 0.03 + model.tcp_depth()
    openings = np.linspace(model.stroke, model.min_opening, n)
    groups = (["held", "failed", "colliding"] * n)[:n]
    obj = ViewerObject(
        "box",
        box.vertices,
        box.faces,
        grasp_segments(model, poses, openings),
        groups,
        hand_poses=hand_poses(model, poses, openings),
    )
    return obj, poses, openings


def _page_vertices(data: dict, grasp: int) -> np.ndarray:
    """Every body's vertices posed as the page poses them for one grasp, object frame."""
    rows = np.asarray(data["objects"][0]["hand_poses"][grasp]).reshape(-1, 3, 4)
    out = []
    for body, pose in zip(data["hand"]["bodies"], rows):
        out.append(np.asarray(body["vertices"]).reshape(-1, 3) @ pose[:, :3].T + pose[:, 3])
    return np.concatenate(out)


def test_each_grasp_shows_the_real_mesh_at_its_opening(real_2f85):
    model = real_2f85
    obj, poses, openings = _hand_object(model, 5)
    data = _data(render_page([obj], title="hand", hand=model))
    assert [b["name"] for b in data["hand"]["bodies"]] == list(model.bodies)
    for g in range(5):
        expected = model.mesh_at(openings[g]).apply_transform(poses[g])
        np.testing.assert_allclose(_page_vertices(data, g), expected.vertices, atol=5e-5)
    # the closed grasp's fingers are not the open one's: the opening is honoured, not the open row
    assert np.abs(_page_vertices(data, 0) - _page_vertices(data, 4)).max() > 0.02
    bites = model.bite_points(openings[2]) @ poses[2][:3, :3].T + poses[2][:3, 3]
    np.testing.assert_allclose(
        np.asarray(data["objects"][0]["segments"][2]).reshape(-1, 2, 3)[0], bites, atol=1e-4
    )


def test_the_hand_is_sent_once_so_50_grasps_keep_the_page_small(real_2f85):
    sizes = {
        n: len(render_page([_hand_object(real_2f85, n)[0]], title="hand", hand=real_2f85)) for n in (1, 50)
    }
    per_grasp = (sizes[50] - sizes[1]) / 49
    assert per_grasp < 2500, sizes  # 11 bodies x 12 numbers, not a 4,606-triangle mesh per grasp
    assert sizes[50] < 600_000, sizes


def test_box_pages_carry_no_hand():
    html = render_page([_object()], title="box")
    data = _data(html)
    assert "hand" not in data and "hand_poses" not in data["objects"][0]
    assert html.count("<script") == 2 and "hand_poses" not in html
    with pytest.raises(ValueError, match="no hand to draw them with"):
        render_page([_hand_object(load_hand("robotiq_2f_85_real"), 2)[0]], title="x")


def test_the_simulation_page_of_a_real_hand_draws_its_bodies(tmp_path, real_2f85):
    objects, guesses, sim = write_real_hand_records(tmp_path, real_2f85)
    shard = objects / "shard-00"
    page = results_page(
        sim / "shard-00" / "box_a.npz", shard, tmp_path / "a.html", guesses=guesses / "shard-00" / "box_a.npz"
    )
    data = _data(page.read_text())
    assert len(data["hand"]["bodies"]) == len(real_2f85.bodies)
    obj = data["objects"][0]
    assert len(obj["hand_poses"]) == len(obj["groups"]) and "colliding" in obj["groups"]


@pytest.mark.slow
def test_a_headless_browser_draws_the_real_hand(tmp_path, real_2f85):
    if CHROMIUM is None:
        if REQUIRE_BROWSER:
            pytest.fail("chromium is not installed (apt-get install chromium); CI requires this test")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    obj = _hand_object(real_2f85, 3)[0]
    obj.groups = ["held"] * 3
    page = write_page(tmp_path / "page.html", [obj], title="hand", hand=real_2f85)
    shot = tmp_path / "shot.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
    ]
    flags += [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    flags += [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=800,600"]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
        text=True,
    )
    assert 'data-hand="1"' in dom.stdout, "the hand script did not run to its end"
    assert 'id="hands"' in dom.stdout  # the toggle for the meshes
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)[:, 300:]
    green = (image[..., 1] - image[..., 0] > 40) & (image[..., 1] - image[..., 2] > 40)
    assert green.sum() > 3000, f"only {green.sum()} green pixels: the hands' meshes are not drawn"
