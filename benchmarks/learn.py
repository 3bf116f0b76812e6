"""Benchmark of the learning half: loader (npz decoding vs packed memmap) and inference timings.

    PYTHONPATH=src python benchmarks/learn.py [--n 20000] [--out metrics/bench/learn.json]

Writes a tiny-layout dataset of ``--n`` points to a temporary folder (the test fixture writer), then
prints every figure with its ratio to the baseline measured in the same run. Never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from dexgen import atomic
from dexgen.dexnet.testing import write_tiny_dataset
from dexgen.learn.data import open_packed
from dexgen.learn.device import device_name, resolve_device
from dexgen.learn.timing import benchmark
from dexgen.params.learn import TaskConfig


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20000, help="datapoints in the temporary dataset")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="metrics/bench/learn.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        write_tiny_dataset(Path(tmp) / "ds", "parallel_jaw", args.n, seed=0)
        data = open_packed(Path(tmp) / "ds", Path(tmp) / "cache", "parallel_jaw", TaskConfig(threshold=0.002))
        result = benchmark(
            str(Path(tmp) / "ds"),
            data,
            device=device,
            device_label=device_name(device),
            seed=0,
            repeats=args.repeats,
        )
    loader = result["loader"]
    print(f"device: {result['device_name']}")
    print(f"loader: npz decode {loader['npz_decode_samples_per_s']:,.0f} samples/s (baseline)")
    print(
        f"        memmap     {loader['memmap_samples_per_s']:,.0f} samples/s ({loader['memmap_speedup_vs_npz']:.1f}x)"
    )
    print(
        f"        memmap + augmentation + normalisation {loader['memmap_augmented_samples_per_s']:,.0f} samples/s"
    )
    base = result["inference"][0]["samples_per_s"]
    for row in result["inference"]:
        print(
            f"inference {row['model']:12s} batch {row['batch_size']:4d}: {row['samples_per_s']:9,.0f} samples/s "
            f"({row['samples_per_s'] / base:5.1f}x GQ-CNN batch 1), p50 {row['latency_ms_p50']:.2f} ms"
        )
    for row in result["fc_vs_sliding_window"]:
        print(
            f"FC-GQ-CNN {row['image_size']}px: {row['fc_images_per_s']:.1f} images/s vs sliding window "
            f"{row['sliding_window_images_per_s']:.2f} ({row['speedup']:.1f}x), max diff {row['max_abs_diff_probability']:.1e}"
        )
    atomic.write_json(args.out, result)
    print(json.dumps({"written": args.out}))


if __name__ == "__main__":
    main()
