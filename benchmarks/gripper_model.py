"""Gripper model cost: load time, ``body_poses`` and ``mesh_at`` calls/s, box 2F-85 against the real one.

Prints one line per gripper (median of ``--repeat`` timed loads; calls/s over ``--calls`` openings
spread over the stroke, one thread). Never fails on time.

    PYTHONPATH=src python benchmarks/gripper_model.py
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dexgen.grippers.description import load_model

GRIPPERS = ("robotiq_2f_85", "robotiq_2f_85_real")


def _rate(fn, args) -> float:
    start = time.perf_counter()
    for a in args:
        fn(a)
    return len(args) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed loads per gripper")
    parser.add_argument("--calls", type=int, default=2000, help="body_poses / mesh_at calls")
    args = parser.parse_args()
    for name in GRIPPERS:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            model = load_model(name)
            times.append(time.perf_counter() - start)
        openings = np.linspace(model.min_opening, model.stroke, args.calls)
        poses = _rate(model.body_poses, openings)
        batch = _rate(model.body_poses, np.array_split(openings, args.calls // 100))  # 100 per call
        meshes = _rate(model.mesh_at, openings[: max(1, args.calls // 4)])
        faces = sum(model.faces().values())
        print(
            f"{name:<20} load {statistics.median(times) * 1000:7.1f} ms  body_poses {poses:8.0f}/s "
            f"(batched x100: {batch * 100:8.0f} openings/s)  mesh_at {meshes:7.0f}/s  "
            f"{len(model.bodies)} bodies, {faces} faces"
        )


if __name__ == "__main__":
    main()
