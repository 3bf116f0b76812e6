"""How much the learning figures move with the seed: AP, accuracy and the AP-margin verdict over seeds.

One seed's evaluation says whether the network beat the depth-feature logistic regression on the
held-out objects of *that* object set; a verdict a reader can rely on holds for every seed. Run the
pipeline once per seed as DVC experiments, then this script reads ``dvc exp show --json`` and writes
``metrics/seed_spread.json`` (per seed and per task: AP, accuracy at 0.5, the margin and its 95 %
interval; per task: mean, sample standard deviation, min and max over seeds) and prints a Markdown table:

    dvc exp run -S seed=43 && dvc exp run -S seed=44     # the committed run is seed 42
    python scripts/seed_spread.py

Rows are the workspace and every experiment ``dvc exp show`` lists; the first row seen for a seed wins
(the workspace first, then newest experiments). A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dexgen import atomic  # noqa: E402

TASKS = ("parallel_jaw", "suction")
FIGURES = ("average_precision", "accuracy_at_0.5", "ap_margin_over_logreg")


def _rows(node: Any) -> list[dict[str, Any]]:
    """Every experiment row (a dict with params and metrics) in ``dvc exp show --json`` output, in order."""
    found = []
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and "params" in data and "metrics" in data:
            found.append({"name": node.get("name") or node.get("rev"), "git_rev": node.get("rev"), **data})
        for value in node.values():
            if isinstance(value, list | dict):
                found += _rows(value)
    elif isinstance(node, list):
        for item in node:
            found += _rows(item)
    return found


def per_seed(exp_show: Any) -> dict[int, dict[str, Any]]:
    """{seed: {"name": row name, task: eval metrics}} for rows that hold both tasks' evaluations."""
    seeds: dict[int, dict[str, Any]] = {}
    for row in _rows(exp_show):
        seed = ((row["params"] or {}).get("params.yaml") or {}).get("data", {}).get("seed")
        evals = {t: ((row["metrics"] or {}).get(f"metrics/{t}/eval.json") or {}).get("data") for t in TASKS}
        if seed is None or seed in seeds or not all(evals.values()):
            continue
        if any(e.get("seed", seed) != seed for e in evals.values()):
            continue  # metrics of another seed (a workspace mid-run): not this seed's evaluation
        for task, e in evals.items():  # dvc exp show leaves out list values: the interval
            if "ap_margin_over_logreg_ci95" not in e:
                e["ap_margin_over_logreg_ci95"] = _interval(row.get("git_rev"), task)
        seeds[int(seed)] = {"name": row["name"], **evals}
    return dict(sorted(seeds.items()))


def _interval(rev: str | None, task: str) -> list[float] | None:
    """The margin's interval from the run's own ``eval.json`` (the working tree's, or the commit's)."""
    path = f"metrics/{task}/eval.json"
    try:
        if rev in (None, "workspace"):
            text = (ROOT / path).read_text()
        else:
            cmd = ["git", "show", f"{rev}:{path}"]
            text = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        return json.loads(text).get("ap_margin_over_logreg_ci95")
    except (OSError, subprocess.CalledProcessError, json.JSONDecodeError):
        return None


def spread(seeds: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Per task: each seed's figures, their spread and whether the margin's lower bound is > 0 for all."""
    out: dict[str, Any] = {"seeds": list(seeds), "tasks": {}}
    for task in TASKS:
        runs = {
            seed: {
                **{f: row[task][f] for f in FIGURES},
                "ap_margin_over_logreg_ci95": row[task].get("ap_margin_over_logreg_ci95"),
                "num_val_objects": row[task].get("num_val_objects"),
                "num_datapoints": row[task].get("num_datapoints"),
            }
            for seed, row in seeds.items()
        }
        stats = {}
        for f in FIGURES:
            values = [r[f] for r in runs.values()]
            stats[f] = {
                "mean": statistics.fmean(values),
                "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                "min": min(values),
                "max": max(values),
            }
        lows = [(r["ap_margin_over_logreg_ci95"] or [float("-inf")])[0] for r in runs.values()]
        out["tasks"][task] = {"per_seed": runs, "spread": stats, "margin_holds_every_seed": min(lows) > 0}
    return out


def table(result: dict[str, Any]) -> str:
    lines = [
        "| task | seed | AP | accuracy at 0.5 | AP margin over logreg (95 % interval) | held-out objects |",
        "|---|---|---|---|---|---|",
    ]
    for task, t in result["tasks"].items():
        for seed, r in t["per_seed"].items():
            lo, hi = r["ap_margin_over_logreg_ci95"] or (float("nan"), float("nan"))
            lines.append(
                f"| {task} | {seed} | {r['average_precision']:.3f} | {r['accuracy_at_0.5']:.3f} | "
                f"{r['ap_margin_over_logreg']:+.3f} ({lo:+.3f}, {hi:+.3f}) | {r['num_val_objects']} |"
            )
        s = t["spread"]
        lines.append(
            f"| {task} | sd over seeds | {s['average_precision']['sd']:.3f} | {s['accuracy_at_0.5']['sd']:.3f} | "
            f"{s['ap_margin_over_logreg']['sd']:.3f} (holds for every seed: {t['margin_holds_every_seed']}) | |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", type=Path, help="read this dvc exp show --json output instead of running it"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "metrics" / "seed_spread.json")
    args = parser.parse_args(argv)
    if args.json:
        raw = json.loads(args.json.read_text())
    else:
        cmd = ["dvc", "exp", "show", "--json"]
        raw = json.loads(subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    seeds = per_seed(raw)
    if len(seeds) < 2:
        print(
            f"need runs of at least two seeds, found {list(seeds)}: dvc exp run -S seed=43", file=sys.stderr
        )
        return 1
    result = spread(seeds)
    atomic.write_json(args.out, result)
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
