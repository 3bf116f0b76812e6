"""Stage ``simulate@<shard>``: physics verification of one shard's grasp guesses (MuJoCo by default).

Reads ``seed``, ``sim`` and ``cluster`` (where the per-object work runs). The gripper is the one the guesses were made with, rebuilt from the
guess files; writes one results file per object, pictures and ``summary.json``.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.sim.shard import simulate_shard

PATHS = {
    "objects": "object shard folder (index.json + meshes)",
    "guesses": "guess folder of the same shard",
    "out": "output folder: one .npz per object, pictures/, summary.json",
    "cache": "cache folder for convex decompositions (<cache>/convex)",
}


def run(args, params) -> None:
    simulate_shard(
        args.objects,
        args.guesses,
        args.out,
        config=params.sim,
        seed=params.seed,
        cache_dir=args.cache,
        cluster=params.cluster,
        progress=args.progress,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
