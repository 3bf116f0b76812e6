"""The ``dexgen`` command line: the same code paths as the DVC stages, driven by flags.

Each subcommand reads ``params.yaml`` (``--params``) for its defaults, lets flags override them,
and calls the library with typed config objects.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from dexgen import __version__
from dexgen.errors import DexgenError

Command = Callable[[argparse.Namespace], int]
_REGISTRY: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command, str]] = {}
_PACKAGES_REGISTERED = False


def command(name: str, help: str):
    """Register ``fn(args) -> exit code`` as subcommand ``name``; the decorated setup adds its flags."""

    def wrap(setup: Callable[[argparse.ArgumentParser], None]):
        def bind(run: Command) -> Command:
            _REGISTRY[name] = (setup, run, help)
            return run

        return bind

    return wrap


def _register_packages() -> None:
    """Subcommands that live beside their library code; each module imports heavy deps lazily."""
    from dexgen.graspgen.commands import add_graspgen_commands
    from dexgen.learn.commands import add_learn_commands
    from dexgen.sim.commands import add_sim_commands

    add_graspgen_commands(command)
    add_learn_commands(command)
    add_sim_commands(command)


def _objects_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", default="params.yaml", help="params file for defaults (default: %(default)s)")
    p.add_argument("--source", choices=["builtin", "directory", "url"])
    p.add_argument("--object_dataset", help="folder of meshes (GraspDataGen --object_dataset)")
    p.add_argument("--object_scales_json", help='{"relative/path.obj": scale} JSON (GraspDataGen)')
    p.add_argument("--count", type=int, help="builtin: number of procedural objects")
    p.add_argument("--on_bad_mesh", choices=["error", "skip"])
    p.add_argument("--out", default="data/objects", help="output folder (default: %(default)s)")
    p.add_argument("--report", default="metrics/objects.json")
    p.add_argument("--preview", default=None, help="contact sheet PNG")
    p.add_argument("--cache", default="data/cache")


@command("objects", help="build the sharded object set (the 'objects' stage)")(_objects_setup)
def _objects(args: argparse.Namespace) -> int:
    from dexgen.config import from_mapping
    from dexgen.objects.build import build_object_set
    from dexgen.objects.config import ObjectsConfig
    from dexgen.params_file import section

    params = _maybe_params(args.params)
    values: dict[str, Any] = dict(section(params, "objects")) if "objects" in params else {}
    overrides = {
        "source": args.source,
        "object_dataset": args.object_dataset,
        "object_scales_json": args.object_scales_json,
        "count": args.count,
        "on_bad_mesh": args.on_bad_mesh,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if args.object_dataset and not args.source:
        values["source"] = "directory"
    cfg = from_mapping(ObjectsConfig, values, where="objects")
    report = build_object_set(
        cfg,
        seed=int(params.get("seed", 0)),
        out_dir=args.out,
        cache_dir=args.cache,
        report_path=args.report,
        preview_path=args.preview,
    )
    summary = {k: v for k, v in report.items() if k not in ("objects", "skipped_objects")}
    print(json.dumps(summary, indent=2))
    for item in report["skipped_objects"]:
        print(f"skipped: {item['reason']}", file=sys.stderr)
    return 0


def _maybe_params(path: str) -> dict[str, Any]:
    from pathlib import Path

    from dexgen.params_file import load_params

    return load_params(path) if Path(path).is_file() else {}


def build_parser() -> argparse.ArgumentParser:
    global _PACKAGES_REGISTERED
    if not _PACKAGES_REGISTERED:
        _register_packages()
        _PACKAGES_REGISTERED = True
    parser = argparse.ArgumentParser(
        prog="dexgen",
        description="Grasp data from meshes and grasp-quality networks. The DVC pipeline (dvc repro) runs "
        "the same code; these commands run single steps by hand.",
    )
    parser.add_argument("--version", action="version", version=f"dexgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (setup, run, help_text) in sorted(_REGISTRY.items()):
        p = sub.add_parser(name, help=help_text, description=help_text)
        setup(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except DexgenError as exc:
        print(f"dexgen {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
