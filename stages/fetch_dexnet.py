"""Stage ``fetch_dexnet``: the published Dex-Net 2.0 / 3.0 datasets, pinned by sha256 (``dexnet.download``).

Reads ``dexnet.source`` and ``dexnet.download``. With ``source: synth`` (the default) it fetches nothing
and writes ``<out>/SKIPPED.json``; with ``source: download`` every task needs a pinned sha256.
"""

from __future__ import annotations

import sys

from dexgen.atomic import write_json
from dexgen.cli.stage import run_stage
from dexgen.dexnet.fetch import fetch_all

PATHS = {
    "out": "output folder; gets <task>/ per fetched task",
    "cache": "folder keeping the downloaded archives (resume)",
    "metrics": "JSON report (counts, shapes, positive rates)",
}


def run(args, params) -> None:
    report = fetch_all(
        params.dexnet.source, params.dexnet.download, args.out, cache_dir=args.cache, progress=args.progress
    )
    write_json(args.metrics, report)


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
