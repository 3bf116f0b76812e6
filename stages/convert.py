"""Stage ``convert@<task>``: DexNetGQCNN weights -> DexNetFCGQCNN, with a measured equivalence check.

    python stages/convert.py MODEL_DIR FC_MODEL_DIR METRICS_JSON --task parallel_jaw

Reads ``seed`` (for the test images). A non-GQ-CNN checkpoint (``model.name: EfficientNet``) is
recorded as ``converted: false`` in the metrics rather than failing the pipeline.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.dexnet.fields import TASKS
from dexgen.errors import ConfigError, DexgenError
from dexgen.learn.stages import convert_task
from dexgen.params_file import load_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model_dir", help="folder with the GQ-CNN model.pt")
    parser.add_argument("out_dir", help="output: folder for the FC-GQ-CNN model.pt")
    parser.add_argument("metrics", help="output: conversion metrics JSON")
    parser.add_argument("--task", required=True, choices=sorted(TASKS))
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--image-size", type=int, default=128, help="side of the equivalence-check images")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        seed = load_params(args.params).get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"{args.params}: seed must be an integer, got {seed!r}")
        metrics = convert_task(
            args.model_dir, args.out_dir, args.metrics, seed=seed, image_size=args.image_size
        )
    except DexgenError as exc:
        print(f"convert: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("convert").info("done: %s", metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
