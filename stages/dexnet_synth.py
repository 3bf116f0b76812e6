"""Stage ``dexnet_synth``: Dex-Net-format datasets (parallel jaw, suction) synthesized from the object set.

Reads ``seed``, ``dexnet.synth``, ``sim`` (physics labels of parallel-jaw grasps) and ``cluster``
(where the per-object work runs). Writes
``<out>/<task>/`` for each task of ``dexnet.synth.tasks``; per-object work is cached under
``<cache>/dexnet_synth`` so an interrupted run resumes.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.dexnet.synth.stage import synthesize

PATHS = {
    "objects": "object set folder (index.json + shard-XX/)",
    "out": "output folder; gets <task>/ per task",
    "cache": "cache folder (per-object arrays, convex parts)",
    "metrics": "metrics JSON (counts, positive rates)",
    "pictures": "folder for <task>.png example grids",
}


def run(args, params) -> None:
    synthesize(
        args.objects,
        args.out,
        config=params.dexnet.synth,
        sim_config=params.sim,
        seed=params.seed,
        cache_dir=args.cache,
        metrics_path=args.metrics,
        pictures_dir=args.pictures,
        cluster=params.cluster,
        progress=args.progress,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
