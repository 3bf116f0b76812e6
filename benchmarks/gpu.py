"""GPU readiness: the same trials on Isaac Lab PhysX with >= 1,024 environments and on MuJoCo, trials/s and agreement.

Per object kind, the guesses of a procedural object (collision-free guesses and random collision-free poses,
3:1, as many as there are environments, tiled where the object has fewer) fill exactly one batch of ``--envs``
environments. Isaac Lab runs the batch twice on one worker: the first run pays the worker start, the scene build
and kernel compilation (``first_run_s``), the second is timed (``trials_per_s``). MuJoCo runs the same trials
on every core in the same process (``mujoco_trials_per_s``; ``vs_mujoco`` is the ratio, so both sides see the
same machine). Label agreement and Cohen's kappa compare the two engines' labels trial by trial, per object
and overall (``dexgen sim-compare`` is the full comparison with near misses).

On a host whose ``nvidia-smi`` lists a GPU the defaults are ``--device cuda --envs 1024``; elsewhere
``--device cpu --envs 128``, which checks the script end to end but says nothing about a GPU (the JSON records
``gpu_ready: false``). Needs the Isaac Lab environment (``make isaaclab-env``). Writes ``metrics/bench/gpu.json``
atomically and prints one JSON line per object. Never fails on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from dexgen import atomic
from dexgen.grippers.loader import load_gripper
from dexgen.guess.guesses import guess_object
from dexgen.hashing import sha256_bytes
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import SimConfig, protocol_preset
from dexgen.seeding import rng_for
from dexgen.sim.compare.agreement import agreement
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import backend_class, make_backend

GPU_ENVS = 1024  # the batch a GPU host is judged at (issue 28: ">= 1,024 environments")
CPU_ENVS = 128  # sim.isaaclab.num_envs' default on CPU cores


def gpu_name() -> str | None:
    """The first GPU ``nvidia-smi`` lists, None where there is none (or no driver)."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    names = [line.strip() for line in out.splitlines() if line.strip()]
    return names[0] if names else None


def trials_for(kind: str, envs: int, cfg: SimConfig, cache: Path):
    """(gripper, sim object, poses (envs, 4, 4), openings (envs,), distinct guesses) of one procedural object."""
    gripper = load_gripper()
    mesh = make_object(kind, f"{kind}_gpu", seed=0, size_range=(0.05, 0.08))
    obj = object_for_record(kind, mesh, sha256_bytes(mesh.vertices.tobytes()), cfg, cache_dir=cache)
    free = math.ceil(0.75 * envs)
    guess_cfg = GuessConfig(
        num_collision_free_grasps=free, num_colliding_grasps=0, num_random_poses=envs - free
    )
    g = guess_object(mesh, gripper, guess_cfg, rng_for(0, "bench-gpu", kind))
    keep = np.flatnonzero(g.labels != 1)  # collision-free guesses and random poses, as the stage simulates
    if len(keep) == 0:
        raise SystemExit(f"{kind}: no collision-free guess to simulate")
    rows = np.resize(keep, envs)  # tiled to exactly one batch of envs
    return gripper, obj, g.poses[rows], g.openings[rows], len(keep)


def timed_run(backend, case) -> tuple[float, object]:
    gripper, obj, poses, openings, _ = case
    start = time.perf_counter()
    trials = backend.run(obj, gripper, poses, openings)
    return time.perf_counter() - start, trials


def default_device() -> str:
    return "cuda" if gpu_name() is not None else "cpu"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", choices=["cuda", "cpu"], help="default: cuda where nvidia-smi lists a GPU"
    )
    parser.add_argument(
        "--envs", type=int, help=f"environments per batch (default: {GPU_ENVS} on cuda, {CPU_ENVS} on cpu)"
    )
    parser.add_argument(
        "--kinds", nargs="+", default=["box", "cylinder", "mug", "torus"], help="procedural objects"
    )
    parser.add_argument("--preset", default="graspdatagen", help="sim.protocol.preset of the trials")
    parser.add_argument("--out", default="metrics/bench/gpu.json")
    args = parser.parse_args(argv)
    device = args.device or default_device()
    envs = args.envs or (GPU_ENVS if device == "cuda" else CPU_ENVS)
    if envs < 1:
        parser.error(f"--envs must be >= 1, got {envs}")
    cfg = SimConfig(protocol=protocol_preset(args.preset), threads=0)
    il_cfg = dataclasses.replace(
        cfg,
        backend="isaaclab",
        isaaclab=dataclasses.replace(cfg.isaaclab, physics="physx", device=device, num_envs=envs),
    )
    with tempfile.TemporaryDirectory() as tmp:
        cases = {kind: trials_for(kind, envs, cfg, Path(tmp)) for kind in args.kinds}
    rows, labels_mj, labels_il = [], [], []
    wall_mj = wall_il = 0.0
    with make_backend(il_cfg) as isaaclab, make_backend(dataclasses.replace(cfg, backend="mujoco")) as mujoco:
        for kind, case in cases.items():
            first, _ = timed_run(isaaclab, case)  # worker start (first object only), scene build, kernels
            il_s, il = timed_run(isaaclab, case)
            mj_s, mj = timed_run(mujoco, case)
            wall_il, wall_mj = wall_il + il_s, wall_mj + mj_s
            labels_il.append(il.success)
            labels_mj.append(mj.success)
            n = len(case[2])
            row = {
                "kind": kind,
                "parts": len(case[1].parts),
                "trials": n,
                "distinct_trials": case[4],
                "first_run_s": round(first, 2),
                "isaaclab_trials_per_s": round(n / il_s, 2),
                "mujoco_trials_per_s": round(n / mj_s, 2),
                "vs_mujoco": round(mj_s / il_s, 3),
                **agreement(mj.success, il.success),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
        isaaclab_version = isaaclab.version()  # the interpreter it ran: isaaclab <version> physx
    total = sum(r["trials"] for r in rows)
    overall = agreement(np.concatenate(labels_mj), np.concatenate(labels_il))
    gpu = gpu_name()
    result = {
        "device": device,
        "gpu": gpu if device == "cuda" else None,
        "gpu_ready": device == "cuda" and envs >= GPU_ENVS,
        "envs": envs,
        "physics": "physx",
        "preset": args.preset,
        "cpus": os.cpu_count(),
        "engines": {"a": backend_class("mujoco").version(), "b": isaaclab_version},
        "objects": rows,
        "overall": {
            "trials": total,
            "isaaclab_trials_per_s": round(total / wall_il, 2),
            "mujoco_trials_per_s": round(total / wall_mj, 2),
            "vs_mujoco": round(wall_mj / wall_il, 3),
            **overall,
        },
    }
    atomic.write_json(args.out, result)
    o = result["overall"]
    print(
        f"{device} ({gpu or 'no GPU'}), {envs} envs: Isaac Lab PhysX {o['isaaclab_trials_per_s']} trials/s, "
        f"MuJoCo {o['mujoco_trials_per_s']} trials/s; agreement {o['agreement']} (kappa {o['kappa']}) "
        f"over {total} trials -> {args.out}"
    )


if __name__ == "__main__":
    main()
