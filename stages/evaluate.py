"""Stage ``evaluate@<task>``: metrics, PR / ROC curves and example grids on the validation split.

Reads ``device``, ``model.name`` (the checkpoint must hold that architecture), ``models.<name>``
(eval batch size) and ``tasks.<task>``.
"""

from __future__ import annotations

import sys

from dexgen import layout
from dexgen.cli.stage import run_stage, task_option
from dexgen.learn.setup import task_config
from dexgen.learn.stages import evaluate_task

PATHS = {
    "model_dir": "folder with model.pt and split/ (the train stage's output)",
    "dataset": "Dex-Net tensors folder the model was trained on",
    "metrics": "output: metrics JSON",
    "live_dir": "output: dvclive folder with plots/sklearn/*.json",
    "pictures": "output: PNG curves and TP/FP/TN/FN example grids",
}


def run(args, params) -> None:
    evaluate_task(
        args.model_dir,
        args.dataset,
        args.metrics,
        args.live_dir,
        args.pictures,
        task=args.task,
        task_cfg=task_config(params.tasks, args.task),
        model_name=params.model.name,
        device=params.device,
        batch_size=params.models.section(params.model.name).train.eval_batch_size,
        cache_dir=layout.PACKED,
    )


def main(argv: list[str] | None = None) -> int:
    return run_stage(__doc__, PATHS, run, argv=argv, options=task_option)


if __name__ == "__main__":
    sys.exit(main())
