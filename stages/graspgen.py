"""Stage ``graspgen``: every shard's guesses and sim results -> a GraspGen training set, checked.

Reads ``seed`` and ``graspgen``. The gripper is the one the data was made with (rebuilt from the guess
files). The written dataset is loaded back and checked against graspgen-format.md §14; a failed check
stops the stage.
"""

from __future__ import annotations

import sys

from dexgen.atomic import write_json
from dexgen.cli.stage import run_stage
from dexgen.graspgen.stage import export_from_shards

PATHS = {
    "objects": "object set folder (shard-XX/)",
    "guesses": "guess folder (shard-XX/)",
    "sim": "sim results folder (shard-XX/); unused under graspgen.guess_only",
    "out": "dataset root: grasp_data/, splits/, config/, objects/",
    "metrics": "metrics JSON (per gripper counts, kappa)",
}


def run(args, params) -> None:
    metrics = export_from_shards(
        args.objects,
        args.guesses,
        args.sim,
        args.out,
        cfg=params.graspgen,
        seed=params.seed,
        graspgen_source=params.graspgen.graspgen_source,
        progress=args.progress,
    )
    write_json(args.metrics, metrics)


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
