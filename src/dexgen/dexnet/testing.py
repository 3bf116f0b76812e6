"""TEST FIXTURE ONLY: tiny Dex-Net-layout datasets with a known, learnable label rule.

Not a data source for the pipeline (the synthesis and fetch stages provide real data); this exists so
tests and smoke runs exercise the exact on-disk layout the writer produces without any download.

Each datapoint is a flat table at depth ``t`` (0.60-0.75 m) with one box-shaped object 2-6 cm tall
(closer to the camera, so smaller depth). The label rule is "the object covers the image centre":
positives have the box centred within 2 px, negatives have it at least 9 px away. The metric field is
drawn on the task's scale so that ``metric > threshold`` gives exactly that label. Objects, stable
poses and images get integer labels so object-wise and pose-wise splits can be tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dexgen.dexnet.fields import IMAGE_SIZE, task_spec
from dexgen.dexnet.tensors import write_dataset


def tiny_arrays(task: str, n: int, *, seed: int, num_objects: int = 10, positive_rate: float = 0.4) -> dict:
    """The field arrays of an ``n``-point dataset for ``task`` (``parallel_jaw`` or ``suction``)."""
    spec = task_spec(task)
    rng = np.random.default_rng(seed)  # fixture: callers pass a fixed seed
    positive = rng.random(n) < positive_rate
    table = rng.uniform(0.60, 0.75, n)
    height = rng.uniform(0.02, 0.06, n)
    half = rng.integers(3, 7, n)
    offset = rng.integers(-2, 3, (n, 2))
    far = rng.integers(9, 13, (n, 2)) * rng.choice([-1, 1], (n, 2))
    centre = IMAGE_SIZE // 2 + np.where(positive[:, None], offset, far)
    yy, xx = np.mgrid[:IMAGE_SIZE, :IMAGE_SIZE]
    inside = (np.abs(yy[None] - centre[:, 0, None, None]) <= half[:, None, None]) & (
        np.abs(xx[None] - centre[:, 1, None, None]) <= half[:, None, None]
    )
    depth = table[:, None, None] - height[:, None, None] * inside
    poses = np.zeros((n, 7))
    poses[:, 0:2] = IMAGE_SIZE // 2
    poses[:, 2] = depth[:, IMAGE_SIZE // 2, IMAGE_SIZE // 2] + rng.uniform(-0.005, 0.01, n)
    poses[:, 3] = rng.uniform(*spec.angle_range, n)
    poses[:, 4:6] = centre
    poses[:, 6] = 12.5
    t = spec.threshold
    metric = np.where(positive, rng.uniform(1.2 * t, 5 * t, n), rng.uniform(0, 0.8 * t, n))
    objects = rng.integers(0, num_objects, n)
    arrays = {
        "depth_ims_tf_table": depth[..., None].astype(np.float32),
        "hand_poses": poses.astype(np.float32),
        spec.metric_field: metric.astype(np.float32),
        spec.object_label_field: objects.astype(np.uint32),
        "pose_labels": (objects * 3 + rng.integers(0, 3, n)).astype(np.uint32),
        "image_labels": (np.arange(n) // 4).astype(np.uint32),
    }
    for name in spec.fields:  # 2.0's unused non-robust metrics
        arrays.setdefault(name, metric.astype(np.float32))
    return arrays


def write_tiny_dataset(
    root: str | Path, task: str, n: int, *, seed: int = 0, rows_per_file: int = 1000, **kwargs
) -> dict:
    """Write :func:`tiny_arrays` to ``root`` in the exact tensors layout; returns the arrays."""
    arrays = tiny_arrays(task, n, seed=seed, **kwargs)
    write_dataset(
        root, arrays, task_spec(task).fields, rows_per_file=rows_per_file, metadata={"fixture": True}
    )
    return arrays
