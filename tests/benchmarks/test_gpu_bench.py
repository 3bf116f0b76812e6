"""benchmarks/gpu.py runs end to end on the CPU with a few environments and writes its figures (no time assertion)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.isaaclab, pytest.mark.slow]


def test_the_gpu_script_writes_trials_per_second_and_agreement(tmp_path, isaaclab_python):
    out = tmp_path / "metrics" / "gpu.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--device", "cpu", "--envs", "4"]
    cmd += ["--kinds", "box", "--out", str(out)]
    subprocess.run(cmd, check=True, timeout=1200, cwd=tmp_path)
    result = json.loads(out.read_text())
    assert (result["device"], result["envs"], result["physics"], result["preset"]) == (
        "cpu",
        4,
        "physx",
        "graspdatagen",
    )
    assert result["gpu_ready"] is False and result["gpu"] is None  # a CPU run says nothing about a GPU
    assert result["engines"]["a"].startswith("mujoco") and result["engines"]["b"].startswith("isaaclab")
    (row,) = result["objects"]
    assert row["kind"] == "box" and row["trials"] == 4 and 1 <= row["distinct_trials"] <= 4
    assert row["isaaclab_trials_per_s"] > 0 and row["mujoco_trials_per_s"] > 0 and row["first_run_s"] > 0
    overall = result["overall"]
    assert overall["trials"] == 4 and 0 <= overall["agreement"] <= 1
    assert sum(map(sum, overall["confusion"])) == 4
    assert [p.name for p in out.parent.iterdir()] == [
        "gpu.json"
    ]  # written atomically: no temporary file left
