"""scripts/compare_hands.py: box and real 2F-85 on the same objects."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "compare_hands.py"
_spec = importlib.util.spec_from_file_location("compare_hands", SCRIPT)
compare_hands = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_hands)


def test_moved_puts_the_other_hands_tcp_on_the_same_contact_midpoint():
    from dexgen.grippers.hand import load_hand

    box, real = load_hand("robotiq_2f_85"), load_hand(compare_hands.REAL)
    pose = np.eye(4)
    pose[:3, 3] = [0.1, -0.2, 0.3]
    width = 0.04
    mid = pose @ np.array([0.0, 0.0, box.tcp_depth, 1.0])
    contacts = np.stack([mid[:3] - [width / 2, 0, 0], mid[:3] + [width / 2, 0, 0]])[None]
    out = compare_hands.moved(pose[None], contacts, np.array([width]), real)
    tcp = out[0] @ np.array([0.0, 0.0, real.tcp_depth(width), 1.0])
    np.testing.assert_allclose(tcp[:3], mid[:3], atol=1e-12)
    np.testing.assert_allclose(out[0][:3, :3], pose[:3, :3])


def test_totals_sum_rows_and_give_shares():
    rows = [
        {
            "object": o,
            "box_free": f,
            "real_free": f,
            "box_held": h,
            "real_held": h - 1,
            "box_free_colliding_with_real": 1,
            "real_free_colliding_with_box": 5,
            "same_poses": f,
            "same_poses_labels_differ": 2,
        }
        for o, f, h in (("a", 10, 8), ("b", 30, 20))
    ]
    t = compare_hands.totals(rows)
    assert t["objects"] == 2 and t["box_free"] == 40 and t["box_held"] == 28
    assert t["box_success"] == 0.7 and t["real_success"] == 0.65
    assert t["share_real_free_colliding_with_box"] == 0.25
    assert t["share_same_poses_labels_differ"] == 0.1


@pytest.mark.slow
def test_script_compares_one_example_object(tmp_path):
    out = tmp_path / "hands.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--set", "examples", "--limit", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(out.read_text())
    t = result["totals"]
    assert result["set"] == "examples" and t["objects"] == 1
    assert t["box_free"] > 0 and t["real_free"] > 0
    assert 0 <= t["box_held"] <= t["box_free"] and 0 <= t["real_held"] <= t["real_free"]
    assert t["same_poses"] + t["box_free_colliding_with_real"] == t["box_free"]
    assert "real/box guess" in run.stdout
