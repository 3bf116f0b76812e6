"""One side's training loader over a Dex-Net 2.0 tensors folder, in a fresh process: rate and memory.

    PYTHONPATH=src python benchmarks/loader_epoch.py {ours,theirs} --dataset DIR --cache DIR
        [--dexnet5-src DIR] [--batch 256] [--workers 4] [--epochs 1] [--threads 2]

Run by ``vs_dexnet5.py`` once per side and repeat, alternating, so neither side inherits the other's
pages or allocator state. ``ours``: the packed memmaps (``dexgen.learn.data.open_packed``; the parent
packs once beforehand, as the train stage does once per dataset) batched by ``iterate_batches`` and
augmented by ``prepare_batch`` with the default augmentation, in this process. ``theirs``: Dex-Net
5.0's ``Dex2Dataset`` (its whole dataset read into RAM as float16, per-sample augmentation) through a
``torch.utils.data.DataLoader`` with ``--workers`` worker processes, shuffled, as its training does.

Prints one JSON object: ``setup_s`` (opening the packed copy / their load into RAM), ``samples_per_s``
over the epochs (worker start-up included: their DataLoader starts workers every epoch), and the peak
proportional set size of this process and its workers sampled every 0.1 s: ``peak_pss_mb`` (everything,
including memmapped file pages in use) and ``peak_anon_mb`` (anonymous memory only: what cannot be
dropped and re-read from the file under memory pressure). PSS splits pages shared by forked workers
among them, so the sum over processes is the real footprint. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

ROLLUP_FIELDS = ("Pss:", "Pss_Anon:")


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _rollup_kb(pid: int) -> tuple[int, int]:
    """(Pss, Pss_Anon) of one process in kB; zeros when it has gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(" ")
                if key in ROLLUP_FIELDS:
                    values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values.get("Pss:", 0), values.get("Pss_Anon:", 0)


class MemorySampler:
    """Peak PSS (total and anonymous) of this process tree, sampled on a background thread."""

    def __init__(self, interval_s: float = 0.1) -> None:  # one sample costs ~15 ms of kernel time
        self.interval_s = interval_s
        self.peak_kb = [0, 0]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        pids, total = [os.getpid()], [0, 0]
        while pids:
            pid = pids.pop()
            for i, kb in enumerate(_rollup_kb(pid)):
                total[i] += kb
            pids += _children(pid)
        self.peak_kb = [max(p, t) for p, t in zip(self.peak_kb, total)]

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def ours(args: argparse.Namespace) -> tuple[float, int]:
    """Seconds of epochs over our packed loader with augmentation; returns (setup_s, samples)."""
    from dexgen.dexnet.dataset import iterate_batches
    from dexgen.dexnet.fields import task_spec
    from dexgen.dexnet.stats import compute_stats
    from dexgen.learn.augment import prepare_batch
    from dexgen.learn.data import open_packed
    from dexgen.params.learn import TaskConfig

    start = time.perf_counter()
    cfg = TaskConfig(threshold=0.002)
    packed = open_packed(args.dataset, args.cache, "parallel_jaw", cfg)
    rows = np.arange(len(packed))
    spec = task_spec("parallel_jaw")
    stats = compute_stats(packed, rows)
    setup_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    samples = 0
    for _ in range(args.epochs):
        for batch in iterate_batches(packed, rows, args.batch, rng=rng):
            prepare_batch(
                batch["depth"],
                batch["pose"],
                stats,
                augment=cfg.augment,
                rng=rng,
                depth_columns=spec.depth_columns,
            )
            samples += len(batch["label"])
    return setup_s, samples


def theirs(args: argparse.Namespace) -> tuple[float, int]:
    """The same over Dex-Net 5.0's Dex2Dataset and a shuffled DataLoader; returns (setup_s, samples)."""
    sys.path.insert(0, str(Path(args.dexnet5_src).resolve()))
    from dexnet.torch_dataset import Dex2Dataset

    start = time.perf_counter()
    dataset = Dex2Dataset(Path(args.dataset))
    setup_s = time.perf_counter() - start
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers
    )
    samples = 0
    for _ in range(args.epochs):
        for depth, _metric in loader:
            samples += len(depth)
    return setup_s, samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("side", choices=("ours", "theirs"))
    parser.add_argument("--dataset", required=True, help="Dex-Net 2.0 tensors folder (holds tensors/)")
    parser.add_argument("--cache", required=True, help="our packed-copy folder")
    parser.add_argument("--dexnet5-src", help="Dex-Net 5.0 checkout (theirs)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="their DataLoader workers")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    np.random.seed(0)  # their augmentation draws from numpy's global generator
    torch.manual_seed(0)
    with MemorySampler() as memory:
        start = time.perf_counter()
        setup_s, samples = (ours if args.side == "ours" else theirs)(args)
        seconds = time.perf_counter() - start - setup_s
    print(
        json.dumps(
            {
                "side": args.side,
                "samples": samples,
                "setup_s": setup_s,
                "samples_per_s": samples / seconds,
                "peak_pss_mb": memory.peak_kb[0] / 1024,
                "peak_anon_mb": memory.peak_kb[1] / 1024,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
