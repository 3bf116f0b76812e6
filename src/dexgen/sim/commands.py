"""``dexgen simulate | show``: physics verification of one shard, and a picture of one object's trials."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_sim_commands(command) -> None:
    """Register the simulation subcommands with the CLI's ``command(name, help)`` decorator."""

    def simulate_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("--objects", required=True, help="object shard folder, e.g. data/objects/shard-00")
        p.add_argument("--guesses", required=True, help="guess folder of the same shard")
        p.add_argument("--out", required=True, help="output folder, e.g. data/sim/robotiq_2f_85/shard-00")
        p.add_argument(
            "--cache", default="data/cache", help="convex decomposition cache (default: %(default)s)"
        )
        p.add_argument("--params", default="params.yaml", help="reads seed and sim (default: %(default)s)")
        p.add_argument("--backend", help="override sim.backend")
        p.add_argument("--threads", type=int, help="override sim.threads (0 = every core)")

    @command("simulate", help="verify one shard's grasp guesses in physics (the simulate@shard stage)")(
        simulate_setup
    )
    def _simulate(args: argparse.Namespace) -> int:
        from dexgen.config import from_mapping
        from dexgen.params_file import load_params, section
        from dexgen.sim import SimConfig, simulate_shard

        params = load_params(args.params) if Path(args.params).is_file() else {}
        values = dict(section(params, "sim", path=args.params)) if "sim" in params else {}
        values.update(
            {k: v for k, v in (("backend", args.backend), ("threads", args.threads)) if v is not None}
        )
        config = from_mapping(SimConfig, values, where=f"{args.params}:sim")
        summary = simulate_shard(
            args.objects,
            args.guesses,
            args.out,
            config=config,
            seed=int(params.get("seed", 0)),
            cache_dir=args.cache,
        )
        print(json.dumps(summary["totals"], indent=2))
        return 0

    def show_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "results", help="a per-object results file, e.g. data/sim/robotiq_2f_85/shard-00/box_000-....npz"
        )
        p.add_argument(
            "--objects", required=True, help="the object shard it came from, e.g. data/objects/shard-00"
        )
        p.add_argument("--out", help="PNG path (default: the results path with .png)")
        p.add_argument(
            "--per-group", type=int, default=24, help="grasps drawn per outcome (default: %(default)s)"
        )

    @command("show", help="render an object with its grasps coloured by simulation result (PNG)")(show_setup)
    def _show(args: argparse.Namespace) -> int:
        from dexgen.sim.pictures import render_results_file

        out = Path(args.out) if args.out else Path(args.results).with_suffix(".png")
        print(render_results_file(args.results, args.objects, out, per_group=args.per_group))
        return 0
