"""Stage ``guess@<shard>``: collision-free and colliding grasp guesses for one object shard.

Reads ``seed``, ``guess`` (the gripper is the YAML file ``guess.gripper`` names) and ``cluster``
(where the per-object work runs); writes one guess file per object, pictures and ``summary.json``.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.guess.shard import guess_shard

PATHS = {
    "objects": "object shard folder (index.json + meshes)",
    "out": "output folder: one .npz per object, pictures/, summary.json",
}


def run(args, params) -> None:
    guess_shard(
        args.objects,
        args.out,
        config=params.guess,
        seed=params.seed,
        cluster=params.cluster,
        progress=args.progress,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
