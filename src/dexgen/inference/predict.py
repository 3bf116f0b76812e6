"""Scoring grasps with a trained checkpoint, as ``dvc pull`` brings it (``models/<task>/model.pt``).

Two inputs: a Dex-Net tensors dataset (:func:`predict`: every row or the saved val split), or one
depth image (:func:`predict_image`). A crop of the network's size gives one p(success); a larger
image scored by an FC-GQ-CNN (``models/<task>-fc/model.pt``, written by ``convert@task``) gives a
heatmap whose cell (i, j) scores the crop with top-left corner ``(i * stride, j * stride)``: the
grasp centred at pixel ``(x, y) = (j * stride + c // 2, i * stride + c // 2)`` for crop size ``c``.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dexgen import atomic
from dexgen.config import from_mapping
from dexgen.dexnet.fields import IMAGE_SIZE, TASKS
from dexgen.dexnet.splits import read_split
from dexgen.errors import ConfigError, InputError
from dexgen.learn.checkpoint import load_checkpoint, model_from_checkpoint
from dexgen.learn.data import open_packed
from dexgen.learn.device import resolve_device
from dexgen.learn.evaluate import classification_metrics, finite_or_none
from dexgen.learn.train import predict_scores
from dexgen.models.fcgqcnn import DexNetFCGQCNN
from dexgen.models.registry import is_heatmap
from dexgen.params.learn import TaskConfig

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Prediction:
    scores: np.ndarray  # (n,) float32 p(success), in dataset row order
    labels: np.ndarray  # (n,) int64 labels at the checkpoint's task threshold
    indices: np.ndarray  # (n,) int64 dataset rows scored
    metrics: dict[str, Any]


class _CropLogits(nn.Module):
    """A heatmap network on crops of its own size: its single cell's logits, (B, 2)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, depth: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        return self.model(depth, pose)[:, :, 0, 0]


def predict(
    checkpoint: str | Path,
    dataset: str | Path,
    *,
    cache_dir: str | Path,
    rows: str = "all",
    device: str = "auto",
    batch_size: int = 1024,
) -> Prediction:
    """Score ``dataset`` (a Dex-Net tensors folder) with ``checkpoint``.

    rows : ``all`` datapoints, or ``val``: the validation rows of the split saved beside the
        checkpoint (``<model dir>/split``), i.e. what ``evaluate@task`` scored.
    """
    checkpoint = Path(checkpoint)
    record = load_checkpoint(checkpoint)
    model, stats = model_from_checkpoint(record, path=checkpoint)
    if is_heatmap(record["model_name"]):
        if crop_size(model) != IMAGE_SIZE:
            raise InputError(
                f"{checkpoint}: a heatmap network of crop size != {IMAGE_SIZE} cannot score crops"
            )
        model = _CropLogits(model)
    task = record["task"]
    task_cfg = from_mapping(TaskConfig, record["config"]["task_cfg"], where=f"{checkpoint}:config.task_cfg")
    packed = open_packed(dataset, cache_dir, task, task_cfg)
    if rows == "val":
        split_dir = checkpoint.parent / "split"
        if not split_dir.is_dir():
            raise InputError(
                f"{split_dir}: no split saved beside the checkpoint (train@task writes one; a converted "
                "model has none): score all rows instead"
            )
        indices = np.sort(read_split(split_dir, num_datapoints=len(packed)).val)
    elif rows == "all":
        indices = np.arange(len(packed))
    else:
        raise ValueError(f"rows must be 'all' or 'val', got {rows!r}")
    dev = resolve_device(device)
    scores, labels, loss = predict_scores(
        model.to(dev), packed, indices, stats, device=dev, batch_size=batch_size
    )
    metrics: dict[str, Any] = {
        "task": task,
        "model": record["model_name"],
        "rows": len(indices),
        "loss": loss,
    }
    if 0 < labels.sum() < len(labels):
        metrics.update(classification_metrics(labels, scores.astype(np.float64)))
    return Prediction(scores=scores, labels=labels, indices=indices, metrics=finite_or_none(metrics))


@dataclasses.dataclass(frozen=True)
class ImagePrediction:
    """p(success) of every crop position of one depth image; (1, 1) for a single crop."""

    scores: np.ndarray  # (h, w) float32 p(success) per cell
    poses: np.ndarray  # (h, w, P) float32 raw pose fed to each cell (task pose columns)
    stride: int  # pixels between cells
    crop: int  # crop side, pixels
    model_name: str
    task: str

    def center(self, row: int, col: int) -> tuple[int, int]:
        """Pixel (x, y) at the centre of cell (row, col)'s crop."""
        return col * self.stride + self.crop // 2, row * self.stride + self.crop // 2

    def best(self) -> dict[str, Any]:
        """The highest-scoring cell: its pixel, p(success) and pose (first cell on ties)."""
        row, col = np.unravel_index(int(np.argmax(self.scores)), self.scores.shape)
        x, y = self.center(int(row), int(col))
        return {
            "x": x,
            "y": y,
            "row": int(row),
            "col": int(col),
            "p_success": float(self.scores[row, col]),
            "pose": [float(v) for v in self.poses[row, col]],
        }


@dataclasses.dataclass(frozen=True)
class DepthRange:
    """Plausible camera-to-surface distances of a depth image, metres. Outside them the image is in
    other units (millimetres, a uint16 PNG's counts), holds holes as 0, or is not depth at all; the
    network would still print a p(success) for it."""

    min_m: float = 0.05  # closer than any depth camera focuses (RealSense D4xx minimum ~0.1-0.3 m)
    max_m: float = 10.0  # past a structured-light or stereo camera's range for table-top grasping

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min_m) and math.isfinite(self.max_m) and 0 <= self.min_m < self.max_m):
            raise ConfigError(f"depth range must satisfy 0 <= min < max, got [{self.min_m}, {self.max_m}] m")


NPY_MAGIC = b"\x93NUMPY"  # the first bytes of every .npy file (numpy.lib.format)


def load_depth_image(path: str | Path, *, depth_range: DepthRange = DepthRange()) -> np.ndarray:
    """A depth image (H, W) float32 in metres from a ``.npy`` file of shape (H, W) or (H, W, 1) of
    float metres, every pixel finite and within ``depth_range``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: depth image not found")
    with path.open("rb") as f:
        if f.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise InputError(f"{path}: not a .npy depth image (save it with numpy.save as float metres)")
    try:
        image = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise InputError(f"{path}: depth image must have shape (H, W) or (H, W, 1), got {image.shape}")
    check_depth_values(image, where=str(path), depth_range=depth_range)
    return image.astype(np.float32)


def check_depth_values(image: np.ndarray, *, where: str, depth_range: DepthRange) -> None:
    """Refuse a depth image that is not float metres within ``depth_range``, naming ``where``."""
    if not np.issubdtype(image.dtype, np.floating):
        raise InputError(
            f"{where}: depth image dtype {image.dtype} is not float metres; convert it (e.g. uint16 "
            "millimetres / 1000.0) first"
        )
    bad = int((~np.isfinite(image)).sum())
    if bad:
        raise InputError(f"{where}: {bad} NaN or infinite depth pixels; fill the holes (inpaint) first")
    lo, hi = float(image.min()), float(image.max())
    if lo < depth_range.min_m or hi > depth_range.max_m:
        raise InputError(
            f"{where}: depth values span [{lo:.4g}, {hi:.4g}] m, outside the plausible "
            f"[{depth_range.min_m:g}, {depth_range.max_m:g}] m; depth is metres from the camera, holes "
            "(0) must be inpainted (--depth-range widens it)"
        )


def crop_size(model: nn.Module) -> int:
    """Side of the crop one network cell sees: ``im_size`` for the GQ-CNN family, 32 otherwise."""
    return int(getattr(model.cfg, "im_size", IMAGE_SIZE))


@dataclasses.dataclass(frozen=True)
class Scorer:
    """A checkpoint loaded once, to score many images (angle bins, frames)."""

    path: Path
    model: nn.Module
    stats: Any  # NormStats of the checkpoint
    name: str
    task: str


def load_scorer(checkpoint: str | Path) -> Scorer:
    path = Path(checkpoint)
    record = load_checkpoint(path)
    model, stats = model_from_checkpoint(record, path=path)
    return Scorer(path=path, model=model, stats=stats, name=record["model_name"], task=record["task"])


def predict_image(
    checkpoint: str | Path | Scorer,
    depth: np.ndarray,
    *,
    pose: list[float] | None = None,
    sliding_window: bool = False,
    stride: int | None = None,
    device: str = "auto",
    chunk: int = 4096,
) -> ImagePrediction:
    """Score every crop position of ``depth`` (H, W) float32 metres with ``checkpoint`` (a path, or a
    :class:`Scorer` already loaded).

    pose : the raw pose columns of the checkpoint's task (parallel jaw: gripper depth, m; suction:
        depth and approach angle), one for every cell; None: each cell gets the depth at its crop
        centre (tasks with a single depth column only).
    sliding_window : a crop classifier (DexNetGQCNN) on an image larger than its crop runs on every
        crop at the FC stride, the slow reference; otherwise that is refused in favour of converting.
    stride : pixels between scored crops; None: the network's pool stride (4). An FC-GQ-CNN gives any
        divisor of it exactly (1: every pixel), the sliding window any stride.
    """
    scorer = checkpoint if isinstance(checkpoint, Scorer) else load_scorer(checkpoint)
    checkpoint, model, stats, name, task = scorer.path, scorer.model, scorer.stats, scorer.name, scorer.task
    depth = np.asarray(depth, dtype=np.float32)
    if depth.ndim != 2 or not np.isfinite(depth).all():
        raise InputError(f"depth image must be a finite (H, W) array, got shape {depth.shape}")
    c = crop_size(model)
    height, width = depth.shape
    if height < c or width < c:
        raise InputError(f"depth image {depth.shape} is smaller than {checkpoint}'s {c}x{c} crop")
    heatmap = isinstance(model, DexNetFCGQCNN)
    if not heatmap and (height, width) != (c, c) and not (sliding_window and hasattr(model.cfg, "stride")):
        raise InputError(_needs_fc_message(checkpoint, name, task, c, depth.shape))
    stride = _stride(model, stride, heatmap)
    h, w = (height - c) // stride + 1, (width - c) // stride + 1
    poses = _cell_poses(depth, pose, task=task, pose_dim=model.cfg.pose_dim, shape=(h, w), c=c, stride=stride)
    dev = resolve_device(device)
    model = model.to(dev)
    depth_t, pose_t = stats.normalize(
        torch.from_numpy(depth)[None, None].to(dev), torch.from_numpy(poses.reshape(h * w, -1)).to(dev)
    )
    with torch.no_grad():
        if heatmap:
            logits = fc_cell_logits(model, depth_t, pose_t, (h, w), stride)
        else:
            logits = _sliding_logits(model, depth_t, pose_t, c=c, stride=stride, shape=(h, w), chunk=chunk)
    scores = torch.softmax(logits, dim=1)[:, 1].reshape(h, w).cpu().numpy().astype(np.float32)
    return ImagePrediction(scores=scores, poses=poses, stride=stride, crop=c, model_name=name, task=task)


def _stride(model: nn.Module, stride: int | None, heatmap: bool) -> int:
    native = model.cfg.stride if hasattr(model.cfg, "stride") else 1
    if stride is None:
        return native
    if stride < 1:
        raise ConfigError(f"--stride must be a positive number of pixels, got {stride}")
    if heatmap and native % stride:
        divisors = [d for d in range(1, native + 1) if native % d == 0]
        raise ConfigError(
            f"--stride {stride}: an FC-GQ-CNN with pool stride {native} gives exact heatmaps at {divisors}; "
            "use --sliding-window with the GQ-CNN for other strides"
        )
    return stride


def _needs_fc_message(checkpoint: Path, name: str, task: str, c: int, shape: tuple[int, ...]) -> str:
    if name == "DexNetGQCNN":
        return (
            f"{checkpoint} is a DexNetGQCNN, which scores {c}x{c} crops; a {shape[0]}x{shape[1]} image needs "
            f"its fully convolutional form: run `dexgen convert-weights --task {task}` and predict with "
            f"models/{task}-fc/model.pt, or pass --sliding-window (the same heatmap, much slower)"
        )
    return f"{checkpoint} is a {name}, which scores {c}x{c} crops only and has no FC form; cut a {c}x{c} crop"


def _cell_poses(
    depth: np.ndarray,
    pose: list[float] | None,
    *,
    task: str,
    pose_dim: int,
    shape: tuple[int, int],
    c: int,
    stride: int,
) -> np.ndarray:
    """(h, w, P) float32 raw poses: ``pose`` for every cell, or each crop's centre depth."""
    h, w = shape
    what = TASKS[task].pose_meaning if task in TASKS else f"{pose_dim} pose columns"
    if pose is None:
        if pose_dim != 1:
            raise ConfigError(f"a {task} checkpoint needs --pose with {pose_dim} values: {what}")
        centre = depth[c // 2 :: stride, c // 2 :: stride][:h, :w]
        return centre[..., None].astype(np.float32)
    values = np.asarray(pose, dtype=np.float64)
    if values.shape != (pose_dim,):
        raise ConfigError(
            f"--pose takes {pose_dim} value(s) for a {task} checkpoint ({what}), got {len(values)}"
        )
    if not np.isfinite(values).all():
        raise ConfigError(f"--pose values must be finite, got {list(pose)}")
    return np.broadcast_to(values.astype(np.float32), (h, w, pose_dim)).copy()


def fc_cell_logits(
    fc: DexNetFCGQCNN,
    depth: torch.Tensor,
    pose: torch.Tensor,
    shape: tuple[int, int],
    stride: int | None = None,
) -> torch.Tensor:
    """DexNetFCGQCNN logits (h*w, 2) of one normalised image (1, 1, H, W) with a pose per cell.

    The network's forward takes one pose per image; the pose only enters as a per-cell bias before
    fc4's ReLU, so a pose per cell ``pose`` (h*w, P) costs one small matmul, and equals the sliding
    window run with each crop's own pose.
    """
    h, w = shape
    x = fc.image_features(depth, stride)  # (1, fc4, h, w)
    if fc.cfg.use_pose:
        bias = fc.fc4_pose(F.relu(fc.pc1(pose)))  # (h*w, fc4)
        x = x + bias.T.reshape(1, -1, h, w)
    return fc.fc5(F.relu(x)).reshape(2, h * w).T


def _sliding_logits(
    model: nn.Module,
    depth: torch.Tensor,
    pose: torch.Tensor,
    *,
    c: int,
    stride: int,
    shape: tuple[int, int],
    chunk: int,
) -> torch.Tensor:
    """Crop classifier logits (h*w, 2) of every ``c`` crop at ``stride``, row-major, one pose each."""
    h, w = shape
    crops = depth.unfold(2, c, stride).unfold(3, c, stride)[0, 0, :h, :w].reshape(h * w, 1, c, c)
    out = []
    for i in range(0, h * w, chunk):
        logits = model(crops[i : i + chunk], pose[i : i + chunk])
        out.append(logits[:, :, 0, 0] if logits.ndim == 4 else logits)  # fakeFCGQCNN: 1x1 maps
    return torch.cat(out)


def save_npy(path: str | Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array)
    atomic.write_bytes(path, buffer.getvalue())


def save_heatmap_png(path: str | Path, depth: np.ndarray, prediction: ImagePrediction) -> Path:
    """The depth image in grey with the p(success) heatmap over it (each cell drawn over its crop
    centre's stride x stride square) and the best grasp centre marked."""
    from matplotlib.figure import Figure  # not pyplot: no global state, no GUI backend

    fig = Figure(figsize=(6, 6 * depth.shape[0] / max(depth.shape[1], 1) + 0.6), dpi=100)
    ax = fig.subplots()
    im = draw_heatmap(ax, depth, prediction)
    best = prediction.best()
    ax.set_title(f"{prediction.model_name}: best p={best['p_success']:.3f} at (x={best['x']}, y={best['y']})")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="p(success)")
    return save_figure(path, fig)


def draw_heatmap(ax, depth: np.ndarray, prediction: ImagePrediction, *, mark_best: bool = True):
    """Draw ``depth`` in grey, the heatmap over it (NaN cells left clear) and, with ``mark_best``, the
    best cell's centre on ``ax``; returns the heatmap's image artist (for a colour bar)."""
    s, c = prediction.stride, prediction.crop
    h, w = prediction.scores.shape
    left, top = c // 2 - s / 2 - 0.5, c // 2 - s / 2 - 0.5
    ax.imshow(depth, cmap="gray_r")
    im = ax.imshow(
        prediction.scores,
        cmap="jet",
        alpha=0.5,
        vmin=0.0,
        vmax=1.0,
        extent=(left, left + w * s, top + h * s, top),
        interpolation="nearest",
    )
    ax.set(xlim=(-0.5, depth.shape[1] - 0.5), ylim=(depth.shape[0] - 0.5, -0.5))
    if mark_best:
        best = prediction.best()
        ax.plot(best["x"], best["y"], marker="x", color="white", markersize=12, mew=3)
    return im


def save_figure(path: str | Path, fig) -> Path:
    """PNG bytes without a version stamp (stable across runs), written atomically."""
    buffer = io.BytesIO()
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    atomic.write_bytes(path, buffer.getvalue())
    return Path(path)


def image_summary(prediction: ImagePrediction) -> dict[str, Any]:
    """What ``dexgen predict --image`` prints: the score of a crop, or the heatmap's best cell."""
    out: dict[str, Any] = {"model": prediction.model_name, "task": prediction.task}
    if prediction.scores.size == 1:
        out.update(p_success=float(prediction.scores[0, 0]), pose=[float(v) for v in prediction.poses[0, 0]])
    else:
        out.update(
            heatmap_shape=list(prediction.scores.shape),
            stride=prediction.stride,
            crop=prediction.crop,
            best=prediction.best(),
        )
    return out
