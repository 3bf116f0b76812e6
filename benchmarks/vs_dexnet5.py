"""Dex-Net 5.0 against dexgen: both projects' own models, same inputs, same torch threads, same run.

    PYTHONPATH=src python benchmarks/vs_dexnet5.py --dexnet5-src DIR [--threads 2] [--repeats 5]
        [--quick] [--out metrics/bench/vs_dexnet5.json]

Why: the figures to beat (``reference/dexnet.md``, "Dex-Net 5.0 measured on a 2-core CPU machine")
were taken on another day; only a side-by-side run on one machine gives honest ratios. DIR is a
source checkout of Apgoldberg1/Dex-Net-5.0: it is put on ``sys.path`` for the import of
``dexnet.grasp_model`` and nothing of it is copied here (it imports torchvision at module level).

How: each figure times ours, theirs, ours, theirs ... ``--repeats`` times (each run loops until it
lasts ``min_s``) and reports the medians and the speed-up ours / theirs. Figures: GQ-CNN inference
(their ``DexNetBase(x)`` vs our ``DexNetGQCNN(depth, pose)``, ``GQCNNConfig()``), one SGD training
step at batch 256 (their BCE on the sigmoid, our cross-entropy on the logits), and stride-1 heatmaps
(their ``HighResFCGQCNN`` vs our ``DexNetFCGQCNN(depth, pose, 1)``, both from converted GQ-CNN
weights), with each side's max probability error against its own sliding window (their
``fakeFCGQCNN``, our ``fakeFCGQCNN``). Weights are random: only speed and exactness are compared.
The training loaders (their ``dexnet/torch_dataset.py`` ``Dex2Dataset`` through a 4-worker
``DataLoader``, our packed memmaps with batched augmentation) each run in fresh processes
(``loader_epoch.py``) on one written dataset, for samples/s and peak memory.
The roofline says how far any implementation could go: the machine's dense fp32 rate (the best of a
large GEMM and our conv1_2, measured in the same run) over each network's FLOPs per sample (torch's
FLOP counter: convs and matmuls, training counting the backward) gives the samples/s a network cannot
pass, and so the most our network can be ahead (``ceiling_speedup``) at each figure.
Runs on the CPU; never asserts on time. ``--quick`` shrinks everything, for the test.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from dexgen.atomic import write_json
from dexgen.dexnet.testing import write_tiny_dataset
from dexgen.learn.data import open_packed
from dexgen.models.fcgqcnn import DexNetFCGQCNN, fakeFCGQCNN, gqcnn_to_fcgqcnn
from dexgen.models.gqcnn import DexNetGQCNN
from dexgen.params.learn import TaskConfig
from dexgen.params.models import GQCNNConfig

CROP = 32  # both projects' crop side
SIDES = ("ours", "theirs")
SRC = Path(__file__).resolve().parents[1] / "src"  # dexgen, for the loader child processes
LOADER_SCRIPT = Path(__file__).resolve().with_name("loader_epoch.py")
MODULES = (
    "grasp_model.py",
    "torch_dataset.py",
)  # what we import from their checkout (the loader: a child process)


@dataclasses.dataclass(frozen=True)
class Plan:
    """Sizes of one benchmark run."""

    batches: tuple[int, ...] = (1, 64, 512)
    train_batch: int = 256
    image: int = 128  # heatmap image side
    check_image: int = 64  # sliding-window check side (128 costs ~45 s through their per-crop loop)
    repeats: int = 5
    min_s: float = 0.5  # each timed run loops for at least this long
    loader_points: int = 50_000  # Dex-Net 2.0-layout datapoints written for the loader comparison
    loader_batch: int = 256
    loader_workers: int = 4  # their DataLoader's worker processes (ours loads in the training process)
    loader_epochs: int = 1
    peak_gemm: int = 2048  # side of the square GEMM that measures the machine's dense rate


QUICK = Plan(
    batches=(1, 4),
    train_batch=8,
    image=48,
    check_image=40,
    repeats=1,
    min_s=0.0,
    loader_points=600,
    loader_batch=64,
    loader_workers=2,
    peak_gemm=256,
)


class SourceError(Exception):
    """The Dex-Net 5.0 checkout cannot be used."""


def import_dexnet5(src: Path) -> ModuleType:
    """``dexnet.grasp_model`` imported from the checkout ``src``; ``sys.path`` and any other
    ``dexnet`` modules are restored afterwards."""
    missing_files = [f"dexnet/{name}" for name in MODULES if not (src / "dexnet" / name).is_file()]
    if missing_files:  # both checked here, before minutes of model timings, not when the loader runs
        what = "does not exist" if not src.exists() else f"has no {' or '.join(missing_files)}"
        raise SourceError(f"--dexnet5-src {src} {what} (want a checkout of Apgoldberg1/Dex-Net-5.0)")
    ours = [k for k in sys.modules if k == "dexnet" or k.startswith("dexnet.")]
    saved = {k: sys.modules.pop(k) for k in ours}
    sys.path.insert(0, str(src))
    importlib.invalidate_caches()
    try:
        module = importlib.import_module("dexnet.grasp_model")
    except ImportError as exc:
        raise SourceError(f"importing dexnet.grasp_model from {src} failed: {exc}") from exc
    finally:
        sys.path.remove(str(src))
        for k in [k for k in sys.modules if k == "dexnet" or k.startswith("dexnet.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    missing = [n for n in ("DexNetBase", "HighResFCGQCNN") if not hasattr(module, n)]
    if missing:
        raise SourceError(f"{module.__file__} lacks {', '.join(missing)}")
    return module


def source_commit(src: Path) -> str | None:
    """The checkout's git HEAD, or None where ``src`` is not the top of a git work tree."""
    try:
        out = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.split()
    if out.returncode or len(lines) != 2 or Path(lines[0]).resolve() != src.resolve():
        return None
    return lines[1]


def _loops(fn: Callable[[], Any], min_s: float) -> int:
    """Warm ``fn`` up, then return how many calls last at least ``min_s``."""
    fn()
    start = time.perf_counter()
    fn()
    return max(1, math.ceil(min_s / max(time.perf_counter() - start, 1e-9)))


def _per_call(fn: Callable[[], Any], loops: int) -> float:
    """Seconds per call of ``fn`` over ``loops`` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops


def race(ours: Callable[[], Any], theirs: Callable[[], Any], plan: Plan) -> tuple[float, float]:
    """Median seconds per call of ``ours`` and ``theirs``, timed alternately ``plan.repeats`` times."""
    loops = (_loops(ours, plan.min_s), _loops(theirs, plan.min_s))
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(plan.repeats):
        for side, fn in enumerate((ours, theirs)):
            times[side].append(_per_call(fn, loops[side]))
    return statistics.median(times[0]), statistics.median(times[1])


def rates(seconds: tuple[float, float], units: tuple[float, float], what: str) -> dict[str, float]:
    """``{ours,theirs}_{what}_per_s`` from seconds per call and units per call, and the speed-up."""
    ours, theirs = (u / s for u, s in zip(units, seconds))
    return {f"ours_{what}_per_s": ours, f"theirs_{what}_per_s": theirs, "speedup": ours / theirs}


def params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def their_fc_state(base: nn.Module, fc: nn.Module) -> dict[str, torch.Tensor]:
    """Their DexNetBase weights laid out for their FC network: fc, fc2, fc3 -> conv5, conv6, conv7."""
    state, renamed = base.state_dict(), {"conv5": "fc", "conv6": "fc2", "conv7": "fc3"}
    out = {}
    for key, value in fc.state_dict().items():
        layer, _, kind = key.rpartition(".")
        out[key] = state[f"{renamed.get(layer, layer)}.{kind}"].reshape(value.shape).clone()
    return out


def build(dexnet5: ModuleType) -> dict[str, nn.Module]:
    """Both projects' GQ-CNNs (random weights, seed 0) and FC networks carrying the same weights."""
    torch.manual_seed(0)
    cfg = GQCNNConfig()
    models = {"ours": DexNetGQCNN(cfg), "theirs": dexnet5.DexNetBase()}
    models["ours_fc"] = DexNetFCGQCNN(cfg)
    models["ours_fc"].load_state_dict(gqcnn_to_fcgqcnn(models["ours"].state_dict(), cfg))
    models["ours_sliding"] = fakeFCGQCNN(cfg)
    models["ours_sliding"].load_state_dict(models["ours"].state_dict())
    models["theirs_fc"] = dexnet5.HighResFCGQCNN()
    models["theirs_fc"].load_state_dict(their_fc_state(models["theirs"], models["theirs_fc"]))
    for model in models.values():
        model.eval()
    return models


def inference(models: dict[str, nn.Module], plan: Plan) -> list[dict[str, float]]:
    """GQ-CNN samples/s at each batch size: the same depth crops through both (ours also gets depth)."""
    rows = []
    for batch in plan.batches:
        depth, pose = torch.randn(batch, 1, CROP, CROP), torch.randn(batch, 1)
        with torch.no_grad():
            seconds = race(
                lambda d=depth, p=pose: models["ours"](d, p), lambda d=depth: models["theirs"](d), plan
            )
        rows.append({"batch": batch, **rates(seconds, (batch, batch), "samples")})
    return rows


def _sgd_step(model: nn.Module, loss_fn: Callable[[], torch.Tensor]) -> Callable[[], None]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9)  # Dex-Net 5.0's settings

    def step() -> None:
        optimizer.zero_grad()
        loss_fn().backward()
        optimizer.step()

    return step


def training(dexnet5: ModuleType, plan: Plan) -> dict[str, float]:
    """Training samples/s: forward, loss, backward, SGD step on fresh copies of both GQ-CNNs."""
    torch.manual_seed(1)
    ours, theirs = DexNetGQCNN(GQCNNConfig()), dexnet5.DexNetBase()
    b = plan.train_batch
    depth, pose, label = torch.randn(b, 1, CROP, CROP), torch.randn(b, 1), torch.randint(0, 2, (b,))
    ours_step = _sgd_step(ours, lambda: F.cross_entropy(ours(depth, pose), label))
    theirs_step = _sgd_step(theirs, lambda: F.binary_cross_entropy(theirs(depth).squeeze(1), label.float()))
    ours.train()
    theirs.train()
    return {"batch": b, **rates(race(ours_step, theirs_step, plan), (b, b), "samples")}


def heatmap(models: dict[str, nn.Module], plan: Plan) -> dict[str, Any]:
    """Stride-1 heatmap positions/s (and images/s) on one ``plan.image`` square image."""
    depth, pose = torch.randn(1, 1, plan.image, plan.image), torch.randn(1, 1)
    with torch.no_grad():
        ours_cells = models["ours_fc"](depth, pose, 1)[0, 0].numel()
        theirs_cells = models["theirs_fc"](depth)[0, 0].numel()
        seconds = race(lambda: models["ours_fc"](depth, pose, 1), lambda: models["theirs_fc"](depth), plan)
    return {
        "image": plan.image,
        "stride": 1,
        "ours_positions": ours_cells,
        "theirs_positions": theirs_cells,
        **rates(seconds, (ours_cells, theirs_cells), "positions"),
        "ours_images_per_s": 1 / seconds[0],
        "theirs_images_per_s": 1 / seconds[1],
    }


def their_sliding_window(dexnet5: ModuleType, base: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Their sliding window: a heatmap shaped like ``x``, crop (i, j)'s score at (i + 16, j + 16).
    Their ``fakeFCGQCNN`` where the source has it, else every crop cut here and run through ``base``."""
    if hasattr(dexnet5, "fakeFCGQCNN"):
        return dexnet5.fakeFCGQCNN(base)(x)
    b, h, w = x.shape[0], x.shape[2] - CROP + 1, x.shape[3] - CROP + 1
    crops = x.unfold(2, CROP, 1).unfold(3, CROP, 1).permute(0, 2, 3, 1, 4, 5).reshape(-1, 1, CROP, CROP)
    scores = torch.cat([base(chunk) for chunk in crops.split(4096)])
    out = torch.zeros_like(x)
    out[:, :, CROP // 2 : CROP // 2 + h, CROP // 2 : CROP // 2 + w] = scores.reshape(b, 1, h, w)
    return out


def sliding_window_error(dexnet5: ModuleType, models: dict[str, nn.Module], side: int) -> dict[str, Any]:
    """Max |p(heatmap) - p(own sliding window)| of each side on one ``side`` square image."""
    depth, pose = torch.randn(1, 1, side, side), torch.randn(1, 1)
    with torch.no_grad():
        ours = torch.softmax(models["ours_fc"](depth, pose, 1), 1)[:, 1]
        ours_ref = torch.softmax(models["ours_sliding"](depth, pose, 1), 1)[:, 1]
        theirs = models["theirs_fc"](depth)[:, 0]
        n = theirs.shape[-1]  # cell k scores the crop with top-left corner k, centred at k + 16
        theirs_ref = their_sliding_window(dexnet5, models["theirs"], depth)[:, 0]
        theirs_ref = theirs_ref[:, CROP // 2 : CROP // 2 + n, CROP // 2 : CROP // 2 + n]
    return {
        "image": side,
        "ours_max_abs": float((ours - ours_ref).abs().max()),
        "theirs_max_abs": float((theirs - theirs_ref).abs().max()),
        "theirs_reference": "fakeFCGQCNN" if hasattr(dexnet5, "fakeFCGQCNN") else "crops through DexNetBase",
    }


def _loader_run(side: str, src: Path, dataset: Path, cache: Path, plan: Plan, threads: int) -> dict:
    """One fresh-process run of ``loader_epoch.py`` for ``side``: its JSON record."""
    command = [sys.executable, str(LOADER_SCRIPT), side, "--dataset", str(dataset), "--cache", str(cache)]
    command += ["--dexnet5-src", str(src), "--batch", str(plan.loader_batch), "--threads", str(threads)]
    command += ["--workers", str(plan.loader_workers), "--epochs", str(plan.loader_epochs)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{LOADER_SCRIPT.name} {side} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # their loader prints its load time first


def loader(src: Path, plan: Plan, threads: int) -> dict[str, Any]:
    """Training-loader samples/s (augmentation on) and peak memory, each side in fresh processes.

    One Dex-Net 2.0-layout dataset of ``plan.loader_points`` rows (the test fixture writer) is read by
    both: ours packed once beforehand (timed as ``ours_pack_s``; the train stage packs once per
    dataset), theirs loaded into RAM by its ``Dex2Dataset`` in every run (``theirs_setup_s``).
    """
    with tempfile.TemporaryDirectory(prefix="vs_dexnet5_") as tmp:
        dataset, cache = Path(tmp) / "dexnet_2", Path(tmp) / "packed"
        write_tiny_dataset(dataset, "parallel_jaw", plan.loader_points, seed=0)
        start = time.perf_counter()
        open_packed(dataset, cache, "parallel_jaw", TaskConfig(threshold=0.002))
        pack_s = time.perf_counter() - start
        runs: dict[str, list[dict]] = {"ours": [], "theirs": []}
        for _ in range(plan.repeats):
            for side, records in runs.items():
                records.append(_loader_run(side, src, dataset, cache, plan, threads))
    out: dict[str, Any] = {
        "points": plan.loader_points,
        "batch": plan.loader_batch,
        "theirs_workers": plan.loader_workers,
        "epochs": plan.loader_epochs,
        "augmentation": True,
        "ours_pack_s": pack_s,
    }
    for side, records in runs.items():
        for key in ("samples_per_s", "setup_s", "peak_pss_mb", "peak_anon_mb"):
            out[f"{side}_{key}"] = statistics.median(r[key] for r in records)
    out["speedup"] = out["ours_samples_per_s"] / out["theirs_samples_per_s"]
    out["memory_ratio"] = out["ours_peak_pss_mb"] / out["theirs_peak_pss_mb"]
    return out


def flops(fn: Callable[[], Any]) -> int:
    """FLOPs of one call of ``fn`` (convolutions and matrix products, forward and any backward)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def dense_peak(plan: Plan) -> dict[str, float]:
    """The machine's dense fp32 GFLOP/s now: best of a square GEMM and our conv1_2 on an inference chunk."""
    a, b = torch.randn(plan.peak_gemm, plan.peak_gemm), torch.randn(plan.peak_gemm, plan.peak_gemm)
    x = torch.randn(32, 64, 26, 26).contiguous(memory_format=torch.channels_last)
    w = torch.randn(64, 64, 5, 5).contiguous(memory_format=torch.channels_last)
    measured = {}
    with torch.no_grad():
        for name, fn in (("gemm", lambda: a @ b), ("conv1_2", lambda: F.conv2d(x, w))):
            work, loops = flops(fn), _loops(fn, plan.min_s)
            best = min(_per_call(fn, loops) for _ in range(plan.repeats))
            measured[f"{name}_gflops"] = work / best / 1e9
    return {**measured, "peak_gflops": max(measured.values())}


def roofline(result: dict[str, Any], dexnet5: ModuleType, plan: Plan) -> dict[str, Any]:
    """Each network's FLOPs per sample and rate achieved; adds ``ceiling_speedup`` to the inference and
    training rows: (peak / our FLOPs per sample) / their samples/s, the most our network can be ahead."""
    peak = dense_peak(plan)
    torch.manual_seed(0)
    # LRN off for counting: our LRN runs as a banded GEMM, 60 of whose 64 products per element are zeros
    # (elementwise work, which the counter does not see in theirs either)
    nets = {
        "ours": DexNetGQCNN(dataclasses.replace(GQCNNConfig(), lrn=False)),
        "theirs": dexnet5.DexNetBase(),
    }
    depth, pose, label = torch.randn(2, 1, CROP, CROP), torch.randn(2, 1), torch.tensor([0, 1])
    with torch.no_grad():
        infer = {
            "ours": flops(lambda: nets["ours"](depth, pose)),
            "theirs": flops(lambda: nets["theirs"](depth)),
        }
    losses = {
        "ours": lambda: F.cross_entropy(nets["ours"](depth, pose), label).backward(),
        "theirs": lambda: F.binary_cross_entropy(nets["theirs"](depth).squeeze(1), label.float()).backward(),
    }
    train = {side: flops(loss) for side, loss in losses.items()}
    out: dict[str, Any] = {**peak}
    for side in ("ours", "theirs"):
        out[f"{side}_mflop_per_sample"] = infer[side] / 2 / 1e6
        out[f"{side}_train_mflop_per_sample"] = train[side] / 2 / 1e6
    rows = [(r, out["ours_mflop_per_sample"], out["theirs_mflop_per_sample"]) for r in result["inference"]]
    rows.append(
        (result["training"], out["ours_train_mflop_per_sample"], out["theirs_train_mflop_per_sample"])
    )
    for row, ours_mflop, theirs_mflop in rows:
        row["ours_gflops"] = row["ours_samples_per_s"] * ours_mflop / 1e3
        row["theirs_gflops"] = row["theirs_samples_per_s"] * theirs_mflop / 1e3
        row["ceiling_speedup"] = peak["peak_gflops"] * 1e3 / ours_mflop / row["theirs_samples_per_s"]
    return out


def run(dexnet5: ModuleType, plan: Plan, check_image: int, src: Path, threads: int) -> dict[str, Any]:
    """Every figure, as the JSON record."""
    models = build(dexnet5)
    result = {
        "params": {"ours": params(models["ours"]), "theirs": params(models["theirs"])},
        "inference": inference(models, plan),
        "training": training(dexnet5, plan),
        "heatmap": heatmap(models, plan),
        "sliding_window_error": sliding_window_error(dexnet5, models, check_image),
        "loader": loader(src, plan, threads),
    }
    result["roofline"] = roofline(result, dexnet5, plan)
    return result


def table(result: dict[str, Any]) -> str:
    """The figures as an aligned text table."""
    rows = [("what", "ours", "Dex-Net 5.0", "speed-up", "ceiling")]
    for r in result["inference"]:
        rows.append((f"GQ-CNN inference, batch {r['batch']} (samples/s)", *_fmt(r, "samples"), _ceiling(r)))
    t = result["training"]
    rows.append((f"training step, batch {t['batch']}, SGD (samples/s)", *_fmt(t, "samples"), _ceiling(t)))
    h = result["heatmap"]
    size = f"{h['image']}x{h['image']}"
    rows.append((f"heatmap {size}, stride 1 (positions/s)", *_fmt(h, "positions")))
    rows.append(
        (
            f"heatmap {size}, stride 1 (cells per image)",
            str(h["ours_positions"]),
            str(h["theirs_positions"]),
            "",
        )
    )
    rows.append(
        (
            f"heatmap {size}, stride 1 (images/s)",
            f"{h['ours_images_per_s']:,.2f}",
            f"{h['theirs_images_per_s']:,.2f}",
            "",
        )
    )
    e = result["sliding_window_error"]
    rows.append(
        (
            f"max |p - own sliding window|, {e['image']}x{e['image']}",
            f"{e['ours_max_abs']:.1e}",
            f"{e['theirs_max_abs']:.1e}",
            "",
        )
    )
    ld = result["loader"]
    what = f"loader, {ld['points']:,} points, batch {ld['batch']}, augmented"
    rows.append((f"{what} (samples/s)", *_fmt(ld, "samples")))
    rows.append(
        (
            f"{what} (peak PSS / anonymous MB)",
            f"{ld['ours_peak_pss_mb']:,.0f} / {ld['ours_peak_anon_mb']:,.0f}",
            f"{ld['theirs_peak_pss_mb']:,.0f} / {ld['theirs_peak_anon_mb']:,.0f}",
            f"{ld['memory_ratio']:.2f}x",
        )
    )
    p = result["params"]
    rows.append(("GQ-CNN parameters", f"{p['ours']:,}", f"{p['theirs']:,}", ""))
    roof = result["roofline"]
    rows.append(
        ("MFLOP per sample, inference", *(f"{roof[f'{s}_mflop_per_sample']:,.1f}" for s in SIDES), "")
    )
    rows.append(
        ("MFLOP per sample, training", *(f"{roof[f'{s}_train_mflop_per_sample']:,.1f}" for s in SIDES), "")
    )
    rows = [row + ("",) * (5 - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        for row in rows
    )


def _ceiling(row: dict[str, float]) -> str:
    return f"{row['ceiling_speedup']:.2f}x" if "ceiling_speedup" in row else ""


def _fmt(row: dict[str, float], what: str) -> tuple[str, str, str]:
    return (
        f"{row[f'ours_{what}_per_s']:,.1f}",
        f"{row[f'theirs_{what}_per_s']:,.1f}",
        f"{row['speedup']:.2f}x",
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dexnet5-src", type=Path, required=True, help="Dex-Net 5.0 source checkout")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for both (default 2)")
    parser.add_argument("--repeats", type=int, default=None, help="alternating runs per figure (default 5)")
    parser.add_argument(
        "--check-size", type=int, default=None, help="sliding-window check image side (default 64)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny batches and one repeat (for tests)")
    parser.add_argument("--out", default="metrics/bench/vs_dexnet5.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else Plan()
    if args.repeats is not None:
        plan = dataclasses.replace(plan, repeats=args.repeats)
    check = args.check_size or plan.check_image
    try:
        dexnet5 = import_dexnet5(args.dexnet5_src)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        result = run(dexnet5, plan, check, args.dexnet5_src, args.threads)
    finally:
        torch.set_num_threads(threads)
    result.update(
        dexnet5_src=str(args.dexnet5_src),
        dexnet5_commit=source_commit(args.dexnet5_src),
        dexnet5_module=str(dexnet5.__file__),
        threads=args.threads,
        repeats=plan.repeats,
        quick=args.quick,
        torch=torch.__version__,
        load_average_1min=os.getloadavg()[0],  # other work on the machine skews every figure
    )
    print(f"Dex-Net 5.0 from {dexnet5.__file__}; {args.threads} torch threads, CPU, median of {plan.repeats}")
    print(table(result))
    roof = result["roofline"]
    print(
        f"ceiling: the speed-up if our network ran at this machine's dense peak, "
        f"{roof['peak_gflops']:,.0f} GFLOP/s (GEMM {roof['gemm_gflops']:,.0f}, conv1_2 {roof['conv1_2_gflops']:,.0f})"
    )
    if check < plan.image:
        print(
            f"(sliding-window errors on a {check}x{check} image, not {plan.image}x{plan.image}: their "
            "fakeFCGQCNN calls DexNetBase once per crop, ~45 s at 128x128 on 2 cores; --check-size to change)"
        )
    write_json(args.out, result)
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
