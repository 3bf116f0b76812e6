"""Batches for training and evaluation from a packed dataset, and a torch ``Dataset`` view.

The train loop iterates :func:`iterate_batches`: a globally shuffled permutation of the split (gqcnn
draws each batch from a single file, so a batch is usually one object's data), cut into batches whose
rows are gathered from the memmaps in sorted order. Sorting within a batch changes nothing for the
loss (a mean) and turns random reads into forward reads. :class:`DexNetDataset` exposes the same
rows to ``torch.utils.data.DataLoader`` (``__getitems__`` fetches a whole batch at once).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from dexgen.dexnet.packed import PackedDataset


def to_tensors(batch: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Numpy batch from :meth:`PackedDataset.gather` as tensors; depth becomes (b, 1, 32, 32)."""
    out = {k: torch.from_numpy(v) for k, v in batch.items()}
    out["depth"] = out["depth"].unsqueeze(1)
    return out


def iterate_batches(
    data: PackedDataset,
    indices: np.ndarray,
    batch_size: int,
    *,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[dict[str, torch.Tensor]]:
    """Batches over ``indices`` (shuffled with ``rng`` if given, else in order) as CPU tensors.

    Each batch: ``depth`` (b, 1, 32, 32) float32 metres, ``pose`` (b, P) float32, ``label`` (b,) int64,
    ``metric`` (b,) float32, ``index`` (b,) int64 global datapoint indices.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = np.asarray(indices, dtype=np.int64)
    if rng is not None:
        order = order[rng.permutation(len(order))]
    stop = len(order) - (len(order) % batch_size if drop_last else 0)
    for start in range(0, stop, batch_size):
        chunk = order[start : start + batch_size]
        yield to_tensors(data.gather(np.sort(chunk) if rng is not None else chunk))


class DexNetDataset(torch.utils.data.Dataset):
    """Rows ``indices`` of a packed dataset as a map-style torch Dataset (raw depth, not normalised)."""

    def __init__(self, data: PackedDataset, indices: np.ndarray | None = None) -> None:
        self.data = data
        self.indices = (
            np.arange(len(data), dtype=np.int64) if indices is None else np.asarray(indices, np.int64)
        )

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        batch = to_tensors(self.data.gather(self.indices[i : i + 1] if i >= 0 else self.indices[[i]]))
        return {k: v[0] for k, v in batch.items()}

    def __getitems__(self, items: list[int]) -> dict[str, torch.Tensor]:
        """A whole batch in one gather; use with ``DataLoader(..., collate_fn=lambda b: b)``."""
        return to_tensors(self.data.gather(self.indices[np.asarray(items, dtype=np.int64)]))
