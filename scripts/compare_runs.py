"""How far two runs of the pipeline agree when their bytes do not: labels, kappa and metric deltas.

    python scripts/compare_runs.py RUN_A RUN_B [--sim data/sim] [--synth data/dexnet/synth] [--metrics metrics]

RUN_A and RUN_B are two repo copies (or output trees with the same layout), e.g. one machine's
``dvc repro`` and another's. Reports, as JSON on stdout:

- ``simulate``: per shard and in all, trials compared, label agreement, Cohen's kappa and positives of
  each run (results paired by object file; an object whose trial count differs is listed, not paired);
- ``dexnet_synth``: per task, datapoints and positives of each run, and agreement and kappa when the
  rows pair up (same count and same ``hand_poses``);
- ``metrics``: every numeric leaf of ``metrics/**/*.json`` that differs, with both values and the delta.

This measures the across-machine agreement the README states; ``compare_outputs.py`` answers the
stricter question of whether two trees hold the same content. Exits 0 (a report, not a check).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.dexnet.fields import task_spec
from dexgen.dexnet.tensors import TensorsIndex
from dexgen.records.trials import read_results


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two binary label vectors; None when both are constant and equal (undefined)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    if not len(a):
        return None
    observed = float((a == b).mean())
    pa, pb = float(a.mean()), float(b.mean())
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return None if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Counts, agreement fraction and kappa of paired binary labels."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    return {
        "n": int(len(a)),
        "agree": int((a == b).sum()),
        "agreement": float((a == b).mean()) if len(a) else None,
        "kappa": cohen_kappa(a, b),
        "positives": [int(a.sum()), int(b.sum())],
    }


def _made_for(meta: dict[str, Any]) -> tuple[Any, Any]:
    """(object key, mesh sha256) a results file says it holds: files of one name pair only when equal."""
    return meta.get("object"), (meta.get("provenance") or {}).get("mesh_sha256")


def compare_sim(root_a: Path, root_b: Path, folder: str) -> dict[str, Any]:
    """Label agreement of every object results file found under ``folder`` in both runs."""
    files_a = {p.relative_to(root_a / folder) for p in (root_a / folder).rglob("*.npz")}
    files_b = {p.relative_to(root_b / folder) for p in (root_b / folder).rglob("*.npz")}
    shards: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    unpaired = sorted(str(p) for p in files_a ^ files_b)
    for rel in sorted(files_a & files_b):
        (arrays_a, meta_a), (arrays_b, meta_b) = (
            read_results(r / folder / rel, record=None) for r in (root_a, root_b)
        )
        a, b = arrays_a["success"], arrays_b["success"]
        if _made_for(meta_a) != _made_for(meta_b):
            unpaired.append(f"{rel} (of {_made_for(meta_a)} vs {_made_for(meta_b)})")
            continue
        if len(a) != len(b):
            unpaired.append(f"{rel} ({len(a)} vs {len(b)} trials)")
            continue
        shards.setdefault(rel.parts[0] if len(rel.parts) > 1 else ".", []).append((a, b))
    report = {
        shard: agreement(np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs]))
        for shard, pairs in sorted(shards.items())
    }
    every = [pair for pairs in shards.values() for pair in pairs]
    total = agreement(*(np.concatenate(side) for side in zip(*every))) if every else agreement([], [])
    return {"shards": report, "all": total, "unpaired": unpaired}


def _synth_labels(root: Path, task: str) -> tuple[np.ndarray, np.ndarray]:
    """(labels (n,) bool, hand_poses (n, d)) of one task: ``sim_success`` where the task has it, else
    the quality metric above the task's threshold."""
    spec = task_spec(task)
    names = {p.name.rsplit("_", 1)[0] for p in (root / "tensors").glob("*.npz")}
    field = "sim_success" if "sim_success" in names else spec.metric_field
    index = TensorsIndex(root, [field, "hand_poses"])
    values = index.read_field(field)
    labels = values.astype(bool) if field == "sim_success" else values > spec.threshold
    return labels, index.read_field("hand_poses")


def compare_synth(root_a: Path, root_b: Path, folder: str) -> dict[str, Any]:
    """Per task: datapoints and positives of each run, agreement and kappa when rows pair up."""
    out = {}
    for task_dir in sorted(p for p in (root_a / folder).glob("*") if (p / "tensors").is_dir()):
        other = root_b / folder / task_dir.name
        if not (other / "tensors").is_dir():
            out[task_dir.name] = {"missing_in_b": True}
            continue
        la, pa = _synth_labels(task_dir, task_dir.name)
        lb, pb = _synth_labels(other, task_dir.name)
        row = {"datapoints": [len(la), len(lb)], "positives": [int(la.sum()), int(lb.sum())]}
        if pa.shape == pb.shape and np.array_equal(pa, pb):
            row.update({k: v for k, v in agreement(la, lb).items() if k in ("agreement", "kappa")})
        else:
            row["paired"] = False  # other datapoints: only the counts compare
        out[task_dir.name] = row
    return out


def numeric_leaves(value: Any, prefix: str = "") -> dict[str, float]:
    """Every int / float leaf of a JSON value by dotted path (booleans excluded)."""
    if isinstance(value, dict):
        return {
            k: v for key, item in value.items() for k, v in numeric_leaves(item, f"{prefix}{key}.").items()
        }
    if isinstance(value, list):
        return {
            k: v for i, item in enumerate(value) for k, v in numeric_leaves(item, f"{prefix}{i}.").items()
        }
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {prefix.rstrip("."): float(value)}
    return {}


def compare_metrics(root_a: Path, root_b: Path, folder: str) -> dict[str, Any]:
    """Numeric leaves that differ between the two runs' ``folder/**/*.json``: [a, b, b - a]."""
    out: dict[str, Any] = {}
    for path in sorted((root_a / folder).rglob("*.json")):
        rel = path.relative_to(root_a)
        if not (root_b / rel).is_file():
            out[str(rel)] = "missing in b"
            continue
        a = numeric_leaves(json.loads(path.read_text()))
        b = numeric_leaves(json.loads((root_b / rel).read_text()))
        diffs = {
            k: [a.get(k), b.get(k), None if k not in a or k not in b else b[k] - a[k]]
            for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)
        }
        if diffs:
            out[str(rel)] = diffs
    return out


def compare_runs(root_a: Path, root_b: Path, *, sim: str, synth: str, metrics: str) -> dict[str, Any]:
    """The whole report (see the module docstring); a part whose folder is absent in run A is left out."""
    report: dict[str, Any] = {}
    if (root_a / sim).is_dir():
        report["simulate"] = compare_sim(root_a, root_b, sim)
    if (root_a / synth).is_dir():
        report["dexnet_synth"] = compare_synth(root_a, root_b, synth)
    if (root_a / metrics).is_dir():
        report["metrics"] = compare_metrics(root_a, root_b, metrics)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--sim", default="data/sim")
    parser.add_argument("--synth", default="data/dexnet/synth")
    parser.add_argument("--metrics", default="metrics")
    args = parser.parse_args(argv)
    report = compare_runs(args.a, args.b, sim=args.sim, synth=args.synth, metrics=args.metrics)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
