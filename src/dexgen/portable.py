"""Arithmetic whose bits do not depend on which CPU runs it: small matrix products, rigid inverses,
inverse trigonometry.

``a @ b`` and ``np.linalg.inv`` go to OpenBLAS / LAPACK, which picks a kernel per CPU at run time
(Haswell, Zen, SkylakeX, ...); the kernels order and fuse (FMA) the same sums differently, so the last
bits differ between machines, and the simulator turns last-bit differences in a start pose into
flipped labels (``benchmarks/machine_dependence.py``: 13-24 of 24 trials per object moved under
``OPENBLAS_CORETYPE=Haswell`` on a Zen 4). numpy's ``arccos``, ``arctan``, ``arctan2`` (and ``exp``,
``log``, ``power``) take an AVX-512 (SVML) path on CPUs that have it and another path elsewhere,
with different last bits. Here products use only elementwise multiplies and adds in a fixed order
(one IEEE rounding each), and the inverse trigonometry goes through the C library one value at a
time, which depends only on the library and on whether the CPU has FMA (every x86-64-v3 CPU does).
Use these where a result decides a label or is written to a tracked file.
"""

from __future__ import annotations

import math

import numpy as np

_ACOS = np.frompyfunc(math.acos, 1, 1)
_ATAN = np.frompyfunc(math.atan, 1, 1)
_ATAN2 = np.frompyfunc(math.atan2, 2, 1)


def arccos(x: np.ndarray) -> np.ndarray:
    """``np.arccos`` of float64 values in [-1, 1] (clip first), radians, without numpy's SIMD paths."""
    return np.asarray(_ACOS(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def arctan(x: np.ndarray) -> np.ndarray:
    """``np.arctan`` of float64 values, radians, without numpy's SIMD paths."""
    return np.asarray(_ATAN(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def arctan2(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.arctan2(y, x)`` of float64 values, radians in [-pi, pi], without numpy's SIMD paths."""
    return np.asarray(
        _ATAN2(np.asarray(y, dtype=np.float64), np.asarray(x, dtype=np.float64)), dtype=np.float64
    )


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for (..., n, k) and (..., k, m) float arrays, broadcasting like ``@``.

    Sums over k left to right, one rounding per multiply and per add (no BLAS, no FMA).
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not chain")
    out = a[..., :, 0, None] * b[..., None, 0, :]
    for j in range(1, a.shape[-1]):
        out = out + a[..., :, j, None] * b[..., None, j, :]
    return out


def rigid_inverse(T: np.ndarray) -> np.ndarray:
    """Inverse of rigid transforms T (..., 4, 4) = [R t; 0 1]: [R^T, -R^T t; 0 1].

    Exact for a rotation R up to one rounding per operation; unlike ``np.linalg.inv`` it assumes R is
    orthonormal (every pose in dexgen is: guesses, simulator quaternions).
    """
    T = np.asarray(T, dtype=np.float64)
    rot_t = np.swapaxes(T[..., :3, :3], -1, -2)
    out = np.zeros_like(T)
    out[..., :3, :3] = rot_t
    out[..., :3, 3] = -matmul(rot_t, T[..., :3, 3:])[..., 0]
    out[..., 3, 3] = 1.0
    return out


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sum over the last axis of ``a * b`` (broadcast), left to right: ``np.dot`` of vectors without BLAS."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    out = a[..., 0] * b[..., 0]
    for j in range(1, a.shape[-1]):
        out = out + a[..., j] * b[..., j]
    return out


def norm(x: np.ndarray) -> np.ndarray:
    """Euclidean length over the last axis; ``np.linalg.norm`` of a vector goes through BLAS ``ddot``."""
    return np.sqrt(dot(x, x))
