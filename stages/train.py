"""Stage ``train@<task>``: train ``model.name`` on a Dex-Net tensors dataset.

    python stages/train.py DATASET MODEL_DIR LIVE_DIR --task parallel_jaw [--params params.yaml]

Reads ``seed``, ``device``, ``model.name``, ``models.<model.name>`` and ``tasks.<task>``. The packed
memmap copy goes to ``--cache-dir`` and per-epoch resume checkpoints to ``--resume-dir`` (both
scratch, git- and DVC-ignored: DVC deletes declared outputs before re-running a stage).
"""

from __future__ import annotations

import argparse
import logging
import sys

from dexgen.dexnet.fields import TASKS
from dexgen.errors import DexgenError
from dexgen.learn.config import setup_from_params
from dexgen.learn.stages import train_task
from dexgen.params_file import load_params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", help="Dex-Net tensors folder (<dataset>/tensors/*.npz)")
    parser.add_argument("model_dir", help="output: model.pt and split/")
    parser.add_argument("live_dir", help="output: dvclive folder of training curves")
    parser.add_argument("--task", required=True, choices=sorted(TASKS))
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--cache-dir", default=".dexgen/packed", help="packed memmap copies (scratch)")
    parser.add_argument(
        "--resume-dir", default=None, help="resume checkpoints (default .dexgen/resume/<task>)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        setup = setup_from_params(load_params(args.params), args.task, path=args.params)
        metrics = train_task(
            args.dataset,
            args.model_dir,
            args.live_dir,
            setup=setup,
            cache_dir=args.cache_dir,
            resume_dir=args.resume_dir or f".dexgen/resume/{args.task}",
        )
    except DexgenError as exc:
        print(f"train: error: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("train").info("done: %s", metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
