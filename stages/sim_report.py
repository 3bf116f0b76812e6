"""Stage ``sim_report``: the validation report of the simulation over all shards.

Success rate per object and overall, the negative control (antipodal guesses vs random collision-free
poses on the same objects), the fraction of guesses that start in penetration in the sim geometry, and how
many held trials moved in the hand past the ``sim_report`` limits (read from the per-object results files).
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.sim.report import write_report

PATHS = {"sim": "folder holding shard-*/summary.json", "out": "report JSON"}


def run(args, params) -> None:
    write_report(args.sim, args.out, config=params.sim_report)


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
