"""benchmarks/sim_contact.py times today's contact settings against the old ones and writes its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dexgen.params.guess import GuessConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_contact_benchmark_compares_both_settings_on_the_same_trials(tmp_path):
    out = tmp_path / "sim_contact.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "sim_contact.py"), "--kinds", "box"]
    cmd += ["--hands", "robotiq_2f_85", "--presets", "graspdatagen", "--out", str(out)]
    subprocess.run(cmd, check=True, timeout=600, cwd=tmp_path)
    result = json.loads(out.read_text())
    (row,) = result["presets"]
    assert row["preset"] == "graspdatagen" and row["substeps"] == {"before": 1, "now": 2}
    guesses = (
        GuessConfig()
    )  # one object: its collision-free guesses and random poses, as the pipeline makes them
    trials = guesses.num_collision_free_grasps + guesses.num_random_poses
    assert row["trials"] == trials and row["trials_per_s_before"] > 0 and row["trials_per_s_now"] > 0
    assert 0 <= row["reasons_moved"] <= row["trials"]
    assert result["before"] == {"finger_solimp": [0.95, 0.99, 0.001], "substeps": 1}
