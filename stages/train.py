"""Stage ``train@<task>``: train ``model.name`` on a Dex-Net tensors dataset.

Reads ``seed``, ``device``, ``model.name``, ``models.<model.name>`` and ``tasks.<task>``. The packed
memmap copy and the per-epoch resume checkpoints go to the scratch folders of :mod:`dexgen.layout`
(git- and DVC-ignored: DVC deletes declared outputs before re-running a stage).
"""

from __future__ import annotations

import sys

from dexgen import layout
from dexgen.cli.stage import run_stage, task_option
from dexgen.learn.setup import train_setup
from dexgen.learn.stages import train_task

PATHS = {
    "dataset": "Dex-Net tensors folder (<dataset>/tensors/*.npz)",
    "model_dir": "output: model.pt and split/",
    "live_dir": "output: dvclive folder of training curves",
}


def run(args, params) -> None:
    train_task(
        args.dataset,
        args.model_dir,
        args.live_dir,
        setup=train_setup(
            args.task,
            seed=params.seed,
            device=params.device,
            model_name=params.model.name,
            models=params.models,
            tasks=params.tasks,
        ),
        cache_dir=layout.PACKED,
        resume_dir=layout.resume_dir(args.task),
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv, options=task_option)


if __name__ == "__main__":
    sys.exit(main())
