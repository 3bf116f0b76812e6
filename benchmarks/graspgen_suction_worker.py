"""GraspGen's side of ``vs_graspgen_suction.py``: its own ``SuctionCupArray`` on a job folder, timed.

    <graspgen python> benchmarks/graspgen_suction_worker.py --graspgen-src DIR --job JOB

Runs in GraspGen's Python (numpy, trimesh, scipy, qpsolvers + clarabel, embreex, python-fcl), never
dexgen's. ``grasp_gen/dataset/suction.py`` is loaded by path from DIR; its only other import, the meshcat
drawing helpers, is a stub (nothing is drawn). The gripper is DIR's own
``config/grippers/single_suction_cup_30mm.yaml`` (its collision mesh path is relative to DIR).

JOB holds ``job.json`` ({"objects": [names], "seed", "num_disturbances"}) and per object ``<name>.obj``
(centred at its centre of mass) and ``<name>.npy`` (n, 4, 4) grasps. Per object: ``np.random.seed(seed)``,
then ``evaluate_grasps`` (seal, collision, wrench; its disturbances are its first random draw) timed, and
the ``is_sealed`` loop alone timed; results go to ``<name>.theirs.npz``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
import types
from pathlib import Path

import numpy as np
import trimesh

GRIPPER = "config/grippers/single_suction_cup_30mm.yaml"


def load_suction(src: Path):
    """GraspGen's ``grasp_gen.dataset.suction`` from ``src``, its meshcat imports stubbed."""
    stub = types.ModuleType("grasp_gen.utils.meshcat_utils")
    for name in (
        "create_visualizer",
        "visualize_pointcloud",
        "visualize_mesh",
        "visualize_grasp",
        "get_color_from_score",
    ):
        setattr(stub, name, lambda *a, **k: None)
    for name in ("grasp_gen", "grasp_gen.utils"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["grasp_gen.utils.meshcat_utils"] = stub
    path = src / "grasp_gen" / "dataset" / "suction.py"
    spec = importlib.util.spec_from_file_location("graspgen_suction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--graspgen-src", type=Path, required=True)
    p.add_argument("--job", type=Path, required=True)
    args = p.parse_args()
    src, job = args.graspgen_src.resolve(), args.job.resolve()
    suction = load_suction(src)
    os.chdir(src)  # collision_mesh_fname is relative to the checkout
    cups = suction.SuctionCupArray.from_file(fname=str(src / GRIPPER))
    spec = json.loads((job / "job.json").read_text())
    for name in spec["objects"]:
        mesh = trimesh.load(job / f"{name}.obj", force="mesh", process=False)
        T = np.load(job / f"{name}.npy")
        np.random.seed(spec["seed"])
        t0 = time.perf_counter()
        _, _, _, sealed, success, collision = cups.evaluate_grasps(
            obj_mesh=mesh,
            points_on_surface=T[:, :3, 3].copy(),
            approach_vectors=np.array([None] * len(T)),
            grasp_transforms=T,
            num_disturbances=spec["num_disturbances"],
            qp_solver="clarabel",
        )
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        for tf in T:
            cups.is_sealed(mesh, grasp_transform=tf)
        seal = time.perf_counter() - t0
        np.savez(
            job / f"{name}.theirs.npz",
            sealed=np.asarray(sealed, bool),
            success=np.asarray(success, float),
            in_collision=np.asarray(collision, bool),
            seconds_full=full,
            seconds_seal=seal,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
