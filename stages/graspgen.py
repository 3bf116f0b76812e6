"""Stage ``graspgen``: every shard's guesses and sim results -> a GraspGen training set, checked.

    python stages/graspgen.py --gripper robotiq_2f_85 --objects data/objects \\
        --guesses data/guesses/robotiq_2f_85 --sim data/sim/robotiq_2f_85 \\
        --out data/graspgen --metrics metrics/graspgen.json --params params.yaml

Reads the top-level ``seed`` and the ``graspgen`` section. The written dataset is loaded back and
checked against graspgen-format.md §14; a failed check stops the stage (exit 1).
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.atomic import write_json
from dexgen.config import from_mapping
from dexgen.errors import DexgenError
from dexgen.graspgen.config import GraspgenConfig
from dexgen.graspgen.workflow import export_from_shards
from dexgen.params_file import load_params, section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gripper", required=True, help="gripper name the guesses were made with")
    parser.add_argument("--objects", required=True, help="object set folder (with shard-XX/)")
    parser.add_argument("--guesses", required=True, help="data/guesses/<gripper> (with shard-XX/)")
    parser.add_argument(
        "--sim", required=True, help="data/sim/<gripper> (with shard-XX/); unused under guess_only"
    )
    parser.add_argument("--out", required=True, help="dataset root: grasp_data/, splits/, config/, objects/")
    parser.add_argument("--metrics", required=True, help="metrics JSON (per gripper counts, kappa)")
    parser.add_argument("--graspgen-source", default=None, help="GraspGen checkout for config/grippers")
    parser.add_argument("--params", default="params.yaml", help="params file (reads seed and graspgen)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("graspgen")
    try:
        params = load_params(args.params)
        config = from_mapping(
            GraspgenConfig, section(params, "graspgen", path=args.params), where=f"{args.params}:graspgen"
        )
        if "seed" not in params:
            raise DexgenError(f"{args.params}: missing top-level 'seed'")
        metrics = export_from_shards(
            args.objects,
            args.guesses,
            args.sim,
            args.out,
            gripper=args.gripper,
            cfg=config,
            seed=int(params["seed"]),
            graspgen_source=args.graspgen_source,
            progress=not args.no_progress,
        )
    except DexgenError as exc:
        log.error("%s", exc)
        return 1
    write_json(args.metrics, {args.gripper: metrics})
    log.info(
        "%s: %d objects (%d train, %d valid), %d positives, %d negatives, %d left out, kappa %s",
        args.out,
        metrics["objects"],
        metrics["train"],
        metrics["valid"],
        metrics["positives"],
        metrics["negatives"],
        len(metrics["excluded_objects"]),
        metrics["kappa"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
