"""Which run-time setting moves simulation results: OpenBLAS kernel, numpy SIMD level, thread counts.

Runs the same small shard (procedural objects, their default guesses, the default MuJoCo trial) in a
child process per setting and compares every array of the trial results with the first setting's,
bit for bit. A setting that changes bits here is one where two machines can disagree. Prints one line
per setting; never fails. Used to find and remove machine dependence (README, "Reproducibility").

    python benchmarks/machine_dependence.py --kinds box mug --trials 40
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SETTINGS = {
    "default": {},
    "blas-haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "blas-zen": {"OPENBLAS_CORETYPE": "Zen"},
    "blas-skylakex": {"OPENBLAS_CORETYPE": "SkylakeX"},
    "blas-sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "blas-prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    "blas-threads-1": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    "blas-threads-2": {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"},
    "numpy-avx2": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL"},
    "numpy-sse": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL"},
    "sim-threads-1": {"DEXGEN_HUNT_SIM_THREADS": "1"},
    "libm-no-fma": {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F,-AVX2,-FMA"},
}


def child(kinds: list[str], trials: int, out: Path) -> None:
    """Run the shard in this process and save every trial array to ``out`` (npz)."""
    from dexgen.grippers.loader import load_gripper
    from dexgen.guess.guesses import guess_object
    from dexgen.hashing import sha256_bytes
    from dexgen.objects.procedural import make_object
    from dexgen.params.guess import GuessConfig
    from dexgen.params.sim import SimConfig
    from dexgen.seeding import rng_for
    from dexgen.sim.mujoco_backend import start_poses
    from dexgen.sim.objects import object_for_record
    from dexgen.sim.registry import make_backend

    cfg = SimConfig()
    if "DEXGEN_HUNT_SIM_THREADS" in os.environ:
        cfg = dataclasses.replace(cfg, threads=int(os.environ["DEXGEN_HUNT_SIM_THREADS"]))
    gripper, arrays = load_gripper(), {}
    with tempfile.TemporaryDirectory() as tmp, make_backend(cfg) as backend:
        for kind in kinds:
            mesh = make_object(kind, f"{kind}_hunt", seed=0, size_range=(0.05, 0.08))
            obj = object_for_record(
                kind, mesh, sha256_bytes(mesh.vertices.tobytes()), cfg, cache_dir=Path(tmp)
            )
            g = guess_object(mesh, gripper, GuessConfig(num_colliding_grasps=0), rng_for(0, "hunt", kind))
            keep = np.flatnonzero(g.labels != 1)[:trials]
            arrays[f"{kind}/guess_poses"] = g.poses
            arrays[f"{kind}/mass_com_inertia"] = np.concatenate([[obj.mass], obj.com, obj.inertia.ravel()])
            arrays[f"{kind}/start_poses"] = np.stack(start_poses(g.poses[keep], "top_down"))
            result = backend.run(obj, gripper, g.poses[keep], g.openings[keep])
            for field in dataclasses.fields(result):
                value = getattr(result, field.name)
                if isinstance(value, np.ndarray) and value.dtype != object:
                    arrays[f"{kind}/{field.name}"] = value
    np.savez(out, **arrays)


def synth_child(kinds: list[str], out: Path) -> None:
    """Synthesize both Dex-Net tasks for each object (small settings) and save every array."""
    from dexgen.dexnet.synth.registry import get_task
    from dexgen.dexnet.synth.stage import task_gripper
    from dexgen.hashing import sha256_bytes
    from dexgen.objects.procedural import make_object
    from dexgen.params.sim import SimConfig
    from dexgen.params.synth import CameraConfig, ParallelJawConfig, SuctionConfig, SynthConfig
    from dexgen.seeding import rng_for
    from dexgen.sim.objects import object_for_record
    from dexgen.sim.registry import make_backend

    cfg = SynthConfig(
        poses_per_object=1,
        parallel_jaw=ParallelJawConfig(grasps_per_pose=16, camera=CameraConfig(images_per_pose=2)),
        suction=SuctionConfig(points_per_pose=24, camera=CameraConfig(images_per_pose=2)),
    )
    sim, arrays = SimConfig(), {}
    with tempfile.TemporaryDirectory() as tmp, make_backend(sim) as backend:
        for kind in kinds:
            mesh = make_object(kind, f"{kind}_hunt", seed=0, size_range=(0.05, 0.08))
            obj = object_for_record(
                kind, mesh, sha256_bytes(mesh.vertices.tobytes()), sim, cache_dir=Path(tmp)
            )
            for name in cfg.tasks:
                task = get_task(name)
                gripper = task_gripper(task, cfg)

                def simulate(poses, openings, gripper=gripper, obj=obj):
                    trials = backend.run(obj, gripper, poses, openings)
                    return trials.success, trials.score

                rng = rng_for(0, "hunt", name, kind)
                result = task.datapoints(mesh, gripper, cfg, rng=rng, simulate=simulate)
                for field, value in result.items():
                    arrays[f"{kind}/{name}/{field}"] = value
    np.savez(out, **arrays)


def compare(base: dict, other: dict) -> dict:
    """Per array: equal bits, or the count of differing entries (labels: flipped trials)."""
    out = {}
    for name, a in base.items():
        b = other.get(name)
        if b is None or a.shape != b.shape:
            out[name] = f"shape {a.shape} vs {None if b is None else b.shape}"
            continue
        same = a.tobytes() == b.tobytes()
        if not same:
            diff = a != b if a.dtype.kind not in "f" else ~np.isclose(a, b, rtol=0, atol=0, equal_nan=True)
            out[name] = int(diff.reshape(len(a), -1).any(axis=1).sum()) if a.ndim else 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["box", "superquadric", "mug"])
    parser.add_argument("--trials", type=int, default=40, help="trials per object")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--synth", action="store_true", help="the dexnet_synth tasks instead of simulate")
    parser.add_argument("--out", type=Path, help="JSON of every setting's line (default metrics/bench/...)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.synth:
            synth_child(args.kinds, args.child)
        else:
            child(args.kinds, args.trials, args.child)
        return
    results, lines = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.settings:
            env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_L2_SIZE"}
            env.update(SETTINGS[name])
            out = Path(tmp) / f"{name}.npz"
            cmd = [sys.executable, __file__, "--child", str(out), "--trials", str(args.trials)]
            cmd += ["--synth"] * args.synth + ["--kinds"]
            subprocess.run([*cmd, *args.kinds], env=env, check=True)
            with np.load(out) as z:
                results[name] = dict(z)
            first = next(iter(results))
            lines.append({"setting": name, "vs": first, "differing": compare(results[first], results[name])})
            print(json.dumps(lines[-1]), flush=True)
    out = args.out or Path("metrics/bench") / f"machine_dependence{'-synth' * args.synth}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"kinds": args.kinds, "trials": args.trials, "synth": args.synth, "settings": lines}
    out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
