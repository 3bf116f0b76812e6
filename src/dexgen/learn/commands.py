"""``dexgen train | evaluate | convert-weights | predict``: the learning stages from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

TASKS = ("parallel_jaw", "suction")


def add_learn_commands(command) -> None:
    """Register the learning subcommands with the CLI's ``command(name, help)`` decorator."""

    def train_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("--task", required=True, choices=TASKS)
        p.add_argument("--params", default="params.yaml")
        p.add_argument("--dataset", help="Dex-Net tensors folder (default: data/dexnet/<task>)")
        p.add_argument("--out", help="model folder (default: models/<task>)")
        p.add_argument("--live", help="dvclive folder (default: metrics/<task>/train)")

    @command("train", help="train model.name on a Dex-Net tensors dataset (the train@task stage)")(
        train_setup
    )
    def _train(args: argparse.Namespace) -> int:
        from dexgen.learn.config import setup_from_params
        from dexgen.learn.stages import train_task
        from dexgen.params_file import load_params

        setup = setup_from_params(load_params(args.params), args.task, path=args.params)
        metrics = train_task(
            args.dataset or f"data/dexnet/{args.task}",
            args.out or f"models/{args.task}",
            args.live or f"metrics/{args.task}/train",
            setup=setup,
            cache_dir=".dexgen/packed",
            resume_dir=f".dexgen/resume/{args.task}",
        )
        print(json.dumps(metrics, indent=2, default=str))
        return 0

    def convert_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("--task", required=True, choices=TASKS)
        p.add_argument("--model", help="GQ-CNN model folder (default: models/<task>)")
        p.add_argument("--out", help="FC-GQ-CNN folder (default: models/<task>-fc)")
        p.add_argument("--metrics", help="equivalence report JSON (default: metrics/<task>/convert.json)")
        p.add_argument("--seed", type=int, default=0)

    @command("convert-weights", help="convert DexNetGQCNN weights to a fully convolutional DexNetFCGQCNN")(
        convert_setup
    )
    def _convert(args: argparse.Namespace) -> int:
        from dexgen.learn.stages import convert_task

        report = convert_task(
            args.model or f"models/{args.task}",
            args.out or f"models/{args.task}-fc",
            args.metrics or f"metrics/{args.task}/convert.json",
            seed=args.seed,
        )
        print(json.dumps(report, indent=2, default=str))
        return 0

    def predict_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("checkpoint", help="model.pt, e.g. models/parallel_jaw/model.pt after `dvc pull`")
        p.add_argument("dataset", help="Dex-Net tensors folder to score")
        p.add_argument(
            "--rows", choices=["all", "val"], default="all", help="all rows or the saved val split"
        )
        p.add_argument("--out", help="write scores (n,) float32 to this .npy file")
        p.add_argument("--device", default="auto")
        p.add_argument("--batch-size", type=int, default=1024)

    @command("predict", help="score a Dex-Net tensors dataset with a trained checkpoint")(predict_setup)
    def _predict(args: argparse.Namespace) -> int:
        import numpy as np

        from dexgen.atomic import write_bytes
        from dexgen.learn.predict import predict

        result = predict(
            args.checkpoint,
            args.dataset,
            cache_dir=".dexgen/packed",
            rows=args.rows,
            device=args.device,
            batch_size=args.batch_size,
        )
        if args.out:
            import io

            buf = io.BytesIO()
            np.save(buf, result.scores.astype(np.float32))
            write_bytes(Path(args.out), buf.getvalue())
        print(json.dumps(result.metrics, indent=2, default=str), file=sys.stdout)
        return 0
