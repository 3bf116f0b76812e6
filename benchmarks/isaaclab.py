"""Isaac Lab backend: trials/s by engine, gripper, object and envs per batch against MuJoCo, and label agreement.

For each object kind the default guesses (collision-free + random, as the stage runs them) are tiled to
``envs`` trials and run through the trial of ``--preset``: once to build the scene (and compile kernels),
then timed with the scene reused (``trials/s``; the build is printed apart, it is paid once per object).
MuJoCo runs the same trials in the same run on every core (``vs_mujoco``: the ratio, the machine's noise
cancelled). Agreement: the same guesses on MuJoCo and on Isaac Lab, per object (``dexgen sim-compare`` is
the full comparison). ``--grippers`` takes box gripper names and real hands (``robotiq_2f_85_real``): each is
guessed and timed on the same objects in the same run, so box vs real is one comparison. Needs the Isaac Lab environment (``make isaaclab-env``); ``--device cuda`` on a GPU.
Prints JSON lines and writes metrics/bench/isaaclab.json. Never fails on time.
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
from dexgen.grippers.description import load_model, real_names
from dexgen.grippers.loader import load_gripper
from dexgen.guess.guesses import guess_object
from dexgen.hashing import sha256_bytes
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import SimConfig, protocol_preset
from dexgen.seeding import rng_for
from dexgen.sim.compare.agreement import agreement as label_agreement
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import make_backend


def prepare(kind: str, cfg: SimConfig, cache: Path, gripper_name: str):
    gripper = load_model(gripper_name) if gripper_name in real_names() else load_gripper(gripper_name)
    mesh = make_object(kind, f"{kind}_bench", seed=0, size_range=(0.05, 0.08))
    obj = object_for_record(kind, mesh, sha256_bytes(mesh.vertices.tobytes()), cfg, cache_dir=cache)
    g = guess_object(mesh, gripper, GuessConfig(num_colliding_grasps=0), rng_for(0, "bench", kind))
    keep = g.labels != 1
    return gripper, obj, g.poses[keep], g.openings[keep]


def _tiled(case, envs: int):
    gripper, obj, poses, openings = case
    reps = -(-envs // len(poses))
    return gripper, obj, np.concatenate([poses] * reps)[:envs], np.concatenate([openings] * reps)[:envs]


def _timed(sim: SimConfig, case) -> tuple[float, float, object, list]:
    """(first run s, second run s, trials, the worker's timings) of ``case`` on ``sim``'s backend."""
    gripper, obj, poses, openings = case
    with make_backend(sim) as backend:
        start = time.perf_counter()
        backend.run(obj, gripper, poses, openings)  # worker start, scene build, kernel compilation
        first = time.perf_counter() - start
        timings = list(getattr(backend, "last_timings", []))
        start = time.perf_counter()
        trials = backend.run(obj, gripper, poses, openings)
        wall = time.perf_counter() - start
    return first, wall, trials, timings


def throughput(cfg: SimConfig, physics: str, envs: int, device: str, case) -> dict:
    case = _tiled(case, envs)
    n = len(case[2])
    icfg = dataclasses.replace(cfg.isaaclab, physics=physics, num_envs=envs, device=device)
    first, wall, trials, timings = _timed(dataclasses.replace(cfg, backend="isaaclab", isaaclab=icfg), case)
    _, mj_wall, _, _ = _timed(dataclasses.replace(cfg, backend="mujoco", threads=0), case)
    return {
        "physics": physics,
        "device": device,
        "envs": envs,
        "trials": n,
        "first_run_s": round(first, 1),
        "scene_build_s": round(sum(t["build_s"] for t in timings), 1),
        "trials_per_s": round(n / wall, 2),
        "mujoco_trials_per_s": round(n / mj_wall, 2),
        "vs_mujoco": round(mj_wall / wall, 3),
        "held": int(trials.success.sum()),
    }


def agreement(cfg: SimConfig, physics: str, envs: int, device: str, cases: dict) -> list[dict]:
    icfg = dataclasses.replace(cfg.isaaclab, physics=physics, num_envs=envs, device=device)
    rows = []
    with (
        make_backend(dataclasses.replace(cfg, backend="mujoco")) as mj,
        make_backend(dataclasses.replace(cfg, backend="isaaclab", isaaclab=icfg)) as il,
    ):
        for kind, (gripper, obj, poses, openings) in cases.items():
            a = mj.run(obj, gripper, poses, openings).success
            b = il.run(obj, gripper, poses, openings).success
            rows.append({"kind": kind, "physics": physics, **label_agreement(a, b)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--physics", nargs="+", default=["physx"], choices=["physx", "newton"])
    parser.add_argument("--envs", nargs="+", type=int, default=[16, 128])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--preset", default="dexgen", help="sim.protocol.preset of the trials")
    parser.add_argument("--speed-kinds", nargs="+", default=["box", "mug"])
    parser.add_argument("--agree-kinds", nargs="+", default=["box", "cylinder", "mug", "torus"])
    parser.add_argument("--grippers", nargs="+", default=["robotiq_2f_85"], help="box grippers or real hands")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-agreement", action="store_true")
    parser.add_argument("--out", default="metrics/bench/isaaclab.json")
    args = parser.parse_args()
    cfg = SimConfig(protocol=protocol_preset(args.preset))
    kinds = sorted(
        set(args.speed_kinds) | set(args.agree_kinds), key=(args.speed_kinds + args.agree_kinds).index
    )
    result = {"preset": args.preset, "cpus": os.cpu_count(), "speed": [], "agreement": []}
    for name in args.grippers:
        with tempfile.TemporaryDirectory() as tmp:
            cases = {kind: prepare(kind, cfg, Path(tmp), name) for kind in kinds}
        if not args.skip_speed:
            for physics in args.physics:
                for envs in args.envs:
                    for kind in args.speed_kinds:
                        parts = len(cases[kind][1].parts)
                        row = {
                            "gripper": name,
                            "kind": kind,
                            "parts": parts,
                            **throughput(cfg, physics, envs, args.device, cases[kind]),
                        }
                        result["speed"].append(row)
                        print(json.dumps(row), flush=True)
        if not args.skip_agreement:
            for physics in args.physics:
                rows = agreement(
                    cfg, physics, max(args.envs), args.device, {k: cases[k] for k in args.agree_kinds}
                )
                rows = [{"gripper": name, **r} for r in rows]
                result["agreement"] += rows
                n = sum(r["trials"] for r in rows)
                a = sum(r["agreement"] * r["trials"] for r in rows) / max(n, 1)
                print(f"{name} {physics}: label agreement with MuJoCo {a:.3f} over {n} trials", flush=True)
    atomic.write_json(args.out, result)


if __name__ == "__main__":
    main()
