"""Stage ``guess@shard``: antipodal grasp guesses with collision labels for one object shard.

    python stages/guess.py --objects data/objects/shard-00 \\
        --out data/guesses/robotiq_2f_85/shard-00 --params params.yaml

Reads the top-level ``seed`` and the ``guess`` section (gripper name in ``guess.gripper``).
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.config import from_mapping
from dexgen.errors import DexgenError
from dexgen.guess import GuessConfig, guess_shard
from dexgen.params_file import load_params, section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", required=True, help="object shard folder (with index.json)")
    parser.add_argument("--out", required=True, help="output folder: data/guesses/<gripper>/shard-XX")
    parser.add_argument("--params", default="params.yaml", help="params file (reads seed and guess)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        params = load_params(args.params)
        config = from_mapping(
            GuessConfig, section(params, "guess", path=args.params), where=f"{args.params}:guess"
        )
        if "seed" not in params:
            raise DexgenError(f"{args.params}: missing top-level 'seed'")
        summary = guess_shard(
            args.objects, args.out, config=config, seed=int(params["seed"]), progress=not args.no_progress
        )
    except DexgenError as exc:
        logging.getLogger("guess").error("%s", exc)
        return 1
    totals = summary["totals"]
    logging.getLogger("guess").info(
        "%s: %d objects, %d collision-free, %d colliding, %d random, %d short of a quota",
        args.out,
        summary["num_objects"],
        totals.get("found.collision_free", 0),
        totals.get("found.colliding", 0),
        totals.get("found.random", 0),
        len(summary["shortfall_objects"]),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
