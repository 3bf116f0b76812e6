"""Stage ``benchmark``: inference per model and batch size, FC-GQ-CNN vs sliding window, loader speed.

Reads ``seed``, ``device``, ``models.EfficientNet`` (its input size) and ``tasks.<task>``. Timings
depend on the machine; the JSON names the device. This is the one stage whose outputs are timings,
so the only one whose outputs change on a re-run.
"""

from __future__ import annotations

import sys

from dexgen import layout
from dexgen.cli.stage import run_stage
from dexgen.dexnet.fields import TASKS
from dexgen.learn.setup import task_config
from dexgen.learn.stages import benchmark_task

PATHS = {"dataset": "Dex-Net tensors folder (for loader timings)", "metrics": "output: benchmark JSON"}


def options(parser) -> None:
    parser.add_argument("--task", default="parallel_jaw", choices=sorted(TASKS))
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per figure")


def run(args, params) -> None:
    benchmark_task(
        args.dataset,
        args.metrics,
        task=args.task,
        task_cfg=task_config(params.tasks, args.task),
        seed=params.seed,
        device=params.device,
        efficientnet_input=params.models.EfficientNet.arch.input_size,
        cache_dir=layout.PACKED,
        repeats=args.repeats,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv, options=options)


if __name__ == "__main__":
    sys.exit(main())
