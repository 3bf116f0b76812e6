"""Stage `objects`: build the sharded object set (builtin, directory or url source)."""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.config import from_mapping
from dexgen.errors import DexgenError
from dexgen.objects.build import build_object_set
from dexgen.objects.config import ObjectsConfig
from dexgen.params_file import load_params, section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", required=True, help="object set folder (data/objects)")
    parser.add_argument("--report", required=True, help="per-object report JSON (metrics/objects.json)")
    parser.add_argument("--preview", help="contact sheet PNG of the objects")
    parser.add_argument("--cache", required=True, help="download and per-object processing cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        params = load_params(args.params)
        cfg = from_mapping(ObjectsConfig, section(params, "objects"), where=f"{args.params}:objects")
        report = build_object_set(
            cfg,
            seed=int(params["seed"]),
            out_dir=args.out,
            cache_dir=args.cache,
            report_path=args.report,
            preview_path=args.preview,
        )
    except DexgenError as exc:
        print(f"objects: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("objects").info("%d objects in %d shards", report["count"], len(cfg.shards))
    return 0


if __name__ == "__main__":
    sys.exit(main())
