"""``dexgen simulate | show | sim-report | sim-compare``: physics verification of one shard, a picture of one
object's trials, the validation report over every shard, and the same trials on two engines (the
``simulate@<shard>``, ``sim_report`` and ``sim_compare`` stages)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dexgen import layout
from dexgen.atomic import check_out_file
from dexgen.cli.common import EXIT_OK, add_params_option, params_of, print_json
from dexgen.cli.ray_option import add_ray_address, cluster_of
from dexgen.listing import first_n
from dexgen.params.tree import override


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate", help="verify one shard's grasp guesses in physics (the simulate@shard stage)"
    )
    add_params_option(p)
    p.add_argument("--objects", required=True, help="object shard folder, e.g. data/objects/shard-00")
    p.add_argument("--guesses", required=True, help="guess folder of the same shard")
    p.add_argument("--out", required=True, help="output folder, e.g. data/sim/shard-00")
    p.add_argument(
        "--cache", default=str(layout.CACHE), help="convex decomposition cache (default: %(default)s)"
    )
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

    p = sub.add_parser(
        "sim-report",
        help="success rates, negative control, start penetration, held objects that moved (sim_report)",
    )
    add_params_option(p)
    p.add_argument(
        "--sim", default=str(layout.SIM), help="folder of shard-*/summary.json (default: %(default)s)"
    )
    p.add_argument("--out", default=str(layout.SIM_REPORT), help="report JSON (default: %(default)s)")
    p.set_defaults(run=report)

    p = sub.add_parser(
        "sim-compare",
        help="the same trials on two engines or protocols: agreement, Cohen's kappa, disagreements (sim_compare)",
    )
    add_params_option(p)
    p.add_argument("--objects", default=str(layout.OBJECTS), help="object folder (default: %(default)s)")
    p.add_argument("--guesses", default=str(layout.GUESSES), help="guess folder (default: %(default)s)")
    p.add_argument(
        "--cache", default=str(layout.CACHE), help="convex decomposition cache (default: %(default)s)"
    )
    p.add_argument("--out", default=str(layout.SIM_COMPARE), help="per-object results (default: %(default)s)")
    p.add_argument(
        "--metrics", default=str(layout.SIM_COMPARE_METRICS), help="report JSON (default: %(default)s)"
    )
    p.add_argument(
        "--pictures", default=str(layout.SIM_COMPARE_PICTURES), help="PNG folder (default: %(default)s)"
    )
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.add_argument(
        "--a", type=_mapping, help="YAML mapping of sim keys engine a changes (default: sim_compare.a)"
    )
    p.add_argument(
        "--b",
        type=_mapping,
        help="YAML mapping of sim keys engine b changes, e.g. '{backend: isaaclab}' (default: sim_compare.b)",
    )
    p.add_argument("--max-objects", type=int, help="override sim_compare.max_objects (0 = all)")
    p.add_argument("--trials-per-object", type=int, help="override sim_compare.trials_per_object")
    add_ray_address(p)
    p.set_defaults(run=compare)


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

    inputs = {"results": args.results, "objects": args.objects, "guesses": args.guesses}
    for out in (args.html, args.out):
        if out:
            check_out_file(out, inputs)
    if args.html:
        print(results_page(args.results, args.objects, args.html, guesses=args.guesses))
    if args.out or not args.html:
        out = Path(args.out) if args.out else Path(args.results).with_suffix(".png")
        print(render_results_file(args.results, args.objects, out, per_group=args.per_group))
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    from dexgen.sim.report import write_report

    result = write_report(args.sim, args.out, config=params_of(args).sim_report)
    print_json({k: v for k, v in result.items() if k != "objects"})
    return EXIT_OK


def _mapping(text: str) -> dict:
    """A ``--a`` / ``--b`` value: a YAML flow mapping such as ``{protocol: {preset: graspdatagen}}``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise argparse.ArgumentTypeError(f"not YAML: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a mapping such as '{{backend: mujoco}}', got {text!r}")
    return value


def compare(args: argparse.Namespace) -> int:
    from dexgen.sim.compare.run import compare_with_params

    params = params_of(args)
    cfg = override(
        params.sim_compare,
        where="dexgen sim-compare",
        a=args.a,
        b=args.b,
        max_objects=args.max_objects,
        trials_per_object=args.trials_per_object,
    )
    result = compare_with_params(
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
        cluster=cluster_of(params, args, "sim-compare"),
        progress=not args.no_progress,
    )
    print(agreement_table(result))
    return EXIT_OK


def agreement_table(result: dict) -> str:
    """The report's headline as a text table: overall and per kind of trial."""
    rows = [("all", result)] + list(result["by_kind"].items())
    lines = [
        f"a: {result['engines']['a']}",
        f"b: {result['engines']['b']}",
        f"{'trials':<16}{'n':>6}{'held a':>9}{'held b':>9}{'agree':>8}{'kappa':>8}  confusion [[--, -b], [a-, ab]]",
    ]
    for name, r in rows:
        if not r["trials"]:
            continue
        lines.append(
            f"{name:<16}{r['trials']:>6}{r['success_rate_a']:>9.3f}{r['success_rate_b']:>9.3f}"
            f"{r['agreement']:>8.3f}{r['kappa']:>8.3f}  {r['confusion']}"
        )
    if only := result.get("random_poses_only"):
        lines.append(f"compared on random poses only (no collision-free guess): {len(only)}: {first_n(only)}")
    return "\n".join(lines)
