"""Stage ``benchmark``: inference per model and batch size, FC-GQ-CNN vs sliding window, loader speed.

    python stages/benchmark.py DATASET METRICS_JSON --task parallel_jaw

Reads ``seed``, ``device`` and ``models.EfficientNet.arch.input_size``. Timings depend on the machine;
the JSON names the device (DVC's run-cache may replay figures from another machine).
"""

from __future__ import annotations

import argparse
import logging
import sys

import torch

from dexgen import atomic
from dexgen.dexnet.fields import TASKS
from dexgen.errors import DexgenError
from dexgen.learn.config import setup_from_params
from dexgen.learn.data import open_packed
from dexgen.learn.device import device_name, resolve_device
from dexgen.learn.timing import benchmark
from dexgen.params_file import load_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", help="Dex-Net tensors folder (for loader timings)")
    parser.add_argument("metrics", help="output: benchmark JSON")
    parser.add_argument("--task", default="parallel_jaw", choices=sorted(TASKS))
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--cache-dir", default=".dexgen/packed", help="packed memmap copies (scratch)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        params = load_params(args.params)
        setup = setup_from_params({**params, "model": {"name": "EfficientNet"}}, args.task, path=args.params)
        device = resolve_device(setup.device)
        data = open_packed(args.dataset, args.cache_dir, args.task, setup.task_cfg)
        result = benchmark(
            args.dataset,
            data,
            device=device,
            device_label=device_name(device),
            seed=setup.seed,
            repeats=args.repeats,
            efficientnet_input=setup.model_args.input_size,
        )
    except DexgenError as exc:
        print(f"benchmark: error: {exc}", file=sys.stderr)
        return 2
    result["torch_version"] = torch.__version__
    atomic.write_json(args.metrics, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
