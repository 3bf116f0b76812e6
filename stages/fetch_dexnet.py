"""Stage ``fetch_dexnet``: the published Dex-Net 2.0 / 3.0 datasets, pinned by sha256 (``dexnet.download``).

    python stages/fetch_dexnet.py --out data/dexnet/download --cache data/cache/dexnet_download \\
        --metrics metrics/fetch_dexnet.json --params params.yaml

Reads ``dexnet.source`` and ``dexnet.download``. With ``source: synth`` (the default) it fetches nothing
and writes ``<out>/SKIPPED.json``; with ``source: download`` every task needs a pinned sha256.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.atomic import write_json
from dexgen.config import from_mapping
from dexgen.dexnet.fetch import DownloadConfig, dexnet_section, fetch_all
from dexgen.errors import DexgenError
from dexgen.params_file import load_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder; gets <task>/ per fetched task")
    parser.add_argument("--cache", required=True, help="folder keeping the downloaded archives (resume)")
    parser.add_argument("--metrics", required=True, help="JSON report (counts, shapes, positive rates)")
    parser.add_argument("--params", default="params.yaml", help="params file (reads dexnet)")
    parser.add_argument("--no-progress", action="store_true", help="hide the download progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("fetch_dexnet")
    try:
        dexnet = dexnet_section(load_params(args.params), path=args.params)
        config = from_mapping(DownloadConfig, dexnet.get("download"), where=f"{args.params}:dexnet.download")
        report = fetch_all(
            dexnet["source"], config, args.out, cache_dir=args.cache, progress=not args.no_progress
        )
    except DexgenError as exc:
        log.error("%s", exc)
        return 1
    write_json(args.metrics, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
