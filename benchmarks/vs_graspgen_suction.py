"""GraspGen's suction labels against dexgen's: its own ``SuctionCupArray.evaluate_grasps`` and ours on the
same contacts of the same meshes, on the same threads.

    PYTHONPATH=src python benchmarks/vs_graspgen_suction.py --graspgen-src DIR [--graspgen-python PY]
        [--builtin 72] [--grasps 300] [--threads 1] [--quick] [--out metrics/bench/vs_graspgen_suction.json]

DIR is a source tree of NVlabs/GraspGen (``grasp_gen/dataset/suction.py``, ``config/grippers/
single_suction_cup_30mm.yaml`` and the cup mesh it names); PY a Python with what that file imports
(numpy, trimesh, scipy, qpsolvers + clarabel, embreex, python-fcl; default: this one). GraspGen's side runs
in ``graspgen_suction_worker.py`` under PY; nothing of GraspGen is copied here.

Objects: the builtin procedural set (``--builtin`` objects, every kind in turn) and ``examples/meshes``, each
scaled and centred at its centre of mass as GraspGen's tutorial does. Contacts: ``--grasps`` per object,
drawn by :func:`dexgen.suction.contacts.sample_contacts` (GraspGen's convention: lip frame 1 mm off the
surface, +z along the outward normal). Both sides get the same grasps and the same disturbances (GraspGen's
first ``np.random`` draw after ``np.random.seed(seed)``; ours repeats it).

Figures per set: seal agreement and Cohen's kappa on ``is_sealed``; wrench agreement: among grasps both
sides seal, the share whose wrench score (fraction of disturbances resisted) is identical, and the mean
absolute difference; grasps/s of each side for the full evaluation (GraspGen's includes its collision
check of sealed grasps, which its tutorial then ignores; ours has none under the graspgen rule) and for
the seal test alone. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from threadpoolctl import threadpool_limits

from dexgen.atomic import write_json
from dexgen.grippers.loader import load_gripper
from dexgen.objects.build import build_object_set
from dexgen.objects.loading import load_object_mesh
from dexgen.params.objects import ObjectsConfig
from dexgen.records.objects import read_index, shard_dirname
from dexgen.seeding import rng_for
from dexgen.suction.contacts import sample_contacts
from dexgen.suction.cup import CupArray
from dexgen.suction.seal_graspgen import caster, sealed_cups
from dexgen.suction.wrench_graspgen import resisted

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).resolve().parent / "graspgen_suction_worker.py"
GRIPPER = "single_suction_cup_30mm"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


class SourceError(Exception):
    pass


def check_source(src: Path) -> None:
    for rel in ("grasp_gen/dataset/suction.py", "config/grippers/single_suction_cup_30mm.yaml"):
        if not (src / rel).is_file():
            raise SourceError(f"--graspgen-src {src} has no {rel} (want a source tree of NVlabs/GraspGen)")


def source_commit(src: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def object_sets(work: Path, builtin: int, seed: int) -> dict[str, list[tuple[str, Any]]]:
    """{set name: [(key, scaled mesh)]}: the builtin set and examples/meshes."""
    sets = {}
    configs = {
        "builtin": ObjectsConfig(count=builtin, shards=("00",)),
        "examples": ObjectsConfig(
            source="directory",
            shards=("00",),
            object_dataset=ROOT / "examples" / "meshes",
            object_scales_json=ROOT / "examples" / "meshes" / "object_scales.json",
        ),
    }
    for name, cfg in configs.items():
        if name == "builtin" and builtin == 0:
            continue
        out = work / name
        build_object_set(cfg, seed=seed, out_dir=out / "objects", cache_dir=out / "cache")
        shard = out / "objects" / shard_dirname("00")
        sets[name] = [(r.key, load_object_mesh(shard, r)) for r in read_index(shard)]
    return sets


def kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa of two boolean labelings (None when both are constant and equal)."""
    po = float((a == b).mean())
    pe = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return None if pe == 1 else round((po - pe) / (1 - pe), 4)


def ours(mesh, T: np.ndarray, cup: CupArray, seed: int, num_disturbances: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    sealed = sealed_cups(caster(mesh), cup, T).all(axis=1)
    seal_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sealed_again = sealed_cups(caster(mesh), cup, T).all(axis=1)
    np.random.seed(seed)  # GraspGen's draw, repeated: its disturbances are its first np.random call
    d = np.random.normal(size=(num_disturbances, 3))
    d /= np.linalg.norm(d, axis=1).reshape(-1, 1)
    ok, fallbacks = resisted(cup, T[sealed_again], d)
    score = np.zeros(len(T))
    score[sealed_again] = ok.mean(axis=1) if ok.size else 0.0
    full_s = time.perf_counter() - t0
    return {
        "sealed": sealed,
        "success": score,
        "seconds_full": full_s,
        "seconds_seal": seal_s,
        "fallbacks": fallbacks,
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    so = np.concatenate([r["ours"]["sealed"] for r in rows])
    st = np.concatenate([r["theirs"]["sealed"] for r in rows])
    wo = np.concatenate([r["ours"]["success"] for r in rows])
    wt = np.concatenate([r["theirs"]["success"] for r in rows])
    both = so & st
    n = len(so)
    full_o, full_t = (sum(float(r[s]["seconds_full"]) for r in rows) for s in ("ours", "theirs"))
    seal_o, seal_t = (sum(float(r[s]["seconds_seal"]) for r in rows) for s in ("ours", "theirs"))
    return {
        "objects": len(rows),
        "grasps": n,
        "sealed_ours": int(so.sum()),
        "sealed_theirs": int(st.sum()),
        "seal_agreement": round(float((so == st).mean()), 4),
        "seal_kappa": kappa(so, st),
        "seal_disagreements": int((so != st).sum()),
        "wrench_compared": int(both.sum()),
        "wrench_score_agreement": round(float((wo[both] == wt[both]).mean()), 4) if both.any() else None,
        "wrench_label_agreement": round(float(((wo[both] > 0.5) == (wt[both] > 0.5)).mean()), 4)
        if both.any()
        else None,
        "wrench_score_mean_abs_diff": round(float(np.abs(wo[both] - wt[both]).mean()), 5)
        if both.any()
        else None,
        "ours_grasps_per_s": round(n / full_o, 1),
        "theirs_grasps_per_s": round(n / full_t, 1),
        "speedup": round(full_t / full_o, 1),
        "ours_seal_per_s": round(n / seal_o, 1),
        "theirs_seal_per_s": round(n / seal_t, 1),
        "seal_speedup": round(seal_t / seal_o, 1),
        "qp_fallbacks": sum(int(r["ours"]["fallbacks"]) for r in rows),
        "by_object": {
            r["key"]: {
                "sealed_ours": int(r["ours"]["sealed"].sum()),
                "sealed_theirs": int(r["theirs"]["sealed"].sum()),
                "disagree": int((r["ours"]["sealed"] != r["theirs"]["sealed"]).sum()),
            }
            for r in rows
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    src = args.graspgen_src.resolve()
    check_source(src)
    cup = CupArray.from_gripper(load_gripper(GRIPPER))
    env = dict(os.environ, **{v: str(args.threads) for v in THREAD_VARS})
    with tempfile.TemporaryDirectory(prefix="vs_graspgen_suction_") as tmp:
        work = Path(tmp)
        sets = object_sets(work, args.builtin, args.seed)
        job = work / "job"
        job.mkdir()
        names, meshes, grasps = [], {}, {}
        for set_name, objects in sets.items():
            for key, mesh in objects:
                name = f"{set_name}__{key.replace('/', '_')}"
                centred = mesh.copy()
                centred.apply_translation(-np.asarray(mesh.center_mass))
                T, _, _ = sample_contacts(
                    centred, cup, args.grasps, rng_for(args.seed, "vs-graspgen-suction", name)
                )
                centred.export(job / f"{name}.obj")
                # both sides read the mesh from the same file
                meshes[name] = trimesh.load(job / f"{name}.obj", force="mesh", process=False)
                np.save(job / f"{name}.npy", T)
                names.append(name)
                grasps[name] = T
        (job / "job.json").write_text(
            json.dumps({"objects": names, "seed": args.seed, "num_disturbances": args.num_disturbances})
        )
        t0 = time.perf_counter()
        out = subprocess.run(
            [str(args.graspgen_python), str(WORKER), "--graspgen-src", str(src), "--job", str(job)],
            capture_output=True,
            text=True,
            env=env,
        )
        if out.returncode != 0:
            raise SourceError(f"GraspGen's side failed ({args.graspgen_python}):\n{out.stderr[-3000:]}")
        theirs_wall = time.perf_counter() - t0
        rows = {s: [] for s in sets}
        with threadpool_limits(args.threads):
            for name in names:
                theirs = dict(np.load(job / f"{name}.theirs.npz"))
                result = ours(meshes[name], grasps[name], cup, args.seed, args.num_disturbances)
                set_name, key = name.split("__", 1)
                rows[set_name].append({"key": key, "ours": result, "theirs": theirs})
    result = {
        "graspgen_src": str(src),
        "graspgen_commit": source_commit(src),
        "gripper": GRIPPER,
        "threads": args.threads,
        "grasps_per_object": args.grasps,
        "num_disturbances": args.num_disturbances,
        "seed": args.seed,
        "theirs_wall_s": round(theirs_wall, 1),
        "sets": {s: summarise(r) for s, r in rows.items() if r},
    }
    result["all"] = summarise([row for r in rows.values() for row in r])
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{'set':10} {'grasps':>7} {'sealed o/t':>11} {'agree':>7} {'kappa':>6} {'wrench=':>8} "
        f"{'ours/s':>9} {'theirs/s':>9} {'speed-up':>9} {'seal x':>7}"
    ]
    for name, s in [*result["sets"].items(), ("all", result["all"])]:
        lines.append(
            f"{name:10} {s['grasps']:>7} {s['sealed_ours']:>5}/{s['sealed_theirs']:<5} {s['seal_agreement']:>7.2%} "
            f"{s['seal_kappa'] if s['seal_kappa'] is not None else float('nan'):>6.3f} "
            f"{s['wrench_score_agreement'] if s['wrench_score_agreement'] is not None else float('nan'):>8.2%} "
            f"{s['ours_grasps_per_s']:>9.0f} {s['theirs_grasps_per_s']:>9.1f} {s['speedup']:>8.1f}x {s['seal_speedup']:>6.1f}x"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--graspgen-src", type=Path, required=True, help="NVlabs/GraspGen source tree")
    p.add_argument(
        "--graspgen-python", type=Path, default=Path(sys.executable), help="Python for GraspGen's side"
    )
    p.add_argument("--builtin", type=int, default=72, help="builtin objects (0: none; 72 = the params set)")
    p.add_argument("--grasps", type=int, default=300, help="contacts per object")
    p.add_argument("--num-disturbances", type=int, default=10)
    p.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads of both sides")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="4 builtin objects, 20 contacts each (for the test)")
    p.add_argument("--out", type=Path, default=ROOT / "metrics" / "bench" / "vs_graspgen_suction.json")
    args = p.parse_args(argv)
    if args.quick:
        args.builtin, args.grasps = 4, 20
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except SourceError as exc:
        print(f"vs_graspgen_suction: {exc}", file=sys.stderr)
        return 2
    write_json(args.out, result)
    print(table(result))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
