"""Ferrari-Canny grasp quality of a two-contact parallel-jaw grasp (``dexnet.md`` §4 "Robust Ferrari-Canny").

Each contact's friction cone is approximated by 8 edge forces ``n + mu (cos a t1 + sin a t2)`` (unit
normal component), torques are taken about the centre of mass and multiplied by ``torque_scaling``, and
two soft-finger torsion wrenches ``(0, +-mu r n)`` per contact model the pad's resistance to spinning.
The quality is 0 unless the origin lies strictly inside the convex hull of these wrenches; then it is the
distance from the origin to the nearest hull facet (the scipy ``ConvexHull`` form the reference gives).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from dexgen import portable

_CONE_EDGES = 8
_INSIDE_TOL = 1e-12  # a facet offset must be below -this for the origin to count as strictly inside


def tangents(normals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit tangents (n, 3) each, orthogonal to the unit ``normals`` (n, 3) and to each other."""
    n = np.asarray(normals, dtype=np.float64).reshape(-1, 3)
    ref = np.where(np.abs(n[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    t1 = np.cross(n, ref)
    t1 /= np.linalg.norm(t1, axis=1, keepdims=True)
    return t1, np.cross(n, t1)


def contact_wrenches(
    points: np.ndarray,
    normals_in: np.ndarray,
    com: np.ndarray,
    *,
    mu: float,
    torque_scaling: float,
    finger_radius: float,
) -> np.ndarray:
    """(k * 10, 6) float64 -- cone-edge and torsion wrenches of k contacts.

    points : (k, 3) contact points; normals_in : (k, 3) unit normals pointing into the object;
    com : (3,) centre of mass -- one frame, metres. Torques are scaled by ``torque_scaling`` (1/m).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    n = np.asarray(normals_in, dtype=np.float64).reshape(-1, 3)
    t1, t2 = tangents(n)
    a = 2 * np.pi * np.arange(_CONE_EDGES) / _CONE_EDGES
    forces = n[:, None] + mu * (
        np.cos(a)[None, :, None] * t1[:, None] + np.sin(a)[None, :, None] * t2[:, None]
    )
    arms = (points - com)[:, None, :]
    torques = np.cross(arms, forces) * torque_scaling
    cone = np.concatenate([forces, torques], axis=2).reshape(-1, 6)
    spin = mu * finger_radius * torque_scaling * n
    torsion = np.concatenate([np.zeros((2 * len(n), 3)), np.concatenate([spin, -spin], axis=0)], axis=1)
    return np.concatenate([cone, torsion], axis=0)


def ferrari_canny(wrenches: np.ndarray) -> float:
    """Distance from the origin to the nearest facet of the wrench hull (0 if the origin is not inside)."""
    try:
        hull = ConvexHull(wrenches)
    except (QhullError, ValueError):  # flat wrench set: no force closure in some direction
        return 0.0
    offsets = hull.equations[:, -1]  # unit facet normals; inside means normal . x + offset <= 0
    if not (offsets < -_INSIDE_TOL).all():
        return 0.0
    return float(-offsets.max())


def force_closure(points: np.ndarray, normals_in: np.ndarray, *, mu: float) -> bool:
    """Two-contact force closure: each inward normal within atan(mu) of the line joining the contacts."""
    line = points[1] - points[0]
    length = np.linalg.norm(line)
    if length < 1e-9:
        return False
    line = line / length
    cos_max = np.cos(math.atan(mu))  # math, not numpy: numpy's arctan bits vary by CPU (dexgen.portable)
    return bool(
        portable.dot(normals_in[0], line) >= cos_max and portable.dot(normals_in[1], -line) >= cos_max
    )
