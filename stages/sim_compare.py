"""Stage ``sim_compare``: the same trials on two engines or protocols, and how their labels agree.

Reads ``seed``, ``sim``, ``sim_compare``, ``guess.clearance`` and ``cluster``. Off by default
(``sim_compare.enabled``): then the report, pictures and per-object files of the last enabled run are
kept as they are. On: per-object files under ``--out``, the report (agreement, Cohen's kappa, confusion
matrix, per kind, object and phase) in ``--metrics`` and pictures of disagreeing grasps in ``--pictures``.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.sim.compare.run import compare_with_params, keep_last

PATHS = {
    "objects": "object folder (shard-*/index.json + meshes)",
    "guesses": "guess folder (shard-*/<stem>.npz)",
    "cache": "cache folder for convex decompositions (<cache>/convex)",
    "out": "output folder: one .npz per object with both engines' results",
    "metrics": "report JSON",
    "pictures": "folder of PNGs of the objects with the most disagreements",
}


def run(args, params) -> None:
    cfg = params.sim_compare
    if not cfg.enabled:
        keep_last(args.metrics, args.pictures, args.out)
        return
    compare_with_params(
        args.objects,
        args.guesses,
        args.out,
        args.metrics,
        sim=params.sim,
        config=cfg,
        seed=params.seed,
        clearance=params.guess.clearance,
        cache_dir=args.cache,
        pictures=args.pictures,
        cluster=params.cluster,
        progress=args.progress,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
