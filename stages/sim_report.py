"""Stage ``sim_report``: the validation report of the simulation over all shards.

    python stages/sim_report.py --sim data/sim/robotiq_2f_85 --out metrics/sim.json

Success rate per object and overall, the negative control (antipodal guesses vs random collision-free
poses on the same objects) and the fraction of guesses that start in penetration in the sim geometry.
Reads no params: everything comes from the shard summaries.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.errors import DexgenError
from dexgen.sim.report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sim", required=True, help="folder holding shard-*/summary.json (data/sim/<gripper>)"
    )
    parser.add_argument("--out", required=True, help="report JSON (metrics/sim.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("sim_report")
    try:
        report = write_report(args.sim, args.out)
    except DexgenError as exc:
        log.error("%s", exc)
        return 1
    nc = report["negative_control"]
    log.info(
        "%s: %d objects, antipodal held %s, random held %s, separated: %s",
        args.out,
        report["num_objects"],
        nc["antipodal"]["rate"],
        nc["random"]["rate"],
        nc["separated"],
    )
    if not nc["separated"]:
        log.warning("the negative control does not separate: the trial may not discriminate grasps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
