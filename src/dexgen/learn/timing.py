"""Timings: inference throughput and latency per model and batch size, FC-GQ-CNN against the sliding
window on the same images, and loader throughput (npz decoding against the packed memmaps).

Figures are measured, never asserted; every result names the device it ran on. Ratios are against a
baseline measured in the same run, so they survive a busy machine better than absolute numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from dexgen.dexnet.dataset import iterate_batches
from dexgen.dexnet.fields import depth_columns
from dexgen.dexnet.packed import PackedDataset
from dexgen.dexnet.stats import NormStats
from dexgen.dexnet.tensors import TensorsIndex
from dexgen.learn.augment import prepare_batch
from dexgen.models.fcgqcnn import DexNetFCGQCNN, fakeFCGQCNN, gqcnn_to_fcgqcnn
from dexgen.models.registry import get_model
from dexgen.params.learn import AugmentConfig
from dexgen.params.models import GQCNNConfig
from dexgen.seeding import derive_seed, rng_for


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], Any], device: torch.device, *, repeats: int, warmup: int = 1) -> np.ndarray:
    """Seconds per call of ``fn`` over ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return np.asarray(times)


def inference_timings(
    name: str, cfg: Any, *, batch_sizes: Sequence[int], device: torch.device, repeats: int, seed: int
) -> list[dict]:
    """Samples/s and latency (p50, p90 ms per batch) of model ``name`` on 32x32 crops."""
    torch.manual_seed(derive_seed(seed, "timing", name))
    model = get_model(name, cfg).to(device).eval()
    rows = []
    for b in batch_sizes:
        depth = torch.randn(b, 1, 32, 32, device=device)
        pose = torch.randn(b, cfg.pose_dim, device=device)
        with torch.no_grad():
            t = time_call(lambda: model(depth, pose), device, repeats=repeats)  # noqa: B023
        rows.append(
            {
                "model": name,
                "batch_size": b,
                "samples_per_s": b / float(np.median(t)),
                "latency_ms_p50": 1e3 * float(np.percentile(t, 50)),
                "latency_ms_p90": 1e3 * float(np.percentile(t, 90)),
            }
        )
    return rows


def fc_vs_sliding(
    cfg: GQCNNConfig, *, image_sizes: Sequence[int], device: torch.device, repeats: int, seed: int
) -> list[dict]:
    """DexNetFCGQCNN against fakeFCGQCNN (same weights) on single square images of each size."""
    torch.manual_seed(derive_seed(seed, "timing", "fc"))
    gq_state = get_model("DexNetGQCNN", cfg).state_dict()
    fc, fake = DexNetFCGQCNN(cfg).to(device).eval(), fakeFCGQCNN(cfg).to(device).eval()
    fc.load_state_dict(gqcnn_to_fcgqcnn(gq_state, cfg))
    fake.load_state_dict(gq_state)
    rows = []
    for size in image_sizes:
        depth = torch.randn(1, 1, size, size, device=device)
        pose = torch.randn(1, cfg.pose_dim, device=device)
        with torch.no_grad():
            t_fc = time_call(lambda: fc(depth, pose), device, repeats=repeats)  # noqa: B023
            t_sw = time_call(lambda: fake(depth, pose), device, repeats=max(1, repeats // 3))  # noqa: B023
            diff = (
                (torch.softmax(fc(depth, pose), 1) - torch.softmax(fake(depth, pose), 1)).abs().max().item()
            )
        h, w = fc(depth, pose).shape[-2:]
        rows.append(
            {
                "image_size": size,
                "heatmap": [int(h), int(w)],
                "fc_images_per_s": 1 / float(np.median(t_fc)),
                "sliding_window_images_per_s": 1 / float(np.median(t_sw)),
                "speedup": float(np.median(t_sw) / np.median(t_fc)),
                "max_abs_diff_probability": diff,
                "padding": cfg.padding,
            }
        )
    return rows


def loader_timings(
    root: str, data: PackedDataset, *, batch_size: int, seed: int, max_files: int = 20
) -> dict[str, float]:
    """Samples/s: decoding npz files (baseline), gathering shuffled batches from the packed memmaps,
    and the same plus augmentation and normalisation on the CPU."""
    index = TensorsIndex(root, ["depth_ims_tf_table", "hand_poses"])
    files = range(min(max_files, len(index.rows)))
    t0 = time.perf_counter()
    n_npz = 0
    for i in files:  # what a loader without packing does per file: decompress both input fields
        n_npz += len(index.read_file("depth_ims_tf_table", i))
        index.read_file("hand_poses", i)
    npz_rate = n_npz / (time.perf_counter() - t0)
    idx = np.arange(len(data))
    t0 = time.perf_counter()
    n = sum(len(b["label"]) for b in iterate_batches(data, idx, batch_size, rng=rng_for(seed, "bench")))
    memmap_rate = n / (time.perf_counter() - t0)
    stats = NormStats(0.7, 0.03, (0.0,) * len(data.pose_columns), (1.0,) * len(data.pose_columns))
    aug_rng = rng_for(seed, "bench-aug")
    t0 = time.perf_counter()
    for b in iterate_batches(data, idx, batch_size, rng=rng_for(seed, "bench")):
        prepare_batch(
            b["depth"],
            b["pose"],
            stats,
            augment=AugmentConfig(),
            rng=aug_rng,
            depth_columns=depth_columns(data.pose_columns),
        )
    aug_rate = len(idx) / (time.perf_counter() - t0)
    return {
        "npz_decode_samples_per_s": npz_rate,
        "memmap_samples_per_s": memmap_rate,
        "memmap_augmented_samples_per_s": aug_rate,
        "memmap_speedup_vs_npz": memmap_rate / npz_rate,
        "batch_size": batch_size,
        "num_datapoints": len(idx),
    }


def benchmark(
    dataset: str,
    data: PackedDataset,
    *,
    device: torch.device,
    device_label: str,
    seed: int,
    batch_sizes: Sequence[int] = (1, 64, 512),
    image_sizes: Sequence[int] = (64, 128),
    repeats: int = 5,
    efficientnet_input: int = 224,
) -> dict[str, Any]:
    """Every timing above, as one JSON-ready dict naming the device."""
    from dexgen.params.models import EfficientNetConfig

    pose_dim = len(data.pose_columns)
    gq = GQCNNConfig(pose_dim=pose_dim)
    inference = inference_timings(
        "DexNetGQCNN", gq, batch_sizes=batch_sizes, device=device, repeats=repeats, seed=seed
    )
    inference += inference_timings(
        "EfficientNet",
        EfficientNetConfig(pose_dim=pose_dim, input_size=efficientnet_input),
        batch_sizes=[b for b in batch_sizes if b <= 64],
        device=device,
        repeats=max(1, repeats // 2),
        seed=seed,
    )
    return {
        "device": str(device),
        "device_name": device_label,
        "torch_threads": torch.get_num_threads(),
        "inference": inference,
        "fc_vs_sliding_window": fc_vs_sliding(
            gq, image_sizes=image_sizes, device=device, repeats=repeats, seed=seed
        ),
        "loader": loader_timings(dataset, data, batch_size=256, seed=seed),
    }
