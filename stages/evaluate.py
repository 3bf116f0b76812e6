"""Stage ``evaluate@<task>``: metrics, PR / ROC curves and example grids on the validation split.

    python stages/evaluate.py MODEL_DIR DATASET METRICS_JSON LIVE_DIR PNG_DIR --task suction

Reads ``device``, ``model.name`` (the checkpoint must hold that architecture), ``models.<name>.train``
(eval batch size) and ``tasks.<task>``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.dexnet.fields import TASKS
from dexgen.errors import DexgenError
from dexgen.learn.config import setup_from_params
from dexgen.learn.stages import evaluate_task
from dexgen.params_file import load_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model_dir", help="folder with model.pt and split/ (the train stage's output)")
    parser.add_argument("dataset", help="Dex-Net tensors folder the model was trained on")
    parser.add_argument("metrics", help="output: metrics JSON")
    parser.add_argument("live_dir", help="output: dvclive folder with plots/sklearn/*.json")
    parser.add_argument("png_dir", help="output: PNG curves and TP/FP/TN/FN example grids")
    parser.add_argument("--task", required=True, choices=sorted(TASKS))
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--cache-dir", default=".dexgen/packed", help="packed memmap copies (scratch)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        setup = setup_from_params(load_params(args.params), args.task, path=args.params)
        metrics = evaluate_task(
            args.model_dir,
            args.dataset,
            args.metrics,
            args.live_dir,
            args.png_dir,
            task=args.task,
            cfg=setup.task_cfg,
            expected_model=setup.model_name,
            cache_dir=args.cache_dir,
            device=setup.device,
            batch_size=setup.optim.eval_batch_size,
        )
    except DexgenError as exc:
        print(f"evaluate: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("evaluate").info("done: %s", metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
