"""The 3-D page: its embedded data, and what a real headless browser draws from it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from dexgen.grippers.loader import load_gripper
from dexgen.viewer.page import GROUPS, ViewerObject, grasp_segments, render_page, write_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = os.environ.get("DEXGEN_REQUIRE_BROWSER") == "1"  # CI installs Debian's chromium and sets it


def _top_down(n: int, spread: float) -> np.ndarray:
    poses = np.repeat(np.eye(4)[None], n, axis=0)
    poses[:, :3, :3] = np.diag([1.0, -1.0, -1.0])  # approach down onto the box
    poses[:, 0, 3] = np.linspace(-spread, spread, n)
    poses[:, 2, 3] = 0.03 + 0.1299  # TCP at the box's top
    return poses


def _object() -> ViewerObject:
    gripper = load_gripper("robotiq_2f_85")
    box = trimesh.creation.box((0.05, 0.05, 0.06))
    poses = np.concatenate([_top_down(4, 0.01), _top_down(3, 0.03)])
    groups = ["held"] * 3 + ["failed"] + ["colliding"] * 3
    segments = grasp_segments(gripper, poses, np.full(len(poses), 0.08))
    return ViewerObject("box", box.vertices, box.faces, segments, groups, np.linspace(0, 1, len(poses)))


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_page_embeds_everything_and_is_byte_stable():
    html = render_page([_object()], title="a <box> & grasps")
    assert (
        "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    )  # nothing to fetch
    data = _data(html)
    assert data["objects"][0]["groups"] == ["held"] * 3 + ["failed"] + ["colliding"] * 3
    assert len(data["objects"][0]["segments"][0]) == 4 * 2 * 3  # four line segments per grasp
    assert "<title>a &lt;box&gt; &amp; grasps</title>" in html
    assert render_page([_object()], title="a <box> & grasps") == html


def test_unknown_groups_and_script_endings_are_handled():
    obj = _object()
    obj.groups[0] = "maybe"
    with pytest.raises(ValueError, match="unknown grasp groups \\['maybe'\\]"):
        render_page([obj], title="x")
    html = render_page([_object()], title="</script><b>")
    assert html.count("</script>") == 2  # the data block and the code block close; the title cannot


def test_long_object_keys_are_cut_with_an_ellipsis_and_shown_whole_on_hover():
    html = render_page([_object()], title="x")
    rule = re.search(r"#object \{([^}]*)\}", html)
    assert rule and "text-overflow: ellipsis" in rule.group(1) and "max-width" in rule.group(1)
    assert "opt.title = o.name" in html and "select.title = DATA.objects[state.object].name" in html


def _colour_pixels(image: np.ndarray, hex_colour: str, tol: int = 40) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image[..., :3].astype(int) - rgb).max(axis=-1) < tol).sum())


@pytest.mark.slow
def test_a_headless_browser_draws_the_object_and_the_grasps_in_their_colours(tmp_path):
    if CHROMIUM is None:
        if REQUIRE_BROWSER:
            pytest.fail("chromium is not installed (apt-get install chromium); CI requires this test")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    page = write_page(tmp_path / "page.html", [_object()], title="box")
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
    flags += [f"--user-data-dir={tmp_path / 'profile'}", "--window-size=800,600", f"--screenshot={shot}"]
    subprocess.run([CHROMIUM, *flags, page.as_uri()], check=True, capture_output=True, timeout=120)
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert (image.min(axis=-1) < 200).mean() > 0.01, "the page is blank"
    assert _colour_pixels(image[:, 300:], GROUPS["held"][1]) > 30  # right of the panel: the drawing
    assert _colour_pixels(image[:, 300:], GROUPS["failed"][1]) > 10
    assert _colour_pixels(image[:, 300:], GROUPS["colliding"][1]) > 30
    mesh = (image[:, 300:, 2].astype(int) - image[:, 300:, 0].astype(int) > 30) & (image[:, 300:, 2] > 90)
    assert mesh.sum() > 2000, "the object's shaded mesh is missing"
    Path(tmp_path / "keep").write_text("")
