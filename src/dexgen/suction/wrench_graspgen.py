"""GraspGen's wrench resistance (``SuctionCupArray.is_wrench_resistant``) reproduced, without a QP solver.

GraspGen asks, per sealed grasp and per unit disturbance force ``w = (d, 0)`` at the centre of mass
(the object frame's origin), whether some cup wrenches ``x`` (per cup ``(f, tau)`` in its lip frame)
within the suction-ring limits give ``||G x - w||^2 <= 1e-3`` (``np.isclose(res, 0, atol=1e-3)``), where
``G`` stacks each cup's adjoint transpose. Its limits, per cup, with ``f_N = f_z + V``:
``sqrt3 |f_x|, sqrt3 |f_y| <= mu f_N``, ``sqrt3 |tau_z| <= r mu f_N``, ``f_z >= -V`` and
``sqrt2 |tau_x|, sqrt2 |tau_y| <= pi r kappa`` (material torque NOT scaled by f_N, unlike our Dex-Net
reading). Its quirk kept: cup ``i``'s frame is ``pose_i @ T_grasp`` (not ``T_grasp @ pose_i``).

Why no QP: at 1 N disturbances against V = 250 N only the two material-torque bounds can bind, so we
solve the least squares with just those boxes exactly (single cup: closed form on the box edges; an
array: bounded least squares), then check every other limit at the answer; where one is broken (huge
lever arms) the full problem goes to SLSQP, and the count of such cases is returned.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear, minimize

from dexgen.suction.cup import CupArray

RES_TOL = 1e-3  # GraspGen's np.isclose(res, 0.0, atol=1e-3) on the squared residual
_FREE, _BOXED = [0, 1, 2, 5], [3, 4]


def _skew(v: np.ndarray) -> np.ndarray:
    z = np.zeros(v.shape[:-1])
    return np.stack(
        [
            np.stack([z, -v[..., 2], v[..., 1]], -1),
            np.stack([v[..., 2], z, -v[..., 0]], -1),
            np.stack([-v[..., 1], v[..., 0], z], -1),
        ],
        -2,
    )


def grasp_maps(cup: CupArray, T_com_grasp: np.ndarray) -> np.ndarray:
    """(n, 6, 6k) -- GraspGen's grasp map: cup wrenches (lip frames) to the wrench at the object origin."""
    frames = np.einsum("kij,njl->nkil", cup.poses, T_com_grasp)  # GraspGen's pose @ tf
    inv = np.linalg.inv(frames)
    rot, tra = inv[..., :3, :3], inv[..., :3, 3]
    adj = np.zeros(frames.shape[:2] + (6, 6))
    adj[..., :3, :3] = rot
    adj[..., 3:, 3:] = rot
    adj[..., :3, 3:] = _skew(tra) @ rot
    blocks = np.swapaxes(adj, -1, -2)  # (n, k, 6, 6): adjoint transposed
    return np.concatenate(list(np.moveaxis(blocks, 1, 0)), axis=-1)


def limits(cup: CupArray, num_cups: int) -> tuple[np.ndarray, np.ndarray]:
    """GraspGen's ``G x <= h`` for ``num_cups`` cups: (11k, 6k) and (11k,)."""
    s3, s2, mu, r, V = np.sqrt(3.0), np.sqrt(2.0), cup.friction, cup.radius, cup.suction_force
    G = np.array(
        [
            [s3, 0, -mu, 0, 0, 0],
            [-s3, 0, -mu, 0, 0, 0],
            [0, s3, -mu, 0, 0, 0],
            [0, -s3, -mu, 0, 0, 0],
            [0, 0, -mu * r, 0, 0, s3],
            [0, 0, -mu * r, 0, 0, -s3],
            [0, 0, 0, s2, 0, 0],
            [0, 0, 0, -s2, 0, 0],
            [0, 0, 0, 0, s2, 0],
            [0, 0, 0, 0, -s2, 0],
            [0, 0, -1.0, 0, 0, 0],
        ]
    )
    t = np.pi * r * cup.kappa
    h = np.array([mu * V] * 4 + [r * mu * V] * 2 + [t] * 4 + [V])
    return np.kron(np.eye(num_cups), G), np.tile(h, num_cups)


def _single_cup(A: np.ndarray, w: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact min of ||A x - w||^2 over |x_3|, |x_4| <= bound for invertible (m, 6, 6) A and (m, 6) w."""
    x_star = np.linalg.solve(A, w[..., None])[..., 0]
    M = np.swapaxes(A, -1, -2) @ A
    Mff = M[:, _FREE][:, :, _FREE]
    Mfb = M[:, _FREE][:, :, _BOXED]
    K = np.linalg.solve(Mff, Mfb)  # (m, 4, 2): free coords' response to the boxed ones
    S = M[:, _BOXED][:, :, _BOXED] - np.swapaxes(Mfb, -1, -2) @ K
    tb = x_star[:, _BOXED]
    best = np.zeros_like(tb)
    best_val = np.where((np.abs(tb) <= bound).all(axis=1), 0.0, np.inf)
    for fixed in (0, 1):
        other = 1 - fixed
        for side in (-bound, bound):
            d = np.zeros_like(tb)
            d[:, fixed] = side - tb[:, fixed]
            d[:, other] = np.clip(
                tb[:, other] - S[:, other, fixed] * d[:, fixed] / S[:, other, other], -bound, bound
            )
            d[:, other] -= tb[:, other]
            val = np.einsum("mi,mij,mj->m", d, S, d)
            take = val < best_val
            best[take], best_val[take] = d[take], val[take]
    x = x_star.copy()
    x[:, _BOXED] += best
    x[:, _FREE] -= (K @ best[..., None])[..., 0]
    return x, np.maximum(best_val, 0.0)


def _full_qp(A: np.ndarray, w: np.ndarray, G: np.ndarray, h: np.ndarray, x0: np.ndarray) -> float:
    res = minimize(
        lambda x: float(np.sum((A @ x - w) ** 2)),
        x0,
        jac=lambda x: 2 * A.T @ (A @ x - w),
        constraints=[{"type": "ineq", "fun": lambda x: h - G @ x, "jac": lambda x: -G}],
        method="SLSQP",
        options={"maxiter": 500, "ftol": 1e-12},
    )
    return float(np.sum((A @ res.x - w) ** 2))


def resisted(cup: CupArray, T_com_grasp: np.ndarray, disturbances: np.ndarray) -> tuple[np.ndarray, int]:
    """((n, D) bool, fallbacks) -- whether each grasp resists each disturbance, GraspGen's rule.

    T_com_grasp : (n, 4, 4) grasps in the object frame centred at its centre of mass, metres;
    disturbances : (D, 3) unit force directions (newtons, at the centre of mass).
    """
    T = np.asarray(T_com_grasp, dtype=np.float64).reshape(-1, 4, 4)
    n, D, k = len(T), len(disturbances), cup.num_cups
    if n == 0 or D == 0:
        return np.zeros((n, D), bool), 0
    A = np.repeat(grasp_maps(cup, T), D, axis=0)  # (n D, 6, 6k)
    w = np.zeros((n * D, 6))
    w[:, :3] = np.tile(np.asarray(disturbances, dtype=np.float64), (n, 1))
    bound = np.pi * cup.radius * cup.kappa / np.sqrt(2.0)
    if k == 1:
        x, val = _single_cup(A, w, bound)
    else:
        lo, hi = np.full(6 * k, -np.inf), np.full(6 * k, np.inf)
        for c in range(k):
            lo[6 * c + 3 : 6 * c + 5], hi[6 * c + 3 : 6 * c + 5] = -bound, bound
        x = np.zeros((n * D, 6 * k))
        val = np.zeros(n * D)
        for i in range(n * D):
            sol = lsq_linear(A[i], w[i], bounds=(lo, hi), method="bvls")
            x[i], val[i] = sol.x, 2 * sol.cost
    G, h = limits(cup, k)
    broken = np.flatnonzero(((x @ G.T) > h * (1 + 1e-9) + 1e-12).any(axis=1))
    for i in broken:
        val[i] = _full_qp(A[i], w[i], G, h, np.zeros(6 * k))
    return (val <= RES_TOL).reshape(n, D), len(broken)
