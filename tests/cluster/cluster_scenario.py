"""Inside a private network namespace: a loopback Ray cluster, the pipeline's stages through it, and the faults.

Run by test_ray_cluster.py as ``unshare -n`` + this script (``dexgen.cluster.loopback``); writes what it
saw to ``<work>/scenario.json``. Every stage runs as the pipeline runs it (the stage scripts with a params
file whose ``cluster.address`` is the loopback head), so the test compares real stage outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from dexgen.cluster.loopback import ADDRESS, LocalCluster

REPO = Path(__file__).resolve().parents[2]


def stage(name: str, params: Path, **paths: Path) -> subprocess.CompletedProcess:
    argv = [sys.executable, str(REPO / "stages" / f"{name}.py"), "--params", str(params), "--no-progress"]
    for key, value in paths.items():
        argv += [f"--{key}", str(value)]
    return subprocess.run(argv, capture_output=True, text=True)


def pipeline(work: Path, params: Path, out: Path, *, beside=None) -> dict:
    """guess -> simulate -> graspgen of shard 00 into ``out``, as dvc.yaml lays them out;
    ``beside(sim_dir)`` runs in a thread while simulate runs."""
    objects = work / "objects" / "shard-00"
    guesses, sims = out / "guesses" / "shard-00", out / "sim" / "shard-00"
    runs = {"guess": stage("guess", params, objects=objects, out=guesses)}
    watcher = None
    if beside is not None:
        watcher = threading.Thread(target=beside, args=(sims,), daemon=True)
        watcher.start()
    runs["simulate"] = stage(
        "simulate", params, objects=objects, guesses=guesses, out=sims, cache=work / "cache"
    )
    if watcher is not None:
        watcher.join(timeout=60)
    runs["graspgen"] = stage(
        "graspgen",
        params,
        objects=work / "objects",
        guesses=out / "guesses",
        sim=out / "sim",
        out=out / "graspgen",
        metrics=out / "graspgen.json",
    )
    return {k: {"rc": r.returncode, "log": r.stderr[-4000:]} for k, r in runs.items()}


def graspgen_workflow(work: Path, params: Path, dataset: Path, *flags: str) -> subprocess.CompletedProcess:
    """``dexgen graspgen`` (guess -> simulate -> export per object) into ``dataset``."""
    argv = [
        sys.executable,
        "-m",
        "dexgen.cli",
        "graspgen",
        "--params",
        str(params),
        "--grasp_dataset",
        str(dataset),
    ]
    return subprocess.run([*argv, "--no-progress", *flags], capture_output=True, text=True)


def kill_the_driver(work: Path, params: Path) -> dict:
    """simulate killed (-9) once an object is written, then run again: the rerun resumes."""
    objects, guesses = work / "objects" / "shard-00", work / "cluster" / "guesses" / "shard-00"
    sims = work / "driver" / "sim" / "shard-00"
    argv = [sys.executable, str(REPO / "stages" / "simulate.py"), "--params", str(params), "--no-progress"]
    argv += [
        "--objects",
        str(objects),
        "--guesses",
        str(guesses),
        "--out",
        str(sims),
        "--cache",
        str(work / "cache"),
    ]
    driver = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, written = time.monotonic() + 120, []
    while time.monotonic() < deadline and driver.poll() is None:
        written = sorted(sims.glob("*.npz")) if sims.is_dir() else []
        if written:
            driver.kill()
            break
        time.sleep(0.02)
    driver.wait()
    kept = {p.name: p.stat().st_mtime_ns for p in written}
    rerun = stage("simulate", params, objects=objects, guesses=guesses, out=sims, cache=work / "cache")
    return {
        "written_before_kill": len(kept),
        "untouched_by_rerun": sum(1 for name, t in kept.items() if (sims / name).stat().st_mtime_ns == t),
        "rc": rerun.returncode,
        "log": rerun.stderr[-4000:],
    }


def main() -> int:
    work = Path(sys.argv[1])
    params = work / "cluster.yaml"
    report: dict = {}
    t0 = time.monotonic()
    with LocalCluster(workers=2, cpus=1) as cluster:
        report["node_addresses"] = cluster.addresses
        report["start_s"] = round(time.monotonic() - t0, 1)
        report["cluster"] = pipeline(work, params, work / "cluster")

        seen: dict = {}

        def kill_when_started(sim_dir: Path) -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                done = len(list(sim_dir.glob("*.npz"))) if sim_dir.is_dir() else 0
                if done >= 1:
                    cluster.kill_node(0)
                    seen["killed_after"] = done
                    return
                time.sleep(0.05)

        report["killed"] = pipeline(work, params, work / "killed", beside=kill_when_started)
        report["killed_after"] = seen.get("killed_after")
        report["driver_killed"] = kill_the_driver(work, params)
        workflow = graspgen_workflow(work, params, work / "cluster_workflow", "--ray_address", ADDRESS)
        report["workflow"] = {"rc": workflow.returncode, "log": workflow.stderr[-4000:]}
        bad = stage("guess", params, objects=work / "bad" / "shard-00", out=work / "bad_out")
        report["bad_mesh"] = {"rc": bad.returncode, "log": bad.stderr[-3000:]}
    (work / "scenario.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    sys.exit(main())
