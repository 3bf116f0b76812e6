"""Stage ``objects``: build the sharded object set (builtin procedural set, a mesh folder, or an archive URL).

Reads ``seed`` and ``objects``; writes the object set, its report and a contact sheet.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage
from dexgen.objects.build import build_object_set

PATHS = {
    "out": "object set folder (index.json + shard-XX/)",
    "cache": "download and per-object processing cache (resume)",
    "report": "per-object report JSON",
    "preview": "contact sheet PNG of the objects",
}


def run(args, params) -> None:
    build_object_set(
        params.objects,
        seed=params.seed,
        out_dir=args.out,
        cache_dir=args.cache,
        report_path=args.report,
        preview_path=args.preview,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
