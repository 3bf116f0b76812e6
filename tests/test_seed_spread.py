"""scripts/seed_spread.py: per-seed learning figures from `dvc exp show --json`, their spread, the verdict."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "seed_spread.py"
_spec = importlib.util.spec_from_file_location("seed_spread", SCRIPT)
seed_spread = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed_spread)


def _row(name, seed, margins):
    metrics = {
        f"metrics/{task}/eval.json": {
            "data": {
                "average_precision": 0.8 + i / 100,
                "accuracy_at_0.5": 0.9,
                "ap_margin_over_logreg": (lo + hi) / 2,
                "ap_margin_over_logreg_ci95": [lo, hi],
                "num_val_objects": 29,
                "num_datapoints": 100,
            }
        }
        for i, (task, (lo, hi)) in enumerate(zip(seed_spread.TASKS, margins, strict=True))
    }
    return {
        "rev": name,
        "name": name,
        "data": {"params": {"params.yaml": {"data": {"seed": seed}}}, "metrics": metrics},
    }


def _exp_show(rows):
    # dvc 3's shape: the workspace row, then the baseline commit with its experiments nested in it
    head, *exps = rows
    return [head, {"rev": "abc", "data": None, "experiments": [{"revs": [r]} for r in exps]}]


def test_spread_over_seeds_and_verdict(tmp_path):
    rows = [_row("workspace", 42, [(0.02, 0.1), (0.01, 0.2)]), _row("exp-a", 43, [(0.03, 0.2), (0.05, 0.3)])]
    stale = _row("workspace-mid-run", 44, [(-0.5, 0.0), (-0.5, 0.0)])
    for m in stale["data"]["metrics"].values():
        m["data"]["seed"] = 43  # params of seed 44, metrics still of seed 43: skipped
    rows.insert(1, stale)
    rows.append(_row("exp-old", 43, [(-0.5, 0.0), (-0.5, 0.0)]))  # a second run of a seed: the first row wins
    raw = tmp_path / "show.json"
    raw.write_text(json.dumps(_exp_show(rows)))
    out = tmp_path / "spread.json"
    assert seed_spread.main(["--json", str(raw), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["seeds"] == [42, 43]
    pj = result["tasks"]["parallel_jaw"]
    assert pj["margin_holds_every_seed"]
    assert pj["spread"]["ap_margin_over_logreg"]["mean"] == pytest.approx((0.06 + 0.115) / 2)
    assert pj["spread"]["ap_margin_over_logreg"]["min"] == pytest.approx(0.06)


def test_a_seed_whose_interval_reaches_zero_fails_the_verdict(tmp_path):
    rows = [_row("workspace", 42, [(0.02, 0.1), (0.01, 0.2)]), _row("exp-b", 44, [(0.01, 0.2), (-0.01, 0.3)])]
    result = seed_spread.spread(seed_spread.per_seed(_exp_show(rows)))
    assert result["tasks"]["parallel_jaw"]["margin_holds_every_seed"]
    assert not result["tasks"]["suction"]["margin_holds_every_seed"]
    assert "holds for every seed: False" in seed_spread.table(result)


def test_one_seed_is_not_a_spread(tmp_path, capsys):
    raw = tmp_path / "show.json"
    raw.write_text(json.dumps(_exp_show([_row("workspace", 42, [(0.02, 0.1), (0.01, 0.2)])])))
    assert seed_spread.main(["--json", str(raw), "--out", str(tmp_path / "x.json")]) == 1
    assert "at least two seeds" in capsys.readouterr().err


def test_the_interval_dvc_leaves_out_is_read_from_the_run_eval_json(tmp_path, monkeypatch):
    # dvc exp show drops list values: the interval comes from the workspace's own eval.json
    for task in seed_spread.TASKS:
        path = tmp_path / "metrics" / task / "eval.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"ap_margin_over_logreg_ci95": [0.01, 0.3]}))
    monkeypatch.setattr(seed_spread, "ROOT", tmp_path)
    rows = [_row("workspace", 42, [(0.02, 0.1), (0.01, 0.2)]), _row("exp-a", 43, [(0.03, 0.2), (0.05, 0.3)])]
    for m in rows[0]["data"]["metrics"].values():
        del m["data"]["ap_margin_over_logreg_ci95"]
    seeds = seed_spread.per_seed(_exp_show(rows))
    assert seeds[42]["suction"]["ap_margin_over_logreg_ci95"] == [0.01, 0.3]
    assert seeds[43]["suction"]["ap_margin_over_logreg_ci95"] == [0.05, 0.3]
