"""Stage ``dexnet_synth``: Dex-Net-format datasets (parallel jaw, suction) synthesized from the object set.

    python stages/dexnet_synth.py --objects data/objects --out data/dexnet/synth --cache data/cache \\
        --metrics metrics/dexnet_synth.json --pictures metrics/dexnet_synth --params params.yaml

Reads the top-level ``seed``, ``dexnet.synth`` and ``sim`` (physics labels of parallel-jaw grasps).
Writes ``<out>/<task>/`` for each task of ``dexnet.synth.tasks``; per-object work is cached under
``<cache>/dexnet_synth`` so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.config import from_mapping
from dexgen.dexnet.fetch import dexnet_section
from dexgen.dexnet.synth import SynthConfig, synthesize
from dexgen.errors import DexgenError
from dexgen.params_file import load_params
from dexgen.sim.config import SimConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", required=True, help="object set folder (index.json + shard-XX/)")
    parser.add_argument("--out", required=True, help="output folder; gets <task>/ per task")
    parser.add_argument("--cache", required=True, help="cache folder (per-object arrays, convex parts)")
    parser.add_argument("--metrics", required=True, help="metrics JSON (counts, positive rates)")
    parser.add_argument("--pictures", default=None, help="folder for <task>.png example grids")
    parser.add_argument("--params", default="params.yaml", help="params file (seed, dexnet.synth, sim)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("dexnet_synth")
    try:
        params = load_params(args.params)
        if "seed" not in params:
            raise DexgenError(f"{args.params}: missing top-level 'seed'")
        dexnet = dexnet_section(params, path=args.params)
        config = from_mapping(SynthConfig, dexnet.get("synth"), where=f"{args.params}:dexnet.synth")
        sim = from_mapping(SimConfig, params.get("sim"), where=f"{args.params}:sim")
        metrics = synthesize(
            args.objects,
            args.out,
            config=config,
            sim_config=sim,
            seed=int(params["seed"]),
            cache_dir=args.cache,
            metrics_path=args.metrics,
            pictures_dir=args.pictures,
            progress=not args.no_progress,
        )
    except DexgenError as exc:
        log.error("%s", exc)
        return 1
    for task, m in metrics["tasks"].items():
        log.info(
            "%s: %d datapoints, positive rate %.3f (%s > %s)",
            task,
            m["num_datapoints"],
            m["positive_rate"],
            m["label_field"],
            m["label_threshold"],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
