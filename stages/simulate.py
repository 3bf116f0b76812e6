"""Stage ``simulate@shard``: physics verification of one shard's grasp guesses (MuJoCo by default).

    python stages/simulate.py --objects data/objects/shard-00 \\
        --guesses data/guesses/robotiq_2f_85/shard-00 --out data/sim/robotiq_2f_85/shard-00 \\
        --cache data/cache --params params.yaml

Reads the top-level ``seed`` and the ``sim`` section. The gripper is the one the guesses were made with.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.config import from_mapping
from dexgen.errors import DexgenError
from dexgen.params_file import load_params, section
from dexgen.sim import SimConfig, simulate_shard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", required=True, help="object shard folder (with index.json)")
    parser.add_argument("--guesses", required=True, help="guess folder of the same shard")
    parser.add_argument("--out", required=True, help="output folder: data/sim/<gripper>/shard-XX")
    parser.add_argument(
        "--cache", default=None, help="cache folder for convex decompositions (<cache>/convex)"
    )
    parser.add_argument("--params", default="params.yaml", help="params file (reads seed and sim)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("simulate")
    try:
        params = load_params(args.params)
        config = from_mapping(SimConfig, section(params, "sim", path=args.params), where=f"{args.params}:sim")
        if "seed" not in params:
            raise DexgenError(f"{args.params}: missing top-level 'seed'")
        summary = simulate_shard(
            args.objects,
            args.guesses,
            args.out,
            config=config,
            seed=int(params["seed"]),
            cache_dir=args.cache,
            progress=not args.no_progress,
        )
    except DexgenError as exc:
        log.error("%s", exc)
        return 1
    rates = ", ".join(f"{label} {t['held']}/{t['trials']}" for label, t in summary["totals"].items())
    log.info("%s: %d objects; held: %s", args.out, summary["num_objects"], rates or "no trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())
