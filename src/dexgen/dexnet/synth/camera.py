"""Dex-Net's overhead depth camera: pinhole intrinsics and poses drawn on a sphere around the object.

Camera frame (OpenCV): +z along the optical axis into the scene, +x to the image right, +y down; pixel
``(u, v)`` = (column, row). Distances and angles follow ``dexnet.md`` §4 (2.0: r in [0.65, 0.75] m,
polar angle 0.05-0.1 pi; 3.0: r in [0.5, 0.7] m, polar 0.01-0.1 pi; fx = fy = 525, 640 x 480).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dexgen.params.synth import CameraConfig


@dataclasses.dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics, pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @classmethod
    def from_config(cls, cfg: CameraConfig) -> Intrinsics:
        return cls(cfg.fx, cfg.fy, cfg.cx, cfg.cy, cfg.width, cfg.height)

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """(n, 2) float64 pixel (u, v) of (n, 3) camera-frame points (metres, z > 0)."""
        p = np.asarray(points_cam, dtype=np.float64)
        return np.stack(
            [self.fx * p[:, 0] / p[:, 2] + self.cx, self.fy * p[:, 1] / p[:, 2] + self.cy], axis=1
        )

    def rays(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(n, 3) float64 camera-frame ray directions with z = 1 through pixels (u, v) (pixel centres)."""
        u = np.asarray(u, dtype=np.float64).ravel()
        v = np.asarray(v, dtype=np.float64).ravel()
        return np.stack([(u - self.cx) / self.fx, (v - self.cy) / self.fy, np.ones_like(u)], axis=1)


def look_at(eye: np.ndarray, target: np.ndarray, *, up: np.ndarray | None = None) -> np.ndarray:
    """(4, 4) T_table_cam: camera at ``eye`` looking at ``target`` (both (3,) table frame, metres)."""
    z = np.asarray(target, dtype=np.float64) - np.asarray(eye, dtype=np.float64)
    z /= np.linalg.norm(z)
    up = np.array([0.0, 1.0, 0.0]) if up is None else np.asarray(up, dtype=np.float64)
    if abs(float(np.dot(up, z))) > 0.999:
        up = np.array([1.0, 0.0, 0.0])
    x = np.cross(z, up)  # image right
    x /= np.linalg.norm(x)
    y = np.cross(z, x)  # image down
    T = np.eye(4)
    T[:3, 0], T[:3, 1], T[:3, 2], T[:3, 3] = x, y, z, eye
    return T


def sample_cameras(
    cfg: CameraConfig, target: np.ndarray, *, rng: np.random.Generator, count: int | None = None
) -> np.ndarray:
    """(count, 4, 4) float64 T_table_cam on a sphere around ``target`` (3,) (table frame, metres).

    Radius uniform in ``cfg.radius``, polar angle from the table normal uniform in ``cfg.polar`` (deg),
    azimuth uniform in [0, 2 pi); the camera looks at ``target`` shifted by up to ``target_offset`` in
    x and y, and its image "up" is a random direction (Dex-Net draws the roll freely too).
    """
    n = cfg.images_per_pose if count is None else count
    out = np.empty((n, 4, 4))
    for i in range(n):
        r = rng.uniform(*cfg.radius)
        polar = np.deg2rad(rng.uniform(*cfg.polar))
        azimuth = rng.uniform(0.0, 2 * np.pi)
        look = np.asarray(target, dtype=np.float64).copy()
        look[:2] += rng.uniform(-cfg.target_offset, cfg.target_offset, 2)
        eye = look + r * np.array(
            [np.sin(polar) * np.cos(azimuth), np.sin(polar) * np.sin(azimuth), np.cos(polar)]
        )
        roll = rng.uniform(0.0, 2 * np.pi)
        out[i] = look_at(eye, look, up=np.array([np.cos(roll), np.sin(roll), 0.0]))
    return out
