"""scripts/compare_runs.py: label agreement, Cohen's kappa and metric deltas between two runs."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from dexgen.dexnet.fields import task_spec
from dexgen.dexnet.tensors import write_dataset
from dexgen.dexnet.testing import tiny_arrays
from dexgen.records.trials import ARRAYS, write_results

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_runs.py"
_spec = importlib.util.spec_from_file_location("compare_runs", SCRIPT)
compare_runs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_runs)


def _sim_file(path: Path, success: np.ndarray) -> None:
    n = len(success)
    arrays = {name: np.zeros(n) for name in ARRAYS}
    arrays.update(success=success.astype(bool), poses=np.zeros((n, 4, 4)), final_poses=np.zeros((n, 4, 4)))
    write_results(path, arrays, {"object": path.stem})


def _synth(root: Path, task: str, flip: int) -> None:
    arrays = tiny_arrays(task, 120, seed=4)
    metric = task_spec(task).metric_field
    arrays[metric][:flip] = np.where(arrays[metric][:flip] > task_spec(task).threshold, 0.0, 1.0)
    write_dataset(root / "data/dexnet/synth" / task, arrays, task_spec(task).fields, rows_per_file=50)


@pytest.fixture
def two_runs(tmp_path):
    rng = np.random.default_rng(0)
    a, b = tmp_path / "a", tmp_path / "b"
    for shard in ("shard-00", "shard-01"):
        for obj in ("box", "mug"):
            labels = rng.random(50) < 0.4
            flipped = labels.copy()
            if (shard, obj) == ("shard-01", "mug"):
                flipped[:3] = ~flipped[:3]  # 3 of 200 labels flip, as across two machines
            _sim_file(a / "data/sim" / shard / f"{obj}.npz", labels)
            _sim_file(b / "data/sim" / shard / f"{obj}.npz", flipped)
    _sim_file(a / "data/sim/shard-01/torus.npz", np.ones(4, bool))
    _sim_file(b / "data/sim/shard-01/torus.npz", np.ones(5, bool))  # other guesses: not paired
    _synth(a, "suction", 0)
    _synth(b, "suction", 6)
    for root, ap in ((a, 0.75), (b, 0.7)):
        (root / "metrics/suction").mkdir(parents=True)
        (root / "metrics/suction/eval.json").write_text(json.dumps({"ap": ap, "n": 10, "model": "x"}))
    return a, b


def test_compare_runs_reports_label_agreement_kappa_and_metric_deltas(two_runs):
    a, b = two_runs
    report = compare_runs.compare_runs(a, b, sim="data/sim", synth="data/dexnet/synth", metrics="metrics")
    sim = report["simulate"]
    assert sim["shards"]["shard-00"]["agreement"] == 1.0 and sim["shards"]["shard-00"]["kappa"] == 1.0
    assert sim["all"]["n"] == 200 and sim["all"]["agree"] == 197
    assert 0.9 < sim["all"]["kappa"] < 1.0
    assert sim["unpaired"] == ["shard-01/torus.npz (4 vs 5 trials)"]
    suction = report["dexnet_synth"]["suction"]
    assert suction["datapoints"] == [120, 120] and suction["agreement"] == pytest.approx(114 / 120)
    ap = report["metrics"]["metrics/suction/eval.json"]
    assert list(ap) == ["ap"] and ap["ap"][2] == pytest.approx(-0.05)


def test_cohen_kappa_against_a_hand_computed_table():
    # 2x2 table: both yes 20, a only 5, b only 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4
    a = np.array([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15, bool)
    b = np.array([1] * 20 + [0] * 5 + [1] * 10 + [0] * 15, bool)
    assert compare_runs.cohen_kappa(a, b) == pytest.approx(0.4)
    assert compare_runs.cohen_kappa(np.ones(3, bool), np.ones(3, bool)) is None  # undefined, not 1 or NaN


def test_compare_runs_main_prints_json(two_runs, capsys):
    a, b = two_runs
    assert compare_runs.main([str(a), str(b)]) == 0
    assert json.loads(capsys.readouterr().out)["simulate"]["all"]["agree"] == 197
