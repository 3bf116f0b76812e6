"""Stage ``graspgen``: every shard's guesses and sim results -> a GraspGen training set, checked.

Reads ``seed``, ``graspgen`` and ``guess.gripper_bounds``. The gripper is the one the data was made with
(rebuilt from the guess files), or under ``graspgen.gripper`` a suction gripper: GraspGen's suction dataset
of the same objects, as ``dexgen graspgen`` makes it (guesses and sim results unused). The written dataset
is loaded back and checked against graspgen-format.md §14; a failed check stops the stage.
"""

from __future__ import annotations

import sys

from dexgen.atomic import write_json
from dexgen.cli.stage import run_stage
from dexgen.graspgen.stage import export_stage

PATHS = {
    "objects": "object set folder (shard-XX/)",
    "guesses": "guess folder (shard-XX/)",
    "sim": "sim results folder (shard-XX/); unused under graspgen.guess_only or a suction graspgen.gripper",
    "out": "dataset root: grasp_data/, splits/, config/, objects/",
    "metrics": "metrics JSON (per gripper counts, kappa)",
}


def run(args, params) -> None:
    metrics = export_stage(
        args.objects,
        args.guesses,
        args.sim,
        args.out,
        cfg=params.graspgen,
        seed=params.seed,
        bounds=params.guess.gripper_bounds,
        graspgen_source=params.graspgen.graspgen_source,
        progress=args.progress,
    )
    write_json(args.metrics, metrics)


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
