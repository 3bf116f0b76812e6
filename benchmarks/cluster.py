"""Simulate-stage throughput on a Ray cluster of 1 and 2 worker nodes (1 CPU each) on this machine,
against the local stage on one thread in the same run, plus a projection for the GraspGen set.

Builds ``--objects`` builtin objects and their guesses here, then re-runs itself in a private network
namespace (``dexgen.cluster.loopback``: every node on 127.0.0.1) and, for each cluster size, warms the
worker processes on four objects and times ``simulate_shard`` over the set. Prints trials/s, the 2-node /
1-node ratio, the overhead per task (1-node cluster minus the local stage, per object; both one
thread) and writes
metrics/bench/cluster.json. Never fails on time.

    PYTHONPATH=src python benchmarks/cluster.py          # needs root (or user namespaces) for unshare
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

from dexgen.atomic import write_json
from dexgen.cluster.loopback import ADDRESS, LocalCluster, in_private_network, private_network_command
from dexgen.guess.shard import guess_shard
from dexgen.objects.build import build_object_set
from dexgen.params.cluster import ClusterConfig
from dexgen.params.guess import GuessConfig
from dexgen.params.objects import ObjectsConfig
from dexgen.params.sim import SimConfig
from dexgen.records.objects import read_index
from dexgen.sim.shard import simulate_shard

OUT = Path("metrics/bench/cluster.json")
GRASPGEN_OBJECTS = 8515  # GraspGen's training set (graspgen.md)
GRASPGEN_TRIALS = 2048 + 1024  # per object: GraspDataGen's default guesses simulated


WARM = 4  # objects each timed run first simulates untimed: worker imports and MuJoCo's first compile


def prepare(work: Path, count: int, seed: int) -> None:
    """``count + WARM`` builtin objects and their guesses; ``timed/`` and ``warm/`` list disjoint ones."""
    objects = ObjectsConfig(count=count + WARM, shards=("00",), workers=0)
    build_object_set(objects, seed=seed, out_dir=work / "objects", cache_dir=work / "cache")
    shard = work / "objects" / "shard-00"
    guess_shard(shard, work / "guesses", config=GuessConfig(), seed=seed, progress=False)
    index = json.loads((shard / "index.json").read_text())
    records = sorted(index["objects"], key=lambda r: r["key"])
    for name, part in (("warm", records[:WARM]), ("timed", records[WARM:])):
        (work / name).mkdir()
        for record in part:
            (work / name / record["mesh"]).symlink_to(shard / record["mesh"])
        (work / name / "index.json").write_text(json.dumps({**index, "objects": part}))
    # every convex decomposition made once here, so no timed run pays for coacd
    simulate(work, shard, work / "out-prepare", None, seed)


def simulate(
    work: Path, objects: Path, out: Path, cluster: ClusterConfig | None, seed: int
) -> tuple[float, int]:
    cfg = SimConfig(threads=1, max_pictures=0)
    start = time.perf_counter()
    summary = simulate_shard(
        objects,
        work / "guesses",
        out,
        config=cfg,
        seed=seed,
        cache_dir=work / "cache",
        cluster=cluster,
        progress=False,
    )
    seconds = time.perf_counter() - start
    trials = sum(t["trials"] for t in summary["totals"].values())
    return seconds, trials


def inner(work: Path, seed: int) -> dict:
    """In the private network: the local stage on one thread, then 1- and 2-node clusters."""
    objects = work / "timed"
    n = len(read_index(objects))
    simulate(work, work / "warm", work / "out-warm-local", None, seed)
    seconds, trials = simulate(work, objects, work / "out-local", None, seed)
    rows = {
        "local_1_thread": {
            "seconds": round(seconds, 2),
            "trials": trials,
            "trials_per_s": round(trials / seconds, 1),
        }
    }
    cluster = ClusterConfig(address=ADDRESS, cpus_per_task=1)
    for nodes in (1, 2):
        with LocalCluster(nodes, cpus=1):
            simulate(work, work / "warm", work / f"out-warm-{nodes}", cluster, seed)
            seconds, trials = simulate(work, objects, work / f"out-{nodes}", cluster, seed)
        rows[f"ray_{nodes}_nodes"] = {
            "seconds": round(seconds, 2),
            "trials": trials,
            "trials_per_s": round(trials / seconds, 1),
        }
        print(json.dumps({f"ray_{nodes}_nodes": rows[f"ray_{nodes}_nodes"]}), flush=True)
    identical = all(
        (work / "out-local" / p.name).read_bytes() == p.read_bytes()
        for nodes in (1, 2)
        for p in sorted((work / f"out-{nodes}").glob("*.npz"))
    )
    one, two, local = rows["ray_1_nodes"], rows["ray_2_nodes"], rows["local_1_thread"]
    per_core = two["trials_per_s"] / 2
    return {
        "objects": n,
        "trials": local["trials"],
        "runs": rows,
        "speedup_2_vs_1_nodes": round(two["trials_per_s"] / one["trials_per_s"], 2),
        "overhead_per_task_s": round((one["seconds"] - local["seconds"]) / n, 3),
        "outputs_identical_to_local": identical,
        "graspgen_projection": {
            "objects": GRASPGEN_OBJECTS,
            "trials_per_object": GRASPGEN_TRIALS,
            "trials_per_s_per_core": round(per_core, 1),
            "core_hours": round(GRASPGEN_OBJECTS * GRASPGEN_TRIALS / per_core / 3600, 1),
            "hours_on_2_cores": round(GRASPGEN_OBJECTS * GRASPGEN_TRIALS / (2 * per_core) / 3600, 1),
            "hours_on_64_cores": round(GRASPGEN_OBJECTS * GRASPGEN_TRIALS / (64 * per_core) / 3600, 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--objects", type=int, default=16, help="builtin objects timed (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)  # set when re-run in the namespace
    args = parser.parse_args()
    if in_private_network():
        write_json(args.work / "result.json", inner(args.work, args.seed))
        return 0
    with tempfile.TemporaryDirectory(prefix="dexgen-cluster-bench-") as tmp:
        work = Path(tmp)
        prepare(work, args.objects, args.seed)
        argv = [sys.executable, __file__, "--work", str(work), "--seed", str(args.seed)]
        # one BLAS/OpenMP thread in the local baseline too, as Ray gives each 1-CPU worker
        env = {
            **os.environ,
            "DEXGEN_PRIVATE_NETWORK": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
        }
        rc = subprocess.call(private_network_command(argv), env=env)
        if rc:
            return rc
        result = json.loads((work / "result.json").read_text())
    result["cores"] = os.cpu_count()
    print(json.dumps(result, indent=2))
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
