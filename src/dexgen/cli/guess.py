"""``dexgen guess | guess-report``: grasp guesses for one object shard (the ``guess@<shard>`` stage) and
the coverage report over every shard (the ``guess_report`` stage)."""

from __future__ import annotations

import argparse

from dexgen import layout
from dexgen.cli.common import EXIT_OK, add_params_option, params_of, print_json
from dexgen.cli.ray_option import add_ray_address, cluster_of
from dexgen.errors import ConfigError
from dexgen.params.tree import override


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("guess", help="collision-free and colliding grasp guesses for one object shard")
    add_params_option(p)
    p.add_argument("--objects", required=True, help="object shard folder, e.g. data/objects/shard-00")
    p.add_argument("--out", required=True, help="output folder, e.g. data/guesses/shard-00")
    p.add_argument(
        "--gripper",
        help="override guess.gripper: a shipped name (box or real, e.g. robotiq_2f_85_real), a gripper "
        "YAML or a robot description (.urdf, .xml, .usd)",
    )
    p.add_argument(
        "--samplers",
        help="override guess.samplers: NAME=FRACTION,... summing to 1, e.g. finger_pad=0.7,antipodal=0.3",
    )
    p.add_argument("--workers", type=int, help="override guess.workers (0 = every core)")
    add_ray_address(p)
    p.set_defaults(run=run)

    p = sub.add_parser(
        "guess-report",
        help="coverage of the guesses per kind, approach and surface, per sampler (guess_report)",
    )
    add_params_option(p)
    p.add_argument("--objects", default=str(layout.OBJECTS), help="object folder (default: %(default)s)")
    p.add_argument("--guesses", default=str(layout.GUESSES), help="guess folder (default: %(default)s)")
    p.add_argument("--sim", default=str(layout.SIM), help="simulation folder (default: %(default)s)")
    p.add_argument("--out", default=str(layout.GUESS_REPORT), help="report JSON (default: %(default)s)")
    p.add_argument(
        "--pictures", default=str(layout.GUESS_PICTURES), help="worst-covered pictures (default: %(default)s)"
    )
    p.set_defaults(run=report)


def parse_mix(text: str | None) -> dict[str, float] | None:
    """``finger_pad=0.7,antipodal=0.3`` -> {"finger_pad": 0.7, "antipodal": 0.3} (None passes through)."""
    if text is None:
        return None
    mix = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            mix[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--samplers: expected NAME=FRACTION, got {part!r}")
    return mix


def run(args: argparse.Namespace) -> int:
    from dexgen.guess.shard import guess_shard

    params = params_of(args)
    cfg = override(
        params.guess,
        where="dexgen guess",
        gripper=args.gripper,
        workers=args.workers,
        samplers=parse_mix(args.samplers),
    )
    cluster = cluster_of(params, args, "guess")
    summary = guess_shard(args.objects, args.out, config=cfg, seed=params.seed, cluster=cluster)
    print_json(summary["totals"])
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    from dexgen.guess.report import write_report

    params = params_of(args)
    rep = write_report(
        args.objects,
        args.guesses,
        args.sim,
        args.out,
        config=params.guess,
        seed=params.seed,
        pictures=args.pictures,
    )
    print_json({k: v for k, v in rep.items() if k not in ("per_object", "by_kind")})
    return EXIT_OK
