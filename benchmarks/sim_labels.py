"""MuJoCo trial speed and labels: the default trial against the opt-in ``FAST_TRIAL``, on a whole object set.

Every object of ``--objects`` (an objects stage output: ``shard-*/index.json`` and meshes) with its guess
file under ``--guesses`` is simulated twice in the same run, with the default ``SimConfig`` ("old") and with
:data:`dexgen.params.sim.FAST_TRIAL` applied ("new": looser solver tolerance, no warm start, no islands,
mid-trial early exit). The two alternate which goes first per object, so load from other processes hits
both alike. ``--reference`` names a simulate stage output (``shard-*/<stem>.npz``): both runs are also
compared with it. Prints trials/s of each (wall clock with ``--threads`` rollout threads, and per CPU
second of this process), their ratio, the label agreement, Cohen's kappa and the confusion matrix
(overall, per object kind and per guess label), and writes ``--out``. Never fails on time.
``--every k`` keeps every k-th object in key order for a quick run.

    python benchmarks/sim_labels.py --objects data/objects --guesses data/guesses --cache data/cache
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np

from dexgen import atomic
from dexgen.objects.loading import load_object_mesh
from dexgen.params.sim import FAST_TRIAL, SimConfig
from dexgen.records.grippers import parallel_jaw_from_record
from dexgen.records.guesses import read_guesses
from dexgen.records.objects import mesh_stem, read_index
from dexgen.records.trials import read_results
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import make_backend
from dexgen.sim.shard import select_trials


def load_set(
    objects: Path,
    guesses: Path,
    cfg: SimConfig,
    cache: Path | None,
    every: int,
    reference: Path | None = None,
) -> list[dict]:
    """Objects in key order (every ``every``-th): key, kind, sim object, gripper, poses, openings, labels,
    and the stored success of ``reference`` (None without one)."""
    shards = sorted(objects.glob("shard-*")) or [objects]
    found = []
    for shard in shards:
        for record in read_index(shard):
            found.append((record.key, shard, record))
    out = []
    for key, shard, record in sorted(found, key=lambda f: f[0])[::every]:
        stem = mesh_stem(record)
        guess_path = guesses / shard.name / f"{stem}.npz" if shard != objects else guesses / f"{stem}.npz"
        g, meta = read_guesses(guess_path, record=record)
        gripper = parallel_jaw_from_record(meta.get("gripper"), where=str(guess_path))
        mesh = load_object_mesh(shard, record)
        obj = object_for_record(key, mesh, record.mesh_sha256, cfg, cache_dir=cache)
        rows = select_trials(g["labels"], list(meta["labels"]), cfg)
        stored = None
        if reference is not None:
            ref_path = (
                reference / shard.name / f"{stem}.npz" if shard != objects else reference / f"{stem}.npz"
            )
            arrays, _ = read_results(ref_path, record=record)
            if not np.array_equal(arrays["guess_index"], rows):
                raise SystemExit(f"{ref_path}: simulated other guesses than sim.labels selects")
            stored = arrays["success"]
        out.append(
            {
                "key": key,
                "kind": key.rsplit("_", 1)[0],
                "obj": obj,
                "gripper": gripper,
                "poses": g["poses"][rows],
                "openings": g["openings"][rows],
                "label": np.asarray(meta["labels"])[g["labels"][rows]],
                "reference": stored,
            }
        )
    return out


def agreement(a: np.ndarray, b: np.ndarray) -> dict:
    """Agreement, Cohen's kappa and the 2x2 confusion matrix of two boolean label vectors (a = old)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    n = len(a)
    if n == 0:
        return {"trials": 0}
    po = float((a == b).mean())
    pe = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    kappa = 1.0 if pe == 1 else (po - pe) / (1 - pe)
    return {
        "trials": n,
        "agreement": round(po, 5),
        "kappa": round(kappa, 5),
        "held_old": int(a.sum()),
        "held_new": int(b.sum()),
        # rows: old held / old not held; columns: new held / new not held
        "confusion": [[int((a & b).sum()), int((a & ~b).sum())], [int((~a & b).sum()), int((~a & ~b).sum())]],
    }


def time_both(configs: dict[str, SimConfig], objs: list[dict]) -> tuple[dict, dict, dict]:
    """Wall and CPU seconds and held labels of each setting over every object, alternating which runs
    first so neither always runs on a warm cache."""
    wall = {k: 0.0 for k in configs}
    cpu = {k: 0.0 for k in configs}
    held: dict[str, list[np.ndarray]] = {k: [] for k in configs}
    backends = {k: make_backend(c) for k, c in configs.items()}
    try:
        for b in backends.values():  # warm-up: thread pool, first model
            b.run(objs[0]["obj"], objs[0]["gripper"], objs[0]["poses"][:4], objs[0]["openings"][:4])
        for i, o in enumerate(objs):
            order = ("old", "new") if i % 2 == 0 else ("new", "old")
            for name in order:
                w, c = time.perf_counter(), time.process_time()
                trials = backends[name].run(o["obj"], o["gripper"], o["poses"], o["openings"])
                wall[name] += time.perf_counter() - w
                cpu[name] += time.process_time() - c
                held[name].append(trials.success)
            same = float((held["old"][-1] == held["new"][-1]).mean()) if len(o["poses"]) else 1.0
            print(f"{o['key']}: {len(o['poses'])} trials, agreement {same:.3f}", flush=True)
    finally:
        for b in backends.values():
            b.close()
    return wall, cpu, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=Path, default=Path("data/objects"))
    parser.add_argument("--guesses", type=Path, default=Path("data/guesses"))
    parser.add_argument("--cache", type=Path, default=Path("data/cache"), help="coacd cache (<cache>/convex)")
    parser.add_argument("--reference", type=Path, help="simulate outputs from before the speed work")
    parser.add_argument("--every", type=int, default=1, help="keep every k-th object (key order)")
    parser.add_argument("--threads", type=int, default=0, help="rollout threads; 0 = every core")
    parser.add_argument("--out", default="metrics/bench/sim_labels.json")
    args = parser.parse_args()
    threads = args.threads or os.cpu_count() or 1
    base = SimConfig(threads=threads)
    new = dataclasses.replace(base, **FAST_TRIAL)
    configs = {"old": base, "new": new}
    objs = load_set(
        args.objects,
        args.guesses,
        new,
        args.cache if args.cache.exists() else None,
        args.every,
        args.reference,
    )
    if not objs:
        raise SystemExit(f"no objects under {args.objects}")
    wall, cpu, held = time_both(configs, objs)
    old, new_held = np.concatenate(held["old"]), np.concatenate(held["new"])
    n = len(old)
    kinds = np.concatenate([[o["kind"]] * len(o["poses"]) for o in objs])
    labels = np.concatenate([o["label"] for o in objs])
    speed = {
        name: {
            "trials_per_s": round(n / wall[name], 1),
            "trials_per_s_per_core": round(n / wall[name] / threads, 1),
            "trials_per_cpu_s": round(n / cpu[name], 1),
        }
        for name in configs
    }
    result = {
        "objects": len(objs),
        "trials": n,
        "threads": threads,
        "cores": os.cpu_count(),
        "old_settings": {k: getattr(base, k) for k in FAST_TRIAL},
        "new_settings": FAST_TRIAL,
        "speed": speed,
        "speedup_wall": round(wall["old"] / wall["new"], 3),
        "speedup_cpu": round(cpu["old"] / cpu["new"], 3),
        "labels": agreement(old, new_held),
        "reference": None
        if args.reference is None
        else {
            name: agreement(np.concatenate([o["reference"] for o in objs]), np.concatenate(held[name]))
            for name in configs
        },
        "by_kind": {k: agreement(old[kinds == k], new_held[kinds == k]) for k in sorted(set(kinds))},
        "by_guess_label": {
            k: agreement(old[labels == k], new_held[labels == k]) for k in sorted(set(labels))
        },
    }
    print(json.dumps({k: v for k, v in result.items() if k not in ("by_kind",)}, indent=2))
    for kind, row in result["by_kind"].items():
        print(
            f"  {kind:14s} {row['trials']:5d} trials  agreement {row['agreement']:.4f}  kappa {row['kappa']:.3f}"
        )
    atomic.write_json(args.out, result)


if __name__ == "__main__":
    main()
