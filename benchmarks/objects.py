"""Object-set build throughput: one process vs every core, and a cached re-run.

Prints objects/s and ratios against the one-process baseline measured in the same run, and
writes them to metrics/bench/objects.json. Never fails on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

from dexgen import atomic
from dexgen.objects.build import build_object_set
from dexgen.params.objects import ObjectsConfig


def timed(cfg: ObjectsConfig, cache: Path, out: Path) -> float:
    start = time.perf_counter()
    build_object_set(cfg, seed=0, out_dir=out, cache_dir=cache)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--out", default="metrics/bench/objects.json")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    base = ObjectsConfig(count=args.count, workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial = timed(base, tmp / "c1", tmp / "o1")
        parallel = timed(dataclasses.replace(base, workers=cores), tmp / "c2", tmp / "o2")
        cached = timed(base, tmp / "c1", tmp / "o3")
    result = {
        "objects": args.count,
        "cores": cores,
        "objects_per_s_1_process": args.count / serial,
        "objects_per_s_all_cores": args.count / parallel,
        "speedup_all_cores_vs_1": serial / parallel,
        "speedup_cached_rerun_vs_1": serial / cached,
    }
    print(json.dumps(result, indent=2))
    atomic.write_json(args.out, result)


if __name__ == "__main__":
    main()
