"""benchmarks/vs_graspgen_suction.py on a tiny stand-in for GraspGen (``fake_graspgen/``: same paths, class
and signatures): both sides run, every figure is written, a bad ``--graspgen-src`` exits 2 naming what is
missing. The stand-in's rule differs from GraspGen's, so agreement is only bounded. Never checks a time."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE = Path(__file__).resolve().parent / "fake_graspgen"


def _script():
    spec = importlib.util.spec_from_file_location(
        "vs_graspgen_suction", ROOT / "benchmarks" / "vs_graspgen_suction.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # ~40 s on 2 cores: builds 7 objects, runs both evaluators
def test_quick_run_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench" / "vs_graspgen_suction.json"
    assert _script().main(["--graspgen-src", str(FAKE), "--quick", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result["sets"]) == {"builtin", "examples"}
    total = result["all"]
    assert total["grasps"] == 20 * (4 + 3) == sum(s["grasps"] for s in result["sets"].values())
    # the stand-in seals every lip 1 mm off the surface whose centre ray hits: a superset of GraspGen's seal
    assert total["sealed_theirs"] >= total["sealed_ours"] > 0
    assert 0 <= total["seal_agreement"] <= 1 and total["seal_disagreements"] == round(
        (1 - total["seal_agreement"]) * total["grasps"]
    )
    for key in (
        "ours_grasps_per_s",
        "theirs_grasps_per_s",
        "speedup",
        "ours_seal_per_s",
        "theirs_seal_per_s",
    ):
        assert total[key] > 0, key
    assert total["wrench_compared"] <= total["sealed_ours"]
    assert "speed-up" in capsys.readouterr().out


def test_bad_source_exits_2(tmp_path, capsys):
    assert (
        _script().main(["--graspgen-src", str(tmp_path), "--quick", "--out", str(tmp_path / "x.json")]) == 2
    )
    assert "grasp_gen/dataset/suction.py" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
