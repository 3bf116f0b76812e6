"""``dexgen simulate | show | sim-report``: physics verification of one shard, a picture of one object's
trials, and the validation report over every shard (the ``simulate@<shard>`` and ``sim_report`` stages)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dexgen.cli.common import EXIT_OK, add_params_option, params_of, print_json
from dexgen.cli.ray_option import add_ray_address, cluster_of
from dexgen.params.tree import override


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate", help="verify one shard's grasp guesses in physics (the simulate@shard stage)"
    )
    add_params_option(p)
    p.add_argument("--objects", required=True, help="object shard folder, e.g. data/objects/shard-00")
    p.add_argument("--guesses", required=True, help="guess folder of the same shard")
    p.add_argument("--out", required=True, help="output folder, e.g. data/sim/shard-00")
    p.add_argument("--cache", default="data/cache", help="convex decomposition cache (default: %(default)s)")
    p.add_argument("--backend", help="override sim.backend")
    p.add_argument("--threads", type=int, help="override sim.threads (0 = every core)")
    add_ray_address(p)
    p.set_defaults(run=simulate)

    p = sub.add_parser(
        "show",
        help="an object with its grasps coloured by simulation result: a PNG, or an interactive 3-D page",
    )
    p.add_argument("results", help="a per-object results file, e.g. data/sim/shard-00/box_000-....npz")
    p.add_argument(
        "--objects", required=True, help="the object shard it came from, e.g. data/objects/shard-00"
    )
    p.add_argument("--out", help="PNG path (default: the results path with .png, unless --html is given)")
    p.add_argument("--html", help="write a self-contained interactive 3-D page here (opens in any browser)")
    p.add_argument("--guesses", help="the object's guess file: its colliding guesses are drawn too (--html)")
    p.add_argument(
        "--per-group", type=int, default=24, help="grasps drawn per outcome (default: %(default)s)"
    )
    p.set_defaults(run=show)

    p = sub.add_parser("sim-report", help="success rates, negative control, start penetration (sim_report)")
    p.add_argument("--sim", default="data/sim", help="folder of shard-*/summary.json (default: %(default)s)")
    p.add_argument("--out", default="metrics/sim.json", help="report JSON (default: %(default)s)")
    p.set_defaults(run=report)


def simulate(args: argparse.Namespace) -> int:
    from dexgen.sim.shard import simulate_shard

    params = params_of(args)
    cfg = override(params.sim, where="dexgen simulate", backend=args.backend, threads=args.threads)
    cluster = cluster_of(params, args, "simulate")
    summary = simulate_shard(
        args.objects,
        args.guesses,
        args.out,
        config=cfg,
        seed=params.seed,
        cache_dir=args.cache,
        cluster=cluster,
    )
    print_json(summary["totals"])
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    from dexgen.sim.pages import results_page
    from dexgen.sim.pictures import render_results_file

    if args.html:
        print(results_page(args.results, args.objects, args.html, guesses=args.guesses))
    if args.out or not args.html:
        out = Path(args.out) if args.out else Path(args.results).with_suffix(".png")
        print(render_results_file(args.results, args.objects, out, per_group=args.per_group))
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    from dexgen.sim.report import write_report

    result = write_report(args.sim, args.out)
    print_json({k: v for k, v in result.items() if k != "objects"})
    return EXIT_OK
