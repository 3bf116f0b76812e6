"""``dexgen train | convert-weights | predict | analyze``: the learning stages from the shell, with the
flags of Dex-Net 5.0's scripts (``train --config``, ``analyze --model_path --model_name``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TASKS = ("parallel_jaw", "suction")


def _dataset_root(params_path: str) -> str:
    """``data/dexnet/<dexnet.source>`` as dvc.yaml reads it (``synth`` without a params file)."""
    source = "synth"
    if Path(params_path).is_file():
        from dexgen.params_file import load_params

        dexnet = load_params(params_path).get("dexnet")
        if isinstance(dexnet, dict) and isinstance(dexnet.get("source"), str):
            source = dexnet["source"]
    return f"data/dexnet/{source}"


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


def add_learn_commands(command) -> None:
    """Register the learning subcommands with the CLI's ``command(name, help)`` decorator."""

    def train_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("--task", required=True, choices=TASKS)
        p.add_argument(
            "--params",
            "--config",
            dest="params",
            default="params.yaml",
            help="params file (--config: the seed's name)",
        )
        p.add_argument(
            "--dataset", help="Dex-Net tensors folder (default: data/dexnet/<dexnet.source>/<task>)"
        )
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
            args.dataset or f"{_dataset_root(args.params)}/{args.task}",
            args.out or f"models/{args.task}",
            args.live or f"metrics/{args.task}/train",
            setup=setup,
            cache_dir=".dexgen/packed",
            resume_dir=f".dexgen/resume/{args.task}",
        )
        _print_json(metrics)
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
        _print_json(report)
        return 0

    parsers: dict[str, argparse.ArgumentParser] = {}

    def predict_setup(p: argparse.ArgumentParser) -> None:
        parsers["predict"] = p
        p.epilog = (
            "Either DATASET (score its rows; prints metrics) or --image DEPTH.npy: a 32x32 crop gives one "
            "p(success); a larger (H, W) image with an FC-GQ-CNN (models/<task>-fc/model.pt, from "
            "convert-weights) gives a heatmap and its best pixel."
        )
        p.add_argument("checkpoint", help="model.pt, e.g. models/parallel_jaw/model.pt after `dvc pull`")
        p.add_argument("dataset", nargs="?", help="Dex-Net tensors folder to score")
        p.add_argument("--image", help="depth image .npy, (H, W) or (H, W, 1) float metres, to score instead")
        p.add_argument(
            "--pose",
            type=float,
            nargs="+",
            help="--image: the task's raw pose columns (parallel jaw: gripper depth m; suction: depth m and "
            "angle rad); default: the depth at each crop's centre",
        )
        p.add_argument(
            "--sliding-window",
            action="store_true",
            help="--image with a DexNetGQCNN on a large image: run it on every crop (slow; convert instead)",
        )
        p.add_argument("--heatmap", help="--image: write the heatmap over the depth image to this PNG")
        p.add_argument(
            "--rows", choices=["all", "val"], default="all", help="all rows or the saved val split"
        )
        p.add_argument(
            "--out", help="write scores to this .npy: (n,) per dataset row, (h, w) heatmap, (1,) for a crop"
        )
        p.add_argument("--device", default="auto")
        p.add_argument("--batch-size", type=int, default=1024)

    @command("predict", help="score a Dex-Net tensors dataset, a depth crop or a depth image")(predict_setup)
    def _predict(args: argparse.Namespace) -> int:
        parser = parsers["predict"]
        if (args.dataset is None) == (args.image is None):
            parser.error("give either a DATASET folder or --image DEPTH.npy, not both or neither")
        if args.image is None:
            for flag, value in (("--pose", args.pose), ("--heatmap", args.heatmap)):
                if value is not None:
                    parser.error(f"{flag} applies to --image only")
            if args.sliding_window:
                parser.error("--sliding-window applies to --image only")
            return _predict_dataset(args)
        return _predict_image(args)

    def analyze_setup(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model_path", "--model-path", required=True, help="model folder or model.pt")
        p.add_argument(
            "--model_name",
            "--model-name",
            required=True,
            help="the architecture it must hold, e.g. DexNetGQCNN",
        )
        p.add_argument(
            "--dataset", help="Dex-Net tensors folder (default: data/dexnet/<dexnet.source>/<task>)"
        )
        p.add_argument("--out", help="output folder (default: analysis/<model folder name>)")
        p.add_argument(
            "--rows", choices=["val", "all"], default="val", help="the saved val split or every row"
        )
        p.add_argument("--params", default="params.yaml", help="read for dexnet.source only")
        p.add_argument("--device", default="auto")
        p.add_argument("--batch-size", type=int, default=1024)
        p.add_argument("--repeats", type=int, default=5, help="timed calls per batch size")

    @command("analyze", help="PR / ROC curves, metrics, timings and mean/std of a trained checkpoint")(
        analyze_setup
    )
    def _analyze(args: argparse.Namespace) -> int:
        from dexgen.learn.analyze import analyze, checkpoint_path

        model_dir = checkpoint_path(args.model_path).parent
        report = analyze(
            args.model_path,
            model_name=args.model_name,
            dataset=args.dataset,
            dataset_root=_dataset_root(args.params),
            out_dir=args.out or f"analysis/{model_dir.name}",
            cache_dir=".dexgen/packed",
            rows=args.rows,
            device=args.device,
            batch_size=args.batch_size,
            repeats=args.repeats,
        )
        _print_json(report)
        return 0


def _predict_dataset(args: argparse.Namespace) -> int:
    import numpy as np

    from dexgen.learn.predict import predict, save_npy

    result = predict(
        args.checkpoint,
        args.dataset,
        cache_dir=".dexgen/packed",
        rows=args.rows,
        device=args.device,
        batch_size=args.batch_size,
    )
    if args.out:
        save_npy(args.out, result.scores.astype(np.float32))
    _print_json(result.metrics)
    return 0


def _predict_image(args: argparse.Namespace) -> int:
    from dexgen.learn.predict import (
        image_summary,
        load_depth_image,
        predict_image,
        save_heatmap_png,
        save_npy,
    )

    depth = load_depth_image(args.image)
    result = predict_image(
        args.checkpoint, depth, pose=args.pose, sliding_window=args.sliding_window, device=args.device
    )
    summary = image_summary(result)
    if args.out:
        scores = result.scores.reshape(1) if result.scores.size == 1 else result.scores
        save_npy(args.out, scores)
        summary["out"] = args.out
    if args.heatmap:
        save_heatmap_png(args.heatmap, depth, result)
        summary["heatmap_png"] = args.heatmap
    _print_json(summary)
    return 0
