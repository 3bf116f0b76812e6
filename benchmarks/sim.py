"""Grasp-trial throughput by object complexity, one thread vs every core, and memory over many trials.

For each object kind (a box is one hull; a superquadric one hull with many vertices; a mug and a torus
are coacd parts) the default guesses (64 collision-free + 16 random) run through the default MuJoCo
trial with 1 thread, 2 threads and every core. Prints trials/s, trials/s per core (per rollout thread)
and ratios against the 1-thread run of the same object in the same run, then the resident memory growth over ``--memory-trials`` trials, and
writes metrics/bench/sim.json. ``--fast`` runs the opt-in
:data:`dexgen.params.sim.FAST_TRIAL` instead; ``benchmarks/sim_labels.py`` compares the two in one run
on a whole object set, with label agreement. ``--real`` (default ``robotiq_2f_85_real``; "" skips it)
runs a real hand on the same objects and poses beside the box gripper (``real_*`` columns and
``real_vs_box_<t>``: its trials/s over the box's, target >= 0.5). Never fails on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from dexgen import atomic
from dexgen.grippers.description import load_model
from dexgen.grippers.loader import load_gripper
from dexgen.guess.guesses import guess_object
from dexgen.hashing import sha256_bytes
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import FAST_TRIAL, SimConfig
from dexgen.seeding import rng_for
from dexgen.sim.decomposition import cached_decomposition
from dexgen.sim.objects import make_sim_object
from dexgen.sim.registry import make_backend

KINDS = ("box", "superquadric", "torus", "mug")


def rss_mb() -> float:
    """Resident set size of this process, MB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def prepare(kind: str, cfg: SimConfig, cache: Path):
    gripper = load_gripper()
    mesh = make_object(kind, f"{kind}_bench", seed=0, size_range=(0.05, 0.08))
    start = time.perf_counter()
    dec = cached_decomposition(
        mesh, sha256_bytes(mesh.vertices.tobytes()), cfg.decomposition, cache_dir=cache
    )
    decompose_s = time.perf_counter() - start
    obj = make_sim_object(
        kind, mesh, dec, density=cfg.density, friction=cfg.friction, torsional_friction=cfg.torsional_friction
    )
    g = guess_object(mesh, gripper, GuessConfig(num_colliding_grasps=0), rng_for(0, "bench", kind))
    keep = g.labels != 1  # collision-free and random, as the stage runs them by default
    return gripper, obj, g.poses[keep], g.openings[keep], g.labels[keep], dec.method, decompose_s


def rate(
    cfg: SimConfig, threads: int, gripper, obj, poses, openings, repeat: int
) -> tuple[float, np.ndarray]:
    with make_backend(dataclasses.replace(cfg, threads=threads)) as backend:
        backend.run(obj, gripper, poses[:8], openings[:8])  # warm-up: thread pool, first model
        start = time.perf_counter()
        for _ in range(repeat):
            trials = backend.run(obj, gripper, poses, openings)
        return repeat * len(poses) / (time.perf_counter() - start), trials.success


def real_row(cfg: SimConfig, threads, real, obj, poses, openings, labels, box_row: dict, repeat: int) -> dict:
    """The real hand on the box gripper's poses and openings (clipped to its stroke) of one object."""
    row = {"real_gripper": real.name}
    for t in threads:
        speed, success = rate(cfg, t, real, obj, poses, openings, repeat)
        row[f"real_trials_per_s_{t}_threads"] = round(speed, 1)
        row[f"real_vs_box_{t}"] = round(speed / box_row[f"trials_per_s_{t}_threads"], 2)
    row["real_held_collision_free"] = f"{int(success[labels == 0].sum())}/{int((labels == 0).sum())}"
    return row


def memory(cfg: SimConfig, objects: list, total: int) -> dict:
    """RSS after a warm-up round over every object, and after ``total`` more trials."""
    with make_backend(cfg) as backend:
        for gripper, obj, poses, openings, *_ in objects:
            backend.run(obj, gripper, poses, openings)
        before, done, peak = rss_mb(), 0, 0.0
        while done < total:
            for gripper, obj, poses, openings, *_ in objects:
                done += len(backend.run(obj, gripper, poses, openings))
                peak = max(peak, rss_mb())
        after = rss_mb()
    return {
        "trials": done,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "rss_peak_mb": round(peak, 1),
        "growth_mb": round(after - before, 1),
    }


def steps_per_trial(cfg: SimConfig) -> int:
    p = cfg.protocol
    seconds = p.close_duration + p.lift_duration + p.shake_duration + sum(t.duration for t in p.tugs)
    return int(round(seconds / p.timestep))


def box_row(kind, cfg, threads, obj, gripper, poses, openings, labels, method, dec_s, repeat) -> dict:
    """One object's box-gripper figures: trials/s per thread count (results must not differ), speedups,
    what was held."""
    row = {
        "kind": kind,
        "parts": len(obj.parts),
        "decomposition": method,
        "decompose_s": round(dec_s, 2),
        "trials": len(poses),
    }
    held = None
    for t in threads:
        row[f"trials_per_s_{t}_threads"], success = rate(cfg, t, gripper, obj, poses, openings, repeat)
        held = success if held is None else held
        if not np.array_equal(held, success):
            raise SystemExit(f"{kind}: results differ between thread counts")
    for t in threads[1:]:
        row[f"speedup_{t}_vs_1"] = round(row[f"trials_per_s_{t}_threads"] / row["trials_per_s_1_threads"], 2)
    for t in threads:
        row[f"trials_per_s_per_core_{t}_threads"] = round(row[f"trials_per_s_{t}_threads"] / t, 1)
        row[f"trials_per_s_{t}_threads"] = round(row[f"trials_per_s_{t}_threads"], 1)
    row["held_collision_free"] = f"{int(held[labels == 0].sum())}/{int((labels == 0).sum())}"
    row["held_random"] = f"{int(held[labels == 2].sum())}/{int((labels == 2).sum())}"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--repeat", type=int, default=2, help="runs of each object's trials per timing")
    parser.add_argument("--memory-trials", type=int, default=2000)
    parser.add_argument(
        "--fast", action="store_true", help="the opt-in FAST_TRIAL settings (labels move slightly)"
    )
    parser.add_argument("--real", default="robotiq_2f_85_real", help='a real hand beside the box ("": none)')
    parser.add_argument("--out", default="metrics/bench/sim.json")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    cfg = dataclasses.replace(SimConfig(), **FAST_TRIAL) if args.fast else SimConfig()
    threads = sorted({1, 2, cores})
    real = load_model(args.real) if args.real else None
    rows, objects = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds:
            gripper, obj, poses, openings, labels, method, dec_s = prepare(kind, cfg, Path(tmp))
            objects.append((gripper, obj, poses, openings))
            row = box_row(
                kind, cfg, threads, obj, gripper, poses, openings, labels, method, dec_s, args.repeat
            )
            if real is not None:
                row.update(real_row(cfg, threads, real, obj, poses, openings, labels, row, args.repeat))
            rows.append(row)
            print(json.dumps(row))
    mem = memory(cfg, objects, args.memory_trials)
    total = {
        t: sum(r["trials"] for r in rows) / sum(r["trials"] / r[f"trials_per_s_{t}_threads"] for r in rows)
        for t in threads
    }
    result = {
        "cores": cores,
        "settings": "fast" if args.fast else "default",
        "steps_per_trial": steps_per_trial(cfg),
        "objects": rows,
        "all_objects": {
            **{f"trials_per_s_{t}_threads": round(v, 1) for t, v in total.items()},
            **{f"trials_per_s_per_core_{t}_threads": round(v / t, 1) for t, v in total.items()},
            **{f"speedup_{t}_vs_1": round(total[t] / total[1], 2) for t in threads[1:]},
        },
        "memory": mem,
    }
    if real is not None:  # trials/s over all objects, real hand against box, per thread count
        real_total = {
            t: sum(r["trials"] for r in rows)
            / sum(r["trials"] / r[f"real_trials_per_s_{t}_threads"] for r in rows)
            for t in threads
        }
        result["all_objects"].update(
            {f"real_trials_per_s_{t}_threads": round(v, 1) for t, v in real_total.items()}
            | {f"real_vs_box_{t}": round(real_total[t] / total[t], 2) for t in threads}
        )
    print(json.dumps({k: v for k, v in result.items() if k != "objects"}, indent=2))
    atomic.write_json(args.out, result)


if __name__ == "__main__":
    main()
