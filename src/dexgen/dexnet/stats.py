"""Normalisation statistics: one scalar image mean/std and per-column pose mean/std, train split only.

gqcnn normalises with a single scalar image mean and std over all training pixels and a per-column
pose mean and std (``reference/dexnet.md`` §3). Dex-Net 5.0 stored an image std 8x too small
(sigma * 1024 / 8192); here the std is the plain population std of the training pixels, computed in
float64 by merging per-chunk moments (Chan et al.), so it is exact to rounding at any dataset size
and never needs more than one chunk in memory. The stats travel with the checkpoint.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from dexgen.dexnet.packed import PackedDataset

_CHUNK = 1024  # rows per chunk: 8 MB of float64 pixels at 32x32, whatever the dataset size
_MIN_STD = 1e-12  # a constant input (std 0) is left unscaled, as gqcnn does


@dataclasses.dataclass(frozen=True)
class NormStats:
    """``im_mean``/``im_std`` in metres; ``pose_mean``/``pose_std`` (P,) in the pose columns' units."""

    im_mean: float
    im_std: float
    pose_mean: tuple[float, ...]
    pose_std: tuple[float, ...]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NormStats:
        return cls(float(d["im_mean"]), float(d["im_std"]), tuple(d["pose_mean"]), tuple(d["pose_std"]))

    def normalize(self, depth: torch.Tensor, pose: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(depth - im_mean) / im_std`` and ``(pose - pose_mean) / pose_std``, same shapes and device."""
        pm = torch.as_tensor(self.pose_mean, dtype=pose.dtype, device=pose.device)
        ps = torch.as_tensor(self.pose_std, dtype=pose.dtype, device=pose.device)
        return (depth - self.im_mean) / self.im_std, (pose - pm) / ps


class _Moments:
    """Running count, mean and sum of squared deviations per column, merged chunk by chunk."""

    def __init__(self, columns: int) -> None:
        self.n = 0
        self.mean = np.zeros(columns)
        self.m2 = np.zeros(columns)

    def add(self, x: np.ndarray) -> None:
        x = x.astype(np.float64)
        nb = len(x)
        if nb == 0:
            return
        mb = x.mean(axis=0)
        m2b = ((x - mb) ** 2).sum(axis=0)
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * nb / n
        self.m2 = self.m2 + m2b + delta**2 * self.n * nb / n
        self.n = n

    def std(self) -> np.ndarray:
        std = np.sqrt(self.m2 / max(self.n, 1))
        return np.where(std < _MIN_STD, 1.0, std)


def compute_stats(data: PackedDataset, train_indices: np.ndarray) -> NormStats:
    """Stats over the rows ``train_indices`` of ``data`` (never the validation rows)."""
    idx = np.sort(np.asarray(train_indices, dtype=np.int64))
    if len(idx) == 0:
        raise ValueError("cannot compute normalisation statistics on an empty training split")
    image = _Moments(1)
    pose = _Moments(len(data.pose_columns))
    for start in range(0, len(idx), _CHUNK):
        batch = data.gather(idx[start : start + _CHUNK])
        image.add(batch["depth"].reshape(-1, 1))
        pose.add(batch["pose"])
    return NormStats(
        im_mean=float(image.mean[0]),
        im_std=float(image.std()[0]),
        pose_mean=tuple(float(v) for v in pose.mean),
        pose_std=tuple(float(v) for v in pose.std()),
    )
