"""Stage ``guess_report``: the coverage report over every shard (``metrics/guess.json``).

Reads ``seed`` and ``guess``. Objects meeting each quota (overall, per kind, and among those narrow
enough for the stroke), the spread of positives over approach directions and the surface, each
sampler's yield and simulated success rate; the worst-covered objects of each shard drawn as PNGs.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.guess.report import write_report

PATHS = {
    "objects": "object folder holding shard-*/index.json",
    "guesses": "guess folder holding shard-*/",
    "sim": "simulation folder holding shard-*/summary.json",
    "out": "report JSON",
    "pictures": "folder for the worst-covered objects' PNGs",
}


def run(args, params) -> None:
    write_report(
        args.objects,
        args.guesses,
        args.sim,
        args.out,
        config=params.guess,
        seed=params.seed,
        pictures=args.pictures,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
