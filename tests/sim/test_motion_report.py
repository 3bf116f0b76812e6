"""The report's count of held trials that moved in the hand, from results files written by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dexgen.errors import InputError
from dexgen.params.sim_report import SimReportConfig
from dexgen.records.trials import ARRAYS, write_results
from dexgen.sim.report import write_report

LABELS = ["collision_free", "colliding", "random"]


def _object(folder, key, labels, success, peak_t, peak_r):
    n = len(success)
    arrays = {name: np.zeros(n) for name in ARRAYS}
    arrays.update(
        labels=np.array(labels, np.int8),
        success=np.array(success, bool),
        poses=np.zeros((n, 4, 4)),
        final_poses=np.zeros((n, 4, 4)),
        peak_translation_drift=np.array(peak_t, float),
        peak_rotation_drift=np.array(peak_r, float),
    )
    write_results(folder / f"{key}.npz", arrays, {"object": key, "guess_labels": LABELS})
    stats = {}
    for code in sorted(set(labels)):
        m = np.array(labels) == code
        stats[LABELS[code]] = {
            "trials": int(m.sum()),
            "held": int(np.array(success)[m].sum()),
            "start_in_penetration": 0,
            "start_beyond_tolerance": 0,
            "failures": {},
        }
    return {"object": key, "mesh": f"{key}.obj", "decomposition": {"method": "convex"}, "stats": stats}


def _sim(tmp_path):
    a, b = tmp_path / "sim" / "shard-00", tmp_path / "sim" / "shard-01"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    rows_a = [
        # held: still, slid 5 cm, turned 40 deg, both; failed (moved, not counted); random held that moved
        _object(
            a,
            "box",
            [0, 0, 0, 0, 0, 2],
            [1, 1, 1, 1, 0, 1],
            [0.001, 0.05, 0.01, 0.1, 0.3, 0.03],
            [1.0, 5.0, 40.0, 60.0, 90.0, 2.0],
        ),
    ]
    rows_b = [_object(b, "mug", [0, 0], [1, 1], [0.019, 0.021], [29.0, 0.0])]
    for folder, rows in ((a, rows_a), (b, rows_b)):
        summary = {"shard": folder.name, "objects": rows, "gripper": "g", "engine": "e"}
        (folder / "summary.json").write_text(json.dumps(summary))
    return tmp_path / "sim"


def test_held_trials_past_either_limit_are_counted_per_object_and_overall(tmp_path):
    report = write_report(_sim(tmp_path), tmp_path / "sim.json")
    motion = report["motion"]
    assert motion["limits"] == {"translation_m": 0.02, "rotation_deg": 30.0}
    free = motion["overall"]["collision_free"]
    assert (free["held"], free["moved"], free["past_translation"], free["past_rotation"]) == (6, 4, 3, 2)
    assert free["moved_fraction"] == pytest.approx(4 / 6, abs=1e-6)
    assert motion["overall"]["random"]["moved"] == 1
    rows = {row["object"]: row["motion"] for row in report["objects"]}
    assert rows["box"]["collision_free"]["moved"] == 3 and rows["mug"]["collision_free"]["moved"] == 1
    assert rows["box"]["collision_free"]["max_peak_translation"] == 0.1  # the failed 0.3 m is not held
    assert rows["box"]["collision_free"]["max_peak_rotation"] == 60.0
    assert json.loads((tmp_path / "sim.json").read_text()) == json.loads(json.dumps(report))


def test_the_limits_come_from_the_config(tmp_path):
    sim = _sim(tmp_path)
    strict = write_report(
        sim, tmp_path / "a.json", config=SimReportConfig(moved_translation=0.0, moved_rotation=0.5)
    )
    assert strict["motion"]["overall"]["collision_free"]["moved"] == 6
    loose = write_report(
        sim, tmp_path / "b.json", config=SimReportConfig(moved_translation=1.0, moved_rotation=90.0)
    )
    assert loose["motion"]["overall"]["collision_free"]["moved"] == 0
    with pytest.raises(ValueError, match="moved_rotation must be >= 0"):
        SimReportConfig(moved_rotation=-1.0)


def test_a_results_file_the_summary_lists_must_exist_and_be_its_object(tmp_path):
    sim = _sim(tmp_path)
    (sim / "shard-01" / "mug.npz").rename(sim / "shard-01" / "elsewhere.npz")
    with pytest.raises(
        InputError, match=r"shard-01/mug.npz: results file of mug missing.*re-run the simulate stage"
    ):
        write_report(sim, tmp_path / "sim.json")
    (sim / "shard-01" / "mug.npz").write_bytes((sim / "shard-00" / "box.npz").read_bytes())
    with pytest.raises(InputError, match=r"mug.npz: made for object 'box', its shard summary says 'mug'"):
        write_report(sim, tmp_path / "sim.json")
