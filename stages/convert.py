"""Stage ``convert@<task>``: DexNetGQCNN weights -> DexNetFCGQCNN, with a measured equivalence check.

Reads ``seed`` (for the test images). A non-GQ-CNN checkpoint (``model.name: EfficientNet``) is
recorded as ``converted: false`` in the metrics rather than failing the pipeline.
"""

from __future__ import annotations

import sys

from dexgen.cli.stage import run_stage, task_option
from dexgen.learn.stages import convert_task

PATHS = {
    "model_dir": "folder with the GQ-CNN model.pt",
    "out": "output: folder for the FC-GQ-CNN model.pt",
    "metrics": "output: conversion metrics JSON",
}


def run(args, params) -> None:
    convert_task(args.model_dir, args.out, args.metrics, seed=params.seed)


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv, options=task_option)


if __name__ == "__main__":
    sys.exit(main())
