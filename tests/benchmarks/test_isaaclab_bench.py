"""benchmarks/isaaclab.py runs end to end on a tiny case and writes its figures (never a time assertion)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.isaaclab, pytest.mark.slow]


def test_the_benchmark_writes_speed_against_mujoco_and_agreement(tmp_path, isaaclab_python):
    out = tmp_path / "isaaclab.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "isaaclab.py"), "--envs", "4", "--out", str(out)]
    cmd += ["--speed-kinds", "box", "--agree-kinds", "box", "--preset", "graspdatagen"]
    cmd += ["--grippers", "robotiq_2f_85", "robotiq_2f_85_real"]  # box vs real hand in one run
    subprocess.run(cmd, check=True, timeout=1200, cwd=tmp_path)
    result = json.loads(out.read_text())
    assert result["preset"] == "graspdatagen"
    assert [row["gripper"] for row in result["speed"]] == ["robotiq_2f_85", "robotiq_2f_85_real"]
    for speed in result["speed"]:
        assert speed["trials"] == 4 and speed["trials_per_s"] > 0 and speed["vs_mujoco"] > 0
    assert [row["gripper"] for row in result["agreement"]] == ["robotiq_2f_85", "robotiq_2f_85_real"]
    for agree in result["agreement"]:
        assert agree["kind"] == "box" and agree["trials"] > 0 and 0 <= agree["agreement"] <= 1
