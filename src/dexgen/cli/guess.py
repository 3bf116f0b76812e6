"""``dexgen guess``: grasp guesses for one object shard (the ``guess@<shard>`` stage)."""

from __future__ import annotations

import argparse

from dexgen.cli.common import EXIT_OK, add_params_option, params_of, print_json
from dexgen.params.tree import override


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("guess", help="collision-free and colliding grasp guesses for one object shard")
    add_params_option(p)
    p.add_argument("--objects", required=True, help="object shard folder, e.g. data/objects/shard-00")
    p.add_argument("--out", required=True, help="output folder, e.g. data/guesses/shard-00")
    p.add_argument("--gripper", help="override guess.gripper: a shipped name or a gripper YAML path")
    p.add_argument("--workers", type=int, help="override guess.workers (0 = every core)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dexgen.guess.shard import guess_shard

    params = params_of(args)
    cfg = override(params.guess, where="dexgen guess", gripper=args.gripper, workers=args.workers)
    summary = guess_shard(args.objects, args.out, config=cfg, seed=params.seed)
    print_json(summary["totals"])
    return EXIT_OK
