"""``dexgen train | convert-weights | predict | analyze``: the learning stages from the shell, with the
flags of Dex-Net 5.0's scripts (``train --config``, ``analyze --model_path --model_name``).

Default paths are the pipeline's (:mod:`dexgen.layout`), so ``dexgen train --task suction`` reads and
writes what ``train@suction`` would.
"""

from __future__ import annotations

import argparse

from dexgen import layout
from dexgen.atomic import check_apart, check_out_file
from dexgen.cli.common import EXIT_OK, add_params_option, params_of, positive_int, print_json
from dexgen.dexnet.fields import TASKS
from dexgen.params.tree import Params


def register(sub: argparse._SubParsersAction) -> None:
    _add_train(sub)
    _add_convert(sub)
    _add_predict(sub)
    _add_analyze(sub)


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train model.name on a Dex-Net tensors dataset (the train@task stage)")
    p.add_argument("--task", required=True, choices=sorted(TASKS))
    add_params_option(p)
    p.add_argument("--model-name", choices=["DexNetGQCNN", "EfficientNet"], help="override model.name")
    p.add_argument("--dataset", help="Dex-Net tensors folder (default: data/dexnet/<dexnet.source>/<task>)")
    p.add_argument("--out", help="model folder (default: models/<task>)")
    p.add_argument("--live", help="dvclive folder (default: metrics/<task>/train)")
    p.set_defaults(run=train)


def train(args: argparse.Namespace) -> int:
    from dexgen.learn.setup import train_setup
    from dexgen.learn.stages import train_task

    params = params_of(args)
    if args.dataset:
        for out in (args.out, args.live):
            if out:
                check_apart(out, {"--dataset": args.dataset})
    metrics = train_task(
        args.dataset or layout.dexnet_dataset(params.dexnet, args.task),
        args.out or layout.model_dir(args.task),
        args.live or layout.train_live_dir(args.task),
        setup=train_setup(
            args.task,
            seed=params.seed,
            device=params.device,
            model_name=args.model_name or params.model.name,
            models=params.models,
            tasks=params.tasks,
        ),
        cache_dir=layout.PACKED,
        resume_dir=layout.resume_dir(args.task),
    )
    print_json(metrics)
    return EXIT_OK


def _add_convert(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert-weights", help="convert DexNetGQCNN weights to a fully convolutional DexNetFCGQCNN"
    )
    p.add_argument("--task", required=True, choices=sorted(TASKS))
    add_params_option(p)
    p.add_argument("--model", help="GQ-CNN model folder (default: models/<task>)")
    p.add_argument("--out", help="FC-GQ-CNN folder (default: models/<task>-fc)")
    p.add_argument("--metrics", help="equivalence report JSON (default: metrics/<task>/convert.json)")
    p.add_argument("--seed", type=int, help="seed of the check images (default: params 'seed')")
    p.set_defaults(run=convert)


def convert(args: argparse.Namespace) -> int:
    from dexgen.learn.stages import convert_task

    seed = args.seed if args.seed is not None else params_of(args).seed
    model = args.model or layout.model_dir(args.task)
    for out in (args.out or layout.fc_model_dir(args.task), args.metrics):
        if out:
            check_apart(out, {"--model": model})
    report = convert_task(
        args.model or layout.model_dir(args.task),
        args.out or layout.fc_model_dir(args.task),
        args.metrics or layout.convert_metrics(args.task),
        seed=seed,
    )
    print_json(report)
    return EXIT_OK


def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="score a Dex-Net tensors dataset, a depth crop or a depth image")
    p.epilog = (
        "Either DATASET (score its rows; prints metrics) or --image DEPTH.npy: a 32x32 crop gives one "
        "p(success); a larger (H, W) image with an FC-GQ-CNN (models/<task>-fc/model.pt, from "
        "convert-weights) gives a heatmap and its best pixel."
    )
    p.add_argument("checkpoint", help="model.pt, e.g. models/parallel_jaw/model.pt after `dvc pull`")
    p.add_argument("dataset", nargs="?", help="Dex-Net tensors folder to score")
    p.add_argument("--image", help="depth image .npy, (H, W) or (H, W, 1) float metres, to score instead")
    p.add_argument(
        "--depth-range",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="--image: plausible depth in metres; pixels outside refuse the image (default 0.05 10)",
    )
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
        "--stride",
        type=int,
        help="--image: pixels between scored crops (FC-GQ-CNN: 1, 2 or 4, exact; default its pool stride 4)",
    )
    p.add_argument(
        "--angles",
        type=int,
        help="--image: score N grasp angles over [0, pi), the image turned for each; --out gets (N, h, w)",
    )
    p.add_argument("--rows", choices=["all", "val"], default="all", help="all rows or the saved val split")
    p.add_argument(
        "--out", help="write scores to this .npy: (n,) per dataset row, (h, w) heatmap, (1,) for a crop"
    )
    add_inference_options(p)
    p.set_defaults(run=predict, parser=p)


def add_inference_options(p: argparse.ArgumentParser) -> None:
    """``--params``, ``--device`` and ``--batch-size``, whose defaults are the params' (see :func:`inference_defaults`)."""
    add_params_option(p)
    p.add_argument("--device", help="torch device (default: params 'device')")
    p.add_argument(
        "--batch-size",
        type=positive_int,
        help="inference batch (default: the model's models.<name>.train.eval_batch_size in params)",
    )


def device_default(args: argparse.Namespace, params: Params | None = None) -> None:
    """Fill ``--device`` from params' ``device`` where not given (the image modes score one image at a
    time: no batch size)."""
    if args.device is None:
        args.device = (params or params_of(args)).device


def inference_defaults(args: argparse.Namespace, model_name: str | None) -> None:
    """Fill ``--device`` and ``--batch-size`` from params where not given, as the evaluate stage runs:
    ``device`` and the checkpoint model's ``eval_batch_size`` (``model_name`` None: read it from the
    checkpoint)."""
    params = params_of(args)
    device_default(args, params)
    if args.batch_size is None:
        if model_name is None:
            from dexgen.learn.checkpoint import load_checkpoint

            model_name = load_checkpoint(args.checkpoint)["model_name"]
        args.batch_size = params.models.eval_batch_size(model_name)


def predict(args: argparse.Namespace) -> int:
    parser = args.parser
    inputs = {"checkpoint": args.checkpoint, "dataset": args.dataset, "--image": args.image}
    for out in (args.out, args.heatmap):
        if out:
            check_out_file(out, inputs)  # never score over the checkpoint or the data it reads
    if (args.dataset is None) == (args.image is None):
        parser.error("give either a DATASET folder or --image DEPTH.npy, not both or neither")
    if args.image is None:
        image_only = (
            ("--pose", args.pose),
            ("--depth-range", args.depth_range),
            ("--heatmap", args.heatmap),
            ("--stride", args.stride),
            ("--angles", args.angles),
        )
        for flag, value in image_only:
            if value is not None:
                parser.error(f"{flag} applies to --image only")
        if args.sliding_window:
            parser.error("--sliding-window applies to --image only")
        return _predict_dataset(args)
    if args.angles is not None:
        if args.angles < 1:
            parser.error(f"--angles takes a positive number of bins, got {args.angles}")
        if args.sliding_window:
            parser.error("--angles needs an FC-GQ-CNN; --sliding-window scores one angle")
        return _predict_angles(args)
    return _predict_image(args)


def _predict_angles(args: argparse.Namespace) -> int:
    from dexgen.inference.angles import predict_angles, save_angles_png
    from dexgen.inference.predict import load_depth_image

    depth = load_depth_image(args.image, depth_range=_depth_range(args))
    device_default(args)
    result = predict_angles(
        args.checkpoint, depth, args.angles, pose=args.pose, stride=args.stride, device=args.device
    )
    first = result.bins[0]
    summary = {
        "model": first.model_name,
        "task": first.task,
        "angles": [round(float(t), 6) for t in result.thetas],
        "heatmap_shape": list(result.scores.shape),
        "stride": first.stride,
        "crop": first.crop,
        "canvas": list(result.canvas),
        "best": result.best(),
    }
    return _write_image_outputs(
        args, summary, result.scores, lambda path: save_angles_png(path, depth, result)
    )


def _depth_range(args: argparse.Namespace):
    """``--depth-range`` as a DepthRange (the default range when not given)."""
    from dexgen.inference.predict import DepthRange

    return DepthRange() if args.depth_range is None else DepthRange(*args.depth_range)


def _predict_dataset(args: argparse.Namespace) -> int:
    import numpy as np

    from dexgen.inference.predict import predict, save_npy

    inference_defaults(args, model_name=None)
    result = predict(
        args.checkpoint,
        args.dataset,
        cache_dir=layout.PACKED,
        rows=args.rows,
        device=args.device,
        batch_size=args.batch_size,
    )
    if args.out:
        save_npy(args.out, result.scores.astype(np.float32))
    print_json(result.metrics)
    return EXIT_OK


def _predict_image(args: argparse.Namespace) -> int:
    from dexgen.inference.predict import (
        image_summary,
        load_depth_image,
        predict_image,
        save_heatmap_png,
    )

    depth = load_depth_image(args.image, depth_range=_depth_range(args))
    device_default(args)
    result = predict_image(
        args.checkpoint,
        depth,
        pose=args.pose,
        sliding_window=args.sliding_window,
        stride=args.stride,
        device=args.device,
    )
    scores = result.scores.reshape(1) if result.scores.size == 1 else result.scores
    return _write_image_outputs(
        args, image_summary(result), scores, lambda path: save_heatmap_png(path, depth, result)
    )


def _write_image_outputs(args: argparse.Namespace, summary: dict, scores, draw) -> int:
    """``--out`` (scores .npy) and ``--heatmap`` (``draw(path)``) if asked, then the summary printed."""
    from dexgen.inference.predict import save_npy

    if args.out:
        save_npy(args.out, scores)
        summary["out"] = args.out
    if args.heatmap:
        draw(args.heatmap)
        summary["heatmap_png"] = args.heatmap
    print_json(summary)
    return EXIT_OK


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="PR / ROC curves, metrics, timings and mean/std of a trained checkpoint"
    )
    p.add_argument("--model_path", "--model-path", required=True, help="model folder or model.pt")
    p.add_argument(
        "--model_name", "--model-name", required=True, help="the architecture it must hold, e.g. DexNetGQCNN"
    )
    p.add_argument("--dataset", help="Dex-Net tensors folder (default: data/dexnet/<dexnet.source>/<task>)")
    p.add_argument("--out", help="output folder (default: analysis/<model folder name>)")
    p.add_argument("--rows", choices=["val", "all"], default="val", help="the saved val split or every row")
    add_inference_options(p)
    p.add_argument("--repeats", type=positive_int, default=5, help="timed calls per batch size")
    p.set_defaults(run=analyze)


def analyze(args: argparse.Namespace) -> int:
    from dexgen.inference.analyze import analyze, checkpoint_path

    model_dir = checkpoint_path(args.model_path).parent
    from dexgen.models.registry import MODELS

    if args.model_name in MODELS:
        inference_defaults(args, model_name=args.model_name)
    else:  # an unknown name is analyze's to refuse, naming the valid ones
        device_default(args)
    if args.out:
        check_apart(args.out, {"--model_path": args.model_path, "--dataset": args.dataset})
    report = analyze(
        args.model_path,
        model_name=args.model_name,
        dataset=args.dataset,
        dataset_root=layout.DEXNET / params_of(args).dexnet.source,
        out_dir=args.out or layout.ANALYSIS / model_dir.name,
        cache_dir=layout.PACKED,
        rows=args.rows,
        device=args.device,
        batch_size=args.batch_size,
        repeats=args.repeats,
    )
    print_json(report)
    return EXIT_OK
