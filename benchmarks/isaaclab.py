"""Isaac Lab backend: trials/s by engine and envs per batch, and label agreement with MuJoCo on the same poses.

For each object kind the default guesses (collision-free + random, as the stage runs them) are tiled to at
least ``envs`` trials and run through the default trial: once to build the scene (and compile kernels),
then timed with the scene reused (``trials/s``; the build is printed apart, it is paid once per object).
Agreement: the same guesses on MuJoCo and on Isaac Lab, per object: equal labels, Cohen's kappa, the
confusion counts. Needs the Isaac Lab environment (``make isaaclab-env``). Never fails on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from dexgen.grippers.loader import load_gripper
from dexgen.guess.guesses import guess_object
from dexgen.hashing import sha256_bytes
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import SimConfig
from dexgen.seeding import rng_for
from dexgen.sim.decomposition import cached_decomposition
from dexgen.sim.objects import make_sim_object
from dexgen.sim.registry import make_backend


def prepare(kind: str, cfg: SimConfig, cache: Path):
    gripper = load_gripper()
    mesh = make_object(kind, f"{kind}_bench", seed=0, size_range=(0.05, 0.08))
    dec = cached_decomposition(
        mesh, sha256_bytes(mesh.vertices.tobytes()), cfg.decomposition, cache_dir=cache
    )
    obj = make_sim_object(
        kind, mesh, dec, density=cfg.density, friction=cfg.friction, torsional_friction=cfg.torsional_friction
    )
    g = guess_object(mesh, gripper, GuessConfig(num_colliding_grasps=0), rng_for(0, "bench", kind))
    keep = g.labels != 1
    return gripper, obj, g.poses[keep], g.openings[keep]


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two boolean label vectors (1.0 when both are constant and equal)."""
    po = float(np.mean(a == b))
    pa, pb = float(np.mean(a)), float(np.mean(b))
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1.0 else (po - pe) / (1 - pe)


def throughput(cfg: SimConfig, physics: str, envs: int, case) -> dict:
    gripper, obj, poses, openings = case
    reps = -(-envs // len(poses))
    poses, openings = np.concatenate([poses] * reps)[:envs], np.concatenate([openings] * reps)[:envs]
    icfg = dataclasses.replace(cfg.isaaclab, physics=physics, num_envs=envs, device="cpu")
    with make_backend(dataclasses.replace(cfg, backend="isaaclab", isaaclab=icfg)) as backend:
        start = time.perf_counter()
        backend.run(obj, gripper, poses, openings)  # worker start, scene build, kernel compilation
        first = time.perf_counter() - start
        build = sum(t["build_s"] for t in backend.last_timings)
        start = time.perf_counter()
        trials = backend.run(obj, gripper, poses, openings)
        wall = time.perf_counter() - start
    return {
        "physics": physics,
        "envs": envs,
        "trials": len(poses),
        "first_run_s": round(first, 1),
        "scene_build_s": round(build, 1),
        "trials_per_s": round(len(poses) / wall, 2),
        "held": int(trials.success.sum()),
    }


def agreement(cfg: SimConfig, physics: str, envs: int, cases: dict) -> list[dict]:
    icfg = dataclasses.replace(cfg.isaaclab, physics=physics, num_envs=envs, device="cpu")
    rows = []
    with (
        make_backend(dataclasses.replace(cfg, backend="mujoco")) as mj,
        make_backend(dataclasses.replace(cfg, backend="isaaclab", isaaclab=icfg)) as il,
    ):
        for kind, (gripper, obj, poses, openings) in cases.items():
            a = mj.run(obj, gripper, poses, openings).success
            b = il.run(obj, gripper, poses, openings).success
            rows.append(
                {
                    "kind": kind,
                    "trials": len(a),
                    "mujoco_held": int(a.sum()),
                    "isaaclab_held": int(b.sum()),
                    "agree": round(float(np.mean(a == b)), 3),
                    "kappa": round(kappa(a, b), 3),
                    "held_both": int((a & b).sum()),
                    "mujoco_only": int((a & ~b).sum()),
                    "isaaclab_only": int((~a & b).sum()),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--physics", nargs="+", default=["physx"], choices=["physx", "newton"])
    parser.add_argument("--envs", nargs="+", type=int, default=[16, 128])
    parser.add_argument("--speed-kinds", nargs="+", default=["box", "mug"])
    parser.add_argument("--agree-kinds", nargs="+", default=["box", "cylinder", "mug", "torus"])
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-agreement", action="store_true")
    args = parser.parse_args()
    cfg = SimConfig()
    with tempfile.TemporaryDirectory() as tmp:
        kinds = sorted(
            set(args.speed_kinds) | set(args.agree_kinds), key=(args.speed_kinds + args.agree_kinds).index
        )
        cases = {kind: prepare(kind, cfg, Path(tmp)) for kind in kinds}
    if not args.skip_speed:
        for physics in args.physics:
            for envs in args.envs:
                for kind in args.speed_kinds:
                    row = {
                        "kind": kind,
                        "parts": len(cases[kind][1].parts),
                        **throughput(cfg, physics, envs, cases[kind]),
                    }
                    print(json.dumps(row), flush=True)
    if not args.skip_agreement:
        for physics in args.physics:
            rows = agreement(cfg, physics, max(args.envs), {k: cases[k] for k in args.agree_kinds})
            a = sum(r["agree"] * r["trials"] for r in rows) / max(sum(r["trials"] for r in rows), 1)
            print(
                f"{physics}: label agreement with MuJoCo {a:.3f} over {sum(r['trials'] for r in rows)} trials"
            )


if __name__ == "__main__":
    main()
