"""``dexgen objects``: build the sharded object set (the ``objects`` stage)."""

from __future__ import annotations

import argparse
import sys

from dexgen import layout
from dexgen.cli.common import EXIT_OK, add_params_option, params_of, print_json
from dexgen.params.tree import override


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("objects", help="build the sharded object set (the 'objects' stage)")
    add_params_option(p)
    p.add_argument("--source", choices=["builtin", "directory", "url"])
    p.add_argument("--object_dataset", help="folder of meshes (GraspDataGen --object_dataset)")
    p.add_argument("--object_scales_json", help='{"relative/path.obj": scale} JSON (GraspDataGen)')
    p.add_argument("--count", type=int, help="builtin: number of procedural objects")
    p.add_argument("--on_bad_mesh", choices=["error", "skip"])
    p.add_argument(
        "--follow_symlinks",
        action="store_true",
        default=None,
        help="read meshes symlinked from outside --object_dataset (objects.follow_symlinks; refused by default)",
    )
    p.add_argument("--out", default=str(layout.OBJECTS), help="output folder (default: %(default)s)")
    p.add_argument("--report", default=str(layout.OBJECTS_REPORT), help="report JSON (default: %(default)s)")
    p.add_argument("--preview", default=None, help="contact sheet PNG")
    p.add_argument(
        "--cache", default=str(layout.CACHE), help="download and processing cache (default: %(default)s)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dexgen.objects.build import build_object_set

    params = params_of(args)
    source = args.source or ("directory" if args.object_dataset else None)
    cfg = override(
        params.objects,
        where="dexgen objects",
        source=source,
        object_dataset=args.object_dataset,
        object_scales_json=args.object_scales_json,
        count=args.count,
        on_bad_mesh=args.on_bad_mesh,
        follow_symlinks=args.follow_symlinks,
    )
    report = build_object_set(
        cfg,
        seed=params.seed,
        out_dir=args.out,
        cache_dir=args.cache,
        report_path=args.report,
        preview_path=args.preview,
    )
    print_json({k: v for k, v in report.items() if k not in ("objects", "skipped_objects")})
    for item in report["skipped_objects"]:
        print(f"skipped: {item['reason']}", file=sys.stderr)
    return EXIT_OK
